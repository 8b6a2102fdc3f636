"""The assistant's window on a second machine (远程场控): the same products, coupons and comments docks as the
console, working the console's room over the LAN. It holds no room of its own: it shows the state the console
pushes and sends verbs (`app.remote.client.RemoteAssistant`); the console decides, logs and answers.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QLineEdit, QMainWindow, QPushButton, QToolBar, QWidget

from app.kernel.events import EventType
from app.remote.client import PREFIX, ActionRefused, PairingError, RemoteAssistant, RemoteError, parse_pairing_code
from ui.docks import scrolling
from ui.docks.comments import CommentsDock
from ui.docks.coupons import CouponsDock
from ui.docks.draw import DrawDock
from ui.docks.faq import FaqDock
from ui.docks.products import ProductsDock
from ui.i18n import pick, tr


class RemoteWindow(QMainWindow):
    def __init__(self, url: str = "", name: str = "场控", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("远程场控", "window title") + " — " + tr("主播中控台"))
        self.resize(1200, 800)
        self.assistant: RemoteAssistant | None = None
        self._connection_bar(url, name)
        self.products = ProductsDock(
            lambda pid: self.call("pin_product", pid), lambda: self.call("next_product"),
            lambda: self.call("previous_product"), on_price=lambda pid, cents: self.call("set_live_price", pid, cents),
            on_stock=lambda pid, stock: self.call("set_stock", pid, stock))
        self.coupons = CouponsDock(
            lambda cid, qty, secs: self.call("drop_coupon", cid, qty, secs), lambda cid: self.call("stop_coupon", cid),
            lambda pid, price, stock, secs: self.call("start_flash_sale", pid, price, stock, secs),
            lambda: self.call("stop_flash_sale"))
        self.comments = CommentsDock(lambda event: self.call("pin_comment", event.seq))
        self.draw = DrawDock(lambda prize, keyword, winners, seconds, who:
                             self.call("start_draw", prize, keyword, winners, seconds, who),
                             lambda: self.call("stop_draw"))
        self.faq = FaqDock(lambda seq, nickname, question, answer:
                           self.call("reply_comment", seq, nickname, question, answer),
                           lambda: self.call("clear_reply"), lambda text: self.call("pin_notice", text),
                           lambda: self.call("unpin_notice"))
        for dock in (self.coupons, self.draw, self.faq):
            scrolling(dock)  # forms taller than a laptop's screen scroll instead of pushing the window off it
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.products)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.coupons)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.comments)
        self.tabifyDockWidget(self.coupons, self.draw)
        self.tabifyDockWidget(self.comments, self.faq)
        self.coupons.raise_()
        self.comments.raise_()
        self.resizeDocks([self.products, self.coupons], [700, 480], Qt.Orientation.Horizontal)
        self.state_label.setToolTip(tr("画面在主播的电脑上；这里只做场控"))
        undo = QAction(tr("撤销"), self)
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        undo.triggered.connect(self.undo)
        self.addAction(undo)
        for key, slot in (("F5", lambda: self.products._pin_selected(lambda pid: self.call("pin_product", pid))),
                          ("F6", lambda: self.call("previous_product")), ("F7", lambda: self.call("next_product"))):
            action = QAction(self)
            action.setShortcut(QKeySequence(key))
            action.triggered.connect(slot)
            self.addAction(action)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._timer.start(250)

    def _connection_bar(self, url: str, name: str) -> None:
        """The toolbar: the console's address, this assistant's name, the pairing code, connect and its state."""
        bar = QToolBar(tr("连接"))
        bar.setObjectName("connection")
        self.addToolBar(bar)
        self.url = QLineEdit(url)
        self.url.setPlaceholderText("ws://192.168.1.20:8765")
        self.url.setMinimumWidth(240)
        self.name = QLineEdit(name)
        self.name.setMaximumWidth(120)
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText(tr("配对码（可整段粘贴）"))
        self.token.setMinimumWidth(200)
        self.connect_button = QPushButton(tr("连接", "button"))
        self.connect_button.clicked.connect(self.connect_to_console)
        self.state_label = QLabel(tr("未连接"))
        for widget in (QLabel(tr("中控台")), self.url, QLabel(tr("名字")), self.name, self.token,
                       self.connect_button, self.state_label):
            bar.addWidget(widget)

    def connect_to_console(self) -> bool:
        """Connect with the address and token typed in, or with a whole pasted pairing code (anchor-pair:…), whose
        certificate fingerprint is then required of the console."""

        if self.assistant is not None:
            self.assistant.close()
        url, token, fingerprint = self.url.text().strip(), self.token.text().strip(), None
        try:
            if token.startswith(PREFIX):
                url, token, fingerprint = parse_pairing_code(token)
                self.url.setText(url)
            self.assistant = RemoteAssistant(url, token, self.name.text().strip() or "远程场控",
                                             fingerprint=fingerprint).connect()
        except PairingError as exc:
            self.assistant = None
            self._message(str(exc), error=True)
            return False
        except RemoteError as exc:
            self.assistant = None
            self._message(tr("连接失败") + f": {pick(str(exc))}", error=True)
            return False
        self.token.clear()  # not kept on screen
        self._message(tr("已连接") + f": {self.assistant.actor}")
        return True

    def call(self, verb: str, *args) -> bool:
        """A verb on the console's room; False (with the reason shown) when it was not done."""
        if self.assistant is None or not self.assistant.connected:
            self._message(tr("请先连接中控台"), error=True)
            return False
        try:
            self.assistant.call(verb, *args)
        except ActionRefused as exc:
            self._message(str(exc), error=True)
            return False
        except RemoteError as exc:
            self._message(tr("连接中断") + f": {pick(str(exc))}", error=True)
            return False
        return True

    def undo(self) -> None:
        if self.assistant is not None and self.assistant.connected:
            try:
                self._message(tr("已撤销") + f": {pick(self.assistant.undo())}")
            except (ActionRefused, RemoteError) as exc:
                self._message(str(exc), error=True)

    def _tick(self) -> None:
        assistant = self.assistant
        if assistant is None:
            return
        if not assistant.connected:
            self.state_label.setText(tr("已断开"))
            return
        room = assistant.room()
        self.state_label.setText(f"{assistant.actor} · " + (tr("直播中") if room.live else tr("未开播")))
        now = room.stream_time() or 0.0
        self.products.refresh(room)
        self.coupons.refresh(room, now)
        self.draw.refresh(room, now)
        self.faq.refresh(room, now)
        events = assistant.drain_events()
        if events:
            self.comments.add_events(events)
            self.faq.add_events(events)
            for event in events:
                if event.type == EventType.ALERT:  # 预警: what the console was warned of, for the assistant too
                    p = event.payload
                    self.statusBar().setStyleSheet("color: #c62828; font-weight: bold;")
                    word = tr("预警")
                    self.statusBar().showMessage(f"⚠ {word} {pick(str(p.get('text', '')))} → "
                                                 f"{pick(str(p.get('advice', '')))}", 60000)

    def _message(self, text: str, error: bool = False) -> None:
        self.statusBar().setStyleSheet("color: #c62828;" if error else "")
        self.statusBar().showMessage(pick(text), 8000)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self._timer.stop()
        if self.assistant is not None:
            self.assistant.close()
        event.accept()
