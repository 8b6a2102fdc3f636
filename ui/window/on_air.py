"""Going live and stopping, as the window does it (`window.on_air`): 开播前检查 (and 上行测速) in a thread with its
results in a dialog, 开播 with its questions, 停播 on a thread of its own, the on-air light while live, and the
window after a stop, a failure or a control surface's StartStream / StopStream. What a go-live asks for is the
toolbars' (ui/window/show.py)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel

from app.console import DestinationError, format_clock, redact, redact_url
from ui.i18n import pick, tr
from ui.worker import Worker, no_collection_here


class OnAir:
    """The go-live controller: `controls` are the toolbars whose actions it answers. `window` gives the service,
    the status line and the dialogs' answers (tests replace `confirm` and `choose`)."""

    def __init__(self, window, controls) -> None:
        self.window = window
        self.service = window.service
        self.controls = controls
        self.live_since: float | None = None
        self.check_dialog = None
        self.last_checks: list = []
        self.stopper = Worker(window, "stop")  # the stop writes the recording and the session: not on this thread
        # the go-live opens the sources, the outputs (a server's handshake), the encoder and the session: not here
        self.starter = Worker(window, "go live")
        controls.check_action.triggered.connect(lambda: self.run_prelive_check())
        controls.upload_action.triggered.connect(self.run_upload_check)
        controls.go_live_action.triggered.connect(self.go_live)
        controls.stop_action.triggered.connect(self.stop_live)

    # --- 开播前检查 -----------------------------------------------------------------------------------------
    def run_upload_check(self) -> None:
        """The checks plus 上行测速 (10 s to the destination, the key sent): asked first, since it publishes."""
        if not self.controls.destination.text().strip():
            self.window.message(tr("请先填写推流地址"), error=True)
            return
        if self.window.confirm(tr("上行测速会用推流密钥推送测试画面 10 秒（在平台上是一次短暂开播）。继续？")):
            self.run_prelive_check(upload_s=10.0)

    def run_prelive_check(self, upload_s: float | None = None) -> None:
        """开播前检查 in a worker thread (a server may take seconds to answer); the results in a dialog."""
        if not self.controls.check_action.isEnabled():
            return
        _names, urls = self.controls.urls()
        options = self.controls.options(urls)
        box: list = []
        service, feed_url = self.service, self.window.doors.feed_url  # the thread holds no Qt object (ui/worker.py)

        def work() -> None:
            with no_collection_here():
                try:
                    box.append(service.prelive_checks(urls, options.bitrate if options else 2_500_000,
                                                      feed_url=feed_url, upload_s=upload_s))
                except Exception as exc:  # noqa: BLE001 - shown, not lost in a thread nobody watches
                    box.append(exc)

        self.controls.check_action.setEnabled(False)
        self.window.message(tr("检查中…"))
        threading.Thread(target=work, name="pre-live check", daemon=True).start()

        def poll() -> None:
            if not box:
                QTimer.singleShot(100, poll)
                return
            self.controls.check_action.setEnabled(True)
            if isinstance(box[0], Exception):
                self.window.message(redact(str(box[0])), error=True)
                return
            self._show_checks(box[0])

        QTimer.singleShot(100, poll)

    def _show_checks(self, checks: list) -> None:
        from PySide6.QtGui import QColor
        from PySide6.QtWidgets import QDialog, QListWidget, QListWidgetItem, QVBoxLayout

        self.last_checks = checks
        colours = {"ok": "#2f855a", "warn": "#b7791f", "fail": "#c53030"}
        dialog = QDialog(self.window)
        dialog.setWindowTitle(tr("开播前检查"))
        listing = QListWidget(dialog)
        listing.setWordWrap(True)
        for check in checks:
            item = QListWidgetItem(redact(check.line()))
            item.setForeground(QColor(colours[check.status]))
            listing.addItem(item)
        failed = sum(check.status == "fail" for check in checks)
        summary = QLabel(tr("{failed} 项未通过").format(failed=failed) if failed else tr("全部通过"))
        layout = QVBoxLayout(dialog)
        layout.addWidget(listing)
        layout.addWidget(summary)
        dialog.resize(760, 320)
        self.check_dialog = dialog
        dialog.show()
        self.window.message(summary.text(), error=bool(failed))

    # --- go live / stop --------------------------------------------------------------------------------------
    def go_live(self) -> bool:
        """开播: asked here, then everything opens on a thread of its own (a server's handshake may take seconds, a
        camera a second); the window says 开播中… and answers meanwhile. True when the go-live began (its end:
        `_go_live_done`), False when it was not asked for or declined."""
        window = self.window
        if self.starting or self.service.live:
            return False
        names, urls = self.controls.urls()
        test_server = False
        if urls and self.controls.rehearsal:
            answer = self._choose_rehearsal_push(urls)
            if answer is None:
                return False
            if answer == "live":
                self.controls.mode.setCurrentIndex(self.controls.mode.findData("live"))
            test_server = answer == "test"
        if not window.confirm(self._go_live_question()):
            return False
        options = self.controls.options(urls, ask_for_file=True)
        if options is None:
            return False
        if test_server:
            options = replace(options, test_server_confirmed=True)
        window.remember()
        self.controls.go_live_action.setEnabled(False)
        self.controls.stop_action.setEnabled(False)
        self.controls.timer_label.setText("● " + tr("开播中…"))
        window.message(tr("开播中…"))
        service = self.service  # the thread holds no Qt object (ui/worker.py)
        self.starter.start(lambda: service.go_live(options), lambda result: self._go_live_done(result, names))
        return True

    @property
    def starting(self) -> bool:
        return self.starter.busy

    def _go_live_done(self, result, names: list[str]) -> None:
        """The go-live's end, on the window's thread: on air, or why not (the service has rolled back: the preview
        runs again)."""
        window = self.window
        if isinstance(result, BaseException) and self.service.live:  # a control surface's StartStream came first
            self.went_live_elsewhere()
            return
        if isinstance(result, BaseException):
            message = redact(str(result)) if isinstance(result, (DestinationError, ValueError)) else \
                redact(tr("开播失败") + f": {type(result).__name__}: {result}")
            self.show_on_air(None)
            self.controls.go_live_action.setEnabled(True)
            self.controls.stop_action.setEnabled(False)
            window.alert.show_message(message)
            window.message(message, error=True)
            return
        window.alert.hide()
        window.destinations.went_live(names)
        self.live_since = time.monotonic()
        self.show_on_air(0.0)  # lit at once, not a second later
        window.stats_label.setText("")  # not 未开播 beside 已开播 until the first figures come
        window.graphs.reset()
        camera = self.service.stage.camera_mode()
        self.controls.go_live_action.setEnabled(False)
        self.controls.stop_action.setEnabled(True)
        window.message(tr("已开播") + (" · " + tr("摄像头实际") + f" {camera}" if camera else ""))

    def went_live_elsewhere(self) -> None:
        """A control surface's StartStream: the light, the timer and the buttons as for the window's own go-live."""
        self.live_since = time.monotonic()
        self.show_on_air(0.0)
        self.controls.go_live_action.setEnabled(False)
        self.controls.stop_action.setEnabled(True)
        self.window.stats_label.setText("")

    def _choose_rehearsal_push(self, urls: list[str]) -> str | None:
        """A real-looking destination while Rehearsal is chosen: ask which the user means, never guess."""
        return self.window.choose(
            tr("当前是演练模式，但填了推流地址")
            + ":\n" + "\n".join(redact_url(url) for url in urls) + "\n\n"
            + tr("演练的画面带“演练”角标、可能有模拟评论与订单，只能推到私有测试服务器。"),
            {"test": tr("这是测试服务器，演练"),
             "live": tr("切换到直播（真实观众）")})

    def _go_live_question(self) -> str:
        question = (tr("开始演练吗？（画面带“演练”角标）") if self.controls.rehearsal
                    else tr("确定开播吗？直播只接收真实直播间数据。"))
        report = self.service.catalogue.compliance_report()
        if report:
            lines = [f"· {title}｜{field}：{'、'.join(h.word for h in hits)}（{pick(hits[0].reason)}）"
                     for title, field, hits in report[:12]]
            question = (tr("话术/商品中发现《广告法》极限词") + "：\n" + "\n".join(lines)
                        + "\n\n" + tr("仍然开播吗？"))
        return question

    def stop_live(self) -> bool:
        """停播: asked, then the stream stops on a thread of its own (finishing the recording and writing the show
        takes a few hundred ms at 5,000 events/s); the window says 停播中… and answers meanwhile."""
        if not self.service.live or self.stopping or self.starting or not self.window.confirm(tr("确定停播吗？")):
            return False
        self.controls.go_live_action.setEnabled(False)
        self.controls.stop_action.setEnabled(False)
        self.controls.timer_label.setText("■ " + tr("停播中…"))
        self.window.message(tr("停播中…"))
        self.stopper.start(self.service.stop, self._stop_done)
        return True

    @property
    def stopping(self) -> bool:
        return self.stopper.busy

    def _stop_done(self, result) -> None:
        self.stopped()
        if isinstance(result, Exception):  # shown, not lost in the thread
            self.window.message(redact(str(result)), error=True)

    def show_on_air(self, seconds: float | None) -> None:
        """The timer as a light: red 直播中 LIVE (orange 演练 for a rehearsal) with the time on air, plain when off."""
        if seconds is None:
            self.controls.timer_label.setStyleSheet("")
            self.controls.timer_label.setText("00:00:00")
            return
        broadcast = self.service.broadcast
        rehearsal = broadcast is not None and broadcast.options.rehearsal
        colour, word = (("#e67800", tr("演练中")) if rehearsal else ("#d32f2f", tr("直播中", "on-air light")))
        self.controls.timer_label.setStyleSheet(f"background: {colour}; color: white; font-weight: bold; padding: 2px 8px;"
                                       "border-radius: 4px;")
        self.controls.timer_label.setText(f"● {word} {format_clock(seconds)}")

    def failed(self, message: str) -> None:
        """The stream failed while on air: the session is closed, the preview runs again; the reason stays."""
        window = self.window
        window.alert.show_message(message)
        window.message(message, error=True)
        self.live_since = None
        self.show_on_air(None)
        self.controls.go_live_action.setEnabled(True)
        self.controls.stop_action.setEnabled(False)
        self.controls.health.setText("")
        window.destinations.stopped()

    def stopped(self) -> None:
        """The window after a stop (its own button, or a control surface's StopStream): nothing says "OK" any more."""
        window = self.window
        self.live_since = None
        self.show_on_air(None)
        self.controls.go_live_action.setEnabled(True)
        self.controls.stop_action.setEnabled(False)
        window.notices.setText("")
        self.controls.health.setText("")
        window.destinations.stopped()
        window.stats_label.setText(tr("未开播"))  # the last GMV and online were the show's, not now
        if window.review_window is not None and window.review_window.isVisible():
            window.review_window.refresh_sessions()  # the show just ended is listed at once
        window.preview.show_frame(None)
        self.controls.refresh_preview()
        path = self.service.recording_path
        window.message(tr("已停播") + (" · " + tr("录像") + f": {path}" if path else ""))
