"""What the views across shows read (app/insights.py), kept per ended show so that a studio's year opens without
replaying a single event: `show_figures` (the review's figures and explanation windows, JSON) and `show_viewers`
(one row per platform account id seen in a show: entered, paid orders, followed).

Kept when a show ends and, for a show ended before this existed (or whose log changed: an order import forgets
it), on the first reading. The audience's questions (new or returning, cohorts, repeat buyers) are SQL over
`show_viewers` (read once and grouped in Python; repeat buyers grouped by SQL), so their cost is the number of
accounts, not of events.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from sqlalchemy import case, delete, distinct, func, select, update

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


def entered_rows(database: Database, studio_ids: list[int] | None) -> list:
    """Every (session, studio, platform, id, show's start, orders, followed) of an account that entered a show, read
    once: grouped here rather than by a self-join the database cannot index (SQLite took a minute for 100 shows)."""
    query = (select(V.session_id, V.studio_id, V.platform, V.user_id, V.started_at, V.orders, V.followed)
             .where(V.entered, *_scope(studio_ids)))
    with database.engine.connect() as conn:
        return conn.execute(query).all()


def audience_by_show(database: Database, session_ids: list[int], studio_ids: list[int] | None,
                     rows: list | None = None) -> dict[int, tuple[int, int, int, int, int, int]]:
    """Per show: (viewers, returning viewers, buyers among viewers, returning buyers, followers, followers who
    came back). A viewer entered the show; returning: the same account entered an earlier show of the studio on
    the same platform; came back: a follower who entered a later one."""
    if not session_ids:
        return {}
    rows = entered_rows(database, studio_ids) if rows is None else rows
    span: dict[tuple, list[float]] = {}
    for _sid, studio, platform, user, at, _orders, _followed in rows:
        seen = span.get((studio, platform, user))
        if seen is None:
            span[(studio, platform, user)] = [at, at]
        elif at < seen[0]:
            seen[0] = at
        elif at > seen[1]:
            seen[1] = at
    wanted = set(session_ids)
    out: dict[int, list[int]] = {}
    for sid, studio, platform, user, at, orders, followed in rows:
        if sid not in wanted:
            continue
        first, last = span[(studio, platform, user)]
        c = out.setdefault(sid, [0, 0, 0, 0, 0, 0])
        earlier, bought = at > first, orders > 0
        c[0] += 1
        c[1] += earlier
        c[2] += bought
        c[3] += bought and earlier
        c[4] += bool(followed)
        c[5] += bool(followed) and last > at
    return {sid: tuple(c) for sid, c in out.items()}


def cohort_counts(database: Database, weeks: dict[int, int], studio_ids: list[int] | None,
                  rows: list | None = None) -> dict[tuple[int, int], int]:
    """(first week, week) → accounts first seen (entered) in the first week and seen in the week: `weeks` maps
    every kept show to its week number."""
    if not weeks:
        return {}
    seen: dict[tuple, set[int]] = {}
    for sid, studio, platform, user, _at, _orders, _followed in (entered_rows(database, studio_ids) if rows is None
                                                                   else rows):
        week = weeks.get(sid)
        if week is not None:
            seen.setdefault((studio, platform, user), set()).add(week)
    out: dict[tuple[int, int], int] = {}
    for account_weeks in seen.values():
        first = min(account_weeks)
        for week in account_weeks:
            out[(first, week)] = out.get((first, week), 0) + 1
    return out


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


__all__ = ["PSEUDO_BUYER", "audience_by_show", "cohort_counts", "entered_rows", "forget_show", "keep_show",
           "rename_viewer", "repeat_buyers", "shows", "viewers_of"]
