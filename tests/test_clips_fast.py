"""直播切片 on a show built in the store and a frame-coded recording PyAV writes in a second (no pipeline, no go-live):
the spans a show gives (windows, ranges, their figures), the context (scenes, prices, cards), the look each clip
gets (where every layer sits, which price the card shows when), the file names, the manifest, and the export's
refusals, progress, cancel and priority. Quick enough to run for every mutant of app/clips.py."""

from __future__ import annotations

import csv
import dataclasses
import fractions
import math
import os
import threading

import av
import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import app.clips as clips
from app.clips import (MANIFEST, MOMENT_LIMIT, MOMENT_MIN_COMMENTS, MOMENT_MIN_ORDERS, ClipContext, ClipSpan, ClipStyle, clip_context, export, file_name, look_for,
                       moment_spans, preview, range_span, window_spans, write_manifest)
from app.kernel.events import PLATFORM, Event, EventType as T
from app.media import framecode
from app.media.cut import CutError, CutResult
from app.media.reframe import Region
from app.overlays.cards import ProductCardContent, render_caption, render_product_card, render_rehearsal_mark
from app.review import load_review
from app.store.models import EventRecord, LiveSession
from app.store.writer import event_row

FPS, SECONDS, SIZE = 30, 6, (320, 180)
pytestmark = pytest.mark.usefixtures("qapp_offscreen")  # cards are drawn by Qt: the widgets' application first


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """6 s of 320×180 at 30 fps, each frame's number drawn in its corner, a keyframe each second, AAC beside."""
    path = tmp_path_factory.mktemp("coded") / "show.mkv"
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = *SIZE, "yuv420p"
        video.options = {"g": str(FPS), "keyint_min": str(FPS), "sc_threshold": "0", "preset": "ultrafast"}
        audio = out.add_stream("aac", rate=48_000)
        audio.layout = "stereo"
        for n in range(FPS * SECONDS):
            bgr = np.full((SIZE[1], SIZE[0], 3), 90, np.uint8)
            framecode.draw(bgr, n)
            frame = av.VideoFrame.from_ndarray(bgr, format="bgr24").reformat(format="yuv420p")
            frame.pts, frame.time_base = n, fractions.Fraction(1, FPS)
            out.mux(video.encode(frame))
        samples = 1024
        for k in range(48_000 * SECONDS // samples):
            t = (np.arange(samples) + k * samples) / 48_000
            tone = (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
            frame = av.AudioFrame.from_ndarray(np.vstack([tone, tone]), format="fltp", layout="stereo")
            frame.sample_rate, frame.pts, frame.time_base = 48_000, k * samples, fractions.Fraction(1, 48_000)
            out.mux(audio.encode(frame))
        out.mux(video.encode())
        out.mux(audio.encode())
    return path


def build_show(database, recording_path: str = "", kind: str = "live", title: str = "周三/专场",
               last: tuple[float, int] = (5.8, 3)) -> int:
    """Product 1 explained 1–4 s (two orders, its live price cut at 2.5 s), product 2 from 4 s, product 3 for the
    last 0.2 s (too short for a clip; `last`: another pin at the end); the scene 全景 at go-live, 近景 from 3.5 s,
    a switch without a name at 5.9 s and a price change without a price at 4.5 s (both as a damaged log has them)."""
    stamped: list[Event] = []

    def at(t: float, kind_: T, payload: dict) -> None:
        stamped.append(Event(kind_, payload, actor=PLATFORM, stream_time=t, seq=len(stamped) + 1))

    at(0.0, T.SESSION_STARTED, {"session_id": 0, "title": title})
    at(0.0, T.SCENE_SWITCHED, {"scene": "全景", "transition": "start"})
    at(1.0, T.PRODUCT_PINNED, {"product_id": 1})
    at(2.0, T.ORDER, {"user_id": "u1", "nickname": "a", "product_id": 1, "amount_cents": 8900, "order_id": "o1"})
    at(2.5, T.PRICE_CHANGED, {"product_id": 1, "live_price_cents": 7900})
    at(3.0, T.ORDER, {"user_id": "u2", "nickname": "b", "product_id": 1, "amount_cents": 7900, "order_id": "o2"})
    at(3.5, T.SCENE_SWITCHED, {"scene": "近景", "transition": "cut"})
    at(4.0, T.PRODUCT_PINNED, {"product_id": 2})
    at(4.5, T.PRICE_CHANGED, {"product_id": 2})
    at(5.0, T.ORDER, {"user_id": "u3", "nickname": "c", "product_id": 2, "amount_cents": 19900, "order_id": "o3"})
    at(last[0], T.PRODUCT_PINNED, {"product_id": last[1]})
    at(5.9, T.SCENE_SWITCHED, {"transition": "cut"})
    at(6.0, T.SESSION_ENDED, {})
    with database.sessions.begin() as db:
        row = LiveSession(studio_id=database.studio_id, title=title, status="ended", started_at=1.7e9,
                          ended_at=1.7e9 + 6.0, recording_path=recording_path, kind=kind)
        db.add(row)
        db.flush()
        session_id = row.id
    stamped = [dataclasses.replace(e, seq=n + 1) for n, e in enumerate(sorted(stamped, key=lambda e: e.stream_time))]
    with database.engine.begin() as conn:
        conn.execute(EventRecord.__table__.insert(), [event_row(session_id, e) for e in stamped])
    return session_id


@pytest.fixture
def built(catalogue, recording):
    session_id = build_show(catalogue, str(recording))
    return catalogue, load_review(catalogue, session_id)


def coded(path) -> list[int]:
    with av.open(str(path)) as clip:
        return [framecode.read(f.to_ndarray(format="gray")) for f in clip.decode(video=0)]


def test_a_shows_windows_are_its_spans_with_the_reviews_figures(built):
    _database, review = built
    spans = window_spans(review)
    assert [(s.product_id, s.start, s.end, s.orders, s.gmv_cents) for s in spans] == [
        (1, 1.0, 4.0, 2, 16800), (2, 4.0, 5.8, 1, 19900)]  # product 3's 0.2 s is no clip
    assert [s.title for s in spans] == ["真空保温杯 500ml", "明前龙井 250g"]
    assert [s.product_id for s in window_spans(review, 2)] == [2] and window_spans(review, 3) == []
    assert spans[0].seconds == 3.0
    other = load_review(_database, build_show(_database, last=(5.0, 9)))  # an open window of exactly 1 s at the end
    assert [(s.product_id, s.title, s.start, s.end) for s in window_spans(other)][-1] == (9, "#9", 5.0, 6.0)
    assert range_span(_database, other, 5.0, 6.0).title == "#9"


def test_a_range_takes_the_orders_in_it_and_the_product_that_fills_it(built):
    database, review = built
    inside = range_span(database, review, 1.0, 4.0)  # exactly the window: its product
    assert (inside.product_id, inside.title, inside.orders, inside.gmv_cents) == (1, "真空保温杯 500ml", 2, 16800)
    across = range_span(database, review, 0.5, 3.5)  # begins before the window: no one product
    assert (across.product_id, across.title, across.orders) == (None, "片段 range", 2)
    assert range_span(database, review, 1.0, 4.5).product_id is None  # runs past its end
    tail = range_span(database, review, 4.0, 99.0)  # clamped to the show
    assert (tail.start, tail.end, tail.orders, tail.gmv_cents) == (4.0, 6.0, 1, 19900)
    assert range_span(database, review, 0.0, 2.5).orders == 1
    assert range_span(database, review, 4.2, 5.6).product_id == 2  # the window about its middle, holding it all
    for start, end, words in ((3.0, 2.0, "start < end"), (2.0, 2.0, "start < end"), (-1.0, 2.0, "start < end"),
                              (7.0, 8.0, "beyond"), (6.0, 9.0, "beyond")):
        with pytest.raises(ValueError, match=f" / .*{words}"):
            range_span(database, review, start, end)


def test_a_shows_context_is_its_scenes_prices_and_the_cards_it_explained(built, tmp_path):
    database, review = built
    context = clip_context(database, review)
    assert context.scenes == ((0.0, "全景"), (3.5, "近景"), (5.9, ""))
    assert context.prices == {1: ((2.5, 7900),)}  # the change without a price is no price
    assert context.products == {1: ("真空保温杯 500ml", 15900, 8900, ""), 2: ("明前龙井 250g", 29900, 19900, ""),
                                3: ("帆布托特包", 9900, 5900, "")}
    from PySide6.QtGui import QColor, QImage

    from app.store.models import Product

    picture = QImage(64, 64, QImage.Format.Format_RGB32)
    picture.fill(QColor(20, 160, 40))
    picture.save(str(tmp_path / "tea.png"))
    with database.sessions.begin() as db:
        db.get(Product, 2).image = str(tmp_path / "tea.png")
    pictured = clip_context(database, review)
    assert pictured.products[2][3] == str(tmp_path / "tea.png")
    span = ClipSpan(2, "x", 4.0, 5.0, 0, 0)
    (with_picture,), (without,) = (_cards(look_for(ClipStyle("crop"), c, span)) for c in (pictured, context))
    assert not np.array_equal(with_picture.bgra, without.bgra)


def _cards(look):
    return [layer for layer in look.layers if layer.name == "card"]


def test_the_card_shows_the_price_in_effect_and_changes_with_it(built):
    database, review = built
    context = clip_context(database, review)
    style = ClipStyle("crop")
    first, second = _cards(look_for(style, context, ClipSpan(1, "x", 1.0, 4.0, 0, 0)))
    assert (first.start, first.end, second.start, second.end) == (0.0, 1.5, 1.5, float("inf"))
    assert not np.array_equal(first.bgra, second.bgra)
    for start in (2.5, 3.0):  # at the change and after it: the new price only
        (only,) = _cards(look_for(style, context, ClipSpan(1, "x", start, 4.0, 0, 0)))
        assert np.array_equal(only.bgra, second.bgra) and only.start == 0.0
    (before,) = _cards(look_for(style, context, ClipSpan(1, "x", 1.0, 2.5, 0, 0)))  # ends at the change
    assert np.array_equal(before.bgra, first.bgra)
    for card, cents in ((first, 8900), (second, 7900)):  # the overlay's card at twice its size: no stock line
        assert card.x == (1080 - card.bgra.shape[1]) // 2 and card.y == 1240
        assert np.array_equal(card.bgra, render_product_card(ProductCardContent(
            "真空保温杯 500ml", cents / 100, 159.0, 0, badge="直播同款", show_stock=False), scale=2.0))
    steps = ClipContext(prices={1: ((2.0, 7900), (3.0, 6900))}, products=context.products)
    assert [(c.start, c.end) for c in _cards(look_for(style, steps, ClipSpan(1, "x", 1.0, 4.0, 0, 0)))] == [
        (0.0, 1.0), (1.0, 2.0), (2.0, float("inf"))]
    assert _cards(look_for(style, context, ClipSpan(None, "x", 1.0, 4.0, 0, 0))) == []  # a range: no card
    assert _cards(look_for(style, context, ClipSpan(9, "x", 1.0, 4.0, 0, 0))) == []  # not in the catalogue
    assert _cards(look_for(ClipStyle("crop", card=False), context, ClipSpan(1, "x", 1.0, 4.0, 0, 0))) == []


def test_the_region_follows_the_scene_on_air_from_the_clips_first_frame(built):
    database, review = built
    context = clip_context(database, review)
    near, rest = Region(0.2, 0.4, 0.5), Region(0.6, 0.5, 0.9)
    style = ClipStyle("crop", regions=(("近景", near),), region=rest)
    assert look_for(style, context, ClipSpan(1, "x", 1.0, 4.0, 0, 0)).regions == ((0.0, rest), (2.5, near))
    assert look_for(style, context, ClipSpan(1, "x", 3.5, 5.0, 0, 0)).regions == ((0.0, near),)  # at the switch
    assert look_for(style, context, ClipSpan(1, "x", 1.0, 3.5, 0, 0)).regions == ((0.0, rest),)  # ends at it
    assert look_for(style, ClipContext(), ClipSpan(1, "x", 1.0, 3.5, 0, 0)).regions == ((0.0, rest),)


def test_every_layer_sits_where_the_layout_says(built, tmp_path):
    from PySide6.QtGui import QColor, QImage

    database, review = built
    context = clip_context(database, review)
    logo = QImage(400, 100, QImage.Format.Format_ARGB32)
    logo.fill(QColor(200, 30, 30))
    logo.save(str(tmp_path / "logo.png"))
    span = ClipSpan(1, "x", 3.0, 4.0, 0, 0)
    cropped = look_for(ClipStyle("crop", caption="Hi", logo=str(tmp_path / "logo.png")), context, span, True)
    at = {layer.name: (layer.x, layer.y, layer.bgra.shape[1], layer.bgra.shape[0]) for layer in cropped.layers}
    mark, caption = render_rehearsal_mark(scale=2.0), render_caption("Hi", 1000, scale=2.0)
    assert at["rehearsal"] == (40, 60, mark.shape[1], mark.shape[0])
    assert at["logo"] == (1080 - 200 - 40, 60, 200, 50)
    assert at["caption"] == (40, 160, caption.shape[1], caption.shape[0])
    assert np.array_equal(next(layer.bgra for layer in cropped.layers if layer.name == "caption"), caption)
    assert (cropped.shape, cropped.width, cropped.height, cropped.picture_y) == ("crop", 1080, 1920, None)
    boxed = look_for(ClipStyle("letterbox", caption="Hi"), context, span)
    ys = {layer.name: layer.y for layer in boxed.layers}
    assert ys == {"caption": 656 - caption.shape[0] - 40, "card": 656 + 608 + 60}  # the bands about the picture
    assert all(type(layer.y) is int and type(layer.x) is int for layer in boxed.layers)
    assert boxed.shape == "letterbox" and "rehearsal" not in ys
    placed = look_for(ClipStyle("crop", caption="Hi", places=(("caption", 0.25),)), context, span)
    assert {layer.name: layer.y for layer in placed.layers} == {"caption": 480, "card": 1240}
    assert look_for(ClipStyle(caption="Hi", logo="none.png"), context, span, True) is None  # original: nothing


def test_a_file_name_says_the_show_the_product_and_the_time(built):
    _database, review = built
    span = ClipSpan(1, 'a/b:c*?"<>| d\x01e', 3725.9, 3730.0, 0, 0)
    name = file_name(review, span)
    assert name == f"场次{review.info.id}-周三_专场-a_b_c_d_e-010205.mp4"
    assert file_name(review, dataclasses.replace(span, title="..//..", start=59.0)).endswith("-clip-000059.mp4")
    assert file_name(review, dataclasses.replace(span, title="Xbox.", start=3600.0)).endswith("-Xbox-010000.mp4")
    assert file_name(review, dataclasses.replace(span, title="商" * 40)).count("商") == 24
    long = dataclasses.replace(review, info=dataclasses.replace(review.info, title="场" * 30))
    assert file_name(long, span).startswith("场次") and file_name(long, span).count("场") == 1 + 16


def test_the_manifest_holds_each_clip_and_no_formula(tmp_path):
    made = [(ClipSpan(1, "=HYPERLINK(1)", 1.0, 4.25, 2, 16800), CutResult(tmp_path / "a.mp4", 98, 1.0, 4.25, 3.25, 320, 180)),
            (ClipSpan(None, "片段 range", 0.5, 3.5, 0, 5), CutResult(tmp_path / "b.mp4", 90, 0.5, 3.5, 3.0, 320, 180))]
    path = write_manifest(tmp_path, made)
    assert path == tmp_path / MANIFEST and path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    assert rows[0] == ["文件 file", "商品 product", "商品ID product_id", "开始秒 start_s", "结束秒 end_s",
                       "订单 orders", "成交额 gmv_yuan"]
    assert rows[1] == ["a.mp4", "'=HYPERLINK(1)", "1", "1.000", "4.250", "2", "168.00"]
    assert rows[2] == ["b.mp4", "片段 range", "", "0.500", "3.500", "0", "0.05"]
    assert len(rows) == 3


def test_an_export_cuts_each_span_reports_progress_and_writes_the_manifest(built, tmp_path):
    database, review = built
    spans = window_spans(review)
    seen: list[tuple[int, int, float]] = []
    made = export(review, spans, tmp_path / "out", progress=lambda i, n, share: seen.append((i, n, share)))
    assert [span for span, _ in made] == spans
    for span, result in made:
        assert result.path == tmp_path / "out" / file_name(review, span) and result.path.exists()
        numbers = coded(result.path)
        assert abs(numbers[0] - span.start * FPS) <= 1 and abs(numbers[-1] - (span.end * FPS - 1)) <= 1
    assert {i for i, _n, _s in seen} == {0, 1} and {n for _i, n, _s in seen} == {2}
    assert all(0.0 <= s <= 1.0 for *_x, s in seen) and max(s for i, _n, s in seen if i == 0) > 0.9
    rows = list(csv.reader((tmp_path / "out" / MANIFEST).open(encoding="utf-8-sig")))[1:]
    assert [(r[0], r[2], r[5], r[6]) for r in rows] == [(made[0][1].path.name, "1", "2", "168.00"),
                                                        (made[1][1].path.name, "2", "1", "199.00")]


def test_a_vertical_export_is_1080_by_1920_with_its_look(built, tmp_path):
    from PySide6.QtGui import QColor, QImage

    database, review = built
    logo = QImage(400, 100, QImage.Format.Format_ARGB32)
    logo.fill(QColor(250, 250, 250))
    logo.save(str(tmp_path / "logo.png"))
    rehearsal = dataclasses.replace(review, info=dataclasses.replace(review.info, kind="rehearsal"))
    span = range_span(database, review, 3.0, 4.0)
    (made,) = export(rehearsal, [span], tmp_path / "a" / "b", context=clip_context(database, review),
                     style=ClipStyle("crop", caption="Hi", loudness=None, logo=str(tmp_path / "logo.png")))
    with av.open(str(made[1].path)) as clip:
        stream = clip.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (1080, 1920)
        first = next(clip.decode(video=0)).to_ndarray(format="gray")
    assert first[1240:1300].std() > 5  # the card is there, on a flat grey picture
    assert first[700:1100].std() < 3  # the picture between: the recording's grey, cut and scaled
    assert first[70:100, 50:150].std() > 5  # the rehearsal's mark top left
    assert first[65:105, 850:1030].mean() > 200  # the white logo top right


def test_an_export_refuses_what_it_cannot_make_before_any_clip(built, tmp_path):
    database, review = built
    spans = window_spans(review)
    out = tmp_path / "refused"
    none = dataclasses.replace(review, info=dataclasses.replace(review.info, recording_path=""))
    gone = dataclasses.replace(review, info=dataclasses.replace(review.info, recording_path=str(tmp_path / "x.mkv")))
    for show in (none, gone):
        with pytest.raises(CutError, match="^这一场没有录像 / this show has no recording$"):
            export(show, spans, out)
    with pytest.raises(CutError, match="^字幕里有广告法极限词 / the caption holds extreme words: 全网最低（[^、]*、第一（"):
        export(review, spans, out, style=ClipStyle("crop", caption="全网最低价 第一名"))
    (tmp_path / "bad.png").write_bytes(b"not a picture")
    with pytest.raises(CutError, match=" / "):
        export(review, spans, out, style=ClipStyle("letterbox", logo=str(tmp_path / "bad.png")))
    assert not out.exists()  # nothing made, not even the folder
    kept = export(review, spans[:1], out, style=ClipStyle(caption="全网最低价", logo=str(tmp_path / "bad.png")))
    assert len(kept) == 1  # the original shape burns nothing in: neither is checked


def test_a_cancel_keeps_the_clips_made_and_their_manifest(built, tmp_path):
    _database, review = built
    spans = window_spans(review)
    done: list[int] = []
    made = export(review, spans, tmp_path, progress=lambda i, n, share: done.append(i),
                  cancelled=lambda: 1 in done)
    assert [span for span, _ in made] == spans[:1]
    rows = list(csv.reader((tmp_path / MANIFEST).open(encoding="utf-8-sig")))
    assert len(rows) == 2 and rows[1][0] == made[0][1].path.name
    assert not (tmp_path / file_name(review, spans[1])).exists()


def test_a_background_export_yields_and_gives_the_priority_back(built, tmp_path, monkeypatch):
    _database, review = built
    calls: list[dict] = []
    real = clips.cut

    def spy(*args, **kwargs):  # the real cut, its arguments noted
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(clips, "cut", spy)
    tid = threading.get_native_id()
    before = os.getpriority(os.PRIO_PROCESS, tid)
    during: list[int] = []
    export(review, window_spans(review)[:1], tmp_path, background=True,
           progress=lambda *_: during.append(os.getpriority(os.PRIO_PROCESS, tid)))
    assert set(during) == {min(19, before + clips.BACKGROUND_NICE)}
    assert os.getpriority(os.PRIO_PROCESS, tid) == before
    export(review, window_spans(review)[:1], tmp_path / "fore")
    assert [c["threads"] for c in calls] == [clips.BACKGROUND_THREADS, 0]
    assert [c["look"] for c in calls] == [None, None] and [c["preset"] for c in calls] == ["veryfast"] * 2
    assert [c["loudness"] for c in calls] == [clips.TARGET_LUFS] * 2
    export(review, [range_span(_database, review, 3.0, 4.0)], tmp_path / "v",
           style=ClipStyle("letterbox", loudness=None, preset="ultrafast"))
    assert calls[-1]["preset"] == "ultrafast" and calls[-1]["loudness"] is None and calls[-1]["look"] is not None
    monkeypatch.setattr(clips.sys, "platform", "win32")
    assert clips.lower_priority() is None


def test_a_preview_is_the_clips_first_frame_with_the_layers_on_then(built, tmp_path):
    database, review = built
    context = clip_context(database, review)
    style = ClipStyle("letterbox", caption="Hi")

    def number(picture) -> int:  # the frame code of the letterboxed picture, scaled back to the recording's size
        band = cv2.cvtColor(picture[656:656 + 608], cv2.COLOR_BGR2GRAY)
        return framecode.read(cv2.resize(band, SIZE, interpolation=cv2.INTER_AREA))

    shown = preview(review, ClipSpan(1, "x", 3.0, 4.0, 0, 0), style, context)
    assert shown.picture.shape == (1920, 1080, 3) and shown.problem == ""
    assert number(shown.picture) == 90 and [layer.name for layer in shown.layers] == ["caption", "card"]
    early = preview(review, ClipSpan(1, "x", 1.0, 4.0, 0, 0), style, context)
    assert number(early.picture) == 30
    (card,) = [layer for layer in early.layers if layer.name == "card"]  # the price then, not the one after
    assert np.array_equal(card.bgra, _cards(look_for(style, context, ClipSpan(1, "x", 1.0, 4.0, 0, 0)))[0].bgra)
    assert number(preview(review, ClipSpan(None, "x", 7.0, 9.0, 0, 0), style, context).picture) == FPS * SECONDS - 1
    (tmp_path / "bad.png").write_bytes(b"not a picture")
    spoilt = preview(review, ClipSpan(1, "x", 3.0, 4.0, 0, 0), ClipStyle("crop", logo=str(tmp_path / "bad.png")),
                     context)
    assert " / " in spoilt.problem and spoilt.picture is not None and [layer.name for layer in spoilt.layers] == [
        "card"]
    assert preview(review, ClipSpan(1, "x", 3.0, 4.0, 0, 0), ClipStyle(), context) is None  # the original shape
    rehearsal = dataclasses.replace(review, info=dataclasses.replace(review.info, kind="rehearsal"))
    marked = preview(rehearsal, ClipSpan(1, "x", 3.0, 4.0, 0, 0), ClipStyle("crop", logo=str(tmp_path / "bad.png")),
                     context)
    assert [layer.name for layer in marked.layers] == ["rehearsal", "card"] and marked.problem
    none = dataclasses.replace(review, info=dataclasses.replace(review.info, recording_path=""))
    blind = preview(none, ClipSpan(1, "x", 3.0, 4.0, 0, 0), style, context)
    assert blind.picture is None and len(blind.layers) == 2
    (tmp_path / "junk.mkv").write_bytes(b"\x1a\x45\xdf\xa3" + b"\x00" * 100)
    junk = dataclasses.replace(review, info=dataclasses.replace(review.info, recording_path=str(tmp_path / "junk.mkv")))
    assert preview(junk, ClipSpan(1, "x", 3.0, 4.0, 0, 0), style, context).picture is None


def rule_show(database, duration: float, orders: list[tuple[float, int]], comments: list[float],
              pins: tuple[tuple[float, int], ...] = ()) -> int:
    """A show of `duration` s with these orders (time, cents), comments and pins (time, product), in the store."""
    stamped = [(0.0, T.SESSION_STARTED, {"session_id": 0, "title": "规则"})]
    stamped += [(t, T.PRODUCT_PINNED, {"product_id": pid}) for t, pid in pins]
    stamped += [(t, T.ORDER, {"user_id": f"u{n}", "nickname": "n", "product_id": 1, "amount_cents": cents,
                              "order_id": f"o{n}"}) for n, (t, cents) in enumerate(orders)]
    stamped += [(t, T.COMMENT, {"user_id": f"c{n}", "nickname": "c", "text": "好"}) for n, t in enumerate(comments)]
    stamped.append((duration, T.SESSION_ENDED, {}))
    stamped.sort(key=lambda e: e[0])
    with database.sessions.begin() as db:
        row = LiveSession(studio_id=database.studio_id, title="规则", status="ended", started_at=1.7e9,
                          ended_at=1.7e9 + duration)
        db.add(row)
        db.flush()
        session_id = row.id
    rows = [event_row(session_id, Event(kind, payload, actor=PLATFORM, stream_time=t, seq=n + 1))
            for n, (t, kind, payload) in enumerate(stamped)]
    with database.engine.begin() as conn:
        conn.execute(EventRecord.__table__.insert(), rows)
    return session_id


def by_the_rule(duration: float, orders: list[tuple[float, int]], comments: list[float]) -> list[tuple]:
    """The moments as app/clips.py's docstring words the rule, worked out from the raw times: (start, end, orders,
    GMV, which rule)."""
    windows = []
    for k in range(max(1, math.ceil(duration / 5))):
        inside = [cents for t, cents in orders if 5 * k <= t < 5 * k + 30]
        windows.append((k, len(inside), sum(inside), sum(1 for t in comments if 5 * k <= t < 5 * k + 30)))
    share = 30 / max(duration, 30)
    kind = "成交高光"
    chosen = sorted((w for w in windows if w[1] >= max(MOMENT_MIN_ORDERS, 2 * len(orders) * share)),
                    key=lambda w: (-w[1], -w[2], w[0]))
    if not chosen:
        kind = "互动高光"
        chosen = sorted((w for w in windows if w[3] >= max(MOMENT_MIN_COMMENTS, 2 * len(comments) * share)),
                        key=lambda w: (-w[3], w[0]))
    taken: list[tuple[float, float]] = []
    for k, *_counts in chosen:
        start, end = max(0.0, 5.0 * k - 15), min(duration, 5.0 * k + 30)
        if end - start >= 1 and all(end <= a or b <= start for a, b in taken) and len(taken) < MOMENT_LIMIT:
            taken.append((start, end))
    return [(a, b, sum(1 for t, _c in orders if a <= t < b), sum(c for t, c in orders if a <= t < b), kind)
            for a, b in sorted(taken)]


def _clustered(duration: int, most: int, value):
    """Times in clusters (a 10-second slot and a half-second offset in it), the way orders bunch after a pitch."""
    return st.lists(st.tuples(st.integers(0, duration // 10 - 1), st.integers(0, 19), value), max_size=most).map(
        lambda got: [(slot * 10 + half / 2, v) for slot, half, v in got])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from([60, 150, 600]).flatmap(lambda d: st.tuples(
    st.just(d), _clustered(d, 30, st.sampled_from([100, 8900, 19900])), _clustered(d, 80, st.just(0)))))
def test_the_moments_are_the_documented_rule_worked_from_the_raw_times(database, show):
    duration, orders, comments = show
    comments = [t for t, _zero in comments]
    session_id = rule_show(database, float(duration), orders, comments)
    found = moment_spans(database, load_review(database, session_id))
    assert [(s.start, s.end, s.orders, s.gmv_cents, s.title.split()[0]) for s in found] == by_the_rule(
        float(duration), orders, comments)


def test_the_moments_at_the_rules_edges_and_their_titles(catalogue):
    database = catalogue
    # orders before any pin, for product 1 (pinned at 70) and for product 9 (not in the catalogue)
    session_id = rule_show(database, 600.0, [(5.0, 100), (6.0, 100), (100.0, 8900), (101.0, 8900), (300.0, 100),
                                             (301.0, 100)], [], pins=((70.0, 1), (200.0, 9)))
    review = load_review(database, session_id)
    assert [(s.start, s.end, s.product_id, s.title) for s in moment_spans(database, review)] == [
        (0.0, 30.0, None, "成交高光 moment"), (60.0, 105.0, 1, "成交高光 moment 真空保温杯 500ml"),
        (260.0, 305.0, 9, "成交高光 moment #9")]
    # seven peaks (three orders each, more GMV later): the five best, in the order aired
    peaks = [(t + d, 100 * (n + 1)) for n, t in enumerate((0, 100, 200, 300, 400, 500, 550)) for d in (1, 2, 3)]
    got = moment_spans(database, load_review(database, rule_show(database, 600.0, peaks, [])))
    assert [(s.start, s.end, s.orders) for s in got] == [(160.0, 205.0, 3), (260.0, 305.0, 3), (360.0, 405.0, 3),
                                                         (460.0, 505.0, 3), (510.0, 555.0, 3)]
    # two moments that touch are both taken, whichever was ranked first
    touching = [(t, cents) for base, first, second in ((0.0, 300, 100), (300.0, 100, 300))
                for t, cents in ((base + 28.5, first), (base + 29.0, first), (base + 29.5, first),
                                 (base + 74.0, second), (base + 74.5, second), (base + 74.9, second))]
    got = moment_spans(database, load_review(database, rule_show(database, 600.0, touching, [])))
    assert [(s.start, s.end) for s in got] == [(0.0, 30.0), (30.0, 75.0), (285.0, 330.0), (330.0, 375.0)]
    # comments: a window of exactly ten counts, one of nine beside empty steps does not
    talk = [50.0 + k * 0.5 for k in range(10)] + [400.0 + k * 0.5 for k in range(9)]
    (peak,) = moment_spans(database, load_review(database, rule_show(database, 600.0, [], talk)))
    assert (peak.start, peak.end, peak.title) == (10.0, 55.0, "互动高光 moment")  # the earliest window holding all ten


def test_a_clip_style_is_checked_and_its_caption_made_one_line():
    with pytest.raises(ValueError, match=r"^切片形状只能是 original / crop / letterbox / a clip's shape is one of "
                                         r"original, crop, letterbox: 'square'$"):
        ClipStyle("square")
    assert ClipStyle("crop", places=(("card", 0.0), ("caption", 1))).places == (("card", 0.0), ("caption", 1))
    style = ClipStyle("crop", caption="第一行\n第二行\t" + "字" * 80)
    assert style.caption.startswith("第一行 第二行") and "\n" not in style.caption and len(style.caption) <= 60
