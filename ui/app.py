"""The `anchor-console` launcher, above both `app/` and `ui/`: the command line of `app.cli` with the windows
handed in (the console's window opens in demo mode by default: test pattern, simulated audience, recording)."""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Windows:
    """What the command line may open: the console's window, the assistant's window (url, name)."""

    console: object
    assistant: object


def launch(argv: list[str] | None = None) -> int:
    """`anchor-console [COMMAND]`: a window when there is a display (or `window`, `assist --window`), else the
    headless commands of `app.cli`."""
    from app.cli import main as cli_main

    return cli_main(argv, windows=Windows(console=main, assistant=remote_main))


def main(argv: list[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from app.console import ConsoleService, ensure_qt, font, install_log_redaction
    from ui.main_window import MainWindow

    install_log_redaction()  # the window is an entry point too (the CLI does the same)
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    ensure_qt()  # the shipped CJK font, so the window reads right on a machine without one
    app.setFont(font(13))
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

    from app.remote.client import ensure_qt, font, install_log_redaction
    from ui.remote_window import RemoteWindow

    install_log_redaction()
    app = QApplication.instance() or QApplication(sys.argv)
    ensure_qt()
    app.setFont(font(13))
    window = RemoteWindow(url, name)
    window.show()
    return app.exec()
