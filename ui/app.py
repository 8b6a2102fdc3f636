"""The `anchor-console` launcher, above both `app/` and `ui/`: the command line of `app.cli` with the windows
handed in (the console's window opens in demo mode by default: test pattern, simulated audience, recording)."""

from __future__ import annotations

import gc
import os
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Windows:
    """What the command line may open: the console's window, the assistant's window (url, name)."""

    console: object
    assistant: object


def shadowed() -> str | None:
    """Why the `app` package imported is not this console's (the top-level names `app` and `ui` are the project's
    fixed layout; another distribution's `app` earlier on the path would take its place), or None when it is ours:
    it says so (`app.DISTRIBUTION`) and sits beside this `ui`."""
    import app

    ours = getattr(app, "DISTRIBUTION", None) == "anchor-console"
    where = Path(getattr(app, "__file__", None) or ".").resolve().parent
    if ours and where.parent == Path(__file__).resolve().parent.parent:
        return None
    return (f"另一个名为 app 的包挡住了主播中控台（{where}）：请把主播中控台装在它自己的虚拟环境里，或使用打包好的程序 / "
            f"another package named 'app' ({where}) shadows Anchor Console's: install Anchor Console in a virtual "
            f"environment of its own, or use the built app")


def launch(argv: list[str] | None = None) -> int:
    """`anchor-console [COMMAND]`: a window when there is a display (or `window`, `assist --window`), else the
    headless commands of `app.cli`."""
    problem = shadowed()
    if problem:
        print(f"anchor-console: error: {problem}", file=sys.stderr)
        return 2
    from app.cli import main as cli_main

    return cli_main(argv, windows=Windows(console=main, assistant=remote_main))


SWITCH_INTERVAL_S = 0.001


def responsive() -> None:
    """A window shares its interpreter with the room, the store's writer and the pipeline's Python threads: the UI
    thread, woken by a timer or a click, waits for the GIL up to the switch interval behind each of them. 1 ms
    instead of Python's 5 took the UI thread's p99 lateness at 5,000 events/s from 12-15 ms to 8-9 ms
    (bench/ui_stall.py, docs/benchmarks.md)."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)


def settled() -> int:
    """The window is built: everything alive now (modules, classes, the window's widgets and their Python objects)
    lives as long as the process, so the cycle collector is told to leave it out of every later pass (`gc.freeze`).
    A full pass walked ~170,000 such objects for nothing: 88 ms on the UI thread each time a worker started (开播,
    停播, the loaders collect first: ui/worker.py), and the show's own full passes with it (bench/ui_stall.py,
    docs/benchmarks.md). Objects made later are collected as before. Returns how many are left out."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def main(argv: list[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from app.console import ConsoleService, ensure_qt, font, install_log_redaction
    from ui.errors import install_slot_errors
    from ui.main_window import MainWindow

    install_log_redaction()  # the window is an entry point too (the CLI does the same)
    responsive()
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    ensure_qt()  # the shipped CJK font, so the window reads right on a machine without one
    app.setFont(font(13))
    service = ConsoleService(apply_retention=True)  # the studio's retention policy applied meanwhile
    window = MainWindow(service)
    install_slot_errors(window.alert.show_message)
    window.show()
    settled()
    close_after = os.environ.get("ANCHOR_CONSOLE_CLOSE_AFTER")  # a build's smoke test: open, run, close
    if close_after:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(int(float(close_after) * 1000), window.close)
    try:
        return app.exec()
    finally:
        service.close()


def remote_main(url: str = "", name: str = "场控") -> int:
    """`anchor-console assist URL --window`: the assistant's window on a second machine (token typed in it)."""
    from PySide6.QtWidgets import QApplication

    from app.remote.client import ensure_qt, font, install_log_redaction
    from ui.errors import install_slot_errors
    from ui.remote_window import RemoteWindow

    install_log_redaction()
    responsive()
    app = QApplication.instance() or QApplication(sys.argv)
    ensure_qt()
    app.setFont(font(13))
    window = RemoteWindow(url, name)
    install_slot_errors(lambda text: window._message(text, error=True))
    window.show()
    settled()
    return app.exec()
