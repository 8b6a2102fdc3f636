"""Take the README's screenshots of the real window on a virtual X display (Xvfb), in demo mode.

    ulimit -v 8000000; .venv/bin/python docs/screenshots/take.py

Starts Xvfb itself and stops it by its pid. Writes docs/screenshots/*.png.
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


def main() -> int:
    display = ":97"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        os.environ["DISPLAY"] = display
        os.environ.pop("QT_QPA_PLATFORM", None)
        os.environ["ANCHOR_CONSOLE_DATA"] = tempfile.mkdtemp(prefix="anchor-shots-")
        from PySide6.QtCore import QSettings, QTimer
        from PySide6.QtWidgets import QApplication

        from app.console import ConsoleService
        from app.overlays import qtrender
        from ui.main_window import MainWindow

        app = QApplication([])
        qtrender.ensure_qt()
        app.setFont(qtrender.font(13))
        service = ConsoleService()
        settings = QSettings(os.path.join(os.environ["ANCHOR_CONSOLE_DATA"], "s.ini"), QSettings.Format.IniFormat)
        window = MainWindow(service, settings)
        window.confirm = lambda question: True
        window.resize(1600, 1000)
        window.show()

        def shoot(name: str, widget=None) -> None:
            (widget or window).grab().save(str(HERE / f"{name}.png"))
            subprocess.run(["import", "-window", "root", str(HERE / f"{name}-screen.png")], check=False)

        def teleprompter() -> None:
            window.show_teleprompter()
            window.teleprompter.speed.setValue(0)
            window.teleprompter.resize(900, 620)

        steps = [
            (500, lambda: shoot("01-ready")),
            (600, window.go_live),
            (2500, lambda: service.room.pin_product(service.room.state.run_sheet[0], "assistant:场控")),
            (3000, lambda: service.room.drop_coupon(sorted(service.room.state.coupons)[0], 100, 120, "assistant:场控")),
            (3500, lambda: service.room.start_flash_sale(service.room.state.run_sheet[1], 9900, 20, 90,
                                                         "assistant:场控")),
            (9000, lambda: shoot("02-live")),
            (9200, teleprompter),
            (10500, lambda: shoot("03-teleprompter", window.teleprompter)),
            (11000, lambda: (window.stop_live(), app.quit())),
        ]
        for delay, action in steps:
            QTimer.singleShot(delay, action)
        app.exec()
        service.close()
        window.deleteLater()  # widgets go before the application, not in the interpreter's final GC
        app.processEvents()
        del window
    finally:
        xvfb.terminate()
        xvfb.wait(5)
    for extra in HERE.glob("*-screen.png"):
        extra.unlink()  # keep the window grabs; the root grabs were only to check the real X server drew it
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
