"""导出切片 from the review window: what to cut and how chosen in a dialog (ui/clip_dialog.py), then cut into clips off
the window's thread (the history's `export_clips`, at a lower priority than a show on air), a progress dialog whose 取消 stops the cut at its next packet (the clips made by then
are kept, with their manifest), the outcome in the window's status line."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QLabel, QProgressDialog, QPushButton, QWidget

from ui.clip_dialog import ClipDialog
from ui.i18n import pick, tr
from ui.worker import Worker


class ClipExport(QObject):
    """The 导出切片… button and what it runs, for one review window."""

    def __init__(self, history, status: QLabel, parent: QWidget, regions=tuple) -> None:
        """`regions()`: (scene name, region) of the scenes that set what a vertical clip shows (the desk's)."""
        super().__init__(parent)
        self.history, self.status, self.window, self.regions = history, status, parent, regions
        self.button = QPushButton(tr("导出切片…"))
        self.button.setToolTip(tr("讲解或成交高光切成 MP4 短视频（原画面或竖屏 9:16，可加商品卡、字幕、标志），"
                                  "附 manifest.csv：商品、起止、订单、GMV"))
        self.progress: QProgressDialog | None = None
        self.dialog: ClipDialog | None = None
        self._worker = Worker(self, "clips")

    def start(self, review, playhead: float = 0.0) -> ClipDialog | None:
        """The choice of what to cut and how (ui/clip_dialog.py); its 导出… asks the folder and runs the cut."""
        if review is None:
            self.status.setText(tr("先选择一个场次"))
            return None
        if self.dialog is not None:
            self.dialog.deleteLater()  # the last choice's dialog, long closed
        dialog = self.dialog = ClipDialog(self.history, review, self.window, self.regions(), playhead)
        dialog.accepted.connect(lambda: self.run(review, dialog.spans, dialog.style(), dialog.folder))
        dialog.open()
        return dialog

    def run(self, review, spans: list, style, folder: str) -> bool:
        """Cut `spans` of `review` in `style` into `folder`, off the window's thread, with the progress dialog."""
        if not spans:
            self.status.setText(tr("这一场没有可切的讲解"))
            return False
        state = {"i": 0, "share": 0.0}  # written by the cut's thread, read by the timer: plain values only
        stop = threading.Event()
        dialog = self.progress = QProgressDialog(tr("切片中…"), tr("取消"), 0, 1000, self.window)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.canceled.connect(stop.set)
        dialog.setValue(0)  # shown now, not after its minimum duration
        dialog.show()
        timer = QTimer(dialog)

        def show_progress() -> None:
            dialog.setValue(int((state["i"] + state["share"]) / len(spans) * 1000))
            dialog.setLabelText(tr("切片 {i}/{n}").format(i=state["i"] + 1, n=len(spans)))

        def done(result) -> None:
            timer.stop()
            dialog.canceled.disconnect(stop.set)
            dialog.close()
            self.progress = None
            if isinstance(result, Exception):
                self.status.setText(tr("切片失败") + f": {pick(str(result))}")
            elif stop.is_set() and len(result) < len(spans):
                self.status.setText(tr("已取消：已导出 {made}/{n} 个切片").format(made=len(result), n=len(spans)))
            else:
                self.status.setText(tr("已导出 {n} 个切片和 manifest.csv 到 {folder}").format(n=len(result),
                                                                                     folder=folder))

        timer.timeout.connect(show_progress)
        timer.start(100)
        history = self.history
        self._worker.start(lambda: history.export_clips(
            review, spans, folder, style, progress=lambda i, n, share: state.update(i=i, share=share),
            cancelled=stop.is_set), done)
        return True

    def stop(self) -> None:
        """The window closes: a cut under way stops at its next packet and its thread ends here."""
        if self.progress is not None:
            self.progress.cancel()
        self._worker.wait()
