"""ui/worker.py: a job off the window's thread, its result handed back on it — or, once the window closes, never."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject

from ui.worker import Worker


def test_a_result_or_an_error_comes_back_on_the_windows_thread(qtbot, slot_errors):
    owner = QObject()
    worker = Worker(owner, "test job")
    got = []
    collecting = []

    def job():
        collecting.append(gc.isenabled())  # the collector is off on the worker's thread
        return threading.current_thread().name

    worker.start(job, lambda result: got.append((result, threading.current_thread() is threading.main_thread())))
    assert worker.busy
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert got == [("test job", True)] and collecting == [False] and gc.isenabled() and not worker.busy

    def fails():
        raise ValueError("源无法打开 / the source cannot open")

    worker.start(fails, got.append)
    qtbot.waitUntil(lambda: len(got) == 2, timeout=5000)
    assert isinstance(got[1], ValueError) and "cannot open" in str(got[1])
    assert slot_errors == []


def test_a_second_job_waits_for_the_first(qtbot):
    owner = QObject()  # the window: the worker's timer is its child
    worker = Worker(owner, "one at a time")
    release, order = threading.Event(), []

    def first():
        release.wait(5)
        order.append("first")
        return 1

    worker.start(first, lambda result: order.append(("first done", result)))
    threading.Timer(0.3, release.set).start()
    worker.start(lambda: order.append("second") or 2, lambda result: order.append(("second done", result)))
    assert order[0] == "first"  # start() returned only once the first job had finished
    qtbot.waitUntil(lambda: ("second done", 2) in order, timeout=5000)
    assert "second" in order


def test_a_job_cancelled_while_it_runs_finishes_and_hands_nothing_on(qtbot):
    owner = QObject()
    worker = Worker(owner, "closing")
    running, release, finished, handed = threading.Event(), threading.Event(), [], []

    def job():
        running.set()
        release.wait(5)
        finished.append(True)
        return "late"

    worker.start(job, handed.append)
    assert running.wait(5)
    threading.Timer(0.2, release.set).start()
    worker.cancel()  # the window is closing: waits for the job, drops its result
    assert finished == [True] and not worker.busy
    qtbot.wait(300)  # several of the timer's periods (50 ms): nothing comes
    assert handed == []
