"""Every control of the main window as a person uses it (issue #26): each QAction triggered through Qt's own path
(`QAction.trigger()`, which sends `triggered(checked)` as a menu click does) and each shortcut typed on the window
(`QTest.keyClick`). pytest-qt fails a test on any exception in a slot; here a hook of our own makes that explicit,
and the dialogs a control opens are answered "cancel" so each one runs to its end.

Two controls were dead while their tests passed, because the tests called the handlers: 画面 → 绿幕抠像与美颜…
(`triggered(False)` arrived as its `values`) and Ctrl+1…9 (`False` arrived as the scene number)."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox, QPushButton

DANGEROUS = {"开播", "停播"}  # go-live and stop have their own test below (they push and record)


@pytest.fixture
def asked(monkeypatch):
    """The modal questions a control asks, answered as a person who cancels; what was asked is recorded."""
    record = []

    def note(kind, result):
        def answer(*args, **kwargs):
            record.append((kind, " ".join(str(a) for a in args[1:3])))
            return result
        return answer

    monkeypatch.setattr(QDialog, "exec", lambda self: record.append(("dialog", type(self).__name__)) or 0)
    monkeypatch.setattr(QMessageBox, "exec", lambda self: record.append(("box", self.text())) or 0)
    for name, result in (("question", QMessageBox.StandardButton.No), ("information", QMessageBox.StandardButton.Ok),
                         ("warning", QMessageBox.StandardButton.Ok), ("critical", QMessageBox.StandardButton.Ok)):
        monkeypatch.setattr(QMessageBox, name, staticmethod(note(name, result)))
    for name, result in (("getText", ("", False)), ("getItem", ("", False)), ("getMultiLineText", ("", False)),
                         ("getInt", (0, False)), ("getDouble", (0.0, False))):
        monkeypatch.setattr(QInputDialog, name, staticmethod(note(name, result)))
    for name, result in (("getOpenFileName", ("", "")), ("getSaveFileName", ("", "")),
                         ("getExistingDirectory", "")):
        monkeypatch.setattr(QFileDialog, name, staticmethod(note(name, result)))
    return record


def _ours(action: QAction) -> bool:
    """Not pyqtgraph's own context-menu actions of the graphs (they need the click that opened their menu)."""
    owner = action.parent()
    while owner is not None:
        if type(owner).__module__.startswith("pyqtgraph"):
            return False
        owner = owner.parent()
    return True


def _actions(window) -> list[QAction]:
    return [a for a in window.findChildren(QAction) if not a.isSeparator() and a.menu() is None and _ours(a)]


def test_every_action_of_the_main_window_runs_through_qt(window, qtbot, slot_errors, asked):
    triggered = []
    for action in _actions(window):
        label = action.text().replace("&", "").split(" ")[0]
        if label in DANGEROUS or not action.isEnabled():
            continue
        asked_before = len(asked)
        action.trigger()
        qtbot.wait(20)
        triggered.append((label, action.shortcut().toString(), len(asked) - asked_before))
        for top in window.findChildren(QDialog):  # a dialog shown without exec (none should stay open)
            top.close()
    for button in window.findChildren(QPushButton):  # every dock's buttons, clicked as a mouse would
        if button.isEnabled() and button.isVisible() and button.text() not in DANGEROUS:
            button.click()
            qtbot.wait(10)
            triggered.append((button.text(), "button", 0))
        for top in window.findChildren(QDialog):
            top.close()
    assert not slot_errors, slot_errors
    names = {label for label, _, _ in triggered}
    assert len(triggered) > 25 and {"绿幕抠像与美颜…", "编辑场景…"} <= names, triggered
    assert ("dialog", "FiltersDialog") in asked  # the filters dialog opened (it never did)


def test_the_filters_menu_opens_its_dialog(window, qtbot, slot_errors, asked):
    menu_action = next(a for a in _actions(window) if a.text().startswith("绿幕抠像与美颜…"))
    menu_action.trigger()
    assert asked == [("dialog", "FiltersDialog")] and not slot_errors, (asked, slot_errors)


def test_ctrl_and_a_number_switches_the_scene_and_f1_lists_it(window, qtbot, slot_errors, asked):
    service = window.service
    names = service.desk.scene_names()
    assert len(names) >= 3
    for number in (2, 3, 1):
        QTest.keyClick(window, getattr(Qt.Key, f"Key_{number}"), Qt.KeyboardModifier.ControlModifier)
        assert qtbot.waitUntil(lambda: service.desk.program_scene == names[number - 1], timeout=2000) is None
    QTest.keyClick(window, Qt.Key.Key_F1)
    shown = [text for kind, text in asked if kind == "information"]
    assert shown and "Ctrl+1" in shown[0], asked
    assert not slot_errors, slot_errors


def test_go_live_and_stop_from_their_shortcuts(window, qtbot, slot_errors, tmp_path):
    QTest.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.on_air.live_since is not None, timeout=15000)  # the window says it is on air
    # on air: the timer is a light with the time (a rehearsal's is orange 演练中, a real show's red 直播中)
    assert "演练中" in window.show_controls.timer_label.text() and "background" in window.show_controls.timer_label.styleSheet()
    assert "未开播" not in window.stats_label.text()
    # the light counts on air (a busy second may skip a number: 00:00:00 → 00:00:02)
    qtbot.waitUntil(lambda: window.show_controls.timer_label.text()[-8:] >= "00:00:01", timeout=5000)
    QTest.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert "停播中" in window.show_controls.timer_label.text()  # the stop runs on its own thread, and says so
    qtbot.waitUntil(lambda: not window.service.live and not window.on_air.stopping, timeout=15000)
    assert window.show_controls.timer_label.text() == "00:00:00" and not window.show_controls.timer_label.styleSheet()
    assert not slot_errors, slot_errors


def test_a_slot_that_raises_is_shown_in_the_alert_bar_and_logged(window, qtbot, caplog):
    from ui.errors import install_slot_errors

    previous = sys.excepthook
    install_slot_errors(window.alert.show_message)
    try:
        broken = QAction("坏", window)
        broken.triggered.connect(lambda: 1 / 0)
        broken.trigger()
    finally:
        sys.excepthook = previous
    assert "ZeroDivisionError" in window.alert.text and " / " in window.alert.text
    assert "ZeroDivisionError" in caplog.text


def test_every_action_of_the_review_and_the_assistant_windows_runs_through_qt(window, qtbot, slot_errors, asked):
    from ui.remote_window import RemoteWindow

    QTest.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # 复盘 opens from its shortcut
    qtbot.waitUntil(lambda: window.review_window is not None and window.review_window.isVisible(), timeout=5000)
    assistant = RemoteWindow("ws://127.0.0.1:1", "小李")
    qtbot.addWidget(assistant)
    assistant.show()
    counted = 0
    for other in (window.review_window, assistant):
        for action in _actions(other):
            if action.isEnabled():
                action.trigger()
                qtbot.wait(20)
                counted += 1
        for control in other.findChildren(QPushButton):
            if control.isEnabled() and control.isVisible():
                control.click()  # a button's clicked(checked) takes the same path a mouse click does
                qtbot.wait(20)
                counted += 1
    assistant.close()
    window.review_window.close()
    assert counted >= 8 and not slot_errors, (counted, slot_errors)


def test_f8_and_esc_close_the_teleprompter_and_ctrl_q_quits(window, qtbot, slot_errors):
    QTest.keyClick(window, Qt.Key.Key_F8)
    assert window.teleprompter is not None and window.teleprompter.isVisible()
    QTest.keyClick(window, Qt.Key.Key_F8)
    assert not window.teleprompter.isVisible()
    QTest.keyClick(window, Qt.Key.Key_F8)
    window.teleprompter.activateWindow()  # where the streamer's keys go once it is open
    qtbot.waitUntil(window.teleprompter.isActiveWindow, timeout=2000)
    QTest.keyClick(window.teleprompter, Qt.Key.Key_Escape)
    assert not window.teleprompter.isVisible()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    QTest.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=3000)
    assert not slot_errors, slot_errors


def test_a_show_that_ends_is_listed_in_the_open_review_and_the_status_bar_forgets_its_figures(window, qtbot):
    QTest.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    review = window.review_window
    assert review.sessions.count() == 0
    window.activateWindow()  # the streamer goes back to the console to go live
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    QTest.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.on_air.live_since is not None, timeout=15000)  # the window says it is on air
    qtbot.waitUntil(lambda: "GMV" in window.stats_label.text(), timeout=10000)
    QTest.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: not window.service.live and not window.on_air.stopping, timeout=15000)
    assert review.sessions.count() == 1 and "演练" in review.sessions.item(0).text()  # listed without a toggle
    assert "GMV" not in window.stats_label.text()
    review.close()


def test_questions_are_asked_with_chinese_buttons(window):
    from PySide6.QtCore import QCoreApplication

    assert QCoreApplication.translate("QPlatformTheme", "&Yes") != "&Yes"  # Qt's own texts: 是(Y)
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
