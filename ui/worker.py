"""Work off the window's thread, its result back on it.

A Python thread must never hold the last reference to a Qt object: PySide would destroy it on that thread while
the main thread destroys another, and the two wait on each other (seen in the full test run: a QObject's
destructor in a loader thread waiting for the GIL, the main thread's destructor waiting for Qt's lock). So the
thread here runs a job that holds no Qt object and leaves its result in a plain list; a QTimer of the window
hands it on, on the window's thread.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from contextlib import contextmanager

from PySide6.QtCore import QObject, QTimer


_GC_LOCK = threading.Lock()
_GC_HELD = 0


@contextmanager
def no_collection_here():
    """Python's cycle collector off while a worker runs: run on a worker's thread it would destroy the Qt objects
    of a closed window's cycles there (the full run's deadlock: the comparison loader's SQL allocating, the collector
    starting in it). The main thread collects once the last worker is done."""
    global _GC_HELD
    with _GC_LOCK:
        _GC_HELD += 1
        gc.disable()
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_HELD -= 1
            if _GC_HELD == 0:
                gc.enable()


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
        gc.collect()  # a closed window's cycles go here, on the window's thread
        box: list = []

        def run() -> None:
            with no_collection_here():
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

    def cancel(self) -> None:
        """The window is closing: a job under way finishes, and its result is not handed on."""
        self.wait()
        self._timer.stop()
        self._box = self._done = None

    @property
    def busy(self) -> bool:
        return self._box is not None
