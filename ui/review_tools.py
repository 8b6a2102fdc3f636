"""The review window's toolbar: what a manager does with a show apart from playing it — compare shows, the HTML
report, CSV, 直播切片, the shop's orders, labels, 多场分析, and the 存证包 (the show's records as a bundle another
machine verifies). Each handler asks for its file or folder when not given one, runs the history's method, and
says the outcome in the window's status line."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMainWindow, QPushButton

from ui.clip_export import ClipExport
from ui.compare import documents_folder
from ui.i18n import pick, tr
from ui.worker import Worker


class ReviewTools(QObject):
    """Builds the review window's toolbar (`window.addToolBar`) and runs what its buttons and actions ask."""

    def __init__(self, window: QMainWindow, service, status) -> None:
        super().__init__(window)
        self.window, self.history, self.status = window, service.history, status
        self.export_button = self._button(tr("导出 CSV…"), "", lambda: self.export())
        self.html_button = self._button(tr("导出报告…"), tr("一个 HTML 文件：指标、曲线、商品讲解，可邮件发送或手机打开"),
                                        lambda: self.export_html())
        self.compare_button = self._button(tr("对比场次…"), tr("按住 Ctrl 在左侧选两个或更多场次，在“场次对比”页并排查看"),
                                           lambda: window.compare())
        self.import_button = self._button(tr("导入订单…"), tr("店铺后台导出的订单（抖店 / 巨量百应 / 千牛，CSV 或 XLSX）按下单时间"
                                                           "放到本场时间轴上"), lambda: self.import_orders())
        self.clips = ClipExport(self.history, status, window, service.desk.clip_regions)
        self.clips_button = self.clips.button
        self.clips_button.clicked.connect(lambda: window.export_clips())
        self.tag_button = self._button(tr("标签…"), tr("给选中的场次打标签（如 新话术、旧话术），多场分析的 A/B 对比按标签分组"),
                                       lambda: self.tag_sessions())
        tools = window.addToolBar(tr("复盘工具"))
        tools.setObjectName("review-tools")
        tools.setMovable(False)
        for widget in (self.compare_button, self.html_button, self.export_button, self.clips_button,
                       self.import_button, self.tag_button):
            tools.addWidget(widget)
        self.insights_action = self._action(tr("多场分析"), "Ctrl+I", tr("一段时间的每一场并排：周、主播、时段、商品、观众回访与"
                                                                     "留存、复购、A/B"), window.show_insights)
        self.records_action = self._action(tr("存证包…"), "Ctrl+Shift+E", tr("这一场的记录导出为存证包：事件、哈希链、录像原件、"
                                                                         "清单（签名）；另一台电脑用 records verify 校验"),
                                           lambda: self.export_records())
        tools.addAction(self.insights_action)
        tools.addAction(self.records_action)
        self._worker = Worker(self, "records export")

    def _button(self, text: str, tip: str, slot) -> QPushButton:
        button = QPushButton(text)
        if tip:
            button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    def _action(self, text: str, keys: str, tip: str, slot) -> QAction:
        action = QAction(text, self.window)
        action.setShortcut(QKeySequence(keys))
        action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.window.addAction(action)  # its shortcut works wherever the window has the focus
        return action

    def _review(self):
        if self.window.review is None:
            self.status.setText(tr("先选择一个场次"))
        return self.window.review

    def import_orders(self, path: str | None = None):
        """导入订单: the shop's export into the session shown (a file is asked for when not given); the review is
        rebuilt with the orders on its timeline and the report stays in the status line."""
        review = self._review()
        if review is None:
            return None
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.window, tr("导入订单"), "", tr("订单导出") + " (*.csv *.xlsx)")
            if not path:
                return None
        session_id = review.info.id
        try:
            report = self.history.import_orders(session_id, path)
        except (ValueError, OSError) as exc:  # OrderImportError names the bad lines
            self.status.setText(tr("订单未导入") + f": {pick(str(exc))}")
            return None
        self.window.open_session(session_id)
        self.window._import_note = pick(report.summary())
        return report

    def export(self, folder: str | None = None) -> list:
        """Write the product windows and minutes as CSV (Excel) into a folder (asked for when not given)."""
        review = self._review()
        if review is None:
            return []
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self.window, tr("导出到"))
            if not folder:
                return []
        try:
            written = self.history.export_csv(review, folder)
        except OSError as exc:
            self.status.setText(tr("导出失败") + f": {exc}")
            return []
        self.status.setText(tr("已导出") + ": " + ", ".join(p.name for p in written))
        return written

    def export_html(self, path: str | None = None):
        """The review as one HTML file (asked for when not given); returns its path, or None."""
        review = self._review()
        if review is None:
            return None
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self.window, tr("保存报告"),
                                                  f"{documents_folder()}/session-{review.info.id}.html",
                                                  "HTML (*.html)")
            if not path:
                return None
        try:
            written = self.history.export_html(review, path)
        except OSError as exc:
            self.status.setText(tr("导出失败") + f": {exc}")
            return None
        self.status.setText(tr("已导出") + f": {written.name}")
        return written

    def export_records(self, folder: str | None = None) -> bool:
        """存证包: the show's records into a new folder (asked for when not given), off the window's thread (the
        recording is copied whole); the outcome in the status line. False when nothing was started."""
        review = self._review()
        if review is None:
            return False
        if folder is None:
            parent = QFileDialog.getExistingDirectory(self.window, tr("存证包放在"))
            if not parent:
                return False
            folder = f"{parent}/records-{review.info.id}"
        session_id, history = review.info.id, self.history
        self.status.setText(tr("正在导出存证包…"))
        self._worker.start(lambda: history.export_records(session_id, folder), self._exported)
        return True

    def _exported(self, result) -> None:
        if isinstance(result, Exception):
            self.status.setText(tr("存证包未导出") + f": {pick(str(result))}")
        else:
            self.status.setText(tr("存证包已导出") + f": {result}")

    def tag_sessions(self) -> list[int]:
        """标签: the selected shows' labels replaced by what the person types (space between labels); returns the
        ids labelled."""
        ids = sorted(item.data(Qt.ItemDataRole.UserRole) for item in self.window.sessions.selectedItems())
        if not ids:
            self.status.setText(tr("先在左侧选场次"))
            return []
        text, ok = QInputDialog.getText(self.window, tr("标签"), tr("场次") + f" {', '.join(map(str, ids))}: "
                                        + tr("标签用空格分开（空：清除）"))
        if not ok:
            return []
        try:
            for number in ids:
                kept = self.history.tag(number, text.split())
        except (KeyError, ValueError) as exc:
            self.status.setText(pick(str(exc)))
            return []
        self.status.setText(tr("已打标签") + f": {', '.join(kept) or '—'}")
        return ids

    def wait(self) -> None:
        self._worker.wait()
