"""画面 → 手机机位 / 连麦嘉宾…: a phone (or a guest's laptop) on the studio LAN becomes a scene source by scanning a
code. Pick the seat (a "guest:" source of the scenes, or a new name), 生成二维码 shows the code and the link (the
door opens if it is closed), the phone's picture appears here when it joins, 上播 puts it on air (nothing is on
air before), 挂断 hangs it up and voids its link. The dialog stays open beside the window (not modal) and asks the
core once a second; it draws values the core hands out (`service.doors`), nothing more."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QProgressBar,
                               QPushButton, QSlider, QVBoxLayout, QWidget)

from ui.i18n import QT_TR_NOOP, pick, tr

GUEST = "guest:"
KINDS = (("camera", QT_TR_NOOP("手机机位")), ("guest", QT_TR_NOOP("连麦嘉宾")))
STATES = {"invited": QT_TR_NOOP("等待扫码"), "expired": QT_TR_NOOP("二维码已过期，请重新生成"),
          "joined": QT_TR_NOOP("已加入")}
QR_PIXELS = 240


def scene_seats(inputs: dict[str, str]) -> list[str]:
    """The seats the studio's scenes name ("guest:手机1" → 手机1), in their order."""
    return [spec[len(GUEST):].strip() for spec in inputs.values() if spec.startswith(GUEST)]


def qr_image(rows) -> QImage:
    """The code's modules as a black-on-white image, each module a whole number of pixels."""
    size = len(rows)
    image = QImage(size, size, QImage.Format.Format_RGB32)
    dark, light = QColor(0, 0, 0).rgb(), QColor(255, 255, 255).rgb()
    for y, row in enumerate(rows):
        for x, module in enumerate(row):
            image.setPixel(x, y, dark if module else light)
    scale = max(1, QR_PIXELS // size)
    return image.scaled(size * scale, size * scale)


class GuestDialog(QDialog):
    def __init__(self, service, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("手机机位 / 连麦嘉宾"))
        self.service = service
        self.seat = QComboBox()
        self.seat.setEditable(True)  # a new seat by name; the scenes' seats listed
        for name in scene_seats(service.desk.settings.inputs) or [tr("手机1")]:
            self.seat.addItem(name)
        self.seat.currentTextChanged.connect(lambda _text: self.refresh())
        self.kind = QComboBox()
        for kind, text in KINDS:
            self.kind.addItem(tr(text), kind)
        self.invite_button = QPushButton(tr("生成二维码"))
        self.invite_button.clicked.connect(self.invite)
        self.accept_button = QPushButton(tr("上播"))
        self.accept_button.setCheckable(True)
        self.accept_button.toggled.connect(self.put_on_air)
        self.remove_button = QPushButton(tr("挂断并作废链接"))
        self.remove_button.clicked.connect(self.remove)
        self.heard = QCheckBox(tr("声音进节目"))  # a guest's is; a phone camera's when the streamer wants it
        self.heard.setToolTip(tr("上播时把这个机位的声音混入直播（连麦嘉宾默认开；手机机位默认关，主播的麦克风是节目的声音）"))
        self.heard.toggled.connect(self.set_heard)
        self.code = QLabel(tr("点“生成二维码”，用手机相机扫描"))
        self.code.setFixedSize(QR_PIXELS + 16, QR_PIXELS + 16)
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setWordWrap(True)
        self.still = QLabel()
        self.still.setFixedSize(240, 136)
        self.still.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.still.setStyleSheet("background: #181820; color: #ccc;")
        self.link = QLineEdit()
        self.link.setReadOnly(True)
        self.fingerprint = QLabel()
        self.fingerprint.setWordWrap(True)
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.meter = QProgressBar()  # the seat's sound, -60 to 0 dBFS: the streamer sees the guest is heard
        self.meter.setRange(0, 60)
        self.meter.setTextVisible(False)
        self.meter.setFixedHeight(10)
        self.level = QSlider(Qt.Orientation.Horizontal)  # its level in the program's mix, 0–200 %
        self.level.setRange(0, 200)
        self.level.setValue(100)
        self.level.valueChanged.connect(self.set_level)
        self._layout()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._timer.start(1000)  # asked once a second while it is seen, never behind a closed dialog
        self.refresh()
        super().showEvent(event)

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._timer.stop()
        super().hideEvent(event)

    def _layout(self) -> None:
        top = QGridLayout()
        top.addWidget(QLabel(tr("机位")), 0, 0)
        top.addWidget(self.seat, 0, 1)
        top.addWidget(self.kind, 0, 2)
        top.addWidget(self.invite_button, 0, 3)
        pictures = QHBoxLayout()
        pictures.addWidget(self.code)
        side = QVBoxLayout()
        side.addWidget(self.still)
        side.addWidget(self.status)
        sound = QHBoxLayout()
        sound.addWidget(QLabel(tr("音量")))
        sound.addWidget(self.level, 2)
        sound.addWidget(self.meter, 3)
        side.addLayout(sound)
        side.addWidget(self.heard)
        side.addWidget(self.accept_button)
        side.addWidget(self.remove_button)
        side.addStretch(1)
        pictures.addLayout(side)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(pictures)
        layout.addWidget(QLabel(tr("链接（手机与本机在同一局域网）")))
        layout.addWidget(self.link)
        layout.addWidget(self.fingerprint)
        hint = QLabel(tr("手机浏览器会提示证书不受信任：核对指纹后选择继续访问。在“编辑场景”里把机位放进场景。"))
        hint.setWordWrap(True)
        layout.addWidget(hint)

    def current_seat(self) -> str:
        return self.seat.currentText().strip()

    def invite(self) -> None:
        """生成二维码: a fresh link for the seat (the phone before it is hung up), drawn as a QR code."""
        try:
            invite = self.service.doors.invite_guest(self.current_seat(), self.kind.currentData())
        except (OSError, ValueError) as exc:  # a refused seat (too many, a bad name), a port taken: said
            self.code.clear()
            self.link.clear()  # no other seat's link left beside the refusal
            self.status.setText(pick(str(exc)))
            return
        self.code.setPixmap(QPixmap.fromImage(qr_image(invite.qr)))
        self.link.setText(invite.links[0])
        self.fingerprint.setText(tr("证书指纹") + " SHA-256: " + " ".join(
            invite.fingerprint[i:i + 4].upper() for i in range(0, 16, 4)) + " …")
        self.status.setText(tr("等待扫码") + f"（{int(invite.expires_in // 60)} " + tr("分钟内有效") + "）")
        self.refresh()

    def put_on_air(self, on_air: bool) -> None:
        if not self.service.doors.accept_guest(self.current_seat(), on_air):
            self.accept_button.blockSignals(True)
            self.accept_button.setChecked(False)
            self.accept_button.blockSignals(False)
            self.status.setText(tr("这个机位还没有邀请"))
            return
        self.refresh()

    def set_level(self, percent: int) -> None:
        self.service.doors.set_guest_level(self.current_seat(), percent / 100)

    def set_heard(self, heard: bool) -> None:
        self.service.doors.hear_guest(self.current_seat(), heard)

    def remove(self) -> None:
        self.service.doors.remove_guest(self.current_seat())
        self.code.clear()
        self.code.setText(tr("已挂断，链接已作废"))
        self.link.clear()
        self.refresh()

    def refresh(self) -> None:
        """Once a second: the seat's state, the phone's picture, whether it is on air."""
        seat = next((s for s in self.service.doors.guest_seats() if s.seat == self.current_seat()), None)
        self.accept_button.blockSignals(True)
        self.accept_button.setChecked(bool(seat and seat.accepted))
        self.accept_button.setText(tr("下播") if seat and seat.accepted else tr("上播"))
        self.accept_button.blockSignals(False)
        self.accept_button.setEnabled(seat is not None)
        self.remove_button.setEnabled(seat is not None)
        self.heard.setEnabled(seat is not None)
        self.heard.blockSignals(True)
        self.heard.setChecked(bool(seat and seat.heard))
        self.heard.blockSignals(False)
        if seat is None:
            self.still.setText(tr("未邀请"))
            self.meter.setValue(0)
            return
        self.meter.setValue(max(0, round(60 + 20 * math.log10(seat.peak))) if seat.peak > 0 else 0)
        self.level.blockSignals(True)
        self.level.setValue(round(seat.gain * 100))
        self.level.blockSignals(False)
        words = [tr(STATES[seat.state])]
        if seat.seat not in scene_seats(self.service.desk.settings.inputs):  # joined, but no scene shows it
            words.append(tr("还不在任何场景中：在“编辑场景”里添加"))
        if seat.state == "joined":
            words.append(tr("在线") if seat.connected else tr("信号中断，等待重连"))
        if seat.size:
            words.append(f"{seat.size[0]}×{seat.size[1]}")
        words.append(tr("直播中") if seat.accepted else tr("未上播"))
        self.status.setText(" · ".join(words))
        still = self.service.doors.guest_still(seat.seat) if seat.connected else None
        if still is None:
            self.still.setText(tr("暂无画面"))
        else:
            h, w = still.shape[:2]
            image = QImage(still.data, w, h, still.strides[0], QImage.Format.Format_BGR888).copy()
            self.still.setPixmap(QPixmap.fromImage(image).scaled(self.still.size(),
                                                                 Qt.AspectRatioMode.KeepAspectRatio))
