"""The console window as the tests open it (offscreen): a fresh database and data folder, its questions answered."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QSettings

from app.console import ConsoleService
from app.store.db import Database


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    from ui.main_window import MainWindow

    service = ConsoleService(Database(f"sqlite:///{tmp_path / 'console.db'}"))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(service, settings)
    win.confirm = lambda question: True
    win.choose = lambda question, choices: "test"  # the loopback nginx is a private test server
    win.doors.ask_remote_setup = lambda setup: setup  # the 远程场控 dialog answered with what the settings hold
    qtbot.addWidget(win)
    win.show()
    yield win
    from PySide6.QtWidgets import QApplication, QDialog, QMainWindow

    for other in QApplication.topLevelWidgets():  # the review or an assistant's window a test opened from it: a
        # window left on screen takes the pointer of the next test. Windows and dialogs only: Qt's own tooltip
        # and popups are its to close (closing its tooltip label under it crashed the process)
        if isinstance(other, (QMainWindow, QDialog)) and other.isVisible() and other is not win:
            other.close()
    service.close()


@pytest.fixture
def stop_show(qtbot):
    """停播 as the window does it (asked, then stopped on a thread of its own), waited for until the window says so."""

    def stop(window) -> None:
        controls, on_air = window.show_controls, window.on_air
        qtbot.waitUntil(lambda: not on_air.starting, timeout=30000)  # a go-live under way ends first
        assert on_air.stop_live()
        assert not controls.stop_action.isEnabled() and not controls.go_live_action.isEnabled()  # neither meanwhile
        qtbot.waitUntil(lambda: not on_air.stopping, timeout=30000)
        assert not window.service.live and on_air.live_since is None

    return stop


@pytest.fixture
def slot_errors(monkeypatch):
    """Every exception that reaches a slot's end, collected (the app shows them; a test fails on them)."""
    caught = []
    monkeypatch.setattr(sys, "excepthook", lambda kind, value, tb: caught.append(f"{kind.__name__}: {value}"))
    return caught


@pytest.fixture(autouse=True)
def _collect_closed_windows():
    """After each window test, the closed windows' cycles are collected here, on the main thread: collected on
    another thread (a loader's, the store writer's) PySide destroys their Qt objects there and can deadlock with
    the main thread (ui/worker.py)."""
    yield
    import gc

    gc.collect()
