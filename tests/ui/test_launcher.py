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
    code = ("import gc, sys; from ui.app import SWITCH_INTERVAL_S, main; before = sys.getswitchinterval(); "
            "frozen = gc.get_freeze_count(); rc = main([]); "
            "print(rc, before, sys.getswitchinterval(), SWITCH_INTERVAL_S, frozen, gc.get_freeze_count())")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    rc, before, after, wanted, frozen_before, frozen_after = done.stdout.split()[-6:]
    assert rc == "0" and float(before) == 0.005 and float(after) == float(wanted) == 0.001
    # the window's own objects left out of the collector's passes once it was built (ui.app.settled)
    assert int(frozen_before) == 0 and int(frozen_after) > 50_000


def test_once_settled_what_is_made_later_is_still_collected():
    import gc
    import weakref

    from ui.app import settled

    try:
        assert settled() == gc.get_freeze_count() > 0
        collected = []

        class Node:
            pass

        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle made after the freeze
        weakref.finalize(a, collected.append, "a")
        del a, b
        gc.collect()
        assert collected == ["a"]
    finally:
        gc.unfreeze()  # the rest of this test process as it was
