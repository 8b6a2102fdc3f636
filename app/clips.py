"""直播切片: a show's product explanations (or any span of it) cut from its recording into clips to post, named by
product, show and time, with `manifest.csv` beside them (file, product, 商品ID, start, end, orders, GMV during the
span) for posting or the shop's records.

The spans come from the show's review on the recording's clock: each explanation window (a product explained twice
gives two clips), or a range picked on the timeline. A window's orders and GMV are the review's for that window
(`SessionReview.metrics.window_rows`); a range's are the orders the log holds in it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.files import SafeCsvWriter
from app.media.cut import Cancelled, CutError, CutResult, cut
from app.review import SessionReview
from app.store.aggregates import orders_between
from app.store.db import Database

MIN_SECONDS = 1.0  # a window shorter than this is not a clip
MANIFEST = "manifest.csv"


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


def _safe(text: str, limit: int = 24) -> str:
    """`text` as part of a file name on any OS: no separators or reserved characters, not too long."""
    cleaned = re.sub(r'[\\/:*?"<>|\s\x00-\x1f]+', "_", text).strip("._")
    return cleaned[:limit] or "clip"


def file_name(review: SessionReview, span: ClipSpan) -> str:
    """场次N-标题-商品-开始.mp4: product, show and time in the name."""
    t = int(span.start)
    stamp = f"{t // 3600:02d}{t // 60 % 60:02d}{t % 60:02d}"
    return f"场次{review.info.id}-{_safe(review.info.title, 16)}-{_safe(span.title)}-{stamp}.mp4"


def export(review: SessionReview, spans: list[ClipSpan], folder: str | Path, *,
           progress: Callable[[int, int, float], None] | None = None,
           cancelled: Callable[[], bool] | None = None) -> list[tuple[ClipSpan, CutResult]]:
    """Cut every span from the show's recording into `folder`, then write the manifest of those made.
    `progress(i, n, share)` as each clip advances; a cancel keeps the clips already made (and their manifest)."""
    if not review.info.recording_path or not Path(review.info.recording_path).exists():
        raise CutError("这一场没有录像 / this show has no recording")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    made: list[tuple[ClipSpan, CutResult]] = []
    try:
        for i, span in enumerate(spans):
            report = (lambda share, i=i: progress(i, len(spans), share)) if progress is not None else None
            result = cut(review.info.recording_path, span.start, span.end, folder / file_name(review, span),
                         progress=report, cancelled=cancelled)
            made.append((span, result))
    except Cancelled:
        pass
    finally:
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


__all__ = ["ClipSpan", "MANIFEST", "export", "file_name", "range_span", "window_spans", "write_manifest"]
