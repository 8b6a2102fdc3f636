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


def rehearsal_recorded(service, prefix: str, during=None) -> Path:
    """A 12-second rehearsal at 60 events/s recorded into a fresh folder (returned), `during(room, bus)` called while
    it runs, then stopped."""
    from app.console import LiveOptions

    folder = Path(tempfile.mkdtemp(prefix=prefix))
    service.go_live(LiveOptions(recording_path=str(folder / "show.mkv"), duration=12, audience_rate=60))
    if during is not None:
        during(service.broadcast.room, service.broadcast.core.bus)
    service.wait()
    service.stop()
    return folder


def review_when_sealed(service, then):
    """The review window at 1366×740 on the newest show (rehearsals shown); `then(window)` once its 存证 line has
    been checked (✓ or ✗). Returns the window: the caller runs the event loop."""
    from PySide6.QtCore import QTimer

    from ui.review import ReviewWindow

    window = ReviewWindow(service)
    window.resize(1366, 740)
    window.show_rehearsals.setChecked(True)
    window.show()
    window.sessions.setCurrentRow(0)

    def wait() -> None:
        if window.review is None or not window.seal.label.text().startswith(("✓", "✗")):
            QTimer.singleShot(300, wait)
        else:
            then(window)

    QTimer.singleShot(500, wait)
    return window
