"""Guard against the Qt binding bug that made a live window abort within minutes: PySide6 6.12.0 on Python
3.11 released a reference to None on every call of a void method (None is not immortal before 3.12)."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel


def test_void_qt_calls_do_not_consume_references_to_none(qapp):
    label = QLabel()
    before = sys.getrefcount(None)
    for _ in range(5000):
        label.setText("x")
        label.update()
    assert sys.getrefcount(None) - before > -100, "this PySide6 build leaks None references: pin another version"
