"""Take the insights screenshots (多场分析, at 1366×768) of the real review window on a virtual X display, over 40
generated shows (bench/make_shows.py).

    ulimit -v 8000000; .venv/bin/python docs/screenshots/take_insights.py

Starts Xvfb itself and stops it by its pid. Writes docs/screenshots/10-insights*.png, the single show's review on
its 每次讲解 tab (11-review-windows.png) and the 删除观众数据 dialog over a found viewer (12-erase-viewer.png).
"""

from __future__ import annotations

from pathlib import Path

from xvfb import qt_on_virtual_display

HERE = Path(__file__).resolve().parent
PAGES = {0: "10-insights", 6: "10-insights-retention", 7: "10-insights-ab"}  # tab → file


def main() -> int:
    with qt_on_virtual_display(":96", "1366x768", "anchor-insights-") as app:
        from PySide6.QtCore import QTimer

        from app.console import ConsoleService
        from bench.make_shows import generate
        from ui.erase_viewer import EraseViewerDialog
        from ui.review import ReviewWindow

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
                single_show()
                return
            if panel.ab is None:
                panel.group_a.setText("tag=旧话术")
                panel.group_b.setText("tag=新话术")
                panel.compare_groups()
            page = pending.pop(0)
            panel.views.setCurrentIndex(page)
            QTimer.singleShot(400, lambda: (window.grab().save(str(HERE / f"{PAGES[page]}.png")), step()))

        def single_show() -> None:
            window.pages.setCurrentIndex(0)
            window.sessions.setCurrentRow(window.sessions.count() - 1)
            window.product_tables.setCurrentIndex(1)

            def shoot() -> None:
                if window.review is None:
                    QTimer.singleShot(300, shoot)
                    return
                window.grab().save(str(HERE / "11-review-windows.png"))
                erase = EraseViewerDialog(service.history, window)
                erase.show()
                erase.query.setText("7100000001")
                erase.search()
                QTimer.singleShot(1500, lambda: (erase.found.selectRow(0), QTimer.singleShot(
                    300, lambda: (erase.grab().save(str(HERE / "12-erase-viewer.png")), erase.close(), app.quit()))))

            QTimer.singleShot(800, shoot)

        QTimer.singleShot(500, step)
        app.exec()
        window.close()
        service.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
