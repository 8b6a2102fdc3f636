"""演练 Rehearsal is never on air: the simulator cannot run in a Live session, a rehearsal is marked on every
frame, kept apart in the review, and pushes only to a server the user confirmed as a private test server."""

from __future__ import annotations

import av
import numpy as np
import pytest

from app.console import ConsoleService, GoLiveError, LiveOptions
from app.live.demo_assistant import DemoAssistant
from app.live.simulator import RehearsalOnly
from app.session import SessionCore
from app.review import list_sessions
from app.store.db import Database
from app.store.models import SessionKind


@pytest.fixture
def service(tmp_path, monkeypatch, qapp_offscreen):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    console = ConsoleService(Database(f"sqlite:///{tmp_path / 'console.db'}"))
    yield console
    console.close()


def test_a_live_session_with_the_simulator_is_refused_and_changes_nothing(service):
    with pytest.raises(GoLiveError, match="real room events only") as refused:
        service.go_live(LiveOptions(rehearsal=False, simulated_audience=True, duration=1))
    assert "演练" in str(refused.value)  # Chinese first, then English
    with pytest.raises(GoLiveError, match="rehearsal tools"):
        service.go_live(LiveOptions(rehearsal=False, simulated_audience=False, demo_assistant=True, duration=1))
    assert not service.live and service.history.sessions() == [] and service.history.sessions(rehearsals=True) == []


def test_a_rehearsal_pushes_only_to_a_confirmed_test_server(service):
    url = "rtmp://127.0.0.1:1/live/sk-test-123"
    with pytest.raises(GoLiveError, match="private test server") as refused:
        service.go_live(LiveOptions(destinations=(url,), duration=1))
    assert "sk-test-123" not in str(refused.value) and "rtmp://127.0.0.1:1/live/****" in str(refused.value)
    assert not service.live


def test_the_session_core_itself_refuses_rehearsal_tools_in_a_live_session(catalogue):
    core = SessionCore(catalogue)
    core.start("直播", kind=SessionKind.LIVE)
    with pytest.raises(RehearsalOnly):
        core.simulated_audience()
    with pytest.raises(RehearsalOnly):
        DemoAssistant(core.room, core.rehearsal)
    core.end()
    rehearsal = SessionCore(catalogue)
    rehearsal.start("演练", kind=SessionKind.REHEARSAL)
    assert rehearsal.simulated_audience() is not None
    rehearsal.end()


def _mark_pixels(path) -> np.ndarray:
    """The bottom-right corner where the 演练 mark sits, from the recording's middle frame (BGR)."""
    with av.open(str(path)) as container:
        frames = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    frame = frames[len(frames) // 2]
    h, w = frame.shape[:2]
    return frame[h - 56:h - 20, w - 220:w - 20]


def test_a_rehearsal_is_marked_on_every_frame_and_listed_apart(service, tmp_path):
    service.go_live(LiveOptions(recording_path=str(tmp_path / "rehearsal.mkv"), duration=1.5, audience_rate=50))
    service.wait()
    service.stop()
    service.go_live(LiveOptions(rehearsal=False, simulated_audience=False,
                                recording_path=str(tmp_path / "live.mkv"), duration=1.5))
    service.wait()
    service.stop()

    marked, plain = _mark_pixels(tmp_path / "rehearsal.mkv"), _mark_pixels(tmp_path / "live.mkv")
    orange = (marked[..., 2] > 170) & (marked[..., 1] > 70) & (marked[..., 1] < 170) & (marked[..., 0] < 90)
    assert orange.mean() > 0.5  # the orange panel of the mark
    assert ((plain[..., 2] > 170) & (plain[..., 1] < 170) & (plain[..., 0] < 90)).mean() < 0.05

    real, rehearsals = list_sessions(service.database), list_sessions(service.database, rehearsals=True)
    assert [s.kind for s in real] == ["live"] and [s.kind for s in rehearsals] == ["rehearsal"]
    assert real[0].recording_path.endswith("live.mkv") and rehearsals[0].rehearsal


@pytest.mark.parametrize("view", [True, False])
def test_only_a_console_with_a_window_keeps_the_events_for_it(tmp_path, monkeypatch, qapp_offscreen, view):
    """A headless console (`anchor-console demo`/`live`: view=False) keeps none of the bus's events for a window
    that never drains them: up to 20,000 undrained events grew its memory for nobody (issue #32)."""
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    console = ConsoleService(Database(f"sqlite:///{tmp_path / 'console.db'}"), view=view)
    try:
        console.go_live(LiveOptions(recording_path=str(tmp_path / "show.mkv"), duration=1.5, audience_rate=300))
        console.wait()
        published = console.broadcast.core.bus.last_seq
        kept = console.broadcast.drain_events()
        console.stop()
    finally:
        console.close()
    assert published > 100
    if view:
        assert [e.seq for e in kept] == list(range(kept[0].seq, kept[0].seq + len(kept))) and len(kept) > 100
    else:
        assert kept == []
    assert console.broadcast.view_skipped == 0  # all kept for the window: none skipped


def test_a_window_that_falls_behind_is_told_how_many_events_it_was_not_handed(tmp_path, monkeypatch,
                                                                               qapp_offscreen):
    """The events a window has not drained are bounded (MAX_PENDING_EVENTS): past it the oldest go, counted, so
    the window can say how many it did not draw; the store keeps them all."""
    import app.broadcast as broadcast_module

    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    monkeypatch.setattr(broadcast_module, "MAX_PENDING_EVENTS", 40)
    console = ConsoleService(Database(f"sqlite:///{tmp_path / 'console.db'}"))
    try:
        console.go_live(LiveOptions(recording_path=str(tmp_path / "show.mkv"), duration=1.5, audience_rate=300))
        console.wait()
        core = console.broadcast.core
        published = core.bus.last_seq
        skipped = console.broadcast.view_skipped
        kept = console.drain_events()
        console.stop()
        stored, ended = core.writer.stats.written, core.bus.last_seq  # the stop's own event too
    finally:
        console.close()
    assert len(kept) == 40 and kept[-1].seq == published  # the newest are the ones kept
    assert skipped == published - 40 and skipped > 100
    assert stored == ended
