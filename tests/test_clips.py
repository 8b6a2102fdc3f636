"""直播切片 from a real show's recording (the frame-coded test pattern, flash and beep each second): one clip per
explanation window, frame-exact at both ends (the frame codes), the sound where the picture is (flash vs beep as in
the recording), H.264 High + AAC with the index first, named by product, show and time, and a manifest whose
figures are the review's; a range, a cancel, a recording cut off by a crash, the command line."""

from __future__ import annotations

import csv
import shutil
import subprocess

import av
import pytest

from app.clips import MANIFEST, export, range_span, window_spans
from app.console import ConsoleService, LiveOptions
from app.media import framecode
from app.media.cut import Cancelled, CutError, cut
from app.media.sources import wait_until
from app.review import load_review
from app.store.db import Database
from tests.conftest import run_cli
from tests.media.probe import av_offsets, probe

ACTOR = "assistant:切片测试"


@pytest.fixture(scope="module")
def show(tmp_path_factory, qapp_offscreen):
    """A 7-second rehearsal recorded to MKV with two explanation windows (about 1.5–4 s and 4–7 s)."""
    import os

    folder = tmp_path_factory.mktemp("clips")
    old = os.environ.get("ANCHOR_CONSOLE_DATA")
    os.environ["ANCHOR_CONSOLE_DATA"] = str(folder / "data")
    try:
        service = ConsoleService(Database())
        recording = folder / "show.mkv"
        service.go_live(LiveOptions(recording_path=str(recording), duration=7, audience_rate=200))
        room, bus = service.broadcast.room, service.broadcast.core.bus
        assert wait_until(lambda: (bus.stream_time() or 0) > 1.5, 10)
        first, second = room.state.run_sheet[:2]
        room.pin_product(first, ACTOR)
        assert wait_until(lambda: bus.stream_time() > 4.0, 10)
        room.pin_product(second, ACTOR)
        service.wait()
        service.stop()
        service.close()
        database = Database()
        try:
            review = load_review(database, 1)
        finally:
            database.close()
        yield {"folder": folder, "recording": recording, "review": review, "data": folder / "data"}
    finally:
        if old is None:
            os.environ.pop("ANCHOR_CONSOLE_DATA", None)
        else:
            os.environ["ANCHOR_CONSOLE_DATA"] = old


def frames_of(path) -> list[tuple[float, int]]:
    with av.open(str(path)) as container:
        return [(frame.time, framecode.read(frame.to_ndarray(format="gray"))) for frame in container.decode(video=0)]


def test_each_explanation_is_a_clip_exact_at_both_ends_with_the_reviews_figures(show, tmp_path):
    review, recording = show["review"], show["recording"]
    spans = window_spans(review)
    assert [s.product_id for s in spans] == [pid for pid, _s, _e in review.metrics.spans]
    assert [(s.orders, s.gmv_cents) for s in spans] == [(w.orders, w.gmv_cents) for w in review.metrics.window_rows]
    source = frames_of(recording)
    made = export(review, spans, tmp_path / "out")
    assert len(made) == 2
    # the smart cut: the frames before the first keyframe encoded again, the rest copied (a window that starts
    # on a keyframe — keyframes come every 2 s of stream time — is all copied)
    assert all(0 < r.copied <= r.frames for _s, r in made) and any(r.copied < r.frames for _s, r in made)
    for span, result in made:
        inside = [(t, code) for t, code in source if span.start <= t < span.end]
        clip = frames_of(result.path)
        assert abs(clip[0][1] - inside[0][1]) <= 1 and abs(clip[-1][1] - inside[-1][1]) <= 1  # ± one frame
        assert len(clip) == result.frames and abs(len(clip) - len(inside)) <= 1
        assert clip[0][0] == pytest.approx(0.0, abs=1e-3)  # the clip starts at its first frame
        report = probe(result.path)
        assert (report.video_codec, report.audio_codec) == ("h264", "aac")
        assert (report.width, report.height) == (result.width, result.height) == (1280, 720)
        with av.open(str(result.path)) as c:
            assert c.streams.video[0].codec_context.profile == "High"
        data = result.path.read_bytes()
        assert data.index(b"moov") < data.index(b"mdat")  # faststart: the index first
        assert str(review.info.id) in result.path.name and span.title[:4] in result.path.name
    rows = list(csv.reader((tmp_path / "out" / MANIFEST).open(encoding="utf-8-sig")))
    assert rows[0][:3] == ["文件 file", "商品 product", "商品ID product_id"]
    assert [(r[0], int(r[2]), int(r[5]), round(float(r[6]) * 100)) for r in rows[1:]] == [
        (res.path.name, s.product_id, s.orders, s.gmv_cents) for s, res in made]


@pytest.mark.parametrize("reencode", [False, True], ids=["smart", "re-encoded"])
def test_the_sound_stays_with_the_picture_and_every_frame_decodes(show, tmp_path, reencode):
    review, recording = show["review"], show["recording"]
    span = window_spans(review)[0]
    result = cut(recording, span.start, span.end, tmp_path / "a.mp4", reencode=reencode)
    assert (result.copied > 0) is not reencode
    frame = 1 / 30
    ours = av_offsets(result.path)
    theirs = av_offsets(recording)
    assert ours, "a flash and a beep inside the clip"
    # the recording's own offset (whatever the pipeline made) is kept within a frame: cutting moved nothing
    assert all(min(abs(o - t) for t in theirs) <= frame for o in ours)
    inside = [code for t, code in frames_of(recording) if span.start <= t < span.end]
    assert [code for _t, code in frames_of(result.path)] == inside  # every frame, in order, none broken
    check = subprocess.run(["ffmpeg", "-v", "error", "-i", str(result.path), "-f", "null", "-"], capture_output=True,
                           text=True, timeout=60)
    assert check.returncode == 0 and check.stderr == ""  # an independent decoder finds nothing wrong


def test_a_range_a_cancel_and_a_recording_cut_off_by_a_crash(show, tmp_path, monkeypatch):
    review, recording = show["review"], show["recording"]
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(show["data"]))
    database = Database()
    try:
        whole = range_span(database, review, 0.0, 1e6)  # beyond the end: up to the show's last second
        with pytest.raises(ValueError, match="start < end"):
            range_span(database, review, 4.0, 4.0)
    finally:
        database.close()
    assert whole.end == pytest.approx(review.metrics.duration_s) and whole.product_id is None
    assert (whole.orders, whole.gmv_cents) == (review.metrics.orders, review.metrics.gmv_cents)
    with pytest.raises(CutError):
        cut(recording, 3.0, 2.0, tmp_path / "x.mp4")
    with pytest.raises(Cancelled):
        cut(recording, 0.5, 5.0, tmp_path / "cancelled.mp4", cancelled=lambda: True)
    assert list(tmp_path.iterdir()) == []  # nothing left of a cancelled cut
    cut_off = tmp_path / "cut-off.mkv"
    data = recording.read_bytes()
    cut_off.write_bytes(data[: len(data) * 2 // 3])  # the process died: the file ends mid-cluster
    result = cut(cut_off, 3.0, 60.0, tmp_path / "tail.mp4")
    assert 1.0 < result.duration < 6.0 and result.frames > 20  # up to where the recording ends
    check = subprocess.run(["ffmpeg", "-v", "error", "-i", str(result.path), "-f", "null", "-"], capture_output=True,
                           text=True, timeout=60)
    assert check.returncode == 0 and check.stderr == ""  # no half packet copied from the cut-off end


def test_the_command_line_cuts_windows_and_ranges_with_progress(show, tmp_path, monkeypatch):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(show["data"]))
    done = run_cli("clips", "1", "--out", str(tmp_path / "all"), timeout=120)
    assert done.returncode == 0, done.output
    assert "2/2" in done.stderr and "manifest.csv" in done.stdout
    assert len(list((tmp_path / "all").glob("*.mp4"))) == 2
    ranged = run_cli("clips", "1", "--range", "0:02-0:05", "--out", str(tmp_path / "r"), timeout=120)
    assert ranged.returncode == 0, ranged.output
    (clip,) = (tmp_path / "r").glob("*.mp4")
    assert 2.9 < probe(clip).frames / 30 < 3.1
    vertical = run_cli("clips", "1", "--range", "2-4", "--vertical", "letterbox", "--caption", "Hi", "--no-level",
                       "--caption-y", "0.1", "--card-y", "0.7",
                       "--out", str(tmp_path / "v"), timeout=120)
    assert vertical.returncode == 0, vertical.output
    (clip,) = (tmp_path / "v").glob("*.mp4")
    assert (probe(clip).width, probe(clip).height) == (1080, 1920) and "LUFS" not in vertical.stdout
    refused = run_cli("clips", "1", "--vertical", "crop", "--caption", "全网最低价", "--out", str(tmp_path / "x"))
    assert refused.returncode == 2 and "全网最低" in refused.stderr
    assert run_cli("clips", "1", "--vertical", "crop", "--region", "2,0.5,1").returncode == 2
    assert run_cli("clips", "1", "--vertical", "crop", "--card-y", "1.5").returncode == 2
    bad = run_cli("clips", "1", "--range", "5-2")
    assert bad.returncode == 2 and "start < end" in bad.stderr
    assert run_cli("clips", "99").returncode == 2
    shutil.rmtree(tmp_path / "all")


def test_any_range_typed_is_a_span_or_a_clear_refusal():
    """`--range` from the command line: anything (lone surrogates, huge numbers, a dash alone) is a span with
    start < end or argparse's refusal in both languages — never another exception."""
    import argparse

    from hypothesis import given, settings, strategies as st

    from app.cli.clip_args import _clip_range

    assert _clip_range("12:30-14:00") == (750.0, 840.0) and _clip_range("1:02:03-1:02:04.5") == (3723.0, 3724.5)
    assert _clip_range(" 5 - 12.25 ") == (5.0, 12.25)

    @settings(max_examples=400, deadline=None)
    @given(st.one_of(st.text(st.characters(blacklist_categories=()), max_size=30),
                     st.from_regex(r"\d{1,3}(:\d{1,2}){0,2}(\.\d)?-\d{1,3}(:\d{1,2}){0,2}", fullmatch=True)))
    def run(text):
        try:
            start, end = _clip_range(text)
        except argparse.ArgumentTypeError as exc:
            assert " / " in str(exc)
            return
        assert 0 <= start < end

    run()
