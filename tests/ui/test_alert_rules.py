"""预警规则 from the 管理 menu, as a manager uses it: the action triggered through Qt opens the dialog on the desk's
rules; what is typed becomes the desk's rules (a show started after uses them) and is there again next time."""

from __future__ import annotations

import sys

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog


def test_alert_rules_are_edited_from_the_menu_and_kept(window, qtbot, monkeypatch, tmp_path):
    caught = []
    monkeypatch.setattr(sys, "excepthook", lambda kind, value, tb: caught.append(f"{kind.__name__}: {value}"))
    shown = []

    def answer(dialog) -> int:
        shown.append({name: box.value() for name, box in dialog.boxes.items()})
        dialog.boxes["online_drop"].setValue(45)
        dialog.boxes["stock_at_most"].setValue(12)
        dialog.words.setPlainText("退款\n  发货慢  \n\n")
        return 1

    monkeypatch.setattr(QDialog, "exec", answer)
    action = next(a for a in window.findChildren(QAction) if a.text().startswith("预警规则"))
    action.trigger()
    assert shown and shown[0]["online_drop"] == 30 and shown[0]["stock_at_most"] == 5  # the defaults, in percent
    rules = window.service.desk.settings.alert_rules
    assert (rules.online_drop, rules.stock_at_most, rules.complaint_words) == (0.45, 12, ("退款", "发货慢"))
    window.settings.sync()
    again = QSettings(window.settings.fileName(), QSettings.Format.IniFormat)
    assert '"online_drop": 0.45' in str(again.value("alerts/rules"))
    # the next start of the console takes them from the settings
    window.service.desk.set_alert_rules({})
    window.desk.build_moderation_menu()
    assert window.service.desk.settings.alert_rules.stock_at_most == 12
    assert not caught, caught
