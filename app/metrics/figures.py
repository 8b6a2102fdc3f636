"""The figures a show is made of (docs/metrics.md): an explanation window as it is counted, each product's and
minute's row, the outside row, the snapshot the console and the review render, and the audience's bulk counted
elsewhere; how a product's row adds up from its windows. `SessionMetrics` (app/metrics/live.py) makes them."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.kernel.viewers import ViewerTable

# Who was there, who bought: user ids kept as the keys of dicts (value None), not in sets. A dict that holds only
# strings is not tracked by Python's collector, a set always is: with 200,000 viewers in a few sets a full
# collection walked every id and paused every thread for ~0.3 s an hour into a show (issue #11's lost frames).
Users = dict[str, None]


@dataclass
class ProductWindow:
    """One explanation window (讲解时段): from pin to unpin (or the next pin, or the end)."""

    product_id: int
    start: float
    end: float | None = None
    orders: int = 0
    gmv_cents: int = 0
    buyers: Users = field(default_factory=dict)
    views: int = 0  # room entries (PV) during the window
    online_area: float = 0.0  # ∫ online dt over the window
    online_at_start: int = 0  # the room's own count when the explanation began
    refunds_cents: int = 0  # refunds of the orders counted here
    # distinct viewers who entered during the window: keyed with the show's viewers' salt (SessionMetrics._users)
    entrants: ViewerTable = field(default_factory=lambda: ViewerTable("B"))
    prior_buyers: Users = field(default_factory=dict)  # buyers here who had entered before the window
    questions: dict[str, int] = field(default_factory=dict)  # 自动回复 topic → questions asked during the window
    # once closed (`close`), who entered is no longer needed, only how many and which buyers were among them: a
    # window keeps O(buyers), not O(entrants) — a long show's windows grew its memory ~30 MB an hour (issue #32)
    entrant_count: int | None = None
    closed_viewer_buyers: Users | None = None

    @property
    def entrant_total(self) -> int:
        """The distinct viewers who entered during the window."""
        return len(self.entrants) if self.entrant_count is None else self.entrant_count

    @property
    def audience(self) -> int:
        """讲解观看人数: who could have seen this explanation — the room's count at its start (or, if the room's
        stats lag, the buyers demonstrably there already, whichever is more) plus the distinct viewers who entered
        during it. Buyers among viewers never exceed it, so the window's conversion is at most 100 %."""
        return self.audience_with(self.entrant_total)

    def audience_with(self, entrants: int) -> int:
        return max(self.online_at_start, len(self.prior_buyers)) + entrants

    @property
    def viewer_buyers(self) -> set[str]:
        """This window's buyers who are viewers (entered during it, or before it)."""
        if self.closed_viewer_buyers is not None:
            return set(self.closed_viewer_buyers)
        entrants = self.entrants
        return {buyer for buyer in self.buyers if buyer in entrants} | self.prior_buyers.keys()

    def close(self, t: float) -> None:
        """The window ends at `t`: its entrants become a count (nothing that can change them is counted any more)."""
        self.end = t
        if self.entrant_count is None:
            self.closed_viewer_buyers = dict.fromkeys(self.viewer_buyers)
            self.entrant_count = len(self.entrants)
            self.entrants = ViewerTable("B", self.entrants.salt)

    def seconds(self, now: float) -> float:
        return max(0.0, (self.end if self.end is not None else now) - self.start)

    @property
    def gpm(self) -> float | None:
        audience = self.audience
        return self.gmv_cents / 100 / audience * 1000 if audience else None


@dataclass(frozen=True)
class ProductSummary:
    product_id: int
    explanation_seconds: float
    orders: int
    gmv_cents: int
    buyers: int
    views: int  # room entries (PV) while it was explained
    gpm: float | None  # window GMV (yuan) ÷ window audience × 1000
    online_avg: float
    conversion: float | None  # its buyers among viewers while pinned ÷ its windows' audience
    audience: int = 0  # Σ of its windows' audience (ProductWindow.audience)
    refunds_cents: int = 0  # refunds of the orders counted in its windows
    questions: tuple[tuple[str, int], ...] = ()  # (topic, questions) asked while it was explained, most first

    @property
    def net_cents(self) -> int:
        return self.gmv_cents - self.refunds_cents


def most_first(counts: dict[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


@dataclass(frozen=True)
class OutsideSummary:
    """Orders not counted in any product row (nothing pinned, or another product pinned, or no product): with the
    product rows they add up to the session's GMV (讲解外成交)."""

    orders: int = 0
    gmv_cents: int = 0
    refunds_cents: int = 0

    @property
    def net_cents(self) -> int:
        return self.gmv_cents - self.refunds_cents


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
    aov_cents: float | None  # 客单价: GMV ÷ buyers (per buyer)
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
    outside: OutsideSummary = OutsideSummary()
    per_order_cents: float | None = None  # 笔单价: GMV ÷ orders
    questions: tuple[tuple[str, int], ...] = ()  # (topic, questions) over the whole show, most first
    viewers_masked: bool = False  # the platform hid who viewers were: UV, UV value, conversion mean nothing
    window_rows: tuple[ProductSummary, ...] = ()  # each explanation window its own row, in the order of `spans`

    @property
    def explanations(self) -> tuple[tuple[int, float, float | None, ProductSummary], ...]:
        """Each explanation window as (product id, start, end or None, its own figures), in the order aired."""
        return tuple((pid, start, end, row) for (pid, start, end), row in zip(self.spans, self.window_rows))

    @property
    def net_cents(self) -> int:
        """净成交: GMV − refunds."""
        return self.gmv_cents - self.refunds_cents


@dataclass(frozen=True)
class RoomCounts:
    """The audience's bulk (entries, comments, likes, shares) counted by the store instead of event by event
    (app/store/aggregates.py): `snapshot(counts=…)` then takes these figures and the replayed events give the
    rest (the review of a long show replays only the events that are not bulk, plus the buyers' entries)."""

    pv: int
    uv: int
    interacting_viewers: int  # distinct viewers (with an entry) who commented, liked or shared
    comments: int
    likes: int
    minutes: dict[int, tuple[int, int]]  # minute → (comments, likes)
    windows: tuple[tuple[int, int], ...]  # per explanation window, in order: (entries, distinct entrants)
    last_time: float = 0.0  # the latest event's stream time


def ratio(a: float, b: float) -> float | None:
    return a / b if b else None


@dataclass
class Totals:
    """A product's windows added up, in order (`summarise`): the closed ones kept between snapshots and the open one
    added to a copy, so a snapshot does not add up every window of a long show again (bench/ui_stall.py)."""

    seconds: float = 0.0
    orders: int = 0
    gmv_cents: int = 0
    views: int = 0
    audience: int = 0
    online_area: float = 0.0
    refunds_cents: int = 0
    buyers: set[str] = field(default_factory=set)
    viewer_buyers: set[str] = field(default_factory=set)
    questions: dict[str, int] = field(default_factory=dict)

    def add(self, window: ProductWindow, views: int, audience: int, t: float) -> Totals:
        self.seconds += window.seconds(t)
        self.orders += window.orders
        self.gmv_cents += window.gmv_cents
        self.views += views
        self.audience += audience
        self.online_area += window.online_area
        self.refunds_cents += window.refunds_cents
        self.buyers.update(window.buyers)
        self.viewer_buyers.update(window.viewer_buyers)
        for topic, n in window.questions.items():
            self.questions[topic] = self.questions.get(topic, 0) + n
        return self

    def copy(self) -> Totals:
        return Totals(self.seconds, self.orders, self.gmv_cents, self.views, self.audience, self.online_area,
                      self.refunds_cents, set(self.buyers), set(self.viewer_buyers), dict(self.questions))

    def summary(self, product_id: int) -> ProductSummary:
        gmv, audience = self.gmv_cents, self.audience
        return ProductSummary(product_id, self.seconds, self.orders, gmv, len(self.buyers), self.views,
                              gmv / 100 / audience * 1000 if audience else None,
                              self.online_area / self.seconds if self.seconds > 0 else 0.0,
                              ratio(len(self.viewer_buyers), audience), audience, self.refunds_cents,
                              most_first(self.questions))


def summarise(product_id: int, rows: list[tuple[ProductWindow, int, int]], t: float) -> ProductSummary:
    """One product's row from its windows, each with its views and audience."""
    totals = Totals()
    for window, views, audience in rows:
        totals.add(window, views, audience, t)
    return totals.summary(product_id)
