"""Start the console window (demo mode by default: test pattern, simulated audience, local recording)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from app.console import ConsoleService
    from app.overlays.qtrender import ensure_qt
    from app.redaction import install_log_redaction
    from ui.main_window import MainWindow

    install_log_redaction()  # the window is an entry point too (the CLI does the same)
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    ensure_qt()  # the shipped CJK font, so the window reads right on a machine without one
    from app.overlays import qtrender

    app.setFont(qtrender.font(13))
    service = ConsoleService()
    window = MainWindow(service)
    window.show()
    try:
        return app.exec()
    finally:
        service.close()


def remote_main(url: str = "", name: str = "场控") -> int:
    """`anchor-console assist URL --window`: the assistant's window on a second machine (token typed in it)."""
    from PySide6.QtWidgets import QApplication

    from app.overlays import qtrender
    from app.redaction import install_log_redaction
    from ui.remote_window import RemoteWindow

    install_log_redaction()
    app = QApplication.instance() or QApplication(sys.argv)
    qtrender.ensure_qt()
    app.setFont(qtrender.font(13))
    window = RemoteWindow(url, name)
    window.show()
    return app.exec()
