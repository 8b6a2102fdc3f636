"""保留策略 from the 管理 menu, as a manager uses it: the action triggered through Qt, the days typed, 保存 and 立即执行
clicked; the studio's policy is what was typed, a show past it has its viewers pseudonymised, a value out of range
cannot be typed; an exception anywhere fails the test."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from tests.test_retention import VIEWERS, a_show, stored


def _type(qtbot, box, text: str) -> None:
    box.selectAll()
    qtbot.keyClicks(box, text)


def test_the_policy_is_set_and_applied_from_the_menu(window, qtbot, slot_errors):
    database = window.service.database
    old = a_show(database, 400)
    recent = a_show(database, 100)
    action = next(a for a in window.findChildren(QAction) if a.text().startswith("保留策略"))
    action.trigger()
    dialog = window.desk.retention_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    assert (dialog.keep.value(), dialog.pseudonymise.value()) == (1095, 365)  # the defaults, as the studio has them
    _type(qtbot, dialog.keep, "1200")
    _type(qtbot, dialog.pseudonymise, "200")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "1200" in dialog.status.text() and "200" in dialog.status.text()
    assert window.service.history.retention_policy().keep_days == 1200
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("✓"), timeout=20000)
    assert "1 shows pseudonymised" in dialog.status.text() and dialog.apply_button.isEnabled()
    assert VIEWERS[0][1] not in stored(database, old) and VIEWERS[0][1] in stored(database, recent)
    _type(qtbot, dialog.keep, "0")  # below the range: the box keeps a value it can hold
    assert dialog.keep.value() >= 1
    _type(qtbot, dialog.pseudonymise, "0")
    assert dialog.pseudonymise.value() == 0  # shown as 从不 once the box is left
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert window.service.history.retention_policy().pseudonymise_days == 0 and "从不" in dialog.status.text()
    dialog.close()
    assert not slot_errors, slot_errors
