"""推流目的地 dock: the studio's saved destinations, ticked for this show, each with its own health while live.

The server part of every destination stays readable; the key is only ever typed into a password field and kept in
the OS keyring (`app.destinations.KeyStore`). The toolbar's address is the main destination and the list's first
row (主推流, with the same health as the others: state, kbps, lost frames, reconnects); the ticked ones below are
pushed to as well, from the same encode. One that fails does not stop the others (each output has its own
reconnects), and its row says so.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QDockWidget, QFormLayout, QHBoxLayout,
                               QHeaderView, QLineEdit, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from app.console import PRESETS, Destination, split_url
from ui.i18n import QT_TR_NOOP, label, pick, tr

COLUMNS = (QT_TR_NOOP("推流"), QT_TR_NOOP("名称"), QT_TR_NOOP("服务器"), QT_TR_NOOP("密钥"),
           QT_TR_NOOP("状态"), "kbps", QT_TR_NOOP("丢帧"), QT_TR_NOOP("重连"))
HEALTH = {"failed": QT_TR_NOOP("✖ 失败"), "reconnecting": QT_TR_NOOP("◌ 重连中"), "congested": QT_TR_NOOP("◐ 拥塞"),
          "ok": QT_TR_NOOP("● 正常")}


def destination_problem(name: str, server: str, reserved: tuple[str, ...]) -> str | None:
    """What is wrong with a destination typed into the dialog (中文 / English), or None."""
    if not name.strip():
        return "请填写名称 / give it a name"
    if name.strip() in reserved:
        return f"名称 {name.strip()} 已被占用 / the name {name.strip()} is taken"
    if not server.startswith(("rtmp://", "rtmps://")) or server.rstrip("/").count("/") < 3:
        return "服务器须为 rtmp://主机/应用 / the server must be rtmp://HOST/APP"
    return None


class DestinationDialog(QDialog):
    """Add or edit one destination: a platform preset fills the server; the key goes into a password field (left
    empty when editing, it keeps the saved key)."""

    def __init__(self, destination: Destination | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("推流目的地"))
        self.preset = QComboBox()
        self.preset.addItem(tr("选择平台…"), "")
        for platform, server in PRESETS.items():
            if server:
                self.preset.addItem(label(platform), server)
        self.name = QLineEdit(destination.name if destination else "")
        self.server = QLineEdit(destination.server if destination else "")
        self.server.setPlaceholderText("rtmp://HOST/APP")
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText(tr("留空则保留已保存的密钥") if destination else tr("平台给的串流密钥"))
        self.preset.currentIndexChanged.connect(self._use_preset)
        form = QFormLayout(self)
        form.addRow(tr("平台"), self.preset)
        form.addRow(tr("名称"), self.name)
        form.addRow(tr("服务器"), self.server)
        form.addRow(tr("串流密钥"), self.key)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _use_preset(self, _index: int) -> None:
        server = self.preset.currentData()
        if server:
            self.server.setText(server)
            if not self.name.text().strip():
                self.name.setText(next(p for p, s in PRESETS.items() if s == server))

    def url(self) -> str:
        """What KeyStore.save takes: server/KEY, or the server alone (keeps the saved key)."""
        server, key = self.server.text().strip().rstrip("/"), self.key.text().strip()
        if "/" in key and not key.startswith("?"):  # a whole URL pasted into the key field: take its key
            server, key = split_url(key)
        return f"{server}/{key}"


class DestinationsDock(QDockWidget):
    def __init__(self, keys, reserved: tuple[str, ...], on_message, parent: QWidget | None = None,
                 main: tuple[str, object] | None = None) -> None:
        """`main`: the toolbar's destination as (its name in the go-live, the field holding its address), shown as
        the first row and followed as it is typed."""
        super().__init__(tr("推流目的地"), parent)
        self.setObjectName("destinations")
        self.keys, self.reserved, self._message = keys, reserved, on_message
        self.main_name, self.main_field = main if main is not None else ("", None)
        self.ask = self._ask  # () → (name, url) or None; tests answer it directly
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([tr(c) if c != "kbps" else c for c in COLUMNS])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.itemChanged.connect(self._ticked)
        self.table.doubleClicked.connect(lambda _index: self.edit())
        add, edit, remove = QPushButton(tr("添加…")), QPushButton(tr("编辑…")), QPushButton(tr("删除"))
        add.clicked.connect(lambda: self.edit(new=True))
        edit.clicked.connect(lambda: self.edit())
        remove.clicked.connect(self.remove)
        row = QHBoxLayout()
        for button in (add, edit, remove):
            row.addWidget(button)
        row.addStretch(1)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.table)
        layout.addLayout(row)
        self.setWidget(body)
        self._live: list[str] = []  # the names pushed to by the go-live on air, in its order
        self._rows: list[str] = []  # the names shown, row by row, as the last reload read them
        if self.main_field is not None:
            self.main_field.changed.connect(self.reload)
        self.reload()

    # --- the list ----------------------------------------------------------------------------------------
    def destinations(self) -> list[Destination]:
        return [d for d in self.keys.load() if d.name not in self.reserved]

    def reload(self) -> None:
        self.table.blockSignals(True)
        try:
            main = self.main_field.text().strip() if self.main_field is not None else ""
            rows = self.destinations()
            self._rows = ([self.main_name] if main else []) + [d.name for d in rows]
            self.table.setRowCount(len(self._rows))
            if main:
                self._main_row(main)
            for row, d in enumerate(rows, start=1 if main else 0):
                tick = QTableWidgetItem()
                tick.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                tick.setCheckState(Qt.CheckState.Checked if d.ticked else Qt.CheckState.Unchecked)
                tick.setData(Qt.ItemDataRole.UserRole, d.name)
                self.table.setItem(row, 0, tick)
                has_key = self.keys.key(d.name) is not None
                for column, text in ((1, d.name), (2, d.server.rstrip("/") + "/"),
                                     (3, "****" if has_key else tr("未保存")), (4, ""), (5, ""), (6, ""), (7, "")):
                    self.table.setItem(row, column, QTableWidgetItem(text))
        finally:
            self.table.blockSignals(False)

    def _main_row(self, url: str) -> None:
        """Row 0: the toolbar's address — always pushed while it is filled in, edited in the toolbar."""
        server, key = split_url(url)
        tick = QTableWidgetItem()
        tick.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)  # not a tick box: the toolbar decides
        tick.setCheckState(Qt.CheckState.Checked)
        tick.setData(Qt.ItemDataRole.UserRole, self.main_name)
        self.table.setItem(0, 0, tick)
        for column, text in ((1, tr("主推流（工具栏）")), (2, server.rstrip("/") + "/"), (3, "****" if key else tr("未填写")),
                             (4, ""), (5, ""), (6, ""), (7, "")):
            item = QTableWidgetItem(text)
            item.setToolTip(tr("工具栏里的推流地址：在工具栏修改或清空"))
            self.table.setItem(0, column, item)

    def ticked_urls(self) -> list[tuple[str, str]]:
        """(name, full URL) of every ticked destination that has a key; a ticked one without a key is said."""
        out = []
        for d in self.destinations():
            if not d.ticked:
                continue
            key = self.keys.key(d.name)
            if key is None:
                self._message(tr("未保存密钥，跳过") + f": {d.name}", error=True)
                continue
            out.append((d.name, d.url(key)))
        return out

    def _selected(self) -> Destination | None:
        """The saved destination of the selected row (None for none, or for the toolbar's row)."""
        row = self.table.currentRow()
        name = self._rows[row] if 0 <= row < len(self._rows) else None
        if name is not None and name == self.main_name and self.main_field is not None:
            self.main_field.setFocus()  # the toolbar's address is edited where it is typed
            self._message(tr("工具栏里的推流地址：在工具栏修改或清空"))
            return None
        return next((d for d in self.destinations() if d.name == name), None)

    def _ticked(self, item: QTableWidgetItem) -> None:
        if item.column() == 0:
            self.keys.tick(item.data(Qt.ItemDataRole.UserRole), item.checkState() == Qt.CheckState.Checked)

    def _ask(self, destination: Destination | None) -> tuple[str, str] | None:
        dialog = DestinationDialog(destination, self)
        while dialog.exec() == QDialog.DialogCode.Accepted:
            name, url = dialog.name.text().strip(), dialog.url()
            taken = self.reserved + tuple(d.name for d in self.destinations()
                                          if destination is None or d.name != destination.name)
            problem = destination_problem(name, split_url(url)[0], taken)
            if problem is None:
                return name, url
            self._message(pick(problem), error=True)
        return None

    def edit(self, new: bool = False) -> None:
        """Add a destination (new) or edit the selected one; renaming moves its key."""
        before = None if new else self._selected()
        if not new and before is None:
            return
        answer = self.ask(before)
        if answer is None:
            return
        name, url = answer
        server, key = split_url(url)
        if before is not None and before.name != name:
            key = key or (self.keys.key(before.name) or "")
            self.keys.remove(before.name)
        if not key and (before is None or self.keys.key(name) is None):
            self._message(tr("请填写串流密钥") + f": {name}", error=True)
        self.keys.save(name, f"{server}/{key}", ticked=True if before is None else before.ticked)
        if self.keys.fallback_message:
            self._message(self.keys.fallback_message, error=True)
        self.reload()

    def remove(self) -> None:
        chosen = self._selected()
        if chosen is not None:
            self.keys.remove(chosen.name)
            self.reload()

    # --- while live --------------------------------------------------------------------------------------
    def went_live(self, names: list[str]) -> None:
        """The go-live pushes to these (in this order, after the toolbar's main destination if any)."""
        self._live = list(names)

    def stopped(self) -> None:
        self._live = []
        for row in range(self.table.rowCount()):
            for column in (4, 5, 6, 7):
                self.table.item(row, column).setText("")

    def show_health(self, outputs: list) -> None:
        """Each ticked destination's own light: `outputs` are the broadcast's RTMP outputs (OutputRate) for the
        names given to `went_live`, in that order."""
        by_name = dict(zip(self._live, outputs))  # the rows as shown: no reading of the file once a second
        for row, name in enumerate(self._rows):
            out = by_name.get(name)
            if out is None or self.table.item(row, 4) is None:
                continue
            self.table.item(row, 4).setText(tr(HEALTH.get(out.health, HEALTH["ok"])))
            self.table.item(row, 5).setText(f"{out.kbps:.0f}")
            self.table.item(row, 6).setText(f"{out.lost} ({out.lost_percent:.1f}%)")
            self.table.item(row, 7).setText(str(out.stats.reconnects))
            if out.health == "failed" and out.stats.error:
                self.table.item(row, 4).setToolTip(out.stats.error)
