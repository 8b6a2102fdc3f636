"""The teleprompter on a real second monitor: Qt's offscreen platform given two screens (a studio monitor and a
prompter monitor), in a process of its own since the test session's Qt has one screen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ui.teleprompter import choose_screen

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, sys
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
app = QApplication([])
from app.console import ConsoleService
from app.store.db import Database
from ui.main_window import MainWindow
data = sys.argv[1]
service = ConsoleService(Database(f"sqlite:///{data}/console.db"))
settings = QSettings(f"{data}/settings.ini", QSettings.Format.IniFormat)
window = MainWindow(service, settings)
window.show()
window.show_teleprompter()
prompter = window.teleprompter
app.processEvents()
out = {"screens": [s.name() for s in app.screens()], "primary": app.primaryScreen().name(),
       "window": window.screen().name(), "prompter": prompter.screen().name(),
       "prompter_geometry": list(prompter.geometry().getRect())}
prompter.fullscreen.setChecked(True)
app.processEvents()
out["fullscreen"] = [prompter.isFullScreen(), list(prompter.geometry().getRect())]
prompter.fullscreen.setChecked(False)
prompter.place_on(window.screen().name())
app.processEvents()
out["moved"] = prompter.screen().name()
out["remembered"] = settings.value("teleprompter/screen")
prompter.close(); window.close(); service.close()
print(json.dumps(out))
"""


def test_teleprompter_opens_on_the_second_monitor_and_can_go_fullscreen(tmp_path):
    screens = {"screens": [
        {"name": "Studio", "x": 0, "y": 0, "width": 1920, "height": 1080, "logicalDpiX": 96, "logicalDpiY": 96,
         },
        {"name": "Prompter", "x": 1920, "y": 0, "width": 1280, "height": 1024, "logicalDpiX": 96, "logicalDpiY": 96}]}
    config = tmp_path / "screens.json"
    config.write_text(json.dumps(screens))
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}", ANCHOR_CONSOLE_DATA=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert sorted(out["screens"]) == ["Prompter", "Studio"]
    console = out["window"]
    other = ({"Prompter", "Studio"} - {console}).pop()
    area = {s["name"]: [s["x"], s["y"], s["width"], s["height"]] for s in screens["screens"]}[other]
    assert out["prompter"] == other  # the console stays where it is, the prompter goes to the other monitor
    x, y, _w, _h = out["prompter_geometry"]
    assert area[0] <= x < area[0] + area[2] and area[1] <= y < area[1] + area[3]
    assert out["fullscreen"] == [True, area]  # the whole prompter monitor
    assert out["moved"] == console and out["remembered"] == console  # picked by hand: remembered for next time


def test_screen_choice_prefers_the_remembered_one_then_a_non_primary_one():
    assert choose_screen(["A", "B"], "A", None) == "B"
    assert choose_screen(["A", "B", "C"], "B", "C") == "C"
    assert choose_screen(["A", "B"], "A", "gone") == "B"
    assert choose_screen(["A"], "A", "gone") == "A"  # one monitor: a window on it
