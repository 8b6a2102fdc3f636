"""The session core: one live session's bus, store writer, commerce room and metrics, wired together."""

from __future__ import annotations

import time

from sqlalchemy import func, select, update

from app.commerce.room import CouponState, LiveRoom, ProductState
from app.live.bus import EventBus
from app.live.events import SYSTEM, Event, EventType
from app.live.moderation import BannedWords, moderate
from app.metrics.live import SessionMetrics
from app.redaction import redact_url
from app.store.db import Database
from app.store.models import Coupon, EventRecord, LiveSession, Product, SessionStatus
from app.store.writer import StoreWriter


class SessionCore:
    """Start → (events flow) → end. The UI and connectors talk to `bus` and `room`; nothing else is needed."""

    def __init__(self, database: Database, banned_words: list[str] | None = None) -> None:
        self.database = database
        self.bus = EventBus()
        self.banned = BannedWords(banned_words)
        self.bus.add_transform(moderate(self.banned))
        self.metrics = SessionMetrics()
        self.bus.subscribe(self.metrics)
        self.session_id: int | None = None
        self.writer: StoreWriter | None = None
        self.room: LiveRoom | None = None
        self._unsubscribe_writer = None

    def start(self, title: str, run_sheet: list[int] | None = None, destinations: list[str] | None = None,
              recording_path: str = "", live_since_monotonic: float | None = None) -> int:
        """Go live: a session row (status live), the event log writer, the room with the catalogue."""
        self.room = load_room(self.database, self.bus, run_sheet)
        sheet = self.room.state.run_sheet
        with self.database.sessions.begin() as db:
            row = LiveSession(title=title, run_sheet=sheet, destinations=[redact_url(d) for d in destinations or []],
                              recording_path=recording_path, started_at=time.time(), status=SessionStatus.LIVE)
            db.add(row)
            db.flush()
            self.session_id = row.id
        self.writer = StoreWriter(self.database, self.session_id)
        self._unsubscribe_writer = self.bus.subscribe(self.writer)
        self.bus.go_live(live_since_monotonic)
        self.bus.publish(Event(EventType.SESSION_STARTED, {"session_id": self.session_id, "title": title},
                               actor=SYSTEM))
        return self.session_id

    def end(self) -> None:
        """Stop: everything published so far is written before the session is marked ended."""
        if self.session_id is None:
            return
        self.bus.publish(Event(EventType.SESSION_ENDED, {"session_id": self.session_id}, actor=SYSTEM))
        if self._unsubscribe_writer:
            self._unsubscribe_writer()
        if self.writer:
            self.writer.close()
        if self.room:
            self.room.close()
        with self.database.sessions.begin() as db:
            db.execute(update(LiveSession).where(LiveSession.id == self.session_id)
                       .values(status=SessionStatus.ENDED, ended_at=time.time()))
        self.bus.stop_live()


def load_room(database: Database, bus: EventBus, run_sheet: list[int] | None = None) -> LiveRoom:
    """A room over the catalogue as stored now (products, coupons), on `bus`."""
    with database.session() as db:
        products = [ProductState(p.id, p.sku, p.title, p.list_price_cents, p.live_price_cents, p.stock, p.image)
                    for p in db.scalars(select(Product).order_by(Product.id))]
        coupons = [CouponState(c.id, c.name, c.kind, c.threshold_cents, c.discount_cents, c.rate,
                               remaining=c.quantity, total=c.quantity)
                   for c in db.scalars(select(Coupon).order_by(Coupon.id))]
    return LiveRoom(bus, products, coupons, run_sheet or [p.id for p in products])


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
