"""开播 as the window does it in a test: asked (the tests answer the questions), then opened on a thread of its own
(ui/window/on_air.py), waited for until the window says how it went."""

from __future__ import annotations

import time

from PySide6.QtTest import QTest


def go_live(window, timeout_s: float = 30.0) -> bool:
    """True when the window went on air; False when it was declined, refused or failed (the window says why)."""
    on_air = window.on_air
    if not on_air.go_live():
        return False
    assert not window.show_controls.go_live_action.isEnabled()  # not pressed twice meanwhile
    deadline = time.monotonic() + timeout_s
    while on_air.starting and time.monotonic() < deadline:
        QTest.qWait(20)  # the window's event loop runs: its timers, the worker's result
    assert not on_air.starting, f"the go-live did not end within {timeout_s} s"
    return window.service.live and on_air.live_since is not None


def hold_the_sources(monkeypatch) -> tuple:
    """A go-live's sources held open until `gate` is set (a camera or capture card that takes its time);
    `opened_on` names the threads that asked for them, in order. Returns (gate, opened_on)."""
    import threading

    import app.broadcast as broadcast_module

    gate, opened_on = threading.Event(), []
    real_open = broadcast_module.open_sources_for

    def slow_sources(options):
        opened_on.append(threading.current_thread().name)
        assert gate.wait(20)
        return real_open(options)

    monkeypatch.setattr(broadcast_module, "open_sources_for", slow_sources)
    return gate, opened_on
