"""What the views across shows read (app/insights.py), kept per ended show so that a studio's year opens without
replaying a single event: `show_figures` (the review's figures and explanation windows, JSON) and `show_viewers`
(one row per platform account id seen in a show: entered, paid orders, followed).

Kept when a show ends and, for a show ended before this existed (or whose log changed: an order import forgets
it), on the first reading. The audience's questions (new or returning, cohorts, repeat buyers) are SQL over
`show_viewers`, grouped by the database, so their cost is the number of accounts, not of events.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from sqlalchemy import and_, case, delete, distinct, func, select, update

from app.kernel.events import EventType
from app.store.db import Database
from app.store.models import EventRecord, LiveSession, ShowFigures, ShowViewer

E, V = EventRecord, ShowViewer
PSEUDO_BUYER = "order:"  # an order export without a buyer column: each order its own buyer (app/orders.py), not a person


def viewers_of(database: Database, session_id: int) -> list[tuple[str, bool, int, int, bool]]:
    """Every account id the show's log names on an entry, an order or a follow: (id, entered, paid orders, paid
    cents, followed), by the (session, kind, …) index."""
    kinds = [EventType.ENTER.value, EventType.ORDER.value, EventType.FOLLOW.value]

    def has(kind: EventType):
        return func.max(case((E.type == kind.value, 1), else_=0))

    with database.session() as db:
        rows = db.execute(select(E.user_id, has(EventType.ENTER), func.sum(case((E.type == EventType.ORDER.value, 1),
                                                                                   else_=0)),
                                 func.sum(case((E.type == EventType.ORDER.value, func.coalesce(E.amount_cents, 0)),
                                               else_=0)), has(EventType.FOLLOW))
                          .where(E.session_id == session_id, E.type.in_(kinds), E.user_id.is_not(None),
                                 E.user_id != "")
                          .group_by(E.user_id)).all()
    return [(str(u), bool(entered), int(orders or 0), int(paid or 0), bool(followed))
            for u, entered, orders, paid, followed in rows]


def keep_show(database: Database, session_id: int, figures: dict, through_seq: int,
              viewers: Iterable[tuple[str, bool, int, int, bool]]) -> None:
    """Keep a show's figures and accounts (replacing what was kept) in one transaction."""
    with database.sessions.begin() as db:
        row = db.get(LiveSession, session_id)
        db.execute(delete(ShowFigures).where(ShowFigures.session_id == session_id))
        db.execute(delete(ShowViewer).where(ShowViewer.session_id == session_id))
        db.add(ShowFigures(session_id=session_id, studio_id=row.studio_id, through_seq=through_seq,
                           figures=figures, saved_at=time.time()))
        db.flush()
        accounts = [{"session_id": session_id, "user_id": u, "studio_id": row.studio_id, "platform": row.platform,
                     "started_at": row.started_at or 0.0, "entered": entered, "orders": orders,
                     "paid_cents": paid, "followed": followed} for u, entered, orders, paid, followed in viewers]
        if accounts:
            db.execute(ShowViewer.__table__.insert(), accounts)


def forget_show(db, session_id: int) -> None:
    """The show's log changed (orders imported, in the transaction `db`): what was kept of it is built again on
    the next reading."""
    db.execute(delete(ShowFigures).where(ShowFigures.session_id == session_id))
    db.execute(delete(ShowViewer).where(ShowViewer.session_id == session_id))


def shows(database: Database, studio_ids: list[int] | None) -> list[tuple[LiveSession, dict | None]]:
    """Every ended real show of these studios (None: all) with what is kept of it (None: not kept yet), by start."""
    query = (select(LiveSession, ShowFigures.figures).outerjoin(ShowFigures)
             .where(LiveSession.kind == "live").order_by(LiveSession.started_at, LiveSession.id))
    if studio_ids is not None:
        query = query.where(LiveSession.studio_id.in_(studio_ids))
    with database.session() as db:
        rows = db.execute(query).all()
        db.expunge_all()
    return [(session, figures) for session, figures in rows]


def _scope(studio_ids: list[int] | None):
    return [V.studio_id.in_(studio_ids)] if studio_ids is not None else []


def _accounts(studio_ids: list[int] | None):
    """Per account (studio, platform, id) that entered any show: its first and last show's start."""
    return (select(V.studio_id, V.platform, V.user_id, func.min(V.started_at).label("first_at"),
                   func.max(V.started_at).label("last_at"))
            .where(V.entered, *_scope(studio_ids)).group_by(V.studio_id, V.platform, V.user_id).subquery())


def _same(a, b):
    return and_(a.studio_id == b.studio_id, a.platform == b.platform, a.user_id == b.user_id)


def audience_by_show(database: Database, session_ids: list[int],
                     studio_ids: list[int] | None) -> dict[int, tuple[int, int, int, int, int, int]]:
    """Per show: (viewers, returning viewers, buyers among viewers, returning buyers, followers, followers who
    came back). A viewer entered the show; returning: the same account entered an earlier show of the studio on
    the same platform; came back: a follower who entered a later one."""
    if not session_ids:
        return {}
    first = _accounts(studio_ids)
    earlier = V.started_at > first.c.first_at
    bought = V.orders > 0

    def count(*when):
        return func.sum(case((and_(*when), 1), else_=0))

    query = (select(V.session_id, func.count(), count(earlier), count(bought), count(bought, earlier),
                    count(V.followed), count(V.followed, first.c.last_at > V.started_at))
             .join(first, _same(V, first.c)).where(V.entered, V.session_id.in_(session_ids)).group_by(V.session_id))
    with database.session() as db:
        return {int(r[0]): tuple(int(x or 0) for x in r[1:]) for r in db.execute(query).all()}


def cohort_counts(database: Database, weeks: dict[int, int],
                  studio_ids: list[int] | None) -> dict[tuple[int, int], int]:
    """(first week, week) → accounts first seen (entered) in the first week and seen in the week: `weeks` maps
    every kept show to its week number."""
    if not weeks:
        return {}
    week = case(weeks, value=V.session_id).label("week")  # a lookup SQLite and PostgreSQL both take
    seen = (select(V.studio_id, V.platform, V.user_id, week)
            .where(V.entered, V.session_id.in_(list(weeks)), *_scope(studio_ids)).distinct().subquery())
    first = (select(seen.c.studio_id, seen.c.platform, seen.c.user_id, func.min(seen.c.week).label("w0"))
             .group_by(seen.c.studio_id, seen.c.platform, seen.c.user_id).subquery())
    query = (select(first.c.w0, seen.c.week, func.count()).join(first, _same(seen.c, first.c))
             .group_by(first.c.w0, seen.c.week))
    with database.session() as db:
        return {(int(w0), int(w)): int(n) for w0, w, n in db.execute(query).all()}


def repeat_buyers(database: Database, since: float, until: float,
                  studio_ids: list[int] | None) -> tuple[int, int, int]:
    """Over shows started in [since, until): (buyers, buyers with ≥ 2 paid orders, buyers who paid in ≥ 2 shows),
    by platform account; an order export's stand-in ids (one per order) are not people and are left out."""
    per = (select(V.studio_id, V.platform, V.user_id, func.sum(V.orders).label("orders"),
                  func.count(distinct(V.session_id)).label("shows"))
           .where(V.orders > 0, V.started_at >= since, V.started_at < until, ~V.user_id.startswith(PSEUDO_BUYER),
                  *_scope(studio_ids))
           .group_by(V.studio_id, V.platform, V.user_id).subquery())
    with database.session() as db:
        buyers, repeat, shows_ = db.execute(select(func.count(), func.sum(case((per.c.orders >= 2, 1), else_=0)),
                                                   func.sum(case((per.c.shows >= 2, 1), else_=0)))).one()
    return int(buyers or 0), int(repeat or 0), int(shows_ or 0)


def rename_viewer(database: Database, studio_id: int, platform: str, user_id: str, token: str) -> int:
    """The account's kept rows under `token` instead of its id (an erasure keeps the counts); how many rows."""
    with database.sessions.begin() as db:
        result = db.execute(update(ShowViewer).where(V.studio_id == studio_id, V.platform == platform,
                                                    V.user_id == user_id).values(user_id=token))
        return result.rowcount or 0


__all__ = ["PSEUDO_BUYER", "audience_by_show", "cohort_counts", "forget_show", "keep_show", "rename_viewer",
           "repeat_buyers", "shows", "viewers_of"]
