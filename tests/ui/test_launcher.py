"""The window's launcher (`ui.app.main`) run as a process of its own, the way `anchor-console window` runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_window_opens_closes_and_keeps_its_ui_thread_responsive(tmp_path):
    """The launcher shortens the interpreter's switch interval (a woken UI thread waits less for the GIL behind the
    room's and the writer's threads: bench/ui_stall.py) and the window opens and closes cleanly."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ANCHOR_CONSOLE_DATA=str(tmp_path / "data"),
               ANCHOR_CONSOLE_CLOSE_AFTER="1.5")
    code = ("import sys; from ui.app import SWITCH_INTERVAL_S, main; before = sys.getswitchinterval(); rc = main([]); "
            "print(rc, before, sys.getswitchinterval(), SWITCH_INTERVAL_S)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    rc, before, after, wanted = done.stdout.split()[-4:]
    assert rc == "0" and float(before) == 0.005 and float(after) == float(wanted) == 0.001
