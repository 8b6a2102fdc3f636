"""A stored session's audience in bulk, counted by the database (indexed by session, kind and time) instead of
event by event: what lets the review of a four-hour show with a million comments open at once.

The review (app/review.py) replays every event that is not bulk, plus the buyers' entries, through the metrics and
takes these counts for the rest; `tests/test_review_fast.py` checks the result equals a full replay's.
Stream times that are NULL count as 0.0, as in the replay.
"""

from __future__ import annotations

import time

from sqlalchemy import BigInteger, and_, case, cast, delete, distinct, func, intersect, literal_column, or_, select

from app.kernel.events import BULK, Event, EventType
from app.store.db import Database
from app.store.models import EventRecord, SessionCounts
from app.values import MAX_COUNT

# app.kernel.events.BULK (entries, comments, likes, shares, gifts, follows): counted here, never replayed one by one
_KIND = {kind.value: kind for kind in EventType}  # a dict lookup, not EventType(...) per row
INTERACTING = (EventType.COMMENT, EventType.LIKE, EventType.SHARE)  # as app.metrics.live.INTERACTIONS

E = EventRecord


def _of(session_id: int, *kinds: EventType):
    return and_(E.session_id == session_id, E.type.in_([k.value for k in kinds]))


def _time():
    return func.coalesce(E.stream_time, 0.0)


def _minute(dialect: str):
    """floor(t / 60) as an integer, as Python's t // 60 (times are never negative)."""
    return _bucket(dialect, 60)


def _bucket(dialect: str, seconds: int):
    """floor(t / seconds) as an integer: whole seconds first, then an integer division (PostgreSQL would raise on a
    float division that underflows, CAST rounds there)."""
    whole = cast(func.floor(_time()), BigInteger) if dialect == "postgresql" else cast(_time(), BigInteger)
    return whole.op("/")(literal_column(str(int(seconds))))


def _viewer():
    return and_(E.user_id.is_not(None), E.user_id != "")


def room_counts(database: Database, session_id: int) -> dict:
    """PV, UV, interacting viewers, comments, likes, (comments, likes) per minute, the latest stream time and the
    number of events, straight from SQL."""
    dialect = database.engine.dialect.name
    entered = select(E.user_id).where(_of(session_id, EventType.ENTER), _viewer())
    like_count = E.payload["count"].as_integer()
    likes = case((and_(like_count >= 0, like_count <= MAX_COUNT), like_count), else_=1)
    with database.session() as db:
        pv, uv = db.execute(select(func.count(), func.count(distinct(case((_viewer(), E.user_id)))))
                            .where(_of(session_id, EventType.ENTER))).one()
        # INTERSECT, a set operation, rather than IN (subquery): PostgreSQL planned the IN as a loop over a table
        # not yet analysed at a show's end (33 s for 100,000 events; SQLite and the set: a tenth of a second)
        both = intersect(select(E.user_id).where(_of(session_id, *INTERACTING), _viewer()), entered).subquery()
        interacting = db.scalar(select(func.count()).select_from(both))
        minute = _minute(dialect).label("minute")
        # every minute holding a bulk event is a row of the series, with its comments and likes
        rows = db.execute(select(minute, func.sum(case((E.type == EventType.COMMENT.value, 1), else_=0)),
                                 func.sum(case((E.type == EventType.LIKE.value, likes), else_=0)), func.count())
                          .where(_of(session_id, *BULK)).group_by(minute)).all()
        events, last = db.execute(select(func.count(), func.max(_time())).where(E.session_id == session_id)).one()
    minutes = {int(m): (int(c or 0), int(n or 0)) for m, c, n, _ in rows}
    return {"pv": pv, "uv": uv, "interacting_viewers": interacting or 0, "bulk": sum(r[3] for r in rows),
            "comments": sum(c for c, _ in minutes.values()), "likes": sum(n for _, n in minutes.values()),
            "minutes": minutes, "last_time": float(last or 0.0), "events": events}


def window_entries(database: Database, session_id: int,
                   windows: list[tuple[float, float | None]]) -> tuple[tuple[int, int], ...]:
    """For each [start, end) (end None: open to the end), the entries and the distinct viewers who entered."""
    out = []
    with database.session() as db:
        for start, end in windows:
            when = [E.stream_time >= start] + ([E.stream_time < end] if end is not None else [])
            if start <= 0.0 and (end is None or end > 0.0):  # a NULL time is 0.0
                when = [or_(and_(*when), E.stream_time.is_(None))]
            views, entrants = db.execute(
                select(func.count(), func.count(distinct(case((_viewer(), E.user_id)))))
                .where(_of(session_id, EventType.ENTER), *when)).one()
            out.append((views, entrants))
    return tuple(out)


_COLUMNS = (E.type, E.payload, E.actor, E.wall_time, E.stream_time, E.seq, E.flagged)


def _events(conn, where) -> list[Event]:
    """Events from Core rows of the log's seven columns (thousands of them: no ORM bookkeeping needed)."""
    return [Event(_KIND[r.type], r.payload, r.actor, r.wall_time, r.stream_time, r.seq, r.flagged)
            for r in conn.execute(select(*_COLUMNS).where(where)).all()]


def replay_events(database: Database, session_id: int) -> list[Event]:
    """The events the review replays one by one: everything but the bulk, plus the entries of those who ordered
    (whether a buyer was a viewer, and since when, is in them), in sequence order. Each part is read by the
    (session, kind, …) index, never by scanning the session's events."""
    light = [k.value for k in EventType if k not in BULK]
    buyers = select(E.user_id).where(_of(session_id, EventType.ORDER), _viewer())
    with database.engine.connect() as conn:
        events = _events(conn, (E.session_id == session_id) & E.type.in_(light))
        # an entry's payload is not needed here (who and when): no JSON to parse for the buyers' entries
        events += [Event(EventType.ENTER, {"user_id": r.user_id}, r.actor, r.wall_time, r.stream_time, r.seq,
                         r.flagged)
                   for r in conn.execute(select(E.user_id, E.actor, E.wall_time, E.stream_time, E.seq, E.flagged)
                                         .where(_of(session_id, EventType.ENTER), E.user_id.in_(buyers))).all()]
    events.sort(key=lambda e: e.seq)
    return events


def events_since(database: Database, session_id: int, after_seq: int) -> list[Event]:
    """Every event after `after_seq`, in sequence order, by the (session, seq) index (a checkpoint's tail)."""
    with database.engine.connect() as conn:
        events = _events(conn, (E.session_id == session_id) & (E.seq > after_seq))
    events.sort(key=lambda e: e.seq)
    return events


def events_of(database: Database, session_id: int, kinds) -> list[Event]:
    """The session's events of these kinds, in sequence order, by the (session, kind, …) index."""
    with database.engine.connect() as conn:
        events = _events(conn, _of(session_id, *kinds))
    events.sort(key=lambda e: e.seq)
    return events


def bulk_events(database: Database, session_id: int, after_seq: int = 0) -> int:
    """How many bulk events the session holds after `after_seq`: all of them by the kind index; after a seq by
    the (session, seq) index, reading only the events after it (an import's orders, a show still going)."""
    bulk = {k.value for k in BULK}
    with database.session() as db:
        if after_seq <= 0:
            return db.scalar(select(func.count()).where(_of(session_id, *BULK)))
        kinds = db.scalars(select(E.type).where(E.session_id == session_id, E.seq > after_seq))
        return sum(kind in bulk for kind in kinds)


def last_seq(database: Database, session_id: int) -> int:
    with database.session() as db:
        return db.scalar(select(func.max(E.seq)).where(E.session_id == session_id)) or 0


def events_after(database: Database, session_id: int, seq: int) -> int:
    with database.session() as db:
        return db.scalar(select(func.count()).where(E.session_id == session_id, E.seq > seq))


def save_counts(database: Database, session_id: int, counts: dict, through_seq: int, bulk: int,
                source: str) -> None:
    """Keep a session's counted bulk (replacing what was kept)."""
    with database.sessions.begin() as db:
        db.execute(delete(SessionCounts).where(SessionCounts.session_id == session_id))
        db.add(SessionCounts(session_id=session_id, through_seq=through_seq, bulk_events=bulk, source=source,
                             counts=counts, saved_at=time.time()))


def load_counts(database: Database, session_id: int) -> tuple[dict, int, str] | None:
    """The kept counts (counts, through_seq, source) if still whole: no bulk event came after them."""
    with database.session() as db:
        row = db.get(SessionCounts, session_id)
        if row is None:
            return None
        counts, through, source = row.counts, row.through_seq, row.source
    if bulk_events(database, session_id, after_seq=through):
        return None
    return counts, through, source


def keep_review(database: Database, session_id: int, summary: dict, through_seq: int) -> bool:
    """Keep a whole review (its figures, windows, timeline) beside the session's counts, for the log as it is up
    to `through_seq`. False if there are no kept counts to keep it with."""
    with database.sessions.begin() as db:
        row = db.get(SessionCounts, session_id)
        if row is None:
            return False
        row.counts = {**row.counts, "review": {"through_seq": through_seq, **summary}}
    return True


def kept_review(database: Database, session_id: int) -> dict | None:
    """The kept review, if the log has not grown since it was kept (an import, a late event: it is rebuilt)."""
    with database.session() as db:
        row = db.get(SessionCounts, session_id)
        review = None if row is None else row.counts.get("review")
    if review is None or events_after(database, session_id, review["through_seq"]):
        return None
    return review


def comments_between(database: Database, session_id: int, start: float, end: float,
                     limit: int = 500) -> list[tuple[float, dict, bool]]:
    """The last `limit` comments of [start, end) by stream time, oldest first: (time, payload, hidden)."""
    when = [E.stream_time >= start, E.stream_time < end]
    if start <= 0.0 < end:
        when = [or_(and_(*when), E.stream_time.is_(None))]
    with database.session() as db:
        rows = db.execute(select(_time().label("at"), E.payload, E.flagged)
                          .where(_of(session_id, EventType.COMMENT), *when)
                          .order_by(_time().desc(), E.seq.desc()).limit(limit)).all()
    return [(float(r.at), r.payload, bool(r.flagged)) for r in reversed(rows)]


def orders_between(database: Database, session_id: int, start: float, end: float) -> tuple[int, int]:
    """(orders, GMV in cents) of the show's orders stamped in [start, end) of stream time (a clip's span)."""
    t = _time()
    with database.session() as db:
        orders, gmv = db.execute(select(func.count(), func.coalesce(func.sum(E.amount_cents), 0))
                                 .where(_of(session_id, EventType.ORDER), t >= start, t < end)).one()
    return int(orders), int(gmv)


def activity(database: Database, session_id: int, step: int) -> dict[int, tuple[int, int, int]]:
    """Every `step` seconds of the show holding an order or a comment: step index → (orders, GMV in cents,
    comments) — what the moments that sold are found in (app/clips.py)."""
    bucket = _bucket(database.engine.dialect.name, step).label("bucket")
    is_order = E.type == EventType.ORDER.value
    with database.session() as db:
        rows = db.execute(select(bucket, func.sum(case((is_order, 1), else_=0)),
                                 func.sum(case((is_order, func.coalesce(E.amount_cents, 0)), else_=0)),
                                 func.sum(case((E.type == EventType.COMMENT.value, 1), else_=0)))
                          .where(_of(session_id, EventType.ORDER, EventType.COMMENT)).group_by(bucket)).all()
    return {int(b): (int(o or 0), int(g or 0), int(c or 0)) for b, o, g, c in rows}


def marks(database: Database, session_id: int, *kinds: EventType) -> list[tuple[float, EventType, dict]]:
    """(stream time, type, payload) of the show's events of these few kinds (scene switches, price changes) in
    order."""
    with database.session() as db:
        rows = db.execute(select(_time(), E.type, E.payload).where(_of(session_id, *kinds))
                          .order_by(_time(), E.seq)).all()
    return [(float(t), _KIND[k], p if isinstance(p, dict) else {}) for t, k, p in rows]


__all__ = ["BULK", "activity", "marks", "bulk_events", "comments_between", "events_after", "keep_review", "kept_review", "last_seq",
           "load_counts", "orders_between", "replay_events", "room_counts", "save_counts", "window_entries"]
