"""Reading a stored session's event log: the events again, in order, and headline numbers straight from SQL."""

from __future__ import annotations

from sqlalchemy import func, select

from app.kernel.events import Event, EventType
from app.store.db import Database
from app.store.models import EventRecord


def load_events(database: Database, session_id: int) -> list[Event]:
    """A stored session's events in order, as Events again (for the replay and the metrics)."""
    with database.session() as db:
        rows = db.execute(select(EventRecord.type, EventRecord.payload, EventRecord.actor, EventRecord.wall_time,
                                 EventRecord.stream_time, EventRecord.seq, EventRecord.flagged)
                          .where(EventRecord.session_id == session_id).order_by(EventRecord.seq))
        return [Event(EventType(r.type), r.payload, r.actor, r.wall_time, r.stream_time, r.seq, r.flagged)
                for r in rows]


def session_summary(database: Database, session_id: int) -> dict:
    """The headline numbers straight from SQL (indexed columns, no JSON parsing): for lists of sessions."""
    with database.session() as db:
        base = select(func.count()).select_from(EventRecord).where(EventRecord.session_id == session_id)
        by_type = dict(db.execute(select(EventRecord.type, func.count()).where(EventRecord.session_id == session_id)
                                  .group_by(EventRecord.type)).all())
        orders = db.execute(select(func.count(), func.coalesce(func.sum(EventRecord.amount_cents), 0),
                                   func.count(func.distinct(EventRecord.user_id)))
                            .where(EventRecord.session_id == session_id, EventRecord.type == EventType.ORDER.value)).one()
        uv = db.scalar(select(func.count(func.distinct(EventRecord.user_id)))
                       .where(EventRecord.session_id == session_id, EventRecord.type == EventType.ENTER.value))
        total = db.scalar(base)
    pv = by_type.get(EventType.ENTER.value, 0)
    return {"events": total, "by_type": by_type, "orders": orders[0], "gmv_cents": orders[1], "buyers": orders[2],
            "pv": pv, "uv": uv, "gpm": orders[1] / 100 / pv * 1000 if pv else None}
