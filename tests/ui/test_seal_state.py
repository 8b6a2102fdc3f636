"""The review's 存证 line for a show without its seal: a show still on air (or still ending) has none yet, as has
one that did not end cleanly — the line says both, not only the second."""

from __future__ import annotations

from types import SimpleNamespace

from PySide6.QtWidgets import QWidget

from ui.seal_state import SealState


def checked(sealed: bool) -> SimpleNamespace:
    verdict = SimpleNamespace(chained=True, intact=True, sealed=sealed, findings=[], first=None)
    return SimpleNamespace(verdict=verdict, recording=None, draws=0, signed=None, tampered=0,
                           said=lambda kind: False)


def test_an_unsealed_show_is_said_to_be_on_air_or_not_ended_cleanly(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    seal = SealState(parent, history=None)
    seal.session_id = 7
    seal._checked(7, checked(sealed=False))
    text = seal.label.text()
    assert text.startswith("✓ 完好") and "未封存（直播中或未正常结束）" in text, text
    seal._checked(7, checked(sealed=True))
    assert "已封存" in seal.label.text() and "未封存" not in seal.label.text()
    seal._checked(8, checked(sealed=False))  # another show was opened meanwhile: its answer is not this one's
    assert "未封存" not in seal.label.text()
