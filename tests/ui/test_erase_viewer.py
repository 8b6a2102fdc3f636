"""删除观众数据 from the 管理 menu, as a manager uses it: the action triggered through Qt, the id typed and Enter
pressed, the account clicked in the list, the button clicked and the confirmation answered; the log keeps the
counts and no longer the id; an exception anywhere fails the test."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from sqlalchemy import select

from app.store.models import EventRecord
from tests.test_erasure import NAME, WHO, _show


def test_a_viewer_is_found_and_erased_from_the_menu(window, qtbot, slot_errors):
    database = window.service.database
    show = _show(database, 1, "douyin", [(WHO, NAME), ("1001", "阿花")])
    action = next(a for a in window.findChildren(QAction) if a.text().startswith("删除观众数据"))
    action.trigger()
    dialog = window.desk.erase_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    qtbot.keyClicks(dialog.query, WHO)  # (QTest types Latin-1 only: a nickname is found the same way)
    qtbot.keyClick(dialog.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.found.rowCount() == 1, timeout=10000)
    assert dialog.found.item(0, 1).text() == WHO and dialog.found.item(0, 2).text() == NAME
    assert not dialog.erase_button.isEnabled()  # nothing chosen yet
    asked = []
    dialog.confirm = lambda question: asked.append(question) or False  # first: no
    cell = dialog.found.visualItemRect(dialog.found.item(0, 1)).center()
    qtbot.mouseClick(dialog.found.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert dialog.erase_button.isEnabled()
    qtbot.mouseClick(dialog.erase_button, Qt.MouseButton.LeftButton)
    assert asked and WHO in asked[0] and dialog.found.rowCount() == 1  # refused: nothing erased
    dialog.confirm = lambda question: True
    qtbot.mouseClick(dialog.erase_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "erased:" in dialog.status.text(), timeout=10000)
    assert "✓" in dialog.status.text() and dialog.found.rowCount() == 0  # the 福袋 checked before
    with database.session() as db:
        payloads = db.scalars(select(EventRecord.payload).where(EventRecord.session_id == show)).all()
    assert WHO not in repr(payloads) and NAME not in repr(payloads) and "阿花" in repr(payloads)
    dialog.close()
    assert not slot_errors, slot_errors
