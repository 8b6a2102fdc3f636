"""远程场控 and 控制面板: the menu that opens the console's two network doors — LAN assistants pairing with a code,
control surfaces (Stream Deck, Touch Portal, Companion, scripts) over obs-websocket v5 — and their status."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QLineEdit

from app.console import feed_problem
from ui.i18n import pick, tr
from ui.window.show import FEED


class DoorsMenu:
    """The doors as the main window opens them (`window.doors`); the dialogs' answers are replaceable for tests
    (`ask_remote_setup`, `ask_control_password`)."""

    def __init__(self, window) -> None:
        self.window = window
        self.service = window.service
        self.ask_remote_setup = self._ask_remote_setup  # RemoteSetup → RemoteSetup or None (cancelled)
        self.ask_control_password = self._ask_control_password  # () → (password or "", ok)
        self.feed_url = window.keys.full_url(FEED) or ""  # 直播间数据: where real room events come from

    def build_menu(self) -> None:
        window = self.window
        self.remote_action = QAction(tr("允许局域网场控…"), window, checkable=True)
        self.remote_action.toggled.connect(self.allow_remote_assistants)
        menu = window.menuBar().addMenu(tr("远程场控", "menu and status"))
        menu.addAction(self.remote_action)
        self.control_action = QAction(tr("允许控制面板（obs-websocket）…"), window, checkable=True)
        self.control_action.setToolTip(tr("Stream Deck、Touch Portal、Companion 或脚本用 obs-websocket v5 切场景、静音、讲解商品"))
        self.control_action.toggled.connect(self.allow_control_surfaces)
        menu.addAction(self.control_action)

    def ask_feed_url(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        text, ok = QInputDialog.getText(
            self.window, tr("直播间数据来源"),
            tr("douyin-grab://127.0.0.1:8888（抖音弹幕监听器）、bilibili://房间号、或桥接程序的 ws:// 地址（留空则用模拟观众）"),
            QLineEdit.EchoMode.PasswordEchoOnEdit, self.feed_url)
        if ok:
            self.set_feed_url(text)

    def set_feed_url(self, url: str) -> None:
        """Where real room events come from (docs/protocol.md); kept like a stream key (secret part in the
        keyring). With a bridge the simulated audience is turned off."""
        url = url.strip()
        problem = feed_problem(url) if url else None
        if problem:
            self.window.message(pick(problem), error=True)
            return
        self.feed_url = url
        if url:
            self.window.keys.save(FEED, url)
            self.window.show_controls.audience.setChecked(False)
        self.window.message(tr("下次开播使用平台数据") if url else tr("下次开播使用模拟观众"))

    def build_status(self) -> None:
        self.remote_label = QLabel("")
        self.remote_label.setTextFormat(Qt.TextFormat.PlainText)  # assistants' names are outside text
        self.window.statusBar().addPermanentWidget(self.remote_label)
        self.control_label = QLabel("")
        self.window.statusBar().addPermanentWidget(self.control_label)

    def _ask_remote_setup(self, setup):
        from ui.remote_setup import RemoteSetupDialog

        dialog = RemoteSetupDialog(setup, self.window)
        return dialog.setup() if dialog.exec() else None

    def allow_remote_assistants(self, allowed: bool) -> None:
        """远程场控: choose the interface, port and encryption; assistants on other machines pair with the
        pairing code shown here (a new token each time it is turned on)."""
        doors, window = self.service.doors, self.window
        if not allowed:
            doors.close_assistants()
            self.remote_label.setText("")
            return
        from ui.remote_setup import RemoteSetup

        setup = self.ask_remote_setup(RemoteSetup.from_settings(window.settings))
        if setup is None:
            self.remote_action.setChecked(False)
            return
        setup.save(window.settings)
        try:
            doors.open_assistants(host=setup.host, port=setup.port, tls=setup.tls)
        except OSError as exc:
            message = tr("无法开启远程场控") + f": {exc.strerror or exc}"
            window.alert.show_message(message)
            window.message(message, error=True)
            self.remote_action.setChecked(False)
            return
        access = doors.access()
        codes = "\n".join(access.codes)
        where = tr("仅本机") if access.local_only else tr("局域网")
        security = (tr("已加密 wss://，证书指纹在配对码里")
                    if access.tls else tr("未加密 ws://：配对码会以明文经过网络"))
        window.inform(tr("远程场控"),
                      tr("监听") + f" {where} · {security}\n\n"
                      + tr("把配对码交给场控（只给场控看），在场控电脑的 anchor-console assist --window 中粘贴：")
                      + f"\n\n{codes}\n\n" + tr("或运行") + f": {access.command}\n" + tr("配对码") + f": {access.token}")
        self.update_status()

    def _ask_control_password(self) -> tuple[str, bool]:
        from PySide6.QtWidgets import QInputDialog, QLineEdit

        return QInputDialog.getText(self.window, tr("控制面板"), tr("密码（留空则仅本机可连）"),
                                    QLineEdit.EchoMode.Password)

    def allow_control_surfaces(self, allowed: bool) -> None:
        """控制面板: obs-websocket v5 on port 4455 (or the next free one); with a password the LAN may connect,
        without one only this machine. The password is never saved or shown again."""
        doors, window = self.service.doors, self.window
        if not allowed:
            doors.close_control()
            self.control_label.setText("")
            return
        password, ok = self.ask_control_password()
        if not ok:
            self.control_action.setChecked(False)
            return
        host = "0.0.0.0" if password else "127.0.0.1"
        try:
            try:
                server = doors.open_control(host=host, port=4455, password=password or None)
            except OSError:
                server = doors.open_control(host=host, port=0, password=password or None)
        except (OSError, ValueError) as exc:
            message = tr("无法开启控制面板") + f": {pick(str(getattr(exc, 'strerror', None) or exc))}"
            window.alert.show_message(message)
            window.message(message, error=True)
            self.control_action.setChecked(False)
            return
        where = tr("局域网") if password else tr("仅本机")
        self.control_label.setText(tr("控制面板") + f" {where} :{server.port}")

    def update_status(self) -> None:
        status = self.service.doors.status()
        if status is not None:
            names = "、".join(actor.split(":", 1)[-1] for actor in status.assistants)
            refused = (" · " + tr("拒绝配对") + f" {status.refused}") if status.refused else ""
            locked = (" · " + tr("锁定地址") + f" {status.lockouts}") if status.lockouts else ""
            self.remote_label.setText(tr("远程场控", "menu and status") + f" {len(status.assistants)}"
                                      + (f"（{names}）" if names else "") + refused + locked)
