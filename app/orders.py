"""The shop's orders into a finished (or running) session: an order export is placed on the session's timeline
by each order's own time, so the review attributes it to the product window it was placed in.

Rules (docs/metrics.md, "Orders from the shop's export"):
- Time: the order time (下单时间) by default, or the pay time (支付时间) with `place_by="pay"`; a line without the
  chosen time uses the other. Stream time = that moment − the session's own wall-to-stream offset (the median of
  its events' `wall_time − stream_time`). Lines outside the session (before its start, after its end) are not
  imported and are counted.
- Identity: the order id (a sub-order id where the export has one). An id already in the session — from the
  platform feed, an earlier import or earlier in the same file — is counted once.
- Unpaid lines (待支付, 已取消, 交易关闭 …) are not orders: counted, not imported.
- Product: matched by the catalogue's platform item id (商品ID); a line that matches nothing is imported (its
  money is the session's) with no product, and reported by line.
- Refunds: a refunded line (售后/退款 status, or a refund amount) also gets a refund event at the same moment.
  The export is the source of truth for what a refund settled: a line whose order is already in the session (from
  the feed or an earlier import) and refunds more than the session has refunded for it — or says the order is not
  paid after all (closed, cancelled: all of it) — gets a refund event for the difference, at its order's moment,
  marked `settles`; once: a re-import finds nothing left to settle.
- Buyer: the export's buyer column when it has one; else each order counts as its own buyer (an upper bound).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from app.kernel.events import Event, EventType
from app.store.chain import extend
from app.store.db import Database, owner_alive
from app.store.models import EventRecord, LiveSession, Product, SessionStatus
from app.store.order_io import CHINA, OrderLine, parse_orders, read_table
from app.store.shows import forget_show
from app.store.writer import event_row

ACTOR = "import"


class SessionLive(ValueError):
    """The session is on air in a console now; an import waits until it ends."""


@dataclass
class OrderImport:
    """What an import did, for the manager to read (and sign)."""

    session_id: int
    imported: int = 0
    gmv_cents: int = 0
    refunds: int = 0
    refund_cents: int = 0
    duplicates: int = 0
    settled: int = 0  # orders already known whose refund the export settled (refund events added)
    settled_cents: int = 0
    unpaid: int = 0
    outside: int = 0  # lines whose time falls outside the session
    unmatched: list[tuple[int, str, str]] = field(default_factory=list)  # (line, item id, title) with no product

    def summary(self) -> str:
        text = (f"导入 {self.imported} 单（￥{self.gmv_cents / 100:,.2f}），退款 {self.refunds} 单（￥"
                f"{self.refund_cents / 100:,.2f}）；重复 {self.duplicates}，未支付 {self.unpaid}，不在本场 {self.outside}，"
                f"未匹配商品 {len(self.unmatched)} / imported {self.imported} orders (¥{self.gmv_cents / 100:,.2f}), "
                f"{self.refunds} refunded (¥{self.refund_cents / 100:,.2f}); {self.duplicates} duplicates, "
                f"{self.unpaid} unpaid, {self.outside} outside this session, {len(self.unmatched)} without a product")
        if self.settled:
            text += (f"；已有订单补记退款 {self.settled} 单（￥{self.settled_cents / 100:,.2f}） / refunds settled for "
                     f"{self.settled} orders already known (¥{self.settled_cents / 100:,.2f})")
        if self.unmatched:
            shown = ", ".join(f"line {line}: {item or '—'} {title}".strip() for line, item, title in self.unmatched[:8])
            text += f" ({shown}{' …' if len(self.unmatched) > 8 else ''})"
        return text


def import_orders(database: Database, session_id: int, path: str | Path, mapping: dict[str, str] | None = None,
                  place_by: str = "order", tz=CHINA) -> OrderImport:
    """Read the export (OrderImportError naming every bad line: nothing imported) and add its orders to the
    session's event log in one transaction. KeyError for a session that does not exist."""
    if place_by not in ("order", "pay"):
        raise ValueError("place_by is 'order' (下单时间) or 'pay' (支付时间)")
    lines = parse_orders(read_table(path), mapping, tz)
    report = OrderImport(session_id)
    with database.sessions.begin() as db:
        session = db.get(LiveSession, session_id, with_for_update=True)  # PostgreSQL: no go-live meanwhile
        if session is None or session.studio_id != database.studio_id:
            raise KeyError(f"no session {session_id}")  # another studio's show is not this console's to change
        if session.status == SessionStatus.LIVE and owner_alive(session.owner, session.heartbeat_at, time.time()):
            # its live writer numbers the events as they come: an import beside it would take the same numbers
            raise SessionLive(f"场次 {session_id} 正在直播，请在停播后导入订单 / session {session_id} is still live: import "
                              "the orders after the show ends (nothing was imported)")
        offset, end = _timeline(db, session)
        known, refunded = _known_orders(db, session_id)
        products = {item: pid for item, pid in db.execute(
            select(Product.platform_item_id, Product.id).where(Product.studio_id == session.studio_id,
                                                               Product.platform_item_id.is_not(None)))}
        seq = db.scalar(select(func.max(EventRecord.seq)).where(EventRecord.session_id == session_id)) or 0
        rows = []
        for line in lines:
            if line.order_id in known:  # the feed (or an earlier import) brought it: what has it become since?
                report.duplicates += 1
                settles = _settlement(line, known, refunded, session_id, seq + 1)
                if settles is not None:  # refunded, closed or cancelled since the order came: the export settles it
                    seq += 1
                    rows.append(settles)
                    report.settled += 1
                    report.settled_cents += settles["payload"]["amount_cents"]
                continue
            if not line.paid:
                report.unpaid += 1
                continue
            moment = _moment(line, place_by)
            stream_time = moment - offset
            if stream_time < 0 or stream_time > end:
                report.outside += 1
                continue
            known[line.order_id] = (moment, stream_time, line.amount_cents)
            refunded[line.order_id] = line.refund_cents
            product_id = products.get(line.item_id)
            if product_id is None:
                report.unmatched.append((line.line, line.item_id, line.title))
            added = _order_rows(line, product_id, session_id, moment, stream_time, seq)
            rows.extend(added)
            seq += len(added)
            report.imported += 1
            report.gmv_cents += line.amount_cents
            if line.refund_cents:
                report.refunds += 1
                report.refund_cents += line.refund_cents
        if rows:
            db.execute(EventRecord.__table__.insert(), rows)
            extend(db, session_id, rows)  # the show's chain grows by marked links, never rewritten
            forget_show(db, session_id)  # the views across shows read it again (app/insights.py)
    return report


def _order_rows(line: OrderLine, product_id: int | None, session_id: int, moment: float, stream_time: float,
                seq: int) -> list[dict]:
    """A new order's event (and its refund's, when the line refunds), numbered after `seq`."""
    payload = {"user_id": line.buyer or f"order:{line.order_id}", "order_id": line.order_id,
               "product_id": product_id, "quantity": line.quantity, "amount_cents": line.amount_cents,
               "item_id": line.item_id, "source": "export", "line": line.line}
    rows = [event_row(session_id, Event(EventType.ORDER, payload, ACTOR, moment, stream_time, seq + 1))]
    if line.refund_cents:
        refund = {"order_id": line.order_id, "amount_cents": line.refund_cents, "source": "export"}
        rows.append(event_row(session_id, Event(EventType.REFUND, refund, ACTOR, moment, stream_time, seq + 2)))
    return rows


def _settlement(line: OrderLine, known: dict, refunded: dict, session_id: int, seq: int) -> dict | None:
    """The refund event (a row) for what the line refunds beyond what the session has refunded for its order, at
    the order's own moment; None when nothing is owed. A line that says the order is not paid (closed, cancelled)
    refunds all of it. `refunded` is brought up to the line."""
    at_wall, at_stream, amount = known[line.order_id]
    settled = line.refund_cents if line.paid else amount
    owed = settled - refunded.get(line.order_id, 0)
    if owed <= 0:
        return None
    refunded[line.order_id] = settled
    refund = {"order_id": line.order_id, "amount_cents": owed, "source": "export", "settles": True, "line": line.line}
    return event_row(session_id, Event(EventType.REFUND, refund, ACTOR, at_wall, at_stream, seq))


def _known_orders(db, session_id: int) -> tuple[dict[str, tuple[float, float, int]], dict[str, int]]:
    """The session's orders (id → its wall and stream time and amount) and what has been refunded of each (fen)."""
    known: dict[str, tuple[float, float, int]] = {}
    refunded: dict[str, int] = {}
    rows = db.execute(select(EventRecord.type, EventRecord.payload, EventRecord.wall_time, EventRecord.stream_time)
                      .where(EventRecord.session_id == session_id,
                             EventRecord.type.in_((EventType.ORDER.value, EventType.REFUND.value))))
    for kind, payload, wall, stream in rows:
        if not isinstance(payload, dict) or "order_id" not in payload:
            continue
        order_id = str(payload["order_id"])
        if kind == EventType.ORDER.value:
            amount = payload.get("amount_cents")
            known.setdefault(order_id, (wall, stream if stream is not None else 0.0,
                                        amount if isinstance(amount, int) and not isinstance(amount, bool) else 0))
        elif isinstance(payload.get("amount_cents"), int):
            refunded[order_id] = refunded.get(order_id, 0) + payload["amount_cents"]
    return known, refunded


def _moment(line: OrderLine, place_by: str) -> float:
    first, second = (line.order_time, line.pay_time) if place_by == "order" else (line.pay_time, line.order_time)
    return first if first is not None else second


def _timeline(db, session: LiveSession) -> tuple[float, float]:
    """(wall time − stream time, the session's last stream time): from its own events, else its row."""
    pairs = db.execute(select(EventRecord.wall_time, EventRecord.stream_time)
                       .where(EventRecord.session_id == session.id, EventRecord.stream_time.is_not(None),
                              EventRecord.actor != ACTOR)
                       .order_by(EventRecord.seq).limit(2000)).all()
    offset = statistics.median(w - s for w, s in pairs) if pairs else (session.started_at or 0.0)
    last = db.scalar(select(func.max(EventRecord.stream_time)).where(EventRecord.session_id == session.id,
                                                                       EventRecord.actor != ACTOR))
    if session.ended_at is not None:
        end = session.ended_at - offset
    else:
        end = last if last is not None else 0.0
    return offset, max(end, last or 0.0)
