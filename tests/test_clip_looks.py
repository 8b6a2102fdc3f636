"""Vertical clips (直播切片 9:16) and what is burned into them, the sound levelled, the moments that sold: the
reframing on the decoded planes (a region of the picture that follows the scene, or letterboxed), the layers drawn
where they were placed, the loudness as ffmpeg's ebur128 measures it, captions checked for extreme words, a logo
read by its header first, the moments found by the documented rule on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
import math
import re
import subprocess

import av
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from PySide6.QtGui import QColor, QImage

from app.clips import (MOMENT_LEAD_S, ClipContext, ClipSpan, ClipStyle, caption_problems, clip_context, export,
                       look_for, moment_spans, window_spans)
from app.kernel.events import PLATFORM, Event, EventType as T
from app.media import framecode
from app.media.cut import CutError, cut
from app.media.loudness import MAX_GAIN_DB, PEAK_DBFS, LoudnessMeter, levelling_gain
from app.media.reframe import Layer, Look, Reframer, Region, still
from app.review import load_review
from app.store.db import Database
from app.store.models import EventRecord, LiveSession
from app.store.writer import event_row
from tests.media.probe import av_offsets, flash_and_beep_times, probe
from tests.test_clips import frames_of, show  # noqa: F401  (the module's recorded show)


def _solid(width: int, height: int, bgr: tuple[int, int, int]) -> av.VideoFrame:
    return av.VideoFrame.from_ndarray(np.full((height, width, 3), bgr, np.uint8), format="bgr24").reformat(
        format="yuv420p")


def test_a_layer_is_drawn_where_it_was_placed_and_only_while_it_is_on():
    red = np.zeros((100, 200, 4), np.uint8)
    red[..., 2] = red[..., 3] = 255  # opaque red, premultiplied
    half = np.zeros((100, 200, 4), np.uint8)
    half[..., 1] = half[..., 3] = 128  # green at half opacity, premultiplied
    look = Look("crop", 360, 640, layers=(Layer(red, 40, 60, 0.0, 1.0), Layer(half, 100, 400)))
    reframer = Reframer(look, 640, 360)
    grey = _solid(640, 360, (128, 128, 128))
    base = Reframer(Look("crop", 360, 640), 640, 360).frame(grey, 0.5).to_ndarray(format="bgr24").astype(int)
    shown = reframer.frame(grey, 0.5).to_ndarray(format="bgr24").astype(int)
    assert np.abs(shown[110, 140] - (0, 0, 255)).max() <= 6  # inside the red layer
    changed = np.abs(shown - base).max(axis=2) > 3
    assert not changed[:58].any() and not changed[162:398].any() and not changed[:, :38].any()  # nowhere else
    assert changed[62:158, 42:238].all() and changed[402:498, 102:298].all()
    assert np.abs(shown[450, 200] - (base[450, 200] // 2 + (0, 128, 0))).max() <= 8  # half grey, half green
    later = reframer.frame(grey, 1.0).to_ndarray(format="bgr24").astype(int)
    assert np.abs(later[110, 140] - base[110, 140]).max() <= 1  # the red layer's time is over: [0, 1)
    off = Layer(red, 5000, 5000)  # wholly outside: nothing drawn, nothing raised
    assert Reframer(Look("crop", 360, 640, layers=(off,)), 640, 360).frame(grey, 0).width == 360


def test_the_region_cut_follows_the_look_and_letterboxing_keeps_the_whole_picture():
    left = np.full((360, 640, 3), 30, np.uint8)
    left[:, 320:] = 220  # dark left half, bright right half
    frame = av.VideoFrame.from_ndarray(left, format="bgr24").reformat(format="yuv420p")
    look = Look("crop", 360, 640, regions=((0.0, Region(cx=0.1)), (2.0, Region(cx=0.9))))
    reframer = Reframer(look, 640, 360)
    assert reframer.frame(frame, 1.0).to_ndarray(format="gray").mean() < 50  # the left region before 2 s
    assert reframer.frame(frame, 2.5).to_ndarray(format="gray").mean() > 200  # the right one after the switch
    boxed = Reframer(Look("letterbox", 360, 640), 640, 360).frame(frame, 0).to_ndarray(format="gray")
    top = (640 - 202) // 2 // 2 * 2
    assert boxed[:top - 2].max() <= 17 and boxed[top + 206:].max() <= 17  # black bands above and below
    assert boxed[top + 100, 20] < 50 and boxed[top + 100, 340] > 200  # the whole picture, both halves, between


@settings(max_examples=300, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.floats(0.1, 1), st.integers(16, 4000), st.integers(16, 4000),
       st.sampled_from([(1080, 1920), (720, 1280), (1920, 1080), (1080, 1080)]))
def test_any_region_is_inside_the_picture_even_and_of_the_clips_shape(cx, cy, height, src_w, src_h, out):
    x, y, w, h = Region(cx, cy, height).pixels(src_w, src_h, *out)
    assert 0 <= x and 0 <= y and x + w <= src_w and y + h <= src_h
    assert x % 2 == y % 2 == w % 2 == h % 2 == 0 and w >= 2 and h >= 2
    if w >= 20 and h >= 20:  # an aspect 2 px can still bend on tiny pictures
        assert abs(w / h - out[0] / out[1]) < 0.15 * out[0] / out[1]


@pytest.mark.parametrize("bad", [dict(cx=-0.1), dict(cy=1.5), dict(height=0.05), dict(cx=float("nan")),
                                 dict(height=True)])
def test_a_region_out_of_range_is_refused_in_both_languages(bad):
    with pytest.raises(ValueError, match=" / "):
        Region(**bad)


def test_loudness_reads_as_the_standard_says_and_the_gain_respects_the_peak():
    t = np.arange(48_000 * 5) / 48_000
    sine = np.sin(2 * np.pi * 997 * t)
    meter = LoudnessMeter()
    for at in range(0, sine.size, 1777):  # fed in odd pieces: the same as at once
        meter.feed(np.vstack([0.1 * sine[at:at + 1777]] * 2))
    assert meter.integrated() == pytest.approx(-20.0, abs=0.05) and meter.peak == pytest.approx(0.1, abs=1e-4)
    mono = LoudnessMeter()
    mono.feed(np.vstack([sine, np.zeros_like(sine)]))
    assert mono.integrated() == pytest.approx(-3.01, abs=0.05)  # BS.1770: a full-scale 997 Hz sine in one channel
    quiet = LoudnessMeter()
    quiet.feed(np.zeros((2, 48_000)))
    assert quiet.integrated() == -math.inf and levelling_gain(-math.inf, 0.0) == 1.0
    assert 20 * math.log10(levelling_gain(-20.0, 0.1)) == pytest.approx(6.0)  # -20 → -14
    assert 20 * math.log10(levelling_gain(-60.0, 0.001)) == pytest.approx(MAX_GAIN_DB)  # never more than that
    assert 20 * math.log10(levelling_gain(-20.0, 0.8)) == pytest.approx(PEAK_DBFS - 20 * math.log10(0.8))


def test_a_vertical_clip_with_the_card_the_caption_and_the_logo_levelled_and_exact(show, tmp_path):
    review, recording = show["review"], show["recording"]
    span = window_spans(review)[0]
    logo = QImage(300, 120, QImage.Format.Format_ARGB32)
    logo.fill(QColor(0, 200, 255, 255))
    logo.save(str(tmp_path / "logo.png"))
    style = ClipStyle("letterbox", caption="今天的福利价 Welcome", logo=str(tmp_path / "logo.png"))
    context = ClipContext(products={span.product_id: ("保温杯 500ml", 15900, 8900, "")},
                          prices={span.product_id: ((span.start + 1.0, 7900),)})
    look = look_for(style, context, span, rehearsal=True)
    assert [layer.name for layer in look.layers] == ["rehearsal", "logo", "caption", "card", "card"]
    assert [(layer.start, layer.end) for layer in look.layers if layer.name == "card"] == [
        (0.0, pytest.approx(1.0)), (pytest.approx(1.0), math.inf)]  # the price change during the clip
    (made,) = export(review, [span], tmp_path / "v", style=style, context=context)
    span, result = made
    report = probe(result.path)
    assert (report.width, report.height, report.video_codec, report.audio_codec) == (1080, 1920, "h264", "aac")
    assert result.lufs == pytest.approx(-14.0, abs=0.05)
    measured = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(result.path), "-af", "ebur128",
                               "-f", "null", "-"], capture_output=True, text=True, timeout=60).stderr
    assert float(re.findall(r"I:\s+(-?[\d.]+) LUFS", measured)[-1]) == pytest.approx(-14.0, abs=0.5)
    # frame-exact: the letterboxed picture's frame codes, read back at the recording's size
    inside = [code for t, code in frames_of(recording) if span.start <= t < span.end]
    codes = []
    with av.open(str(result.path)) as clip:
        for frame in clip.decode(video=0):
            luma = frame.to_ndarray(format="gray")[656:656 + 608]
            codes.append(framecode.read(np.asarray(_upscale(luma))))
    assert abs(codes[0] - inside[0]) <= 1 and abs(codes[-1] - inside[-1]) <= 1 and len(codes) == result.frames
    # the sound with the picture: each beep against the flash of the letterboxed picture's bottom band, as in the
    # recording within a frame
    flashes, was = [], False
    with av.open(str(result.path)) as clip:
        for frame in clip.decode(video=0):
            flash = frame.to_ndarray(format="gray")[656 + 608 - 25:656 + 608].mean() > 200
            if flash and not was:
                flashes.append(frame.time)
            was = flash
    beeps = flash_and_beep_times(result.path)[1]
    ours = [min(beeps, key=lambda b: abs(b - f)) - f for f in flashes if beeps]
    theirs = av_offsets(recording)
    assert ours and all(min(abs(o - t) for t in theirs) <= 1 / 30 for o in ours), (ours, theirs)
    # the layers are where they were placed: this clip against the same clip without them
    bare = cut(recording, span.start, span.end, tmp_path / "bare.mp4", look=look_for(ClipStyle("letterbox",
                                                                                              card=False), context, span))
    ours, theirs = _frame(result.path, 15), _frame(bare.path, 15)
    differs = np.abs(ours - theirs).max(axis=2) > 40
    for layer in look.layers:
        if layer.start <= 0.5 < layer.end:
            box = differs[layer.y + 8:layer.y + layer.bgra.shape[0] - 8, layer.x + 8:layer.x + layer.bgra.shape[1] - 8]
            assert box.mean() > 0.05, layer.name  # the caption: white text on a dark panel over the black band
    placed = np.zeros_like(differs)
    for layer in look.layers:
        placed[layer.y:layer.y + layer.bgra.shape[0], layer.x:layer.x + layer.bgra.shape[1]] = True
    assert differs[~placed].mean() < 0.002  # nothing drawn anywhere else
    assert np.abs(ours[100, 1000] - (255, 200, 0)).max() < 30  # the logo's colour, top right (BGR)


def _upscale(luma: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.resize(luma, (1280, 720), interpolation=cv2.INTER_LINEAR)


def _frame(path, index: int) -> np.ndarray:
    with av.open(str(path)) as clip:
        for n, frame in enumerate(clip.decode(video=0)):
            if n == index:
                return frame.to_ndarray(format="bgr24").astype(int)
    raise AssertionError("too few frames")


def test_a_cropped_clip_is_the_windows_frames_at_1080_by_1920(show, tmp_path):
    review, recording = show["review"], show["recording"]
    span = window_spans(review)[1]
    result = cut(recording, span.start, span.end, tmp_path / "c.mp4", look=Look("crop"), preset="superfast")
    inside = [t for t, _code in frames_of(recording) if span.start <= t < span.end]
    assert abs(result.frames - len(inside)) <= 1 and result.first == pytest.approx(inside[0], abs=1 / 30)
    assert probe(result.path).frames == result.frames and (result.width, result.height) == (1080, 1920)
    check = subprocess.run(["ffmpeg", "-v", "error", "-i", str(result.path), "-f", "null", "-"], capture_output=True,
                           text=True, timeout=60)
    assert check.returncode == 0 and check.stderr == ""


def test_a_caption_with_extreme_words_is_refused_and_named(show, tmp_path):
    assert caption_problems("全网最低价，就在今天") and caption_problems("今天的福利价") == []
    span = window_spans(show["review"])[0]
    with pytest.raises(CutError, match="全网最低"):
        export(show["review"], [span], tmp_path / "x", style=ClipStyle("crop", caption="全网最低价"))
    assert not list((tmp_path / "x").glob("*.mp4")) if (tmp_path / "x").exists() else True
    # a caption is one line of plain text at most CAPTION_LIMIT long, whatever is typed
    assert ClipStyle("crop", caption="a\nb\ud800" + "长" * 500).caption.startswith("a b")
    with pytest.raises(ValueError, match=" / "):
        ClipStyle("square")


def test_a_logo_is_read_by_its_header_first(tmp_path):
    with pytest.raises(ValueError, match=" / "):
        still(str(tmp_path / "missing.png"), 200)
    (tmp_path / "junk.png").write_bytes(b"not a picture")
    with pytest.raises(ValueError, match=" / "):
        still(str(tmp_path / "junk.png"), 200)
    huge = QImage(9000, 2, QImage.Format.Format_ARGB32)  # wider than any logo: refused from its header
    huge.fill(QColor(1, 2, 3))
    huge.save(str(tmp_path / "huge.png"))
    with pytest.raises(ValueError, match="8192"):
        still(str(tmp_path / "huge.png"), 200)
    fine = QImage(400, 100, QImage.Format.Format_ARGB32)
    fine.fill(QColor(10, 20, 30, 128))
    fine.save(str(tmp_path / "fine.png"))
    image = still(str(tmp_path / "fine.png"), 200)
    assert image.shape == (50, 200, 4) and abs(int(image[25, 100, 3]) - 128) <= 1  # alpha kept, premultiplied
    assert abs(int(image[25, 100, 0]) - 15) <= 2  # B 30 at half opacity


def _moment_show(database: Database, orders: list[float], comments: list[float], duration: float = 600.0) -> int:
    stamped: list[Event] = []

    def at(t: float, kind: T, payload: dict) -> None:
        stamped.append(Event(kind, payload, actor=PLATFORM, stream_time=t, seq=len(stamped) + 1))

    at(0.0, T.SESSION_STARTED, {"session_id": 0, "title": "高光"})
    at(0.0, T.PRODUCT_PINNED, {"product_id": 1})
    at(300.0, T.PRODUCT_PINNED, {"product_id": 2})
    for n, t in enumerate(orders):
        at(t, T.ORDER, {"user_id": f"u{n}", "nickname": f"n{n}", "product_id": 1 if t < 300 else 2,
                        "amount_cents": 8900, "order_id": f"o{n}"})
    for n, t in enumerate(comments):
        at(t, T.COMMENT, {"user_id": f"c{n}", "nickname": f"c{n}", "text": "好"})
    at(duration, T.SESSION_ENDED, {})
    with database.sessions.begin() as db:
        row = LiveSession(studio_id=database.studio_id, title="高光", status="ended", started_at=1.7e9,
                          ended_at=1.7e9 + duration)
        db.add(row)
        db.flush()
        session_id = row.id
    stamped = [dataclasses.replace(e, seq=n + 1) for n, e in enumerate(sorted(stamped, key=lambda e: (e.stream_time,
                                                                                                        e.seq)))]
    with database.engine.begin() as conn:
        conn.execute(EventRecord.__table__.insert(), [event_row(session_id, e) for e in stamped])
    return session_id


def test_the_moments_that_sold_follow_the_documented_rule(database):
    singles = [30.0, 210.0, 270.0, 330.0, 510.0, 570.0]
    session_id = _moment_show(database, [100, 104, 108, 112, 116, 400, 404, 408] + singles, [])
    review = load_review(database, session_id)
    spans = moment_spans(database, review)
    assert [(s.start, s.end, s.orders, s.product_id) for s in spans] == [
        (90.0 - MOMENT_LEAD_S, 120.0, 5, 1), (380.0 - MOMENT_LEAD_S, 410.0, 3, 2)]
    assert all(s.title.startswith("成交高光") and s.gmv_cents == s.orders * 8900 for s in spans)
    # no order anywhere: the comment peaks, by the same rule
    quiet = _moment_show(database, [], [200 + k * 0.5 for k in range(30)] + [float(k * 20) for k in range(30)])
    (peak,) = moment_spans(database, load_review(database, quiet))
    assert peak.title.startswith("互动高光") and peak.start <= 200 and peak.end >= 214.5
    assert moment_spans(database, load_review(database, _moment_show(database, [], []))) == []


def test_a_shows_context_has_its_scenes_prices_and_cards(database):
    session_id = _moment_show(database, [100.0], [])
    review = load_review(database, session_id)
    context = clip_context(database, review)
    assert context.scenes == () and set(context.products) <= {1, 2}
    span = ClipSpan(1, "x", 0.0, 50.0, 0, 0)
    style = ClipStyle("crop", regions=(("近景", Region(0.2, 0.5, 0.5)),), region=Region(0.5, 0.5, 1.0))
    switched = ClipContext(scenes=((0.0, "全景"), (20.0, "近景"), (80.0, "全景")))
    look = look_for(style, switched, span)
    assert look.region_at(5.0) == Region(0.5, 0.5, 1.0) and look.region_at(25.0) == Region(0.2, 0.5, 0.5)
    assert look_for(ClipStyle(), switched, span) is None  # the original shape: the smart cut, nothing burned in


def test_a_scenes_region_is_kept_in_its_json_and_a_bad_one_named():
    from app.media.scenes import SceneError, default_scenes, make_scene, scenes_from_json, scenes_to_json

    scenes = default_scenes()
    scenes[1] = make_scene(scenes[1].name, scenes[1].items, [0.7, 0.5, 0.8])
    data = scenes_to_json(scenes)
    assert data[1]["clip"] == [0.7, 0.5, 0.8] and "clip" not in data[0]
    back = scenes_from_json(json.loads(json.dumps(data)))
    assert back[1].clip == Region(0.7, 0.5, 0.8) and back == scenes
    for bad in ([0.5, 0.5], [2, 0.5, 1], "centre", [0.5, 0.5, 0.01], [True, 0.5, 1]):
        data[1]["clip"] = bad
        with pytest.raises(SceneError, match="第 2 个场景.* / scene 2"):
            scenes_from_json(data)


def test_a_show_logs_the_scene_on_air_at_its_start(show, monkeypatch):
    """The clip's region follows the scene from the first frame: the scene on air at go-live is in the log."""
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(show["data"]))
    database = Database()
    try:
        context = clip_context(database, show["review"])
    finally:
        database.close()
    assert context.scenes and context.scenes[0][0] < 0.5 and context.scenes[0][1] == "主播全屏 Host"


def test_k_weighting_is_the_standards_shelf_and_high_pass():
    """BS.1770-4's filters at 48 kHz, read on 100 ms pieces (10 Hz bins): the shelf adds 4 dB above a few kHz and
    0.67 dB at 1 kHz, the high-pass blocks DC and takes about 13 dB off at 20 Hz."""
    from app.media.loudness import _HIGHPASS, _SHELF, _response

    shelf, high = (10 * np.log10(_response(c, 4800) + 1e-30) for c in (_SHELF, _HIGHPASS))
    assert shelf[100] == pytest.approx(0.667, abs=0.01) and shelf[1000] == pytest.approx(4.0, abs=0.01)
    assert abs(shelf[0]) < 0.01 and high[0] < -200 and high[2] == pytest.approx(-13.3, abs=0.1)
    assert abs(high[100]) < 0.04 and high.size == shelf.size == 2401


def test_the_gates_leave_out_silence_and_what_is_10_lu_below():
    from app.media.loudness import to_lufs

    t = np.arange(48_000 * 3) / 48_000
    sine = np.sin(2 * np.pi * 997 * t)

    def level(*parts: float) -> float:
        meter = LoudnessMeter()
        for amplitude in parts:
            meter.feed(np.vstack([amplitude * sine] * 2))
        return meter.integrated()

    assert level(0.1) == pytest.approx(-20.0, abs=0.05)
    # -40 LUFS lies 10 LU below: gated out, all but the three blocks that straddle the change (ungated: -23.0)
    assert level(0.1, 0.01) == pytest.approx(-20.21, abs=0.05)
    assert level(0.1, 0.0562) == pytest.approx(-21.8, abs=0.1)  # -25 LUFS does not: the mean of both
    # the absolute gate: -72 LUFS is within 10 LU of -65 but below -70, so only -65 counts (with the blocks that
    # straddle the change); without the gate both would, about -67.8
    assert level(0.000562, 0.000251) == pytest.approx(-65.2, abs=0.15)
    assert level(0.00005) == -math.inf  # everything below -70 LUFS: silence
    short = LoudnessMeter()
    short.feed(np.vstack([0.1 * sine[:14_000]] * 2))  # under 400 ms: no block
    assert short.integrated() == -math.inf and short.blocks().size == 0
    single = LoudnessMeter()
    for at in range(0, 24_000):  # one sample at a time (the carry between pieces)
        if at % 4800 == 0:
            single.feed(np.vstack([0.1 * sine[at:at + 4800]] * 2))
    assert single.blocks().size == 2 and single.blocks()[0] == pytest.approx(0.01 * 10 ** (0.0667), rel=0.01)
    assert to_lufs(0.0) == -math.inf and to_lufs(1.0) == pytest.approx(-0.691)
    assert levelling_gain(math.nan, 0.5) == 1.0 and levelling_gain(-20.0, 0.0) == 1.0


def test_a_region_is_cut_exactly_where_the_shares_say():
    assert Region().pixels(1280, 720, 1080, 1920) == (438, 0, 404, 720)  # the middle, full height
    assert Region(0.0, 0.0, 0.5).pixels(1280, 720, 1080, 1920) == (0, 0, 202, 360)
    assert Region(1.0, 1.0, 0.5).pixels(1280, 720, 1080, 1920) == (1078, 360, 202, 360)  # kept inside
    assert Region(0.25, 0.75, 0.5).pixels(1280, 720, 1080, 1920) == (218, 360, 202, 360)
    assert Region().pixels(640, 1000, 1920, 1080) == (0, 320, 640, 360)  # a wide shape from a narrow picture
    assert Region().pixels(1080, 1920, 1080, 1920) == (0, 0, 1080, 1920)  # the same shape: all of it
    look = Look(regions=((1.0, Region(0.1)), (2.0, Region(0.9))))
    assert look.region_at(0.5) == Region(0.1) and look.region_at(2.0) == Region(0.9)  # [from, next)
    assert look.region_at(1.999) == Region(0.1) and Look(regions=()).region_at(3.0) == Region()
    for bad in (dict(shape="square"), dict(shape="original"), dict(width=1081), dict(height=8), dict(width=5000)):
        with pytest.raises(ValueError, match=" / "):
            Look(**bad)


def test_the_planes_keep_their_colours_and_the_blend_is_exact():
    blue = _solid(640, 360, (200, 60, 20))
    reframer = Reframer(Look("crop", 360, 640), 640, 360)
    out = reframer.frame(blue, 0.0).to_ndarray(format="bgr24").astype(int)
    assert np.abs(out[320, 180] - (200, 60, 20)).max() <= 6  # chroma planes each where they belong
    other = av.VideoFrame.from_ndarray(np.full((180, 320, 3), (200, 60, 20), np.uint8), format="rgb24")
    assert Reframer(Look("crop", 360, 640), 640, 360).frame(other, 0).width == 360  # any size and format taken
    white = np.zeros((40, 40, 4), np.uint8)
    white[..., :3] = 128  # white at half opacity, premultiplied
    white[..., 3] = 128
    black = _solid(640, 360, (0, 0, 0))
    over = Reframer(Look("crop", 360, 640, layers=(Layer(white, -10, -10, name="w"),)), 640, 360)
    over.frame(black, 0.0)
    # Y: 16 × (1 − 128/255) + the layer's premultiplied 128/255 × 235, rounded; only where the layer reaches
    expected = round(16 * 127 / 255 + (128 * (65.481 + 128.553 + 24.966) / 255 + 16 * 128 / 255))
    assert abs(int(over.y_plane[5, 5]) - expected) <= 1 and over.y_plane[31, 31] == 16
    assert abs(int(over.u_plane[2, 2]) - 128) <= 1  # grey: no colour
    timed = Reframer(Look("crop", 360, 640, layers=(Layer(white, 0, 0, 1.0, 2.0),)), 640, 360)
    assert [timed.blends[0].on(t) for t in (0.99, 1.0, 1.5, 2.0)] == [False, True, True, False]


def test_a_letterboxed_picture_sits_where_it_is_told():
    left = np.full((360, 640, 3), 30, np.uint8)
    left[:, 320:] = 220
    frame = av.VideoFrame.from_ndarray(left, format="bgr24").reformat(format="yuv420p")
    boxed = Reframer(Look("letterbox", 360, 640, picture_y=100), 640, 360).frame(frame, 0).to_ndarray(format="gray")
    assert boxed[98].max() <= 17 and boxed[102, 20] < 50 and boxed[304].max() <= 17  # rows 100–301
    assert boxed[150, 175] < 50 and boxed[150, 185] > 200 and boxed[150, 358] > 200  # the whole width, halves even
    low = Reframer(Look("letterbox", 360, 640, picture_y=5000), 640, 360).frame(frame, 0).to_ndarray(format="gray")
    assert low[639, 20] < 50 and low[436].max() <= 17  # kept inside: at the bottom


def test_the_edges_of_looks_regions_layers_and_gates():
    for size in ((16, 16), (4096, 4096), (1082, 1920)):
        assert Look(width=size[0], height=size[1]).width == size[0]
    for bad in (dict(width=14), dict(height=14), dict(width=4098), dict(height=4098)):
        with pytest.raises(ValueError, match="16–4096"):
            Look(**bad)
    for name in ("cx", "cy", "height"):
        with pytest.raises(ValueError, match=f"region's {name} "):
            Region(**{name: 2.0})
    frame = _solid(640, 360, (200, 60, 20))
    reframer = Reframer(Look("crop", 360, 640), 640, 360)
    for other in (_solid(320, 180, (200, 60, 20)), _solid(640, 360, (200, 60, 20)).reformat(format="rgb24")):
        got = reframer.frame(other, 0.0).to_ndarray(format="bgr24").astype(int)
        assert np.abs(got[320, 180] - (200, 60, 20)).max() <= 6  # another size or format: made the recording's
    white = np.full((40, 40, 4), 255, np.uint8)  # opaque white
    for x, y in ((5000, 0), (0, 5000), (-100, 0)):  # off one side only: nothing drawn, nothing raised
        assert Reframer(Look("crop", 360, 640, layers=(Layer(white, x, y),)), 640, 360).frame(frame, 0).width == 360
    over = Reframer(Look("crop", 360, 640, layers=(Layer(white, 100, 100),)), 640, 360)
    over.frame(_solid(640, 360, (0, 0, 0)), 0.0)
    assert over.y_plane[120, 120] == 235 and over.u_plane[60, 60] == 128 == over.v_plane[60, 60]  # exact
    t = np.arange(19_200) / 48_000
    one = LoudnessMeter()
    one.feed(np.vstack([0.1 * np.sin(2 * np.pi * 997 * t)] * 2))  # exactly one 400 ms block
    assert one.integrated() == pytest.approx(-20.0, abs=0.05)
    for lufs, kept in ((-69.5, True), (-70.7, False)):  # either side of the absolute gate
        meter = LoudnessMeter()
        meter.feed(np.vstack([10 ** ((lufs + 0.02) / 20) * np.sin(2 * np.pi * 997 * np.arange(96_000) / 48_000)] * 2))
        assert (meter.integrated() == pytest.approx(lufs, abs=0.1)) if kept else meter.integrated() == -math.inf


def test_the_caption_and_the_card_go_where_they_are_placed():
    span = ClipSpan(1, "x", 0.0, 10.0, 0, 0)
    context = ClipContext(products={1: ("保温杯", 15900, 8900, "")})
    default = {layer.name: layer.y for layer in look_for(ClipStyle("crop", caption="Hi"), context, span).layers}
    assert default == {"caption": 160, "card": 1240}
    placed = look_for(ClipStyle("crop", caption="Hi", places=(("caption", 0.5), ("card", 1.0))), context, span)
    ys = {layer.name: (layer.y, layer.bgra.shape[0]) for layer in placed.layers}
    assert ys["caption"][0] == 960 and ys["card"][0] == 1920 - ys["card"][1]  # the bottom: kept inside
    for bad in ((("logo", 0.5),), (("card", 1.5),), (("card", True),)):
        with pytest.raises(ValueError, match=" / "):
            ClipStyle("crop", places=bad)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.one_of(st.none(), st.lists(st.one_of(st.floats(), st.integers(), st.booleans(),
                                                                       st.text(max_size=3)), max_size=4),
                                        st.text(max_size=5), st.integers()))
def test_whatever_is_typed_or_saved_for_a_region_or_a_place_is_one_or_a_clear_refusal(typed, saved):
    """The command line's --region/--caption-y and a scene's saved "clip": any text or JSON value is a checked
    value or a refusal in both languages, never another exception."""
    import argparse

    from app.cli.clip_args import _clip_region, _share
    from app.media.scenes import SceneError, make_item, make_scene

    for parse in (_clip_region, _share):
        try:
            value = parse(typed)
        except argparse.ArgumentTypeError as exc:
            assert " / " in str(exc)
        else:
            assert isinstance(value, Region) or 0.0 <= value <= 1.0
    try:
        scene = make_scene("近景", [make_item("camera")], saved)
    except SceneError as exc:
        assert " / " in str(exc)
    else:
        assert scene.clip is None or isinstance(scene.clip, Region)
    try:
        style = ClipStyle("crop", caption=typed, places=(("card", saved[0] if isinstance(saved, list) and saved
                                                           else saved),))
    except ValueError as exc:
        assert " / " in str(exc)
    else:
        assert 0.0 <= style.places[0][1] <= 1.0 and len(style.caption) <= 60
