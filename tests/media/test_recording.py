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
