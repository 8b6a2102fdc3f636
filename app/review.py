"""复盘: a finished (or interrupted) session for the manager — its recording, a timeline of what happened, and
the KPIs per product window. Everything is rebuilt from the stored event log through the same `SessionMetrics`
the live console used, so the review's numbers are the live numbers.

`load_review` opens a long show at once: it replays the events that are not the audience's bulk (orders, pins,
room stats, coupons… plus the buyers' entries) and takes entries, comments, likes and shares as counts from the
database (app/store/aggregates.py); comments are read a page at a time, by time. `replay_review` replays every
event (the reference: tests check both give the same review; bench/review_open.py times both).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from app.kernel.events import EventType
from app.text import clean_line
from app.values import MAX_ONLINE, MAX_TITLE, safe_int
from app.store.eventlog import load_events
from app.metrics.live import replay_key as replay_order  # the review's order of events
from app.metrics.live import (MetricsSnapshot, MinuteRow, OutsideSummary, ProductSummary, ProductWindow,
                              RoomCounts, SessionMetrics)
from app.store import aggregates, checkpoint
from app.store.db import Database
from app.store.models import Coupon, LiveSession, Product

MASKED_UV = "（未登录读取：观众 ID 被隐藏，无意义） / (read without login: viewer ids hidden, not meaningful)"


@dataclass(frozen=True)
class SessionInfo:
    id: int
    title: str
    status: str
    started_at: float | None  # unix time
    ended_at: float | None
    recording_path: str
    kind: str = "live"  # live | rehearsal (演练: never mixed into real sessions' lists and totals by default)
    studio: str = ""  # the studio (工作室) the show was that of

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
    comments: list[Comment] | None = None  # every comment (replay_review); None: read by time from `page`
    events: int = 0
    page: Callable[[float, float], list[Comment]] | None = field(default=None, repr=False)
    _comment_times: list[float] = field(default_factory=list, repr=False)

    def comments_between(self, start: float, end: float) -> list[Comment]:
        """The comments of [start, end) in order (the last PAGE of them when paged): cheap enough to call on every
        playhead move."""
        if self.comments is None:
            return self.page(start, end) if self.page is not None else []
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


PAGE = 500  # comments read at once around the playhead


def list_sessions(database: Database, rehearsals: bool = False, all_studios: bool = False) -> list[SessionInfo]:
    """Stored sessions of the database's studio (all_studios: every studio's, the manager's view), newest first:
    the real ones, or (rehearsals=True) the rehearsals only, so the two are never mixed in one list."""
    kind = "rehearsal" if rehearsals else "live"
    studios = database.studios()
    query = select(LiveSession).where(LiveSession.kind == kind)
    if not all_studios:
        query = query.where(LiveSession.studio_id == database.studio_id)
    with database.session() as db:
        return [_info(r, studios) for r in db.scalars(query.order_by(LiveSession.id.desc()))]


def _info(row: LiveSession, studios: dict[int, str]) -> SessionInfo:
    # a title stored before the one text rule (a bidi override in it) is shown as typed, not reversed
    return SessionInfo(row.id, clean_line(row.title, MAX_TITLE), row.status, row.started_at, row.ended_at, row.recording_path, row.kind,
                       studios.get(row.studio_id, ""))


def _header(database: Database, session_id: int, any_studio: bool) -> tuple[SessionInfo, dict[int, str], dict]:
    studios = database.studios()
    with database.session() as db:
        row = db.get(LiveSession, session_id)
        if row is None or not (any_studio or row.studio_id == database.studio_id):
            raise KeyError(f"no session {session_id}")  # another studio's show is not there for this console
        titles = dict(db.execute(select(Product.id, Product.title).where(Product.studio_id == row.studio_id)).all())
        coupons = dict(db.execute(select(Coupon.id, Coupon.name).where(Coupon.studio_id == row.studio_id)).all())
        return _info(row, studios), titles, coupons


def load_review(database: Database, session_id: int, any_studio: bool = False) -> SessionReview:
    """A session's review without replaying its audience's bulk (see the module's text): as kept, when the log
    has not grown since; else rebuilt and kept (unless the show is still on). Raises KeyError for a session that
    does not exist or (unless `any_studio`, the manager's view) is another studio's."""
    info, titles, coupons = _header(database, session_id, any_studio)

    def page(start: float, end: float) -> list[Comment]:
        return [_comment(t, p, hidden) for t, p, hidden in
                aggregates.comments_between(database, session_id, start, end, PAGE)]

    kept = aggregates.kept_review(database, session_id)
    if kept is not None and "window_rows" in kept["metrics"]:  # kept before windows had rows: built again
        return _from_summary(info, titles, kept, page)
    resumed = _resumed(database, info, titles, coupons, page)
    if resumed is not None:
        return resumed
    through = aggregates.last_seq(database, session_id)
    events = sorted(aggregates.replay_events(database, session_id), key=replay_order)
    metrics = SessionMetrics().feed(events)
    counts, total = _bulk(database, info, [(w.start, w.end) for w in metrics.windows])
    markers, online, _ = _timeline(events, titles, coupons)
    review = SessionReview(info, metrics.snapshot(counts=counts), list(metrics.windows), titles, markers, online,
                           None, total, page)
    if info.status != "live":
        aggregates.keep_review(database, session_id, _summary(review), through)
    return review


def _resumed(database: Database, info: SessionInfo, titles: dict[int, str], coupons: dict,
             page) -> SessionReview | None:
    """The review of a show that did not end (killed, or still on) from its last checkpoint (app/store/checkpoint.py)
    and the events after it; None when there is none or the events after it do not all come after it in the
    review's order (an import placed earlier): then the whole log is counted. An interrupted show's review is kept
    and its checkpoint dropped."""
    kept = checkpoint.load(database, info.id)
    if kept is None:
        return None
    state, through, stored = kept
    try:
        metrics = SessionMetrics.from_state(state)
    except ValueError:
        return None
    tail = sorted(aggregates.events_since(database, info.id, through), key=replay_order)
    if not metrics.ordered or (tail and replay_order(tail[0]) <= metrics.last_key):
        return None
    metrics.feed(tail)
    total = stored + len(tail)
    markers, online, _ = _timeline(sorted(aggregates.events_of(database, info.id, TIMELINE), key=replay_order),
                                   titles, coupons)
    review = SessionReview(info, metrics.snapshot(), list(metrics.windows), titles, markers, online, None, total, page)
    if info.status != "live":
        through = tail[-1].seq if tail else through
        spans = [(w.start, w.end) for w in metrics.windows]
        aggregates.save_counts(database, info.id, counts_to_json(metrics.room_counts(), spans, total), through,
                               metrics.bulk_seen, "checkpoint")
        aggregates.keep_review(database, info.id, _summary(review), through)
        checkpoint.drop_for(database, info.id)  # it holds viewers' ids; the kept review does not
    return review


def _summary(review: SessionReview) -> dict:
    """What a kept review holds (JSON): the figures, the windows, the timeline, the number of events."""
    import dataclasses

    return {"metrics": dataclasses.asdict(review.metrics),
            "windows": [[w.product_id, w.start, w.end] for w in review.windows],
            "markers": [[m.time, m.kind, m.label] for m in review.markers],
            "online": [list(point) for point in review.online], "events": review.events}


def _from_summary(info: SessionInfo, titles: dict[int, str], kept: dict, page) -> SessionReview:
    m = dict(kept["metrics"])
    for name in ("products", "window_rows"):
        m[name] = tuple(ProductSummary(**{**p, "questions": _pairs(p.get("questions", ()))}) for p in m[name])
    m["questions"] = _pairs(m.get("questions", ()))
    m["per_minute"] = tuple(MinuteRow(**r) for r in m["per_minute"])
    m["spans"] = tuple(tuple(span) for span in m["spans"])
    m["outside"] = OutsideSummary(**m["outside"])
    return SessionReview(info, MetricsSnapshot(**m), [ProductWindow(p, start, end) for p, start, end in kept["windows"]],
                         titles, [Marker(t, kind, label) for t, kind, label in kept["markers"]],
                         [(t, n) for t, n in kept["online"]], None, kept["events"], page)


def _pairs(items) -> tuple[tuple[str, int], ...]:
    return tuple((str(topic), int(n)) for topic, n in items)


def _bulk(database: Database, info: SessionInfo, spans: list[tuple[float, float | None]]) -> tuple[RoomCounts, int]:
    """The session's bulk counts and its number of events: as kept (at the show's end, or by an earlier review)
    when still whole and for the same windows; else counted by SQL now and kept, unless the show is still on."""
    kept = aggregates.load_counts(database, info.id)
    if kept is not None:
        data, through, _source = kept
        counts, kept_spans = counts_from_json(data)
        if kept_spans == spans:
            return counts, data["events"] + aggregates.events_after(database, info.id, through)
    through = aggregates.last_seq(database, info.id)
    bulk = aggregates.room_counts(database, info.id)
    counts = RoomCounts(bulk["pv"], bulk["uv"], bulk["interacting_viewers"], bulk["comments"], bulk["likes"],
                        bulk["minutes"], aggregates.window_entries(database, info.id, spans), bulk["last_time"])
    if info.status != "live":
        aggregates.save_counts(database, info.id, counts_to_json(counts, spans, bulk["events"]), through,
                               bulk["bulk"], "sql")
    return counts, bulk["events"]


def keep_live_counts(database: Database, session_id: int, metrics: SessionMetrics, through_seq: int) -> bool:
    """At the end of a show: keep the live metrics' bulk counts for its review, if they are the log's (every bulk
    event the metrics counted was stored). Returns whether they were kept."""
    if aggregates.bulk_events(database, session_id) != metrics.bulk_seen:
        return False
    counts = metrics.room_counts()
    spans = [(w.start, w.end) for w in metrics.windows]
    total = aggregates.events_after(database, session_id, 0)
    aggregates.save_counts(database, session_id, counts_to_json(counts, spans, total), through_seq,
                           metrics.bulk_seen, "live")
    return True


def counts_to_json(counts: RoomCounts, spans: list[tuple[float, float | None]], events: int) -> dict:
    return {"pv": counts.pv, "uv": counts.uv, "interacting_viewers": counts.interacting_viewers,
            "comments": counts.comments, "likes": counts.likes,
            "minutes": [[m, c, n] for m, (c, n) in sorted(counts.minutes.items())],
            "windows": [[start, end, views, entrants] for (start, end), (views, entrants) in zip(spans, counts.windows)],
            "last_time": counts.last_time, "events": events}


def counts_from_json(data: dict) -> tuple[RoomCounts, list[tuple[float, float | None]]]:
    counts = RoomCounts(data["pv"], data["uv"], data["interacting_viewers"], data["comments"], data["likes"],
                        {m: (c, n) for m, c, n in data["minutes"]},
                        tuple((views, entrants) for _, _, views, entrants in data["windows"]), data["last_time"])
    return counts, [(start, end) for start, end, _, _ in data["windows"]]


def replay_review(database: Database, session_id: int, any_studio: bool = False) -> SessionReview:
    """The review from every stored event replayed one by one (the reference for `load_review`)."""
    info, titles, coupons = _header(database, session_id, any_studio)
    events = sorted(load_events(database, session_id), key=replay_order)
    metrics = SessionMetrics().feed(events)
    markers, online, comments = _timeline(events, titles, coupons)
    return SessionReview(info, metrics.snapshot(), list(metrics.windows), titles, markers, online, comments,
                         len(events))


def _comment(t: float, p: dict, hidden: bool) -> Comment:
    return Comment(t, str(p.get("nickname") or "观众"), str(p.get("text", "")), hidden)


def _timeline(events, titles: dict[int, str], coupons: dict) -> tuple[list[Marker], list[tuple[float, int]],
                                                                        list[Comment]]:
    markers, online, comments = [], [], []
    for event in events:
        t = event.stream_time if event.stream_time is not None else 0.0
        p = event.payload
        if event.type == EventType.ONLINE:
            online.append((t, safe_int(p.get("online", 0), maximum=MAX_ONLINE)))
        elif event.type == EventType.COMMENT:
            comments.append(_comment(t, p, event.flagged))
        elif event.type == EventType.COUPON_DEFINED:
            coupons[p["coupon_id"]] = p["name"]
        label = _label(event.type, p, titles, coupons)
        if label is not None:
            markers.append(Marker(t, event.type.value, label))
    return markers, online, comments


# the timeline's marked moments: event type → label from (payload, product title, coupon name)
_LABELS = {
    EventType.PRODUCT_PINNED: lambda p, product, coupon: f"讲解 {product}",
    EventType.ALERT: lambda p, product, coupon: f"预警 {p.get('text', '')}",
    EventType.COUPON_DROPPED: lambda p, product, coupon: f"发券 {coupon} ×{p.get('quantity')}",
    EventType.COUPON_ENDED: lambda p, product, coupon: f"券结束 {coupon}（{p.get('reason', '')}）",
    EventType.FLASH_SALE_STARTED: lambda p, product, coupon: f"秒杀 {product} ￥{p.get('price_cents', 0) / 100:g} "
                                                             f"×{p.get('stock')}",
    EventType.FLASH_SALE_ENDED: lambda p, product, coupon: f"秒杀结束 {product}（{p.get('reason', '')}）",
    EventType.PRICE_CHANGED: lambda p, product, coupon: f"改价 {product} ￥{p.get('live_price_cents', 0) / 100:g}",
    EventType.COMMENT_PINNED: lambda p, product, coupon: f"置顶评论 {p.get('nickname', '')}：{p.get('text', '')}",
    EventType.DRAW_STARTED: lambda p, product, coupon: f"福袋 {p.get('prize', '')}（口令“{p.get('keyword', '')}”，"
                                                       f"{p.get('winners')} 人）",
    EventType.DRAW_WINNERS: lambda p, product, coupon: f"开奖 {p.get('entrants')} 人参与：" + (
        "、".join(str(w.get("nickname", "")) for w in p.get("winners", [])[:20]) or "无人中奖"),
    EventType.COMMENT_REPLIED: lambda p, product, coupon: f"回复 @{p.get('nickname', '')}：{p.get('answer', '')}",
    EventType.NOTICE_PINNED: lambda p, product, coupon: f"公告 {p.get('text', '')}",
    EventType.SCENE_SWITCHED: lambda p, product, coupon: f"场景 {p.get('scene', '')}",
}
# what the timeline reads (`_timeline`): the room's count, the coupons' names and the moments it marks
TIMELINE = (EventType.ONLINE, EventType.COUPON_DEFINED, *_LABELS)


def _label(kind: EventType, p: dict, titles: dict[int, str], coupons: dict[int, str]) -> str | None:
    label = _LABELS.get(kind)
    if label is None:
        return None
    return clean_line(label(p, titles.get(p.get("product_id"), f"#{p.get('product_id')}"),
                            coupons.get(p.get("coupon_id"), p.get("coupon_id"))), 400)  # older logs: bidi out


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
             f"GMV {money(m.gmv_cents)} · 退款 refunds {money(m.refunds_cents)} · 净成交 net {money(m.net_cents)} · "
             f"订单 orders {m.orders} · 买家 buyers {m.buyers}",
             f"客单价 per buyer {money(m.aov_cents)} · 笔单价 per order {money(m.per_order_cents)} · "
             f"UV价值 UV value {money(None if m.uv_value is None else m.uv_value * 100)}",
             f"PV {m.pv} · UV {m.uv}{MASKED_UV if m.viewers_masked else ''} · GPM {whole(m.gpm)} · "
             f"转化率 conversion {ratio(m.conversion)} · 互动率 interaction {ratio(m.interaction_rate)}",
             f"在线 online peak {m.online_peak} · avg {m.online_avg:.0f} · latest {m.online_now} · "
             f"评论/分钟 comments/min {m.comments_per_minute:.1f} · 点赞/分钟 likes/min {m.likes_per_minute:.1f}",
             f"常问 asked most: {asked(m.questions, 8)}",
             ""]
    header, rows = product_rows(review)
    lines += [" | ".join(header)] + [" | ".join(cells) for _, cells in rows]
    header, windows = window_rows(review)
    if windows:
        lines += ["", "每次讲解 each explanation", " | ".join(header)] + [" | ".join(cells) for _, cells in windows]
    return "\n".join(lines)


OUTSIDE = "讲解外 outside any explanation"
PRODUCT_COLUMNS = ["商品 product", "讲解 explained", "讲解观众 window audience", "订单 orders", "GMV", "退款 refunds", "GPM",
                   "转化 conversion", "常问 asked"]


def asked(questions: tuple[tuple[str, int], ...], top: int = 3) -> str:
    """What viewers kept asking: the top topics with their counts (尺码 12、发货 5), or —."""
    return "、".join(f"{topic} {n}" for topic, n in questions[:top]) or "—"


def product_rows(review: SessionReview) -> tuple[list[str], list[tuple[int | None, list[str]]]]:
    """The product windows table as the text report, the HTML report and the window show it: the columns, then
    (product id, cells) by GMV, then (None, the row of orders outside any explanation): together they add up to
    the session's GMV."""
    m = review.metrics
    rows: list[tuple[int | None, list[str]]] = [
        (p.product_id, [review.titles.get(p.product_id, f"#{p.product_id}"), f"{p.explanation_seconds / 60:.1f} min",
                        f"{p.audience:,}", f"{p.orders:,}", money(p.gmv_cents), money(p.refunds_cents), whole(p.gpm),
                        ratio(p.conversion), asked(p.questions)])
        for p in sorted(m.products, key=lambda p: -p.gmv_cents)]
    o = m.outside
    rows.append((None, [OUTSIDE, "—", "—", f"{o.orders:,}", money(o.gmv_cents), money(o.refunds_cents), "—", "—",
                        "—"]))
    return PRODUCT_COLUMNS, rows


WINDOW_COLUMNS = ["开始 start", "商品 product", "讲解 explained", "讲解观众 window audience", "订单 orders", "GMV",
                  "GPM", "转化 conversion"]


def window_rows(review: SessionReview) -> tuple[list[str], list[tuple[float, list[str]]]]:
    """Each explanation window its own row, in the order they were on air (a product explained twice has two
    rows; `product_rows` sums them): the columns, then (start in seconds, cells)."""
    m = review.metrics
    rows = []
    for product, start, _end, w in m.explanations:
        rows.append((start, [f"{int(start // 3600):d}:{int(start // 60 % 60):02d}:{int(start % 60):02d}",
                             review.titles.get(product, f"#{product}"), f"{w.explanation_seconds / 60:.1f} min",
                             f"{w.audience:,}", f"{w.orders:,}", money(w.gmv_cents), whole(w.gpm),
                             ratio(w.conversion)]))
    return WINDOW_COLUMNS, rows


def export_csv(review: SessionReview, folder: str | Path) -> list[Path]:
    """The review as two CSV files Excel opens as they are (UTF-8 with BOM): the product windows (their rows plus
    the "outside" row add up to the session's GMV) and every minute of the show with its clock time (the
    machine's local time). Returns the files written."""
    import time as _time

    from app.files import SafeCsvWriter

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    m, stem = review.metrics, f"session-{review.info.id}"
    products = folder / f"{stem}-products.csv"
    with products.open("w", encoding="utf-8-sig", newline="") as out:
        writer = SafeCsvWriter(out)  # a viewer's or product's text never runs as a formula
        writer.writerow(["商品ID product_id", "商品 product", "讲解秒 explained_s", "订单 orders", "成交额 gmv_yuan",
                         "退款 refunds_yuan", "净成交 net_yuan", "买家 buyers", "讲解观众 window_audience", "进房 views",
                         "GPM", "平均在线 online_avg", "转化率 conversion", "常问 asked"])
        for p in sorted(m.products, key=lambda p: -p.gmv_cents):
            writer.writerow([p.product_id, review.titles.get(p.product_id, ""), round(p.explanation_seconds, 1),
                             p.orders, _yuan(p.gmv_cents), _yuan(p.refunds_cents), _yuan(p.net_cents), p.buyers,
                             p.audience, p.views, "" if p.gpm is None else round(p.gpm, 2), round(p.online_avg, 1),
                             "" if p.conversion is None else round(p.conversion, 4),
                             "; ".join(f"{topic}={n}" for topic, n in p.questions)])
        o = m.outside
        writer.writerow(["", OUTSIDE, "", o.orders, _yuan(o.gmv_cents), _yuan(o.refunds_cents), _yuan(o.net_cents),
                         "", "", "", "", "", "", ""])
    windows = folder / f"{stem}-windows.csv"
    with windows.open("w", encoding="utf-8-sig", newline="") as out:
        writer = SafeCsvWriter(out)
        writer.writerow(["开始秒 start_s", "结束秒 end_s", "商品ID product_id", "商品 product", "讲解秒 explained_s",
                         "订单 orders", "成交额 gmv_yuan", "退款 refunds_yuan", "买家 buyers",
                         "讲解观众 window_audience", "GPM", "转化率 conversion"])
        for product, start, end, w in m.explanations:
            writer.writerow([round(start, 1), "" if end is None else round(end, 1), product,
                             review.titles.get(product, ""), round(w.explanation_seconds, 1), w.orders,
                             _yuan(w.gmv_cents), _yuan(w.refunds_cents), w.buyers, w.audience,
                             "" if w.gpm is None else round(w.gpm, 2),
                             "" if w.conversion is None else round(w.conversion, 4)])
    minutes = folder / f"{stem}-minutes.csv"
    start = review.info.started_at
    with minutes.open("w", encoding="utf-8-sig", newline="") as out:
        writer = SafeCsvWriter(out)  # a viewer's or product's text never runs as a formula
        writer.writerow(["分钟 minute", "时间 clock", "在线 online", "成交额 gmv_yuan", "订单 orders", "评论 comments",
                         "点赞 likes"])
        for row in m.per_minute:
            clock = "" if start is None else _time.strftime("%Y-%m-%d %H:%M", _time.localtime(start + row.minute * 60))
            writer.writerow([row.minute, clock, row.online, _yuan(row.gmv_cents), row.orders, row.comments,
                             row.likes])
    return [products, windows, minutes]


def _yuan(cents: int) -> str:
    return f"{cents / 100:.2f}"
