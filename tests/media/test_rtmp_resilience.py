"""An RTMP push that survives what ingest servers do: vanish, come back, freeze, or never answer."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.conftest import run_cli, start_cli
from tests.media.probe import probe

KEY = "sk-resilience-5d1e"
FPS = 30


def read_stats(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_stats(path: Path, predicate, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in reversed(read_stats(path)):
            if predicate(line):
                return line
        time.sleep(0.1)
    raise AssertionError(f"stats never matched; last: {read_stats(path)[-1:]}")


def test_silent_server_at_start_is_a_clear_error(silent_server, tmp_path):
    started = time.monotonic()
    result = run_cli("stream", "--to", f"rtmp://127.0.0.1:{silent_server}/live/{KEY}", "--to",
                     str(tmp_path / "x.mkv"), "--duration", "2", timeout=40)
    assert result.returncode == 2
    assert "no RTMP handshake" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert KEY not in result.output
    assert time.monotonic() - started < 30  # bounded by the connect timeout, not frozen forever


def test_server_restart_reconnects_fast_and_recording_is_whole(rtmp_server, tmp_path):
    mkv, stats = tmp_path / "rec.mkv", tmp_path / "stats.jsonl"
    cli = start_cli("stream", "--to", rtmp_server.url(KEY), "--to", str(mkv), "--duration", "14",
                    "--stats-json", str(stats))
    wait_stats(stats, lambda s: s["stream_time"] >= 3)
    rtmp_server.stop()
    wait_stats(stats, lambda s: not s["outputs"][0]["connected"])
    time.sleep(2)
    rtmp_server.restart()
    back = time.time()
    line = wait_stats(stats, lambda s: s["outputs"][0]["connected"] and s["outputs"][0]["reconnects"] >= 1)
    out, err = cli.communicate(timeout=40)
    assert cli.returncode == 0, err
    assert KEY not in out + err

    reconnect_delay = line["outputs"][0]["connected_since"] - back
    assert reconnect_delay <= 3.0, f"push came back {reconnect_delay:.2f} s after the server"

    local = probe(mkv)
    assert local.frame_codes == list(range(14 * FPS)), "the local recording lost frames during the outage"
    recordings = rtmp_server.wait_recording_closed(count=2)
    assert len(recordings) == 2, rtmp_server.log()
    after = probe(recordings[-1])
    assert after.frames >= 4 * FPS  # the push went on after the restart, from a keyframe, decodable
    assert after.frame_codes == sorted(after.frame_codes)
    assert after.video_codec == "h264" and after.audio_codec == "aac"


def test_frozen_server_does_not_stall_recording_or_stats(rtmp_server, tmp_path):
    mkv, stats = tmp_path / "rec.mkv", tmp_path / "stats.jsonl"
    duration = 16
    started = time.monotonic()
    cli = start_cli("stream", "--to", rtmp_server.url(KEY), "--to", str(mkv), "--duration", str(duration),
                    "--stats-json", str(stats))
    wait_stats(stats, lambda s: s["stream_time"] >= 2)
    rtmp_server.freeze()
    try:
        wait_stats(stats, lambda s: sum(s["outputs"][0]["restarts"].values()) >= 1, timeout=20)
    finally:
        rtmp_server.thaw()
    out, err = cli.communicate(timeout=60)
    elapsed = time.monotonic() - started
    assert cli.returncode == 0, err
    assert elapsed < duration + 15, f"the CLI took {elapsed:.1f} s for a {duration} s stream"

    lines = read_stats(stats)
    steady = [s["capture_fps"] for s in lines[1:-1]]
    assert min(steady) >= FPS - 3, f"capture slowed while the server was frozen: {steady}"
    assert probe(mkv).frame_codes == list(range(duration * FPS))
    assert KEY not in out + err


def test_cpu_of_a_running_process_is_read_from_proc():
    import os

    from app.media.rtmp import process_cpu_seconds

    spent = time.process_time()
    while time.process_time() - spent < 0.3:  # burn a little CPU so there is something to read
        pass
    mine = process_cpu_seconds(os.getpid())
    assert mine is not None and mine >= 0.25
    assert process_cpu_seconds(2**22 + 12345) is None  # no such process: nothing, not an error
