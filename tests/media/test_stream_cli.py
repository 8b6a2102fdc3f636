"""The `stream` command end to end: a real nginx-rtmp server records what we push; files are read back."""

from __future__ import annotations

import time

import pytest

from app.media.pipeline import CATCH_UP_S
from app.media.sources import TestPatternSource as Pattern

from tests.conftest import free_port, run_cli
from tests.media.probe import probe

KEY = "sk-live-7f3a9c2e1b"


def test_push_to_rtmp_and_record_locally(rtmp_server, tmp_path):
    mkv = tmp_path / "out.mkv"
    result = run_cli("stream", "--source", "testsrc", "--size", "1280x720", "--fps", "30", "--bitrate", "2500k",
                     "--to", rtmp_server.url(KEY), "--to", str(mkv), "--duration", "5")
    assert result.returncode == 0, result.output
    assert KEY not in result.output
    assert "rtmp://127.0.0.1" in result.stdout  # the destination is shown, masked

    recordings = rtmp_server.wait_recording_closed()
    assert len(recordings) == 1, rtmp_server.log()
    assert KEY in recordings[0].name  # nginx names the file after the stream; proves the push used our key
    server_copy, local = probe(recordings[0]), probe(mkv)

    for report in (server_copy, local):
        assert report.video_codec == "h264" and report.audio_codec == "aac"
        assert (report.width, report.height) == (1280, 720)
        assert report.max_keyframe_interval <= 2.0 + 1e-3
        assert report.audio_packets > 200  # 5 s of 48 kHz AAC is ~234 packets
    assert 145 <= local.frames <= 150
    assert local.frame_codes == sorted(local.frame_codes)
    assert server_copy.frame_codes == local.frame_codes  # same encode, nothing lost on either side


def test_portrait_canvas_recorded(tmp_path):
    mkv = tmp_path / "portrait.mkv"
    result = run_cli("stream", "--size", "720x1280", "--fps", "25", "--to", str(mkv), "--duration", "2")
    assert result.returncode == 0, result.output
    report = probe(mkv)
    assert (report.width, report.height) == (720, 1280)
    assert report.frame_codes == list(range(50))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "abc"], "invalid size"),
        (["--size", "1281x720"], "must be even"),
        (["--bitrate", "fast"], "invalid bitrate"),
        (["--fps", "0"], "greater than 0"),
        (["--source", "nosuch"], "not found"),
    ],
)
def test_bad_arguments_one_line_exit_2(tmp_path, args, message):
    result = run_cli("stream", *args, "--to", str(tmp_path / "x.mkv"), "--duration", "1")
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1/live/" + KEY, "unsupported URL"),
        ("rtmp://127.0.0.1/" + KEY, "incomplete RTMP URL"),
        ("rtmp://127.0.0.1:{port}/live/" + KEY, "cannot reach RTMP server"),
        ("rtmp://no-such-host.invalid/live/" + KEY, "cannot reach RTMP server"),
    ],
)
def test_bad_destination_one_line_exit_2_key_hidden(tmp_path, url, message):
    result = run_cli("stream", "--to", url.format(port=free_port()), "--to", str(tmp_path / "x.mkv"),
                     "--duration", "1")
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert KEY not in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("target", ["/proc/anchor-console-test.mkv", "{tmp}/missing/dir/x.mkv", "{tmp}/x.avi"])
def test_unwritable_or_unsupported_file_exit_2(tmp_path, target):
    result = run_cli("stream", "--to", target.format(tmp=tmp_path), "--duration", "1")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_demo_records_logs_the_session_and_says_where(tmp_path, monkeypatch):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    out = tmp_path / "demo.mkv"
    result = run_cli("demo", "--duration", "3", "--out", str(out))
    assert result.returncode == 0, result.output
    assert str(out) in result.stdout
    assert probe(out).frame_codes == list(range(90))
    assert "events logged" in result.stdout and "在线" in result.stdout

    from app.store.eventlog import load_events
    from app.store.db import Database
    from app.store.models import LiveSession, SessionStatus

    database = Database()  # the same data folder the demo used
    try:
        with database.session() as db:
            session = db.get(LiveSession, 1)
        assert session.status == SessionStatus.ENDED and session.recording_path == str(out)
        events = load_events(database, 1)
        assert events[0].type == "session_started" and events[-1].type == "session_ended"
        assert any(e.type == "product_pinned" for e in events) and any(e.type == "comment" for e in events)
        assert all(0 <= e.stream_time <= 4 for e in events[1:])  # on the recording's clock
    finally:
        database.close()


def test_overlay_demo_is_burned_into_the_recording(tmp_path):
    import av

    out = tmp_path / "overlay.mkv"
    result = run_cli("stream", "--overlay-demo", "--to", str(out), "--duration", "2")
    assert result.returncode == 0, result.output
    with av.open(str(out)) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="bgr24")
    # coupon banner (red) at the top right, where the test pattern has its dark bar
    patch = frame[40:100, 1140:1240].reshape(-1, 3).mean(axis=0)
    assert patch[2] > 150 and patch[1] < 110, patch
    # and the 演练 REHEARSAL mark (orange) at the bottom right: simulated content is never taken for a real show
    import numpy as np

    mark = frame[720 - 56:720 - 18, 1280 - 222:1280 - 20].reshape(-1, 3).astype(int)
    orange = (mark[:, 2] > 190) & (np.abs(mark[:, 1] - 120) < 35) & (mark[:, 0] < 70)
    assert orange.mean() > 0.5, orange.mean()


def test_two_rtmp_destinations_and_a_file_from_one_encode(rtmp_server, tmp_path):
    import json

    mkv, stats = tmp_path / "three.mkv", tmp_path / "stats.jsonl"
    result = run_cli("stream", "--size", "720x1280", "--to", rtmp_server.url("douyin-key-1"),
                     "--to", rtmp_server.url("taobao-key-2"), "--to", str(mkv), "--duration", "3",
                     "--stats-json", str(stats))
    assert result.returncode == 0, result.output
    middle = json.loads(stats.read_text().splitlines()[1])
    assert [o["fps"] > 20 for o in middle["outputs"]] == [True, True, True]  # every output is fed frames
    lines = [json.loads(line) for line in stats.read_text().splitlines()]
    assert sum(line["push_cpu_percent"] for line in lines) > 0  # the push processes' CPU is counted apart
    assert "douyin-key-1" not in result.output and "taobao-key-2" not in result.output
    recordings = rtmp_server.wait_recording_closed(count=2)
    assert len(recordings) == 2, rtmp_server.log()
    local = probe(mkv)
    assert local.frame_codes == list(range(90))
    for path in recordings:
        report = probe(path)
        assert (report.width, report.height) == (720, 1280)  # portrait end to end
        assert report.frame_codes == local.frame_codes


def test_nvenc_without_a_gpu_fails_over_to_libx264_and_44k1_audio(tmp_path):
    import av

    out = tmp_path / "nvenc.mkv"
    result = run_cli("stream", "--encoder", "h264_nvenc", "--profile", "main", "--sample-rate", "44100",
                     "--to", str(out), "--duration", "2")
    assert result.returncode == 0, result.output
    assert "h264_nvenc unavailable" in result.output and "using libx264" in result.output
    report = probe(out)
    assert report.video_codec == "h264" and report.frame_codes == list(range(60))
    with av.open(str(out)) as container:
        assert container.streams.audio[0].codec_context.sample_rate == 44100
        assert container.streams.video[0].codec_context.profile == "Main"


def test_pipeline_without_outputs_only_renders(qapp_offscreen):
    from app.media.encode import EncoderSettings
    from app.media.pipeline import Pipeline

    frames = []
    pipeline = Pipeline(EncoderSettings(width=320, height=180, fps=30), [], duration=0.5)
    pipeline.preview_sink = lambda canvas: frames.append(canvas.shape)
    final = pipeline.run()
    assert len(frames) == 15 and frames[0] == (270, 320)  # I420: the encoder's picture
    assert final.frames_encoded == 0 and pipeline.encoder_notice is None


class _StallingPattern(Pattern):
    """The test pattern, except that rendering one frame takes `stall` seconds (a collector pause, a busy core)."""

    def __init__(self, width, height, fps, at_frame, stall):
        super().__init__(width, height, fps)
        self.fps, self.at_frame, self.stall = fps, at_frame, stall

    def i420_at(self, stream_time, width, height):  # what the pipeline asks a test pattern
        if round(stream_time * self.fps) == self.at_frame:
            time.sleep(self.stall)
        return super().i420_at(stream_time, width, height)


@pytest.mark.parametrize("stall, lost", [(0.6 * CATCH_UP_S, 0), (CATCH_UP_S + 0.35, "some")])
def test_a_short_stall_is_caught_up_a_long_one_skips_and_counts(qapp_offscreen, tmp_path, stall, lost):
    """Under CATCH_UP_S behind, the frames a stall delayed are rendered at once for their own times (none lost);
    further behind, frames are skipped to get back to real time, and every one is counted."""
    from app.media.encode import EncoderSettings
    from app.media.outputs import open_destination
    from app.media.pipeline import Pipeline

    out = tmp_path / f"stall-{stall}.mkv"
    pipeline = Pipeline(EncoderSettings(width=320, height=180, fps=30), [open_destination(str(out))], duration=2,
                        video_source=_StallingPattern(320, 180, 30, at_frame=20, stall=stall))
    final = pipeline.run()
    codes = probe(out).frame_codes
    skipped = final.dropped.get("capture late", 0)
    assert codes == sorted(codes) and len(codes) + skipped == 60  # every frame is recorded or counted
    if lost == 0:
        assert skipped == 0 and codes == list(range(60))
    else:
        assert skipped >= int((stall - pipeline.catch_up_s) * 30) and set(range(21)) <= set(codes)
