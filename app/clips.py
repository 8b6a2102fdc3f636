"""直播切片: a show's product explanations (or any span of it) cut from its recording into clips to post, named by
product, show and time, with `manifest.csv` beside them (file, product, 商品ID, start, end, orders, GMV during the
span) for posting or the shop's records.

The spans come from the show's review on the recording's clock: each explanation window (a product explained twice
gives two clips), a range picked on the timeline, or the moments that sold (`moment_spans`, the rule below). A
window's orders and GMV are the review's for that window (`SessionReview.metrics.window_rows`); a range's and a
moment's are the orders the log holds in it.

A clip keeps the recording's shape (the smart cut: nothing encoded again but the start's partial GOP) or becomes
vertical 9:16, 1080×1920 (`ClipStyle.shape`): cut from a region of the picture that follows the scene on air (set
once per scene, `ClipStyle.regions`; others use `ClipStyle.region`), or the whole picture letterboxed. A vertical
clip carries, burned in: the product card (title, the live price then — a price change during the clip changes it —
against the list price; no stock line, the clip is posted days later), a caption the user writes (refused with
the words named when it holds Advertising-Law extreme words, as scripts are checked), the studio's logo. The 演练
mark is in a rehearsal's recording, so in its clips. The sound is levelled to -14 LUFS (app/media/loudness.py).

Layout of a vertical clip (1080×1920): the logo top right (200 px wide, 60 px from the top), a rehearsal's 演练
mark top left; cropped — the caption
near the top (y 160), the card above the part short-video apps cover with their own text (y 1240); letterboxed —
the picture in the middle, the caption in the band above it, the card in the band below. The caption and the card
can be placed elsewhere (`ClipStyle.places`: their tops as shares of the clip's height, kept inside the frame).

The moments that sold (带货高光, `moment_spans`): the show in 5-second steps; a 30-second window at every step,
scored by its orders (its GMV breaks a tie, then the earlier); a window counts when it holds at least
MOMENT_MIN_ORDERS orders and at least twice the show's average orders per 30 s; the best windows are taken
first, none overlapping one taken (with its lead-in), at most MOMENT_LIMIT; each clip starts MOMENT_LEAD_S before
its window (the pitch that led to the orders) and ends with it. A show with no window counting by orders takes its
comment peaks by the same rule (at least MOMENT_MIN_COMMENTS comments and twice the average): 互动高光.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from app.compliance.extreme_words import ExtremeWordChecker
from app.files import SafeCsvWriter
from app.kernel.events import EventType
from app.media.cut import Cancelled, CutError, CutResult, cut
from app.media.loudness import TARGET_LUFS
from app.media.pictures import picture_bytes
from app.media.reframe import SHAPES, VERTICAL, Layer, Look, Region, picture_at, still
from app.overlays.cards import ProductCardContent, render_caption, render_product_card, render_rehearsal_mark
from app.review import SessionReview
from app.store.aggregates import activity, marks, orders_between
from app.store.db import Database
from app.store.models import Product
from app.text import clean_line

MIN_SECONDS = 1.0  # a window shorter than this is not a clip
MANIFEST = "manifest.csv"
CAPTION_LIMIT = 60  # characters of a caption: two lines at the clip's size
LOGO_WIDTH = 200
PLACEABLE = ("caption", "card")
VERTICAL_PRESET = "superfast"  # x264 for a vertical clip: >= 2x real time here (docs/benchmarks.md, bench/clips.py)
BACKGROUND_NICE, BACKGROUND_THREADS = 10, 2  # an export beside a show on air (bench/clips.py --beside-live)
MOMENT_STEP_S, MOMENT_WINDOW_S, MOMENT_LEAD_S = 5, 30, 15
MOMENT_MIN_ORDERS, MOMENT_MIN_COMMENTS, MOMENT_LIMIT = 2, 10, 5


@dataclass(frozen=True)
class ClipSpan:
    """One clip to make: what it shows and what sold during it."""

    product_id: int | None  # None: a range not tied to one product
    title: str
    start: float  # the recording's seconds
    end: float
    orders: int
    gmv_cents: int

    @property
    def seconds(self) -> float:
        return self.end - self.start


def window_spans(review: SessionReview, product_id: int | None = None) -> list[ClipSpan]:
    """Each explanation window of the show (of `product_id` only, when given), in the order aired, with the
    review's orders and GMV for it; a window still open at the end runs to the show's last second."""
    m = review.metrics
    spans = []
    for pid, start, end, w in m.explanations:
        stop = m.duration_s if end is None else end
        if (product_id is None or pid == product_id) and stop - start >= MIN_SECONDS:
            spans.append(ClipSpan(pid, review.titles.get(pid, f"#{pid}"), start, stop, w.orders, w.gmv_cents))
    return spans


def range_span(database: Database, review: SessionReview, start: float, end: float) -> ClipSpan:
    """Any span of the show; ValueError (中文 / English) for one outside it or backwards."""
    if not 0 <= start < end:
        raise ValueError(f"范围要 开始 < 结束 / a range needs start < end: {start:g}-{end:g}")
    end = min(end, max(review.metrics.duration_s, start))
    if end <= start:
        raise ValueError(f"范围在这场直播之外 / the range lies beyond the show ({review.metrics.duration_s:.0f} s)")
    orders, gmv = orders_between(database, review.info.id, start, end)
    window = review.window_at((start + end) / 2)
    product = window.product_id if window is not None and window.start <= start and (
        window.end is None or window.end >= end) else None
    title = review.titles.get(product, f"#{product}") if product is not None else "片段 range"
    return ClipSpan(product, title, start, end, orders, gmv)


@dataclass(frozen=True)
class ClipStyle:
    """How the clips look: the shape (original | crop | letterbox), what is burned in, the crop regions (per scene
    name; `region` for the others), the sound's loudness target (None: as recorded)."""

    shape: str = "original"
    card: bool = True
    caption: str = ""
    logo: str = ""
    regions: tuple[tuple[str, Region], ...] = ()
    region: Region = field(default_factory=Region)
    loudness: float | None = TARGET_LUFS
    preset: str = VERTICAL_PRESET
    places: tuple[tuple[str, float], ...] = ()  # ("caption" | "card", top as a share of the clip's height)

    def __post_init__(self) -> None:
        if self.shape not in SHAPES:
            raise ValueError(f"切片形状只能是 {' / '.join(SHAPES)} / a clip's shape is one of {', '.join(SHAPES)}: "
                             f"{self.shape!r}")
        for name, share in self.places:
            if name not in PLACEABLE or isinstance(share, bool) or not isinstance(share, (int, float)) \
                    or not 0.0 <= share <= 1.0:
                raise ValueError(f"位置要是 字幕/商品卡 与 0–1 之间的比例 / a place is caption or card with a share "
                                 f"0-1: {name!r} {share!r}")
        object.__setattr__(self, "caption", clean_line(self.caption, CAPTION_LIMIT))


def caption_problems(caption: str, checker: ExtremeWordChecker | None = None) -> list[str]:
    """The Advertising-Law extreme words in a caption (极限词, as the scripts are checked): a caption holding any is
    not burned into a clip."""
    hits = (checker or ExtremeWordChecker.from_file()).check(clean_line(caption, CAPTION_LIMIT))
    return [f"{hit.word}（{hit.reason}）" for hit in hits]


@dataclass(frozen=True)
class ClipContext:
    """What a show's clips need besides its review: the scene switches and price changes on the recording's clock,
    and each product's card (title, list and live price at the show, picture)."""

    scenes: tuple[tuple[float, str], ...] = ()
    prices: dict[int, tuple[tuple[float, int], ...]] = field(default_factory=dict)
    products: dict[int, tuple[str, int, int, str]] = field(default_factory=dict)  # title, list, live, image path


def clip_context(database: Database, review: SessionReview) -> ClipContext:
    """The show's scene switches and price changes from its log, and the cards of the products it explained or
    repriced (as the catalogue has them now)."""
    scenes, prices = [], {}
    for t, kind, payload in marks(database, review.info.id, EventType.SCENE_SWITCHED, EventType.PRICE_CHANGED):
        if kind == EventType.SCENE_SWITCHED:
            scenes.append((t, str(payload.get("scene", ""))))
        elif isinstance(payload.get("product_id"), int) and isinstance(payload.get("live_price_cents"), int):
            prices.setdefault(payload["product_id"], []).append((t, payload["live_price_cents"]))
    ids = {pid for pid, *_ in review.metrics.explanations} | set(prices)
    with database.session() as db:
        rows = db.query(Product).filter(Product.id.in_(ids)).all() if ids else []
        products = {p.id: (p.title, p.list_price_cents, p.live_price_cents, p.image or "") for p in rows}
    return ClipContext(tuple(scenes), {pid: tuple(v) for pid, v in prices.items()}, products)


def _regions(style: ClipStyle, context: ClipContext, span: ClipSpan) -> tuple[tuple[float, Region], ...]:
    """The crop region from each clip time on: the scene on air at the span's start, then each switch in it."""
    chosen = dict(style.regions)
    on_air = [name for t, name in context.scenes if t <= span.start]
    regions = [(0.0, chosen.get(on_air[-1], style.region) if on_air else style.region)]
    regions += [(t - span.start, chosen.get(name, style.region)) for t, name in context.scenes
                if span.start < t < span.end]
    return tuple(regions)


def _placed(share: float | None, default: int, height: int) -> int:
    """A layer's top: at `share` of the clip's height when placed (kept inside the frame), else `default`."""
    return default if share is None else min(round(share * VERTICAL[1]), VERTICAL[1] - height)


def _card_layers(context: ClipContext, span: ClipSpan, share: float | None, y: int) -> list[Layer]:
    """The product card at the live price then, one layer per price the span shows."""
    if span.product_id is None or span.product_id not in context.products:
        return []
    title, list_cents, live_cents, image = context.products[span.product_id]
    changes = context.prices.get(span.product_id, ())
    # the last change before the span; before any, the catalogue's live price (the show's, unless edited since)
    price = next((c for t, c in reversed(changes) if t <= span.start), live_cents)
    steps = [(0.0, price)] + [(t - span.start, c) for t, c in changes if span.start < t < span.end]
    layers = []
    for i, (start, cents) in enumerate(steps):
        end = steps[i + 1][0] if i + 1 < len(steps) else math.inf
        card = render_product_card(ProductCardContent(title, cents / 100, list_cents / 100, 0, badge="直播同款",
                                                      image=picture_bytes(image), show_stock=False), scale=2.0)
        layers.append(Layer(card, (VERTICAL[0] - card.shape[1]) // 2, _placed(share, y, card.shape[0]), start, end,
                            "card"))
    return layers


def look_for(style: ClipStyle, context: ClipContext, span: ClipSpan, rehearsal: bool = False) -> Look | None:
    """The clip's look (None: the original shape, nothing burned in: the smart cut). A rehearsal's vertical clip
    carries the 演练 mark top left: the recording's own mark may lie outside the region cut."""
    if style.shape == "original":
        return None
    w, h = VERTICAL
    pic_h = round(w * 9 / 16) // 2 * 2  # a 16:9 recording letterboxed, as app.media.reframe places it
    pic_y = (h - pic_h) // 2 // 2 * 2
    letterbox = style.shape == "letterbox"
    layers = []
    if rehearsal:
        layers.append(Layer(render_rehearsal_mark(scale=2.0), 40, 60, name="rehearsal"))
    if style.logo:
        logo = still(style.logo, LOGO_WIDTH)
        layers.append(Layer(logo, w - logo.shape[1] - 40, 60, name="logo"))
    places = dict(style.places)
    if style.caption:
        caption = render_caption(style.caption, w - 80, scale=2.0)
        y = max(0, pic_y - caption.shape[0] - 40) if letterbox else 160
        layers.append(Layer(caption, 40, _placed(places.get("caption"), y, caption.shape[0]), name="caption"))
    if style.card:
        layers += _card_layers(context, span, places.get("card"), pic_y + pic_h + 60 if letterbox else 1240)
    return Look(style.shape, w, h, _regions(style, context, span), None, tuple(layers))


@dataclass(frozen=True, eq=False)
class ClipPreview:
    """A vertical clip's first frame, for a window to show and place its layers on: the picture as the look frames
    it (BGR, 1080×1920; None when the recording cannot give it), the layers on at that moment (premultiplied BGRA,
    where placed: `name` "caption" and "card" may be moved, their tops as shares of the height in
    `ClipStyle.places`), and what could not be shown (a logo that cannot be read; 中文 / English)."""

    picture: np.ndarray | None
    layers: tuple[Layer, ...]
    problem: str = ""


def preview(review: SessionReview, span: ClipSpan, style: ClipStyle, context: ClipContext) -> ClipPreview | None:
    """What `span` looks like at its start in `style` (None: the original shape, nothing to place)."""
    problem = ""
    try:
        look = look_for(style, context, span, review.info.rehearsal)
    except ValueError as exc:  # the logo: named, the rest shown
        problem = str(exc)
        look = look_for(replace(style, logo=""), context, span, review.info.rehearsal)
    if look is None:
        return None
    picture = picture_at(review.info.recording_path, span.start, look) if review.info.has_recording else None
    return ClipPreview(picture, tuple(layer for layer in look.layers if layer.start <= 0.0 < layer.end), problem)


def moment_spans(database: Database, review: SessionReview) -> list[ClipSpan]:
    """The moments that sold (the rule in this module's docstring), in the order aired."""
    steps = activity(database, review.info.id, MOMENT_STEP_S)
    duration = review.metrics.duration_s
    count = max(1, math.ceil(duration / MOMENT_STEP_S))
    per = MOMENT_WINDOW_S // MOMENT_STEP_S
    windows = []  # (orders, gmv, comments, start step)
    for first in range(count):
        got = [steps.get(k, (0, 0, 0)) for k in range(first, first + per)]
        windows.append((sum(g[0] for g in got), sum(g[1] for g in got), sum(g[2] for g in got), first))
    share = MOMENT_WINDOW_S / max(duration, MOMENT_WINDOW_S)
    total_orders = sum(v[0] for v in steps.values())
    total_comments = sum(v[2] for v in steps.values())
    label = "成交高光 moment"
    ranked = sorted((w for w in windows if w[0] >= max(MOMENT_MIN_ORDERS, 2 * total_orders * share)),
                    key=lambda w: (-w[0], -w[1], w[3]))
    if not ranked:
        label = "互动高光 moment"
        ranked = sorted((w for w in windows if w[2] >= max(MOMENT_MIN_COMMENTS, 2 * total_comments * share)),
                        key=lambda w: (-w[2], w[3]))
    taken: list[tuple[float, float]] = []
    for *_figures, first in ranked:
        end = min(duration, (first + per) * MOMENT_STEP_S)
        start = max(0.0, first * MOMENT_STEP_S - MOMENT_LEAD_S)
        if end - start < MIN_SECONDS or any(start < b and a < end for a, b in taken):
            continue
        taken.append((start, end))
        if len(taken) == MOMENT_LIMIT:
            break
    spans = []
    for start, end in sorted(taken):
        orders, gmv = orders_between(database, review.info.id, start, end)
        window = review.window_at(start + MOMENT_LEAD_S)
        product = window.product_id if window is not None else None
        title = f"{label} {review.titles.get(product, f'#{product}')}" if product is not None else label
        spans.append(ClipSpan(product, title, start, end, orders, gmv))
    return spans


def _safe(text: str, limit: int = 24) -> str:
    """`text` as part of a file name on any OS: no separators or reserved characters, not too long."""
    cleaned = re.sub(r'[\\/:*?"<>|\s\x00-\x1f]+', "_", text).strip("._")
    return cleaned[:limit] or "clip"


def file_name(review: SessionReview, span: ClipSpan) -> str:
    """场次N-标题-商品-开始.mp4: product, show and time in the name."""
    t = int(span.start)
    stamp = f"{t // 3600:02d}{t // 60 % 60:02d}{t % 60:02d}"
    return f"场次{review.info.id}-{_safe(review.info.title, 16)}-{_safe(span.title)}-{stamp}.mp4"


def lower_priority() -> int | None:
    """This thread, and the encoder threads it starts from now on, at BACKGROUND_NICE more than it was (Linux keeps
    a nice value per thread): a show on air on this machine is served first. The old value, to restore; None where
    that cannot be done (another OS)."""
    if not sys.platform.startswith("linux"):
        return None
    tid = threading.get_native_id()
    try:
        old = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, min(19, old + BACKGROUND_NICE))
    except OSError:
        return None
    return old


def restore_priority(old: int | None) -> None:
    if old is not None:
        with contextlib.suppress(OSError):  # only a privileged process may take back a lowered priority
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), old)


def export(review: SessionReview, spans: list[ClipSpan], folder: str | Path, *, style: ClipStyle | None = None,
           context: ClipContext | None = None, background: bool = False,
           progress: Callable[[int, int, float], None] | None = None,
           cancelled: Callable[[], bool] | None = None) -> list[tuple[ClipSpan, CutResult]]:
    """Cut every span from the show's recording into `folder` in `style`, then write the manifest of those made.
    `progress(i, n, share)` as each clip advances; a cancel keeps the clips already made (and their manifest).
    `background`: at a lower priority, the encoder on BACKGROUND_THREADS threads (beside a show on air).
    CutError for a show without recording, a caption with extreme words, a logo that cannot be read."""
    style = style or ClipStyle()
    context = context or ClipContext()
    if not review.info.recording_path or not Path(review.info.recording_path).exists():
        raise CutError("这一场没有录像 / this show has no recording")
    if style.shape != "original" and style.caption and (problems := caption_problems(style.caption)):
        raise CutError("字幕里有广告法极限词 / the caption holds extreme words: " + "、".join(problems))
    if style.shape != "original" and style.logo:
        try:  # a logo that cannot be read stops the export before any clip, not after the first
            still(style.logo, LOGO_WIDTH)
        except ValueError as exc:
            raise CutError(str(exc)) from None
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    made: list[tuple[ClipSpan, CutResult]] = []
    threads = BACKGROUND_THREADS if background else 0
    priority = lower_priority() if background else None
    try:
        for i, span in enumerate(spans):
            report = (lambda share, i=i: progress(i, len(spans), share)) if progress is not None else None
            look = look_for(style, context, span, review.info.rehearsal)  # one at a time: its cards rendered
            result = cut(review.info.recording_path, span.start, span.end, folder / file_name(review, span),
                         look=look, preset=style.preset if look is not None else "veryfast",
                         loudness=style.loudness, threads=threads, progress=report, cancelled=cancelled)
            made.append((span, result))
    except Cancelled:
        pass
    finally:
        restore_priority(priority)
        write_manifest(folder, made)
    return made


def write_manifest(folder: Path, made: list[tuple[ClipSpan, CutResult]]) -> Path:
    path = folder / MANIFEST
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = SafeCsvWriter(out)  # a product's title never runs as a formula
        writer.writerow(["文件 file", "商品 product", "商品ID product_id", "开始秒 start_s", "结束秒 end_s",
                         "订单 orders", "成交额 gmv_yuan"])
        for span, result in made:
            writer.writerow([result.path.name, span.title, "" if span.product_id is None else span.product_id,
                             f"{span.start:.3f}", f"{span.end:.3f}", span.orders, f"{span.gmv_cents / 100:.2f}"])
    return path


__all__ = ["ClipContext", "ClipPreview", "ClipSpan", "ClipStyle", "MANIFEST", "caption_problems", "clip_context",
           "export", "file_name", "look_for", "moment_spans", "preview", "range_span", "window_spans", "write_manifest"]
