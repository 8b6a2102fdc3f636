"""Session metrics, updated event by event (formulas: docs/metrics.md). Feed it live from the bus or replay
a stored session's events through it: the numbers are the same by construction."""

from __future__ import annotations

import base64
import math
import threading
from collections.abc import Iterable

from app.kernel.events import BULK, Event, EventType
from app.kernel.viewers import ViewerTable
from app.metrics.figures import (MetricsSnapshot, MinuteRow, OutsideSummary, ProductSummary, ProductWindow, RoomCounts,
                                 Totals, Users, most_first, ratio, summarise)
from app.values import MAX_COUNT, MAX_ONLINE, safe_int

# the figures' types are app/metrics/figures.py's; importers may take them from here as before
__all__ = ["INTERACTIONS", "MetricsSnapshot", "MinuteRow", "OutsideSummary", "ProductSummary", "ProductWindow",
           "RoomCounts", "SWITCHES", "SessionMetrics", "Users", "replay_key"]

INTERACTIONS = {EventType.COMMENT, EventType.LIKE, EventType.SHARE}
# what a user id has done this show, as bits of one byte in the viewers' table (app/kernel/viewers.py: a hashed key
# and this byte a viewer, where a dict for each of the three took three entries and kept the id's string alive)
VIEWER, INTERACTED, BOUGHT = 1, 2, 4

# at one moment, a window's switch (pin, unpin, the end) comes before anything else: windows are [start, end), so an
# order at the very moment of a pin counts for the product pinned then (docs/metrics.md, "at a switch")
SWITCHES = {EventType.PRODUCT_PINNED: 0, EventType.PRODUCT_UNPINNED: 0, EventType.SESSION_ENDED: 0}


def replay_key(event: Event) -> tuple[float, int, int]:
    """The review's order of events: by stream time (orders imported from the shop's export come after the live
    log but belong where they were placed, app/orders.py), switches first at one moment, then by sequence."""
    return (event.stream_time if event.stream_time is not None else 0.0, SWITCHES.get(event.type, 1),
            event.seq if event.seq is not None else 0)


class SessionMetrics:
    """A bus subscriber (call it with events) with `snapshot()` for the console and the review."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0.0
        self.online_now = self.online_peak = 0
        self.viewers_masked = False  # the feed said viewer ids are hidden: UV (and what divides by it) means nothing
        self._online_area = 0.0  # ∫ online dt
        self._online_since: float | None = None
        self.pv = 0
        self._users = ViewerTable("B")  # user id → VIEWER | INTERACTED | BOUGHT (an entry, an interaction, an order)
        # the sets' sizes and those who entered and interacted / bought, kept as users come: an intersection of the
        # whole audience per snapshot grew with it, under the lock, on the window's thread (bench/ui_stall.py)
        self._uv = self._buyer_count = self._interacting_viewers = self._buying_viewers = 0
        self.gmv_cents = self.refunds_cents = self.orders = self.comments = self.likes = 0
        self.windows: list[ProductWindow] = []
        self._open: ProductWindow | None = None
        self._rows: dict[int, tuple[tuple[int, int, int], ProductSummary]] = {}  # closed windows' rows (_window_row)
        self._closed: dict[int, tuple[tuple[int, ...], Totals]] = {}  # each product's closed windows added up
        self._minutes: dict[int, dict[str, int]] = {}
        self._outside = {"orders": 0, "gmv_cents": 0, "refunds_cents": 0}
        self._order_window: dict[str, ProductWindow | None] = {}  # order id → the row it counted in (refunds)
        self.bulk_seen = 0  # events of the audience's bulk (app.kernel.events.BULK) counted
        self._questions: dict[str, int] = {}  # topic → questions (faq_asked) over the show
        self.seen = 0  # events applied
        self.last_seq = 0  # the highest seq applied
        self.ordered = True  # every event came in the review's order (replay_key): a state to go on from
        self._last_key: tuple[float, int, int] = (0.0, 0, 0)

    def __call__(self, event: Event) -> None:
        with self._lock:
            self._apply(event)
            self.seen += 1
            key = replay_key(event)
            if key < self._last_key:
                self.ordered = False
            self._last_key = key
            if event.seq is not None and event.seq > self.last_seq:
                self.last_seq = event.seq

    @property
    def last_key(self) -> tuple[float, int, int]:
        """The review's order (replay_key) of the last event applied."""
        return self._last_key

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
        if kind in BULK:
            self.bulk_seen += 1
        handler = self._HANDLERS.get(kind)
        if handler is not None:
            handler(self, p, user, minute, t)
        if kind in INTERACTIONS and user:
            key, was = self._users.find(user)
            if not was & INTERACTED:
                self._users.put(key, was | INTERACTED)
                self._interacting_viewers += was & VIEWER
        if kind == EventType.COMMENT:
            self.comments += 1
            minute["comments"] += 1
        elif kind == EventType.LIKE:
            count = safe_int(p.get("count", 1), default=1, maximum=MAX_COUNT)
            self.likes += count
            minute["likes"] += count

    # --- one kind of event each: (payload, user id, this minute's row, stream time), under the lock -----------
    def _on_online(self, p: dict, _user, minute: dict, t: float) -> None:
        self.online_now = safe_int(p.get("online", 0), maximum=MAX_ONLINE)
        self.online_peak = max(self.online_peak, self.online_now)
        if self._online_since is None:
            self._online_since = t
        minute["online"] = self.online_now

    def _on_enter(self, _p: dict, user, _minute: dict, _t: float) -> None:
        self.pv += 1
        key, was = self._users.find(user) if user else (0, VIEWER)
        if not was & VIEWER:
            self._users.put(key, was | VIEWER)
            self._uv += 1
            self._interacting_viewers += (was & INTERACTED) >> 1
            self._buying_viewers += (was & BOUGHT) >> 2
        if self._open:
            self._open.views += 1
            if key:
                self._open.entrants.put(key, 1)

    def _on_order(self, p: dict, user, minute: dict, _t: float) -> None:
        amount = safe_int(p.get("amount_cents", 0))
        self.gmv_cents += amount
        self.orders += 1
        minute["gmv_cents"] += amount
        minute["orders"] += 1
        key, was = self._users.find(user) if user else (0, BOUGHT)
        if not was & BOUGHT:
            self._users.put(key, was | BOUGHT)
            self._buyer_count += 1
            self._buying_viewers += was & VIEWER
        window = self._open
        if window and p.get("product_id") == window.product_id:
            window.orders += 1
            window.gmv_cents += amount
            if user:
                window.buyers[user] = None
                if was & VIEWER and not window.entrants.at(key):
                    window.prior_buyers[user] = None
        else:
            window = None
            self._outside["orders"] += 1
            self._outside["gmv_cents"] += amount
        if p.get("order_id"):
            self._order_window[str(p["order_id"])] = window

    def _on_refund(self, p: dict, _user, _minute: dict, _t: float) -> None:
        amount = safe_int(p.get("amount_cents", 0))
        self.refunds_cents += amount
        window = self._order_window.get(str(p.get("order_id")))
        if window is not None:
            window.refunds_cents += amount
        else:
            self._outside["refunds_cents"] += amount

    def _on_pinned(self, p: dict, _user, _minute: dict, t: float) -> None:
        self._close_window(t)
        self._open = ProductWindow(p["product_id"], t, online_at_start=self.online_now,
                                   entrants=ViewerTable("B", self._users.salt))  # keyed as the show's viewers
        self.windows.append(self._open)

    def _on_window_end(self, _p: dict, _user, _minute: dict, t: float) -> None:
        self._close_window(t)

    def _on_masked(self, _p: dict, _user, _minute: dict, _t: float) -> None:
        self.viewers_masked = True

    def _on_question(self, p: dict, _user, _minute: dict, _t: float) -> None:
        topic = str(p.get("topic", ""))[:40]
        self._questions[topic] = self._questions.get(topic, 0) + 1
        if self._open is not None:
            self._open.questions[topic] = self._open.questions.get(topic, 0) + 1

    _HANDLERS = {EventType.ONLINE: _on_online, EventType.ENTER: _on_enter, EventType.ORDER: _on_order,
                 EventType.REFUND: _on_refund, EventType.PRODUCT_PINNED: _on_pinned,
                 EventType.PRODUCT_UNPINNED: _on_window_end, EventType.SESSION_ENDED: _on_window_end,
                 EventType.FAQ_ASKED: _on_question, EventType.VIEWERS_MASKED: _on_masked}

    def _advance(self, t: float) -> None:
        if t > self.now:
            if self._online_since is not None:
                self._online_area += self.online_now * (t - self.now)
                if self._open is not None:
                    self._open.online_area += self.online_now * (t - self.now)
            self.now = t

    def _window_row(self, i: int, window: ProductWindow, views: int, entrants: int, t: float) -> ProductSummary:
        """The i-th window's row. A closed window's is kept while what it counts stays the same (a refund can still
        reach it): summing every window again each snapshot grew with the show (bench/ui_stall.py). Under the lock."""
        if window.end is None:
            return summarise(window.product_id, [(window, views, window.audience_with(entrants))], t)
        key = (views, entrants, window.refunds_cents)
        kept = self._rows.get(i)
        if kept is None or kept[0] != key:
            kept = self._rows[i] = (key, summarise(window.product_id, [(window, views, window.audience_with(entrants))],
                                                   t))
        return kept[1]

    def _close_window(self, t: float) -> None:
        if self._open is not None:
            self._open.close(t)
            self._open = None

    def snapshot(self, now: float | None = None, counts: RoomCounts | None = None) -> MetricsSnapshot:
        """The numbers now. With `counts`, the audience's bulk comes from them (the events fed were everything
        else plus the buyers' entries); the result is the same as feeding every event (tested)."""
        with self._lock:
            if counts is not None:
                now = max(now or 0.0, counts.last_time)
            if now is not None:
                self._advance(now)
            t = self.now
            online_span = t - self._online_since if self._online_since is not None else 0.0
            if counts is None:
                pv, uv, interacting = self.pv, self._uv, self._interacting_viewers
                comments, likes = self.comments, self.likes
                entries = [(w.views, w.entrant_total) for w in self.windows]
                extra_minutes: dict[int, tuple[int, int]] = {}
            else:
                pv, uv, interacting = counts.pv, counts.uv, counts.interacting_viewers
                comments, likes, entries, extra_minutes = counts.comments, counts.likes, counts.windows, counts.minutes
            buyers = self._buyer_count
            minutes = max(t / 60, 1e-9)
            summaries = self._product_summaries(t, entries)
            window_rows = tuple(self._window_row(i, w, views, entrants, t)
                                for i, (w, (views, entrants)) in enumerate(zip(self.windows, entries)))
            return MetricsSnapshot(
                duration_s=t,
                online_now=self.online_now,
                online_peak=self.online_peak,
                online_avg=self._online_area / online_span if online_span > 0 else float(self.online_now),
                pv=pv,
                uv=uv,
                gmv_cents=self.gmv_cents,
                refunds_cents=self.refunds_cents,
                orders=self.orders,
                buyers=buyers,
                aov_cents=ratio(self.gmv_cents, buyers),
                gpm=self.gmv_cents / 100 / pv * 1000 if pv else None,
                uv_value=self.gmv_cents / 100 / uv if uv else None,
                conversion=ratio(self._buying_viewers, uv),
                interaction_rate=ratio(interacting, uv),
                comments=comments,
                likes=likes,
                comments_per_minute=comments / minutes if t > 0 else 0.0,
                likes_per_minute=likes / minutes if t > 0 else 0.0,
                products=tuple(summaries),
                per_minute=self._minute_rows(t, extra_minutes),
                viewers_masked=self.viewers_masked,
                spans=tuple((w.product_id, w.start, w.end) for w in self.windows),
                outside=OutsideSummary(**self._outside),
                per_order_cents=ratio(self.gmv_cents, self.orders),
                questions=most_first(self._questions),
                window_rows=window_rows,
            )

    def _product_summaries(self, t: float, entries) -> list[ProductSummary]:
        """Each product's windows added up (a product explained twice is one row); `entries` are each window's
        (views, entrants) in order. A product's closed windows are kept added up (`_closed`, with their count and
        sums): windows closed since are added to them, and only a change among those already added (a refund,
        other counts handed in) adds them all up again. Under the lock."""
        closed: dict[int, list] = {}  # product → its closed windows' rows, in order
        keys: dict[int, list[int]] = {}  # product → [windows, views, entrants, refunds] of those rows
        kept_keys: dict[int, tuple[int, ...]] = {}  # the same over as many windows as are kept added up
        open_row = None
        for window, (views, entrants) in zip(self.windows, entries):
            rows = closed.setdefault(window.product_id, [])
            key = keys.setdefault(window.product_id, [0, 0, 0, 0])
            if window.end is None:
                open_row = (window, views, window.audience_with(entrants))
                continue
            rows.append((window, views, entrants))
            key[0] += 1
            key[1] += views
            key[2] += entrants
            key[3] += window.refunds_cents
            kept = self._closed.get(window.product_id)
            if kept is not None and kept[0][0] == key[0]:
                kept_keys[window.product_id] = tuple(key)
        summaries = []
        for product_id, rows in closed.items():
            key = tuple(keys[product_id])
            kept = self._closed.get(product_id)
            if kept is None or kept[0] != key:
                start, totals = 0, Totals()
                if kept is not None and kept_keys.get(product_id, (0, 0, 0, 0)) == kept[0]:
                    start, totals = kept[0][0], kept[1]  # unchanged so far: only the windows closed since
                for window, views, entrants in rows[start:]:
                    totals.add(window, views, window.audience_with(entrants), t)
                kept = self._closed[product_id] = (key, totals)
            totals = kept[1]
            if open_row is not None and open_row[0].product_id == product_id:
                totals = totals.copy().add(*open_row, t)
            summaries.append(totals.summary(product_id))
        return summaries

    def room_counts(self) -> RoomCounts:
        """The audience's bulk as counted here (what the store would count from the same events): kept at the end
        of a show so its review need not count it again."""
        with self._lock:
            return RoomCounts(self.pv, self._uv, self._interacting_viewers,
                              self.comments,
                              self.likes, {m: (r["comments"], r["likes"]) for m, r in self._minutes.items()},
                              tuple((w.views, w.entrant_total) for w in self.windows), self.now)

    # --- a checkpoint: the whole state, to go on from (app/store/checkpoint.py) ---------------------------------
    STATE_VERSION = 3  # 3: the packed tables as bytes (2: as base64 texts; 1: the ids as text; both still read)

    def state(self) -> dict:
        """Everything these metrics hold, as JSON values and the viewers' tables packed as bytes (ids keep their
        type: a list, never a dict's keys; app/store/checkpoint.py keeps the bytes apart from the JSON): what
        `from_state` restores, after which the same events give the same figures as feeding every one (tested).
        Under the lock only shallow copies are made (a dict's copy is a block copy): readers wait a few ms."""
        with self._lock:
            windows = [(w, dict(w.buyers), w.entrants.copy(), dict(w.prior_buyers), dict(w.questions),
                        (w.end, w.orders, w.gmv_cents, w.views, w.online_area, w.refunds_cents, w.entrant_count,
                         None if w.closed_viewer_buyers is None else list(w.closed_viewer_buyers)))
                       for w in self.windows]
            users = self._users.copy()
            order_window, minutes = self._order_window.copy(), {m: dict(r) for m, r in self._minutes.items()}
            state = {
                "v": self.STATE_VERSION, "seen": self.seen, "last_seq": self.last_seq, "ordered": self.ordered,
                "last_key": list(self._last_key), "now": self.now, "online_now": self.online_now,
                "online_peak": self.online_peak, "viewers_masked": self.viewers_masked,
                "online_area": self._online_area, "online_since": self._online_since, "pv": self.pv,
                "gmv_cents": self.gmv_cents, "refunds_cents": self.refunds_cents, "orders": self.orders,
                "comments": self.comments, "likes": self.likes, "bulk_seen": self.bulk_seen,
                "open": next((i for i, w in enumerate(self.windows) if w is self._open), None),
                "outside": dict(self._outside), "questions": dict(self._questions),
            }
        index = {id(w): i for i, (w, *_rest) in enumerate(windows)}
        keys, bits = users.packed()
        state["viewers"] = {"salt": users.salt.hex(), "keys": keys, "bits": bits}
        state["windows"] = [
            {"product_id": w.product_id, "start": w.start, "end": end, "orders": orders, "gmv_cents": gmv,
             "buyers": list(b), "views": views, "online_area": area, "online_at_start": w.online_at_start,
             "refunds_cents": refunds, "entrants": e.packed()[0],
             "prior_buyers": list(pb), "questions": q,
             "entrant_count": count, "closed_viewer_buyers": closed}
            for w, b, e, pb, q, (end, orders, gmv, views, area, refunds, count, closed) in windows]
        state["minutes"] = [[m, row] for m, row in minutes.items()]
        state["order_window"] = [[order, None if w is None else index[id(w)]] for order, w in order_window.items()]
        return state

    @classmethod
    def from_state(cls, state: dict) -> SessionMetrics:
        """The metrics `state()` described. Raises ValueError for a state of another version or shape."""
        if not isinstance(state, dict) or state.get("v") not in (1, 2, cls.STATE_VERSION):
            raise ValueError("not a metrics state of this version")
        m = cls()
        try:
            m.seen, m.last_seq, m.ordered = int(state["seen"]), int(state["last_seq"]), bool(state["ordered"])
            m._last_key = tuple(state["last_key"])
            m.now, m.online_now, m.online_peak = float(state["now"]), int(state["online_now"]), int(state["online_peak"])
            m.viewers_masked, m._online_area = bool(state["viewers_masked"]), float(state["online_area"])
            m._online_since = None if state["online_since"] is None else float(state["online_since"])
            m.pv = int(state["pv"])
            if state["v"] == 1:  # the ids as text, a list for each bit
                users = m._users
                for key, bit in (("viewers", VIEWER), ("interacting", INTERACTED), ("buyers", BOUGHT)):
                    for user in state[key]:
                        users[user] = users.get(user, 0) | bit
            else:
                viewers = state["viewers"]
                m._users = users = ViewerTable.unpacked("B", bytes.fromhex(viewers["salt"]),
                                                        _packed(viewers["keys"], state["v"]),
                                                        _packed(viewers["bits"], state["v"]))
            m._uv, m._buyer_count = users.holding(VIEWER), users.holding(BOUGHT)
            m._interacting_viewers, m._buying_viewers = users.holding(VIEWER | INTERACTED), users.holding(VIEWER | BOUGHT)
            for name in ("gmv_cents", "refunds_cents", "orders", "comments", "likes", "bulk_seen"):
                setattr(m, name, int(state[name]))
            m.windows = [_window_from(w, m._users.salt, state["v"]) for w in state["windows"]]
            m._open = None if state["open"] is None else m.windows[int(state["open"])]
            m._minutes = {int(minute): {k: int(v) for k, v in row.items()} for minute, row in state["minutes"]}
            m._outside = {k: int(v) for k, v in state["outside"].items()}
            m._order_window = {str(order): None if i is None else m.windows[int(i)] for order, i in state["order_window"]}
            m._questions = {str(k): int(v) for k, v in state["questions"].items()}
        except (KeyError, TypeError, IndexError, ValueError, AttributeError, OverflowError) as exc:  # inf as a count
            raise ValueError(f"not a metrics state: {type(exc).__name__}") from None
        return m

    def _minute_rows(self, t: float, extra: dict[int, tuple[int, int]]) -> tuple[MinuteRow, ...]:
        """Every minute from the first to the one holding `t`, a minute with no event too (online carried over
        from the minute before); `extra` adds (comments, likes) counted elsewhere."""
        if not self._minutes and not extra:
            return ()
        keys = set(self._minutes) | set(extra)
        rows, online = [], 0
        for m in range(min(keys), max(max(keys), math.ceil(t / 60) - 1) + 1):
            r = self._minutes.get(m)
            comments, likes = extra.get(m, (0, 0))
            if r is None:
                rows.append(MinuteRow(m, online, 0, 0, comments, likes))
            else:
                online = r["online"]
                rows.append(MinuteRow(m, online, r["gmv_cents"], r["orders"], r["comments"] + comments,
                                      r["likes"] + likes))
        return tuple(rows)


def _window_from(d: dict, salt: bytes, version: int) -> ProductWindow:
    closed = d["closed_viewer_buyers"]
    if version == 1:  # its entrants' ids as text
        entrants = ViewerTable("B", salt)
        for user in d["entrants"]:
            entrants[user] = 1
    else:
        keys = _packed(d["entrants"], version)
        entrants = ViewerTable.unpacked("B", salt, keys, b"\x01" * (len(keys) // 8))
    return ProductWindow(
        d["product_id"], float(d["start"]), None if d["end"] is None else float(d["end"]), orders=int(d["orders"]),
        gmv_cents=int(d["gmv_cents"]), buyers=dict.fromkeys(d["buyers"]), views=int(d["views"]),
        online_area=float(d["online_area"]), online_at_start=int(d["online_at_start"]),
        refunds_cents=int(d["refunds_cents"]), entrants=entrants,
        prior_buyers=dict.fromkeys(d["prior_buyers"]), questions={str(k): int(v) for k, v in d["questions"].items()},
        entrant_count=None if d["entrant_count"] is None else int(d["entrant_count"]),
        closed_viewer_buyers=None if closed is None else dict.fromkeys(closed))


def _packed(value, version: int) -> bytes:
    """A packed table's bytes as a state of `version` holds them: bytes (3), or base64 texts (2, the checkpoints of
    the code before; a character outside base64's alphabet is refused, not skipped)."""
    if version == 2:
        return b"".join(base64.b64decode(chunk, validate=True) for chunk in value)
    if not isinstance(value, bytes):
        raise TypeError("a packed table is bytes")
    return value
