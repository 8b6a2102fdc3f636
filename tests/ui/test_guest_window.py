"""画面 → 手机机位 / 连麦嘉宾… as a person uses it (offscreen): the menu's action opens the dialog, 生成二维码 draws
a code that decodes to the link, a phone (aiortc) joins by it and its picture shows in the dialog, 上播 puts it on
air, 挂断并作废链接 hangs it up. Every exception reaching a slot fails the test."""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import QPoint, Qt

from app.console import check_input
from tests.guests.phone import Phone, PhoneThread, ToneTrack


def pixmap_array(pixmap) -> np.ndarray:
    image = pixmap.toImage().convertToFormat(pixmap.toImage().Format.Format_RGB888)
    width, height = image.width(), image.height()
    return np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * height).reshape(
        height, image.bytesPerLine())[:, :width * 3].reshape(height, width, 3).copy()


def test_a_phone_is_invited_seen_put_on_air_and_hung_up_from_the_window(window, qtbot, slot_errors):
    service = window.service
    service.desk.set_inputs(dict([check_input("台面", "guest:台面")]))
    window.desk.guests_action.trigger()
    dialog = window.desk.guest_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    assert dialog.current_seat() == "台面" and not dialog.accept_button.isEnabled()  # the scenes' seat, not invited
    qtbot.mouseClick(dialog.invite_button, Qt.MouseButton.LeftButton)
    link = dialog.link.text()
    assert link.startswith("https://") and "#t=" in link and service.doors.guests is not None
    decoded, _points, _code = cv2.QRCodeDetector().detectAndDecode(pixmap_array(dialog.code.pixmap()))
    assert decoded == link  # what the phone's camera reads is the link
    token = link.split("#t=", 1)[1]
    phone_loop = PhoneThread()
    phone = Phone(service.doors.guests.port, audio=ToneTrack())
    try:
        answer = phone_loop.run(phone.join(token=token))
        assert answer["type"] == "answer" and answer["seat"] == "台面"
        qtbot.waitUntil(lambda: dialog.still.pixmap() is not None and not dialog.still.pixmap().isNull(), timeout=8000)
        assert "已加入" in dialog.status.text() and "未上播" in dialog.status.text()
        qtbot.waitUntil(lambda: dialog.meter.value() > 40, timeout=5000)  # the tone at -6 dBFS on the meter
        dialog.level.setValue(50)  # as the slider is dragged
        assert service.stage.guests.feed("台面").gain == 0.5
        assert dialog.heard.isEnabled() and not dialog.heard.isChecked()  # a phone camera's sound: off until asked
        box = dialog.heard  # clicked on its box (a wide check box's middle may be past its label: not a click on it)
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
        feed = service.stage.guests.feed("台面")
        assert feed.heard and feed.delay_s > 0  # heard: its picture is held to meet its sound
        dialog.refresh()
        assert dialog.heard.isChecked()
        assert not service.stage.guests.feed("台面").latest().accepted
        qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
        assert service.stage.guests.feed("台面").latest().accepted and dialog.accept_button.text().startswith("下播")
        assert phone_loop.run(phone.next_message()) == {"type": "state", "accepted": True}
        qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: phone.socket.close_code is not None, timeout=5000)
        assert service.doors.guest_seats() == () and dialog.link.text() == ""
        assert not service.stage.guests.feed("台面").latest().accepted
        assert not dialog.accept_button.isEnabled()
        qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)  # disabled: nothing happens
        assert not service.stage.guests.feed("台面").latest().accepted and not dialog.accept_button.isChecked()
    finally:
        phone_loop.run(phone.hang_up())
        phone_loop.close()
    assert slot_errors == []


def test_a_seat_refused_is_said_in_the_dialog(window, qtbot, slot_errors):
    window.desk.guests_action.trigger()
    dialog = window.desk.guest_dialog
    dialog.seat.setEditText("新机位")  # a seat no scene shows: invited, and told so
    qtbot.mouseClick(dialog.invite_button, Qt.MouseButton.LeftButton)
    assert "还不在任何场景中" in dialog.status.text() and dialog.link.text().startswith("https://")
    dialog.seat.setEditText("   ")
    qtbot.mouseClick(dialog.invite_button, Qt.MouseButton.LeftButton)
    assert "机位名称" in dialog.status.text() and dialog.link.text() == ""
    window.desk.guests_action.trigger()  # a second time: the same dialog raised
    assert window.desk.guest_dialog is dialog
    assert slot_errors == []


def test_the_scene_editor_adds_a_phone_as_a_source_of_the_scenes(window, qtbot, slot_errors, monkeypatch):
    from PySide6.QtWidgets import QInputDialog, QPushButton

    editor = window.desk.scene_editor()
    qtbot.addWidget(editor)
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *args, **kwargs: ("台面", True)))
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda parent, title, text, choices, *rest: (
        next(c for c in choices if c.startswith("手机机位")), True)))
    [new_source] = [b for b in editor.findChildren(QPushButton) if b.text().startswith("新来源…")]
    qtbot.mouseClick(new_source, Qt.MouseButton.LeftButton)
    assert editor.own["台面"] == "guest:台面" and editor.input_choice.currentData() == "台面"
    assert slot_errors == []
