"""Work off the window's thread, its result back on it.

A Python thread must never hold the last reference to a Qt object: PySide would destroy it on that thread while
the main thread destroys another, and the two wait on each other (seen in the full test run: a QObject's
destructor in a loader thread waiting for the GIL, the main thread's destructor waiting for Qt's lock). So the
thread here runs a job that holds no Qt object and leaves its result in a plain list; a QTimer of the window
hands it on, on the window's thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


class Worker:
    def __init__(self, parent: QObject, name: str) -> None:
        self.name = name
        self._timer = QTimer(parent)
        self._timer.timeout.connect(self._check)
        self._thread: threading.Thread | None = None
        self._box: list | None = None
        self._done: Callable[[object], None] | None = None

    def start(self, job: Callable[[], object], done: Callable[[object], None]) -> None:
        """Run `job` (no Qt object in it) in a thread; `done(result or the exception)` on the window's thread."""
        self.wait()  # one at a time: the one before finishes first
        box: list = []

        def run() -> None:
            try:
                box.append(job())
            except Exception as exc:  # handed to `done`, not lost in a thread nobody watches
                box.append(exc)

        self._box, self._done = box, done
        self._thread = threading.Thread(target=run, name=self.name, daemon=True)
        self._thread.start()
        self._timer.start(50)

    def _check(self) -> None:
        if not self._box:
            return
        self._timer.stop()
        result, done = self._box[0], self._done
        self._box = self._done = None
        if done is not None:
            done(result)

    def wait(self, timeout: float = 30.0) -> None:
        """Wait for a job under way (before the window closes: its thread never outlives it)."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            thread.join(timeout)

    @property
    def busy(self) -> bool:
        return self._box is not None
