"""Take the insights screenshots (多场分析, at 1366×768) of the real review window on a virtual X display, over 40
generated shows (bench/make_shows.py).

    ulimit -v 8000000; .venv/bin/python docs/screenshots/take_insights.py

Starts Xvfb itself and stops it by its pid. Writes docs/screenshots/10-insights*.png.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
PAGES = {0: "10-insights", 6: "10-insights-retention", 7: "10-insights-ab"}  # tab → file


def main() -> int:
    display = ":96"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        os.environ["DISPLAY"] = display
        os.environ.pop("QT_QPA_PLATFORM", None)
        os.environ["ANCHOR_CONSOLE_DATA"] = tempfile.mkdtemp(prefix="anchor-insights-")
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        from app.console import ConsoleService
        from app.media import qtrender
        from bench.make_shows import generate
        from ui.review import ReviewWindow

        app = QApplication([])
        qtrender.ensure_qt()
        app.setFont(qtrender.font(13))
        service = ConsoleService()
        generate(service.history.database, shows=40, viewers=600, seed=3)
        window = ReviewWindow(service)
        window.resize(1366, 740)
        window.show()
        window.show_insights()
        pending = sorted(PAGES)

        def step() -> None:
            panel = window.insights
            if panel.insights is None:
                QTimer.singleShot(300, step)
                return
            if not pending:
                app.quit()
                return
            if panel.ab is None:
                panel.group_a.setText("tag=旧话术")
                panel.group_b.setText("tag=新话术")
                panel.compare_groups()
            page = pending.pop(0)
            panel.views.setCurrentIndex(page)
            QTimer.singleShot(400, lambda: (window.grab().save(str(HERE / f"{PAGES[page]}.png")), step()))

        QTimer.singleShot(500, step)
        app.exec()
        window.close()
        service.close()
    finally:
        xvfb.terminate()
        xvfb.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
