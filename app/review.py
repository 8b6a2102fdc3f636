"""复盘: a finished (or interrupted) session for the manager — its recording, a timeline of what happened, and
the KPIs per product window. Everything is rebuilt from the stored event log through the same `SessionMetrics`
the live console used, so the review's numbers are the live numbers.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from app.kernel.events import EventType
from app.values import MAX_ONLINE, safe_int
from app.store.eventlog import load_events
from app.metrics.live import MetricsSnapshot, ProductWindow, SessionMetrics
from app.store.db import Database
from app.store.models import Coupon, LiveSession, Product


@dataclass(frozen=True)
class SessionInfo:
    id: int
    title: str
    status: str
    started_at: float | None  # unix time
    ended_at: float | None
    recording_path: str
    kind: str = "live"  # live | rehearsal (演练: never mixed into real sessions' lists and totals by default)

    @property
    def rehearsal(self) -> bool:
        return self.kind == "rehearsal"

    @property
    def has_recording(self) -> bool:
        return bool(self.recording_path) and Path(self.recording_path).is_file()

    @property
    def duration_s(self) -> float | None:
        if self.started_at is None or self.ended_at is None:
            return None
        return max(0.0, self.ended_at - self.started_at)


@dataclass(frozen=True)
class Marker:
    """A moment on the timeline worth a line: a pin, a coupon, a flash sale, a price change…"""

    time: float  # stream time, seconds since go-live (= the recording's time)
    kind: str  # an EventType value
    label: str


@dataclass(frozen=True)
class Comment:
    time: float
    nickname: str
    text: str
    hidden: bool  # hidden by the banned-word list while live (kept in the log)


@dataclass
class SessionReview:
    info: SessionInfo
    metrics: MetricsSnapshot
    windows: list[ProductWindow]
    titles: dict[int, str]  # product id → title (as the catalogue has it now)
    markers: list[Marker]
    online: list[tuple[float, int]]  # (time, online) at every room-stats event
    comments: list[Comment]
    events: int = 0
    _comment_times: list[float] = field(default_factory=list, repr=False)

    def comments_between(self, start: float, end: float) -> list[Comment]:
        """The comments of [start, end) in order (bisect: cheap enough to call on every playhead move)."""
        if not self._comment_times:
            self._comment_times = [c.time for c in self.comments]
        lo = bisect.bisect_left(self._comment_times, start)
        hi = bisect.bisect_left(self._comment_times, end)
        return self.comments[lo:hi]

    def window_at(self, t: float) -> ProductWindow | None:
        """The product being explained at time t, if any."""
        for window in self.windows:
            if window.start <= t < (window.end if window.end is not None else self.metrics.duration_s + 1e-9):
                return window
        return None


def list_sessions(database: Database, rehearsals: bool = False) -> list[SessionInfo]:
    """Stored sessions, newest first: the real ones, or (rehearsals=True) the rehearsals only, so the two are
    never mixed in one list."""
    kind = "rehearsal" if rehearsals else "live"
    with database.session() as db:
        rows = db.scalars(select(LiveSession).where(LiveSession.kind == kind).order_by(LiveSession.id.desc()))
        return [_info(r) for r in rows]


def _info(row: LiveSession) -> SessionInfo:
    return SessionInfo(row.id, row.title, row.status, row.started_at, row.ended_at, row.recording_path, row.kind)


def load_review(database: Database, session_id: int) -> SessionReview:
    """Replay a session's event log into its review. Raises KeyError for a session that does not exist."""
    with database.session() as db:
        row = db.get(LiveSession, session_id)
        if row is None:
            raise KeyError(f"no session {session_id}")
        info = _info(row)
        titles = dict(db.execute(select(Product.id, Product.title)).all())
        coupons = dict(db.execute(select(Coupon.id, Coupon.name)).all())
    # by stream time: orders imported from the shop's export come after the live log but belong where they were
    # placed (app/orders.py); the live log is already in this order, so its ties keep their sequence
    events = sorted(load_events(database, session_id),
                    key=lambda e: (e.stream_time if e.stream_time is not None else 0.0, e.seq))
    metrics = SessionMetrics().feed(events)
    markers, online, comments = [], [], []
    for event in events:
        t = event.stream_time if event.stream_time is not None else 0.0
        p = event.payload
        if event.type == EventType.ONLINE:
            online.append((t, safe_int(p.get("online", 0), maximum=MAX_ONLINE)))
        elif event.type == EventType.COMMENT:
            comments.append(Comment(t, str(p.get("nickname") or "观众"), str(p.get("text", "")), event.flagged))
        elif event.type == EventType.COUPON_DEFINED:
            coupons[p["coupon_id"]] = p["name"]
        label = _label(event.type, p, titles, coupons)
        if label is not None:
            markers.append(Marker(t, event.type.value, label))
    snapshot = metrics.snapshot()
    return SessionReview(info, snapshot, list(metrics.windows), titles, markers, online, comments, len(events))


# the timeline's marked moments: event type → label from (payload, product title, coupon name)
_LABELS = {
    EventType.PRODUCT_PINNED: lambda p, product, coupon: f"讲解 {product}",
    EventType.COUPON_DROPPED: lambda p, product, coupon: f"发券 {coupon} ×{p.get('quantity')}",
    EventType.COUPON_ENDED: lambda p, product, coupon: f"券结束 {coupon}（{p.get('reason', '')}）",
    EventType.FLASH_SALE_STARTED: lambda p, product, coupon: f"秒杀 {product} ￥{p.get('price_cents', 0) / 100:g} "
                                                             f"×{p.get('stock')}",
    EventType.FLASH_SALE_ENDED: lambda p, product, coupon: f"秒杀结束 {product}（{p.get('reason', '')}）",
    EventType.PRICE_CHANGED: lambda p, product, coupon: f"改价 {product} ￥{p.get('live_price_cents', 0) / 100:g}",
    EventType.COMMENT_PINNED: lambda p, product, coupon: f"置顶评论 {p.get('nickname', '')}：{p.get('text', '')}",
}


def _label(kind: EventType, p: dict, titles: dict[int, str], coupons: dict[int, str]) -> str | None:
    label = _LABELS.get(kind)
    if label is None:
        return None
    return label(p, titles.get(p.get("product_id"), f"#{p.get('product_id')}"),
                 coupons.get(p.get("coupon_id"), p.get("coupon_id")))


def money(cents: float | None) -> str:
    """￥1,234.50, or — when there is no figure (the review's and the report's one way to show money)."""
    return "—" if cents is None else f"￥{cents / 100:,.2f}"


def ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def whole(value: float | None) -> str:
    """GPM and the like: a whole number with thousands separators, or —."""
    return "—" if value is None else f"{value:,.0f}"


def format_report(review: SessionReview) -> str:
    """The review as plain text (CLI, or to paste into a chat with the team)."""
    m, info = review.metrics, review.info
    lines = [f"{'【演练 REHEARSAL】' if info.rehearsal else ''}"
             f"场次 session {info.id} · {info.title} · {info.status} · {m.duration_s / 60:.1f} min · "
             f"{review.events} events",
             f"录像 recording: {info.recording_path or '—'}{'' if info.has_recording or not info.recording_path else ' (missing)'}",
             f"GMV {money(m.gmv_cents)} · 订单 orders {m.orders} · 买家 buyers {m.buyers} · "
             f"客单价 AOV {money(m.aov_cents)}",
             f"PV {m.pv} · UV {m.uv} · GPM {whole(m.gpm)} · "
             f"转化率 conversion {ratio(m.conversion)} · 互动率 interaction {ratio(m.interaction_rate)}",
             f"在线 online peak {m.online_peak} · avg {m.online_avg:.0f} · 评论/分钟 comments/min "
             f"{m.comments_per_minute:.1f}",
             "", "商品 product | 讲解 explained | 订单 orders | GMV | GPM | 转化 conversion"]
    for product in sorted(m.products, key=lambda p: -p.gmv_cents):
        lines.append(f"{review.titles.get(product.product_id, product.product_id)} | "
                     f"{product.explanation_seconds / 60:.1f} min | {product.orders} | {money(product.gmv_cents)} | "
                     f"{whole(product.gpm)} | {ratio(product.conversion)}")
    return "\n".join(lines)


def export_csv(review: SessionReview, folder: str | Path) -> list[Path]:
    """The review as two CSV files Excel opens as they are (UTF-8 with BOM): the product windows and the minutes.
    Returns the files written."""
    import csv

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    m, stem = review.metrics, f"session-{review.info.id}"
    products = folder / f"{stem}-products.csv"
    with products.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["商品ID product_id", "商品 product", "讲解秒 explained_s", "订单 orders", "成交额 gmv_yuan",
                         "买家 buyers", "进房 views", "GPM", "平均在线 online_avg", "转化率 conversion"])
        for p in sorted(m.products, key=lambda p: -p.gmv_cents):
            writer.writerow([p.product_id, review.titles.get(p.product_id, ""), round(p.explanation_seconds, 1),
                             p.orders, f"{p.gmv_cents / 100:.2f}", p.buyers, p.views,
                             "" if p.gpm is None else round(p.gpm, 2), round(p.online_avg, 1),
                             "" if p.conversion is None else round(p.conversion, 4)])
    minutes = folder / f"{stem}-minutes.csv"
    with minutes.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["分钟 minute", "在线 online", "成交额 gmv_yuan", "订单 orders", "评论 comments", "点赞 likes"])
        for row in m.per_minute:
            writer.writerow([row.minute, row.online, f"{row.gmv_cents / 100:.2f}", row.orders, row.comments,
                             row.likes])
    return [products, minutes]
