"""Session metrics, updated event by event (formulas: docs/metrics.md). Feed it live from the bus or replay
a stored session's events through it: the numbers are the same by construction."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.kernel.events import Event, EventType
from app.values import MAX_COUNT, MAX_ONLINE, safe_int

INTERACTIONS = {EventType.COMMENT, EventType.LIKE, EventType.SHARE}


@dataclass
class ProductWindow:
    """One explanation window (讲解时段): from pin to unpin (or the next pin, or the end)."""

    product_id: int
    start: float
    end: float | None = None
    orders: int = 0
    gmv_cents: int = 0
    buyers: set[str] = field(default_factory=set)
    views: int = 0  # room entries (PV) during the window
    online_area: float = 0.0  # ∫ online dt over the window

    def online_avg(self, now: float) -> float:
        seconds = self.seconds(now)
        return self.online_area / seconds if seconds > 0 else 0.0

    def seconds(self, now: float) -> float:
        return max(0.0, (self.end if self.end is not None else now) - self.start)

    @property
    def gpm(self) -> float | None:
        return self.gmv_cents / 100 / self.views * 1000 if self.views else None


@dataclass(frozen=True)
class ProductSummary:
    product_id: int
    explanation_seconds: float
    orders: int
    gmv_cents: int
    buyers: int
    views: int
    gpm: float | None
    online_avg: float
    conversion: float | None  # buyers of the product while pinned ÷ average online while pinned


@dataclass(frozen=True)
class MinuteRow:
    minute: int
    online: int
    gmv_cents: int
    orders: int
    comments: int
    likes: int


@dataclass(frozen=True)
class MetricsSnapshot:
    duration_s: float
    online_now: int
    online_peak: int
    online_avg: float
    pv: int
    uv: int
    gmv_cents: int
    refunds_cents: int
    orders: int
    buyers: int
    aov_cents: float | None
    gpm: float | None
    uv_value: float | None
    conversion: float | None
    interaction_rate: float | None
    comments: int
    likes: int
    comments_per_minute: float
    likes_per_minute: float
    products: tuple[ProductSummary, ...]
    per_minute: tuple[MinuteRow, ...]
    spans: tuple[tuple[int, float, float | None], ...] = ()  # explanation windows: (product id, start, end or None)


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


class SessionMetrics:
    """A bus subscriber (call it with events) with `snapshot()` for the console and the review."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0.0
        self.online_now = self.online_peak = 0
        self._online_area = 0.0  # ∫ online dt
        self._online_since: float | None = None
        self.pv = 0
        self._viewers: set[str] = set()
        self._interacting: set[str] = set()
        self._buyers: set[str] = set()
        self.gmv_cents = self.refunds_cents = self.orders = self.comments = self.likes = 0
        self.windows: list[ProductWindow] = []
        self._open: ProductWindow | None = None
        self._minutes: dict[int, dict[str, int]] = {}

    def __call__(self, event: Event) -> None:
        with self._lock:
            self._apply(event)

    def feed(self, events: Iterable[Event]) -> SessionMetrics:
        for event in events:
            self(event)
        return self

    def _apply(self, event: Event) -> None:
        t = event.stream_time if event.stream_time is not None else 0.0
        self._advance(t)
        p, kind = event.payload, event.type
        minute = self._minutes.get(int(t // 60))
        if minute is None:  # a minute starts with the online count it inherits
            minute = self._minutes[int(t // 60)] = {"online": self.online_now, "gmv_cents": 0, "orders": 0,
                                                    "comments": 0, "likes": 0}
        user = p.get("user_id")
        if kind == EventType.ONLINE:
            self.online_now = safe_int(p.get("online", 0), maximum=MAX_ONLINE)
            self.online_peak = max(self.online_peak, self.online_now)
            if self._online_since is None:
                self._online_since = t
            minute["online"] = self.online_now
        elif kind == EventType.ENTER:
            self.pv += 1
            if user:
                self._viewers.add(user)
            if self._open:
                self._open.views += 1
        elif kind == EventType.ORDER:
            amount = safe_int(p.get("amount_cents", 0))
            self.gmv_cents += amount
            self.orders += 1
            minute["gmv_cents"] += amount
            minute["orders"] += 1
            if user:
                self._buyers.add(user)
            window = self._open
            if window and p.get("product_id") == window.product_id:
                window.orders += 1
                window.gmv_cents += amount
                if user:
                    window.buyers.add(user)
        elif kind == EventType.REFUND:
            self.refunds_cents += safe_int(p.get("amount_cents", 0))
        elif kind == EventType.PRODUCT_PINNED:
            self._close_window(t)
            self._open = ProductWindow(p["product_id"], t)
            self.windows.append(self._open)
        elif kind in (EventType.PRODUCT_UNPINNED, EventType.SESSION_ENDED):
            self._close_window(t)
        if kind in INTERACTIONS and user:
            self._interacting.add(user)
        if kind == EventType.COMMENT:
            self.comments += 1
            minute["comments"] += 1
        elif kind == EventType.LIKE:
            count = safe_int(p.get("count", 1), default=1, maximum=MAX_COUNT)
            self.likes += count
            minute["likes"] += count

    def _advance(self, t: float) -> None:
        if t > self.now:
            if self._online_since is not None:
                self._online_area += self.online_now * (t - self.now)
                if self._open is not None:
                    self._open.online_area += self.online_now * (t - self.now)
            self.now = t

    def _close_window(self, t: float) -> None:
        if self._open is not None:
            self._open.end = t
            self._open = None

    def snapshot(self, now: float | None = None) -> MetricsSnapshot:
        with self._lock:
            if now is not None:
                self._advance(now)
            t = self.now
            online_span = t - self._online_since if self._online_since is not None else 0.0
            uv, buyers = len(self._viewers), len(self._buyers)
            minutes = max(t / 60, 1e-9)
            products: dict[int, list[ProductWindow]] = defaultdict(list)
            for window in self.windows:
                products[window.product_id].append(window)
            summaries = []
            for product_id, windows in products.items():
                gmv = sum(w.gmv_cents for w in windows)
                views = sum(w.views for w in windows)
                product_buyers = len(set().union(*(w.buyers for w in windows)))
                seconds = sum(w.seconds(t) for w in windows)
                online_avg = sum(w.online_area for w in windows) / seconds if seconds > 0 else 0.0
                summaries.append(ProductSummary(
                    product_id, seconds, sum(w.orders for w in windows), gmv, product_buyers, views,
                    gmv / 100 / views * 1000 if views else None, online_avg, _ratio(product_buyers, online_avg)))
            rows = tuple(MinuteRow(m, r["online"], r["gmv_cents"], r["orders"], r["comments"], r["likes"])
                         for m, r in sorted(self._minutes.items()))
            return MetricsSnapshot(
                duration_s=t,
                online_now=self.online_now,
                online_peak=self.online_peak,
                online_avg=self._online_area / online_span if online_span > 0 else float(self.online_now),
                pv=self.pv,
                uv=uv,
                gmv_cents=self.gmv_cents,
                refunds_cents=self.refunds_cents,
                orders=self.orders,
                buyers=buyers,
                aov_cents=_ratio(self.gmv_cents, buyers),
                gpm=self.gmv_cents / 100 / self.pv * 1000 if self.pv else None,
                uv_value=self.gmv_cents / 100 / uv if uv else None,
                conversion=_ratio(buyers, uv),
                interaction_rate=_ratio(len(self._interacting & self._viewers) if self._viewers else 0, uv),
                comments=self.comments,
                likes=self.likes,
                comments_per_minute=self.comments / minutes if t > 0 else 0.0,
                likes_per_minute=self.likes / minutes if t > 0 else 0.0,
                products=tuple(summaries),
                per_minute=rows,
                spans=tuple((w.product_id, w.start, w.end) for w in self.windows),
            )
