"""A virtual X display for the screenshot scripts: Xvfb started, the process pointed at it with a fresh data
folder, the Qt application made with the project's font; Xvfb stopped by its pid afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


@contextmanager
def qt_on_virtual_display(display: str, size: str, data_prefix: str):
    """(QApplication) on Xvfb `display` at `size` (e.g. "1366x768"), ANCHOR_CONSOLE_DATA a fresh folder."""
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        os.environ["DISPLAY"] = display
        os.environ.pop("QT_QPA_PLATFORM", None)
        os.environ["ANCHOR_CONSOLE_DATA"] = tempfile.mkdtemp(prefix=data_prefix)
        from PySide6.QtWidgets import QApplication

        from app.media import qtrender

        app = QApplication([])
        qtrender.ensure_qt()
        app.setFont(qtrender.font(13))
        yield app
    finally:
        xvfb.terminate()
        xvfb.wait(5)
