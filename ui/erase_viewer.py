"""删除观众数据: a viewer asks for their data to be erased (《个人信息保护法》). The manager types the platform id or
the nickname the viewer gave, picks the account among those found, and erases it after a confirmation: every
stored trace becomes a token (`app.erasure`), the counts stay. Searching and erasing read the whole log, so they
run off the window's thread."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from ui.i18n import QT_TR_NOOP, tr
from ui.worker import Worker

COLUMNS = (QT_TR_NOOP("平台"), "ID", QT_TR_NOOP("昵称"), QT_TR_NOOP("场次"), QT_TR_NOOP("事件"), QT_TR_NOOP("首次 / 最近"))


class EraseViewerDialog(QDialog):
    def __init__(self, history, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self.setWindowTitle(tr("删除观众数据"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.query = QLineEdit()
        self.query.setPlaceholderText(tr("观众的平台ID或完整昵称"))
        self.query.returnPressed.connect(self.search)
        self.find_button = QPushButton(tr("查找"))
        self.find_button.clicked.connect(self.search)
        self.found = QTableWidget(0, len(COLUMNS))
        self.found.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        self.found.verticalHeader().setVisible(False)
        self.found.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.found.horizontalHeader().setStretchLastSection(True)
        self.found.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.found.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.found.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.found.itemSelectionChanged.connect(self._selected)
        self.erase_button = QPushButton(tr("删除所选观众的数据…"))
        self.erase_button.setEnabled(False)
        self.erase_button.clicked.connect(self.erase)
        self.status = QLabel(tr("只删除已结束场次中的数据；计数保留，录像画面无法更改"))
        self.status.setWordWrap(True)
        close = QPushButton(tr("关闭"))
        close.clicked.connect(self.close)
        row = QHBoxLayout()
        row.addWidget(self.query, 1)
        row.addWidget(self.find_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.erase_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.found, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.resize(760, 420)
        self.matches: list = []
        self.worker = Worker(self, "viewer erasure")

    def confirm(self, question: str) -> bool:
        return QMessageBox.question(self, tr("删除观众数据"), question) == QMessageBox.StandardButton.Yes

    def search(self) -> None:
        text = self.query.text()
        if not text.strip():
            return
        self.find_button.setEnabled(False)
        self.status.setText(tr("查找中…"))
        history = self.history
        self.worker.start(lambda: history.find_viewers(text), self._found)

    def _found(self, result) -> None:
        self.find_button.setEnabled(True)
        if isinstance(result, Exception):
            self.status.setText(tr("查找失败：{error}").format(error=result))
            return
        self.matches = list(result)
        self.found.setRowCount(len(self.matches))
        for row, m in enumerate(self.matches):
            first, last = (time.strftime("%Y-%m-%d", time.localtime(t)) for t in (m.first_at, m.last_at))
            cells = (m.platform or "—", m.user_id, "、".join(m.nicknames) or "—", str(m.shows), str(m.events),
                     f"{first} / {last}")
            for column, text in enumerate(cells):
                self.found.setItem(row, column, QTableWidgetItem(text))
        self.status.setText(tr("找到 {n} 个账号").format(n=len(self.matches)) if self.matches
                            else tr("没有找到这位观众"))
        self._selected()

    def _selected(self) -> None:
        self.erase_button.setEnabled(not self.worker.busy and bool(self.found.selectedItems()))

    def erase(self) -> None:
        rows = {item.row() for item in self.found.selectedItems()}
        if len(rows) != 1:
            return
        match = self.matches[rows.pop()]
        question = tr("删除 {platform} 账号 {id} 在 {shows} 场中的 {events} 条记录？ID 与昵称换成代号，计数保留，"
                      "无法撤销。").format(platform=match.platform or "—", id=match.user_id, shows=match.shows,
                                         events=match.events)
        if not self.confirm(question):
            return
        self.erase_button.setEnabled(False)
        self.status.setText(tr("删除中…"))
        history, platform, user_id = self.history, match.platform, match.user_id
        self.worker.start(lambda: history.erase_viewer(platform, user_id), self._erased)

    def _erased(self, result) -> None:
        if isinstance(result, Exception):
            self.status.setText(tr("删除失败：{error}").format(error=result))
        elif result is None:
            self.status.setText(tr("没有可删除的记录"))
        else:
            text = tr("已删除：{shows} 场中的 {events} 条记录，代号 {token}").format(
                shows=result.shows, events=result.events, token=result.token)
            if result.live_skipped:
                text += tr("；直播中的 {n} 场未动，结束后再删一次").format(n=result.live_skipped)
            if result.draws:
                text += tr("；福袋已先核验：{draws}").format(draws="、".join(
                    f"#{s}-{d} {'✓' if ok else '✗'}" for s, d, ok in result.draws))
            self.status.setText(text)
            self.found.setRowCount(0)
            self.matches = []
        self._selected()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self.worker.wait()
        super().closeEvent(event)
