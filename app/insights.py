"""多场分析: the manager's view across shows — every real show of a studio (or of every studio) over a period, the
weeks, the best and worst shows and the windows that made them so, products across shows, hosts and time slots,
and the audience (new and returning viewers, cohort retention, repeat buyers).

Read from what is kept per ended show (app/store/shows.py: the review's figures and the accounts seen), never by
replaying a show: a show not kept yet (ended before this existed, or its log changed since) is kept on this
reading through its review. Definitions in docs/metrics.md (多场分析); `tests/test_insights.py` checks every
figure against a computation of its own straight from the event log.

Weeks start on Monday and hours are read in the time zone given (the machine's by default).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass, field

from app.store import shows as kept
from app.store.db import Database
from app.store.models import LiveSession

COHORT_WEEKS = 8  # retention read for W+1 … W+8
REPEAT_DAYS = (30, 90)
NO_HOST = "（未填主播） / (no host given)"
FALLING_MIN_WINDOWS = 4  # a product's conversion trend is read from this many explanations on
EPOCH_MONDAY = dt.date(1970, 1, 5)


class _OverAudience:
    """GPM and conversion over the audience of explanation windows (docs/metrics.md): what a window row and a
    product across shows share."""

    gmv_cents: int
    viewer_buyers: int
    audience: int

    @property
    def gpm(self) -> float | None:
        return _gpm(self.gmv_cents, self.audience)

    @property
    def conversion(self) -> float | None:
        return _ratio(self.viewer_buyers, self.audience)


@dataclass(frozen=True)
class WindowRow(_OverAudience):
    """One explanation window (讲解时段) of one show: a product explained twice has two rows."""

    session_id: int
    product_id: int
    position: int  # its place among the show's windows, from 1
    start: float  # stream time
    seconds: float
    hour: int  # hour of day its explanation began (in the insights' zone)
    orders: int
    gmv_cents: int
    refunds_cents: int
    buyers: int
    viewer_buyers: int  # its buyers among those who could have seen it (the conversion's numerator)
    views: int
    audience: int  # 讲解观看人数 (docs/metrics.md)
    script: str = ""  # the product's script version (话术) at the show's start: a digest, "" for none


@dataclass(frozen=True)
class ShowRow:
    session_id: int
    title: str
    studio: str
    host: str
    platform: str
    started_at: float
    duration_s: float
    gmv_cents: int
    refunds_cents: int
    orders: int
    buyers: int
    pv: int
    uv: int
    viewer_buyers: int  # buyers who entered (the show's conversion numerator)
    online_peak: int
    masked: bool  # the room was read without login: UV, UV value, conversion mean nothing
    windows: tuple[WindowRow, ...] = ()
    tags: tuple[str, ...] = ()  # the manager's labels (A/B groups)
    hour: int = 0  # the hour of day it started (in the insights' zone)
    weekday: int = 1  # Monday 1 … Sunday 7
    alerts: int = 0  # 预警 fired while it was on

    @property
    def net_cents(self) -> int:
        return self.gmv_cents - self.refunds_cents

    @property
    def gpm(self) -> float | None:
        return _gpm(self.gmv_cents, self.pv)

    @property
    def conversion(self) -> float | None:
        return None if self.masked else _ratio(self.viewer_buyers, self.uv)

    @property
    def uv_value(self) -> float | None:
        return None if self.masked else _ratio(self.gmv_cents / 100, self.uv)


@dataclass(frozen=True)
class Totals:
    """Shows added up (a week, a host, a time slot, a whole period): ratios of the sums, not means of ratios."""

    name: str
    shows: int
    hours: float
    gmv_cents: int
    refunds_cents: int
    pv: int
    uv: int  # the shows' UV added up (an account in two shows counts twice), masked shows left out
    viewer_buyers: int

    @property
    def net_cents(self) -> int:
        return self.gmv_cents - self.refunds_cents

    @property
    def gpm(self) -> float | None:
        return _gpm(self.gmv_cents, self.pv)

    @property
    def conversion(self) -> float | None:
        return _ratio(self.viewer_buyers, self.uv)

    @property
    def uv_value(self) -> float | None:
        return _ratio(self.gmv_cents / 100, self.uv)

    @property
    def gmv_per_hour_cents(self) -> float | None:
        return _ratio(self.gmv_cents, self.hours)


@dataclass(frozen=True)
class ProductRow(_OverAudience):
    """A product over every explanation of it in the period."""

    product_id: int
    title: str
    shows: int
    windows: int
    seconds: float
    orders: int
    gmv_cents: int
    viewer_buyers: int
    audience: int
    best_hour: int | None  # the hour of day its explanations sold best in (GPM over their audience)
    best_position: int | None  # the place in the run order it sold best at
    falling: bool  # its conversion per explanation is falling (docs/metrics.md)
    scripts: int = 0  # script versions explained in the period
    best_script: str = ""  # the version whose windows sold best (GPM), "a1b2c3d4 (11-20 起 from)", "" if < 2


@dataclass(frozen=True)
class AudienceRow:
    """One show's audience against the studio's earlier shows on the same platform."""

    session_id: int
    viewers: int
    returning: int
    buyers: int
    returning_buyers: int
    followers: int
    followers_back: int  # followed in this show and entered a later one

    @property
    def new(self) -> int:
        return self.viewers - self.returning

    @property
    def new_share(self) -> float | None:
        return _ratio(self.new, self.viewers)


@dataclass(frozen=True)
class Cohort:
    week: dt.date  # the Monday of the week its viewers were first seen
    size: int
    shares: tuple[float | None, ...]  # W+1 … W+8: the share seen again that week (None: after the period)


@dataclass(frozen=True)
class Repeat:
    days: int
    buyers: int
    repeat_buyers: int  # ≥ 2 paid orders (复购)
    returned_buyers: int  # paid in ≥ 2 shows

    @property
    def rate(self) -> float | None:
        return _ratio(self.repeat_buyers, self.buyers)


@dataclass(frozen=True)
class Insights:
    since: float
    until: float
    zone: dt.tzinfo  # weeks, hours and dates are read in it
    studios: tuple[str, ...]
    shows: tuple[ShowRow, ...]  # by start
    totals: Totals
    weeks: tuple[Totals, ...]  # name: the Monday, ISO
    hosts: tuple[Totals, ...]
    slots: tuple[Totals, ...]  # name: the starting hour, "20:00"
    products: tuple[ProductRow, ...]  # by GMV
    audience: tuple[AudienceRow, ...]  # per show with real viewer ids
    cohorts: tuple[Cohort, ...]
    repeat: tuple[Repeat, ...]
    left_out: tuple[str, ...] = ()  # what is not counted, and why (中文 / English)
    titles: dict[int, str] = field(default_factory=dict)

    @property
    def best(self) -> ShowRow | None:
        return max(self.shows, key=_rank, default=None)

    @property
    def worst(self) -> ShowRow | None:
        return min(self.shows, key=_rank, default=None) if len(self.shows) > 1 else None

    def why(self, show: ShowRow, count: int = 3) -> list[tuple[WindowRow, float | None]]:
        """The windows that made the difference in `show`: each with the product's GPM over the period beside it,
        the furthest from it first (best show: above; worst: below)."""
        usual = {p.product_id: p.gpm for p in self.products}
        sign = 1 if show is self.best else -1

        def gap(w: WindowRow) -> float:
            return sign * ((w.gpm or 0.0) - (usual.get(w.product_id) or 0.0))

        rows = sorted(show.windows, key=gap, reverse=True)[:count]
        return [(w, usual.get(w.product_id)) for w in rows]


def _rank(show: ShowRow) -> tuple:
    return show.gmv_cents, show.gpm or 0.0, -show.session_id


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def _gpm(gmv_cents: int, views: int) -> float | None:
    return gmv_cents / 100 / views * 1000 if views else None


def week_number(started_at: float, zone: dt.tzinfo) -> int:
    """Weeks since 1970-01-05 (a Monday) of the local date: the same number for every day Monday … Sunday."""
    return (dt.datetime.fromtimestamp(started_at, zone).date() - EPOCH_MONDAY).days // 7


def monday(week: int) -> dt.date:
    return EPOCH_MONDAY + dt.timedelta(days=7 * week)


# --- keeping -------------------------------------------------------------------------------------------------
def figures_of(review) -> dict:
    """What is kept of a show (JSON) from its review (`app.review.SessionReview`)."""
    m = review.metrics
    windows = [[pid, start, end, w.explanation_seconds, w.orders, w.gmv_cents, w.refunds_cents, w.buyers,
                round((w.conversion or 0.0) * w.audience), w.views, w.audience]
               for pid, start, end, w in m.explanations]
    return {"duration_s": m.duration_s, "gmv_cents": m.gmv_cents, "refunds_cents": m.refunds_cents,
            "orders": m.orders, "buyers": m.buyers, "pv": m.pv, "uv": m.uv,
            "viewer_buyers": round((m.conversion or 0.0) * m.uv), "online_peak": m.online_peak,
            "masked": m.viewers_masked, "windows": windows,
            "alerts": sum(marker.kind == "alert" for marker in review.markers)}


def keep(database: Database, session_id: int) -> dict:
    """Keep one ended show for the views across shows (its review, built or as kept; the accounts its log names,
    none for a room whose viewers were masked); returns its figures."""
    from app.review import load_review
    from app.store import aggregates

    through = aggregates.last_seq(database, session_id)
    figures = {**figures_of(load_review(database, session_id, any_studio=True)),
               "scripts": kept.script_versions_of(database, session_id)}
    viewers = [] if figures["masked"] else kept.viewers_of(database, session_id)
    kept.keep_show(database, session_id, figures, through, viewers)
    return figures


MAX_TAGS, MAX_TAG = 10, 20


def set_tags(database: Database, session_id: int, tags: list[str]) -> tuple[str, ...]:
    """A show's labels replaced (each one clean line of ≤ MAX_TAG characters, no comma; at most MAX_TAGS; blank
    ones dropped, repeats once); KeyError for no such show of this studio, ValueError (中文 / English) otherwise."""
    from app.text import clean_line

    kept_tags: list[str] = []
    for tag in tags:
        text = " ".join(clean_line(tag if isinstance(tag, str) else "", MAX_TAG * 4).split())
        if not text:
            continue
        if len(text) > MAX_TAG or "," in text or "&" in text or "=" in text:
            raise ValueError(f"标签最多 {MAX_TAG} 个字，不含 , & = / a label is at most {MAX_TAG} characters, "
                             f"without , & or =: {text[:30]!r}")
        if text not in kept_tags:
            kept_tags.append(text)
    if len(kept_tags) > MAX_TAGS:
        raise ValueError(f"一场最多 {MAX_TAGS} 个标签 / at most {MAX_TAGS} labels a show")
    with database.sessions.begin() as db:
        row = db.get(LiveSession, session_id)
        if row is None or row.studio_id != database.studio_id:
            raise KeyError(f"no session {session_id}")
        row.tags = kept_tags
    return tuple(kept_tags)


# --- reading -------------------------------------------------------------------------------------------------
def load_insights(database: Database, since: float, until: float, all_studios: bool = False,
                  zone: dt.tzinfo | None = None) -> Insights:
    """The views across shows for real shows started in [since, until) of this console's studio (all_studios:
    every studio's): shows not kept yet are kept first (through their review)."""
    zone = zone or _local_zone()
    studios = database.studios()
    studio_ids = None if all_studios else [database.studio_id]
    rows = kept.shows(database, studio_ids)
    left_out: list[str] = []
    week_of: dict[int, int] = {}
    shows_: list[ShowRow] = []
    for session, figures in rows:
        if session.status == "live" or session.started_at is None:
            if since <= (session.started_at or 0.0) < until:
                left_out.append(f"场次 {session.id} 仍在直播 / show {session.id} is still on air")
            continue
        if figures is None:
            figures = keep(database, session.id)
        week_of[session.id] = week_number(session.started_at, zone)
        if since <= session.started_at < until:
            shows_.append(_show(session, figures, studios, zone))
    masked = [s.session_id for s in shows_ if s.masked]
    if masked:
        left_out.append(f"未登录读取的场次不计观众（ID 被隐藏）/ shows read without login are left out of the "
                        f"audience (ids hidden): {', '.join(map(str, masked))}")
    titles = _titles(database, studio_ids)
    ids = [s.session_id for s in shows_ if not s.masked]
    entered = kept.account_rows(database, studio_ids)  # read once for the audience, cohorts and repeat buyers
    audience = kept.audience_by_show(database, ids, studio_ids, entered)
    end = min(until, time.time())  # a period reaching into the future is read up to now
    last_week = week_number(max(since, end - 1e-6), zone)
    return Insights(
        since, until, zone, tuple(sorted(studios[i] for i in (studio_ids or studios) if i in studios)),
        tuple(shows_), _totals("", shows_), _grouped(shows_, lambda s: monday(week_number(s.started_at, zone))
                                                      .isoformat()),
        _grouped(shows_, lambda s: s.host or NO_HOST),
        _grouped(shows_, lambda s: f"{s.hour:02d}:00"),
        _products(shows_, titles, zone),
        tuple(AudienceRow(i, *audience[i]) for i in ids if i in audience),
        _cohorts(kept.cohort_counts(database, week_of, studio_ids, entered), week_number(since, zone) if since > 0 else None,
                 last_week),
        tuple(Repeat(days, *kept.repeat_buyers(entered, end - days * 86400, end))
              for days in REPEAT_DAYS),
        tuple(left_out), titles)


def _local_zone() -> dt.tzinfo:
    """The machine's zone as its offset now (China keeps one all year)."""
    return dt.datetime.now().astimezone().tzinfo or dt.timezone.utc


def _titles(database: Database, studio_ids: list[int] | None) -> dict[int, str]:
    from sqlalchemy import select

    from app.store.models import Product

    query = select(Product.id, Product.title)
    if studio_ids is not None:
        query = query.where(Product.studio_id.in_(studio_ids))
    with database.session() as db:
        return dict(db.execute(query).all())


def _show(session: LiveSession, f: dict, studios: dict[int, str], zone) -> ShowRow:
    start = dt.datetime.fromtimestamp(session.started_at, zone)
    scripts = f.get("scripts") or {}
    windows = tuple(
        WindowRow(session.id, pid, n, start, seconds,
                  dt.datetime.fromtimestamp(session.started_at + start, zone).hour, orders, gmv, refunds, buyers,
                  viewer_buyers, views, audience, scripts.get(str(pid), ""))
        for n, (pid, start, _end, seconds, orders, gmv, refunds, buyers, viewer_buyers, views, audience)
        in enumerate(f["windows"], start=1))
    return ShowRow(session.id, session.title, studios.get(session.studio_id, ""), session.host, session.platform,
                   session.started_at, f["duration_s"], f["gmv_cents"], f["refunds_cents"], f["orders"],
                   f["buyers"], f["pv"], f["uv"], f["viewer_buyers"], f["online_peak"], f["masked"], windows,
                   tuple(session.tags or ()), start.hour, start.isoweekday(), f.get("alerts", 0))


def _totals(name: str, shows_: list[ShowRow]) -> Totals:
    counted = [s for s in shows_ if not s.masked]
    return Totals(name, len(shows_), sum(s.duration_s for s in shows_) / 3600, sum(s.gmv_cents for s in shows_),
                  sum(s.refunds_cents for s in shows_), sum(s.pv for s in shows_), sum(s.uv for s in counted),
                  sum(s.viewer_buyers for s in counted))


def _grouped(shows_: list[ShowRow], key) -> tuple[Totals, ...]:
    groups: dict[str, list[ShowRow]] = defaultdict(list)
    for show in shows_:
        groups[key(show)].append(show)
    return tuple(_totals(name, groups[name]) for name in sorted(groups))


def _best(windows: list[WindowRow], key) -> int | None:
    """The value of `key` whose windows together have the highest GPM (ties: the smaller value)."""
    pooled: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for w in windows:
        pooled[key(w)][0] += w.gmv_cents
        pooled[key(w)][1] += w.audience
    rated = [(g / a, -k, k) for k, (g, a) in pooled.items() if a]
    return max(rated)[2] if rated else None


def falling(windows: list[WindowRow]) -> bool:
    """Conversion per explanation falling: at least FALLING_MIN_WINDOWS explanations with an audience, the
    least-squares slope of their conversion over their order is below zero, and the later half converts below
    the earlier half (pooled)."""
    rated = [w for w in windows if w.audience]
    if len(rated) < FALLING_MIN_WINDOWS:
        return False
    ys = [w.viewer_buyers / w.audience for w in rated]
    n = len(ys)
    mean_x, mean_y = (n - 1) / 2, sum(ys) / n
    slope = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(ys))
    early, late = rated[:n // 2], rated[n - n // 2:]
    pooled = [sum(w.viewer_buyers for w in part) / sum(w.audience for w in part) for part in (early, late)]
    return slope < 0 and pooled[1] < pooled[0]


def _best_script(windows: list[WindowRow], started: dict[int, float], zone) -> tuple[int, str]:
    """(how many script versions the windows used, the one whose windows together had the highest GPM, labelled
    with the day it was first used — "" when fewer than two versions had an audience: nothing to compare)."""
    versioned = [w for w in windows if w.script]
    pooled: dict[str, list[float]] = defaultdict(lambda: [0, 0, float("inf")])
    for w in versioned:
        pooled[w.script][0] += w.gmv_cents
        pooled[w.script][1] += w.audience
        pooled[w.script][2] = min(pooled[w.script][2], started[w.session_id])
    rated = [(g / a, -first, version) for version, (g, a, first) in pooled.items() if a]
    if len(rated) < 2:
        return len(pooled), ""
    _gpm_, minus_first, version = max(rated)
    return len(pooled), f"{version} ({dt.datetime.fromtimestamp(-minus_first, zone):%m-%d} 起 from)"


def _products(shows_: list[ShowRow], titles: dict[int, str], zone=None) -> tuple[ProductRow, ...]:
    started = {s.session_id: s.started_at for s in shows_}
    per: dict[int, list[WindowRow]] = defaultdict(list)
    for show in shows_:
        for window in show.windows:
            per[window.product_id].append(window)
    rows = [ProductRow(pid, titles.get(pid, ""), len({w.session_id for w in ws}), len(ws),
                       sum(w.seconds for w in ws), sum(w.orders for w in ws), sum(w.gmv_cents for w in ws),
                       sum(w.viewer_buyers for w in ws), sum(w.audience for w in ws),
                       _best(ws, lambda w: w.hour), _best(ws, lambda w: w.position), falling(ws),
                       *_best_script(ws, started, zone))
            for pid, ws in per.items()]
    return tuple(sorted(rows, key=lambda p: (-p.gmv_cents, p.product_id)))


def _cohorts(counts: dict[tuple[int, int], int], first: int | None, last: int) -> tuple[Cohort, ...]:
    """Cohorts of the weeks [first, last] (first None: from the earliest), each with W+1 … W+COHORT_WEEKS."""
    weeks = sorted({w0 for w0, _ in counts if (first is None or w0 >= first) and w0 <= last})
    out = []
    for w0 in weeks:
        size = counts.get((w0, w0), 0)
        shares = tuple(counts.get((w0, w0 + k), 0) / size if w0 + k <= last and size else None
                       for k in range(1, COHORT_WEEKS + 1))
        out.append(Cohort(monday(w0), size, shares))
    return tuple(out)


__all__ = ["AudienceRow", "COHORT_WEEKS", "Cohort", "Insights", "ProductRow", "REPEAT_DAYS", "Repeat", "ShowRow",
           "Totals", "WindowRow", "falling", "figures_of", "keep", "load_insights", "monday", "set_tags", "week_number"]
