"""Take the 存证 screenshots at 1366×768 on a virtual X display: the studio's signing key made, a 12-second
rehearsal recorded, its review with the 存证 line (sealed, signed, the recording as written: 15-review-records.png),
then the 管理 → 保留策略… dialog over the console window (16-retention.png).

    ulimit -v 8000000; .venv/bin/python docs/screenshots/take_records.py

Starts Xvfb itself and stops it by its pid.
"""

from __future__ import annotations

from pathlib import Path

from xvfb import qt_on_virtual_display, rehearsal_recorded, review_when_sealed

HERE = Path(__file__).resolve().parent


def main() -> int:
    with qt_on_virtual_display(":96", "1366x768", "anchor-records-") as app:
        from PySide6.QtCore import QTimer

        from app.console import ConsoleService
        from app.signing import StudioKey
        from ui.main_window import MainWindow

        service = ConsoleService()
        StudioKey(service.database.studio).create()
        rehearsal_recorded(service, "anchor-records-")
        console = None

        def shoot_review(review) -> None:
            nonlocal console
            review.grab().save(str(HERE / "15-review-records.png"))
            review.close()
            console = MainWindow(service)
            console.resize(1366, 740)
            console.show()
            console.desk.edit_retention()
            dialog = console.desk.retention_dialog
            dialog.move(console.x() + 420, console.y() + 200)
            QTimer.singleShot(1500, lambda: (dialog.grab().save(str(HERE / "16-retention.png")), app.quit()))

        review_when_sealed(service, shoot_review)
        app.exec()
        if console is not None:
            console.close()
        service.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
