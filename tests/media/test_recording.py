"""Local recordings survive a crash: a kill -9 leaves a file that plays to within a second of the kill."""

from __future__ import annotations

import signal
import time

import pytest

from tests.conftest import run_cli, start_cli
from tests.media.probe import probe
from tests.media.test_rtmp_resilience import read_stats, wait_stats

FPS = 30


@pytest.mark.parametrize("suffix", [".mkv", ".mp4"])
def test_kill_9_leaves_a_playable_recording(tmp_path, suffix):
    path, stats = tmp_path / f"crash{suffix}", tmp_path / "stats.jsonl"
    cli = start_cli("stream", "--to", str(path), "--duration", "60", "--stats-json", str(stats))
    wait_stats(stats, lambda s: s["stream_time"] >= 4)
    time.sleep(0.5)
    last = read_stats(stats)[-1]
    killed_at = time.time()
    cli.send_signal(signal.SIGKILL)
    cli.wait(10)
    stream_time_at_kill = last["stream_time"] + (killed_at - last["wall_time"])

    report = probe(path)
    assert report.frame_codes == list(range(report.frames)), "frames missing or out of order"
    played = report.frames / FPS
    assert played >= stream_time_at_kill - 1.0, f"plays {played:.2f} s of {stream_time_at_kill:.2f} s"
    if suffix == ".mkv":
        repaired_when_the_console_or_the_review_opens_it(path, report)


def repaired_when_the_console_or_the_review_opens_it(path, report) -> None:
    """Issue #25 (8): the killed MKV has every frame but no duration; the next console start repairs the recording
    of the session it finds interrupted, and the review's player repairs any it opens (a copy, no re-encode)."""
    import os
    import shutil

    import av

    from app.console import ConsoleService
    from app.media.player import RecordingPlayer
    from app.store.db import Database
    from app.store.models import LiveSession, SessionKind, SessionStatus

    with av.open(str(path)) as container:
        assert not container.duration  # what players show as no length
    as_written = path.read_bytes()
    quiet = time.time() - 60  # a file still being written (a show on air elsewhere) is never touched
    for_review = path.with_name("review.mkv")
    shutil.copy(path, for_review)
    for file in (path, for_review):
        os.utime(file, (quiet, quiet))
    database = Database(f"sqlite:///{path.parent / 'anchor.db'}")
    with database.sessions.begin() as db:
        db.add(LiveSession(title="崩溃 crashed", run_sheet=[], destinations=[], recording_path=str(path),
                           started_at=quiet - 10, status=SessionStatus.LIVE, kind=SessionKind.REHEARSAL,
                           owner="elsewhere:999999:1", heartbeat_at=quiet - 100))
    database.close()
    service = ConsoleService(Database(f"sqlite:///{path.parent / 'anchor.db'}"))
    service.close()  # waits for the repair
    player = RecordingPlayer(for_review, sink=None)
    try:
        assert abs(player.duration - report.frames / FPS) < 0.2, player.duration
    finally:
        player.close()
    for file in (path, for_review):
        with av.open(str(file)) as container:
            assert abs(container.duration / av.time_base - report.frames / FPS) < 0.2, container.duration
        again = probe(file)
        assert again.frame_codes == report.frame_codes  # every frame still there, in order
    from app.media.digest import as_recorded

    # the bytes as recorded are kept beside the playable copy: the show's log holds their digests (issue #31)
    assert as_recorded(path).read_bytes() == as_written != path.read_bytes()


def test_a_full_disk_fails_that_recording_alone(tmp_path):
    """/dev/full answers every write with ENOSPC: the recording on it fails with a clear error, the other output
    (another disk, or the stream) keeps every frame, and the exit code says something failed."""
    full = tmp_path / "on-full-disk.mkv"
    full.symlink_to("/dev/full")
    other = tmp_path / "other.mkv"
    result = run_cli("stream", "--to", str(full), "--to", str(other), "--duration", "3")
    assert result.returncode == 1
    assert "No space left on device" in result.stderr and str(full) in result.stderr
    assert "Traceback" not in result.output
    assert probe(other).frame_codes == list(range(90))
