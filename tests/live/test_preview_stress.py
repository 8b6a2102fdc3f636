"""The stage's preview lock under load, with the watchdog of tests/live/test_stress.py: the window's preview worker
opening and closing the preview, desk changes that reopen it (filters, sources), go-lives and stops from a control
surface, and readers of the picture, all at once. Every thread must keep making progress; at most one preview runs
at any moment; none runs while a show is on air (a go-live holds previews off while it opens the sources)."""

from __future__ import annotations

import os
import threading
import time

from app.console import ConsoleService, LiveOptions
from app.store.db import Database
from tests.live.test_stress import looping, run_watched

SECONDS = min(float(os.environ.get("ANCHOR_STRESS_SECONDS", "60")), 12.0)


def previews() -> int:
    return sum(t.name == "preview" and t.is_alive() for t in threading.enumerate())


def test_previews_go_lives_and_desk_changes_never_deadlock_nor_overlap(tmp_path, monkeypatch, qapp_offscreen):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    service = ConsoleService(Database(f"sqlite:///{tmp_path / 'stress.db'}"), view=False)
    stage = service.stage
    small = dict(width=320, height=180, fps=15)
    stop, progress, problems, most = threading.Event(), {}, [], [0]

    def run(name, step):
        return looping(name, step, stop, progress, problems)

    def window(rnd):  # the window's preview worker: the toolbars changed
        if rnd.random() < 0.8:
            stage.start_preview(LiveOptions(mirror=rnd.random() < 0.5, **small))
        else:
            stage.stop_preview()
        time.sleep(rnd.random() * 0.05)

    def desk(rnd):  # a filter changed elsewhere: the preview reopens with its sources
        service.desk.set_filters(None, rnd.choice((0.0, 0.3)))
        time.sleep(0.05 + rnd.random() * 0.1)

    def control(rnd):  # a control surface's StartStream / StopStream
        service.go_live(LiveOptions(recording_path=str(tmp_path / "show.mkv"), **small))
        if service.live and previews():
            problems.append(f"a preview runs beside the show on air ({previews()})")
        time.sleep(rnd.random() * 0.3)
        service.stop()
        stage.restart()  # as recover() does after a failed show: the preview comes back
        time.sleep(rnd.random() * 0.2)

    def reader(rnd):  # the window's timers
        stage.frame()
        stage.previewing
        most[0] = max(most[0], previews())
        time.sleep(0.002)

    threads = [run("窗口预览", window), run("桌面", desk), run("控制面板", control), run("读画面", reader)]
    try:
        run_watched(threads, stop, progress, problems, SECONDS, join_s=30)
    finally:
        stop.set()
        service.close()
    assert most[0] == 1  # previews ran, never two at once
    assert progress["控制面板"] >= 2 and all(count > 5 for count in progress.values()), progress
    assert previews() == 0  # the console closed: none left behind
