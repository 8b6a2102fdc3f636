"""Take the 存证 screenshots at 1366×768 on a virtual X display: the studio's signing key made, a 12-second
rehearsal recorded, its review with the 存证 line (sealed, signed, the recording as written: 15-review-records.png),
then the 管理 → 保留策略… dialog over the console window (16-retention.png).

    ulimit -v 8000000; .venv/bin/python docs/screenshots/take_records.py

Starts Xvfb itself and stops it by its pid.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from xvfb import qt_on_virtual_display

HERE = Path(__file__).resolve().parent


def main() -> int:
    with qt_on_virtual_display(":96", "1366x768", "anchor-records-") as app:
        from PySide6.QtCore import QTimer

        from app.console import ConsoleService, LiveOptions
        from app.signing import StudioKey
        from ui.main_window import MainWindow
        from ui.review import ReviewWindow

        service = ConsoleService()
        StudioKey(service.database.studio).create()
        folder = Path(tempfile.mkdtemp(prefix="anchor-records-"))
        service.go_live(LiveOptions(recording_path=str(folder / "show.mkv"), duration=12, audience_rate=60))
        service.wait()
        service.stop()
        review = ReviewWindow(service)
        review.resize(1366, 740)
        review.show_rehearsals.setChecked(True)
        review.show()
        review.sessions.setCurrentRow(0)
        console = None

        def shoot_review() -> None:
            nonlocal console
            if review.review is None or not review.seal.label.text().startswith(("✓", "✗")):
                QTimer.singleShot(300, shoot_review)
                return
            review.grab().save(str(HERE / "15-review-records.png"))
            review.close()
            console = MainWindow(service)
            console.resize(1366, 740)
            console.show()
            console.desk.edit_retention()
            dialog = console.desk.retention_dialog
            dialog.move(console.x() + 420, console.y() + 200)
            QTimer.singleShot(1500, lambda: (dialog.grab().save(str(HERE / "16-retention.png")), app.quit()))

        QTimer.singleShot(500, shoot_review)
        app.exec()
        if console is not None:
            console.close()
        service.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
