"""What the views across shows read (app/insights.py), kept per ended show so that a studio's year opens without
replaying a single event: `show_figures` (the review's figures and explanation windows, JSON) and `show_viewers`
(one row per platform account id seen in a show: entered, paid orders, followed).

Kept when a show ends and, for a show ended before this existed (or whose log changed: an order import forgets
it), on the first reading. The audience's questions (new or returning, cohorts, repeat buyers) read `show_viewers`
once, in one scan, and group it in arrays (numpy), so their cost is the number of (show, account) rows, not of
events.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from operator import itemgetter

import numpy as np

from sqlalchemy import case, delete, func, select

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


def script_versions_of(database: Database, session_id: int) -> dict[str, str]:
    """The script version of each product (id as text → digest) the show recorded at its start, {} for none."""
    with database.session() as db:
        payload = db.scalar(select(E.payload).where(E.session_id == session_id,
                                                    E.type == EventType.SESSION_STARTED.value).order_by(E.seq).limit(1))
    scripts = payload.get("scripts") if isinstance(payload, dict) else None
    return {str(k): str(v)[:16] for k, v in scripts.items()} if isinstance(scripts, dict) else {}


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


@dataclass(frozen=True)
class AccountRows:
    """Every (show, account) kept of an account that entered a show or paid in it, as columns: the show, the account
    (a number per (studio, platform, id): an id is one person only on its platform and studio), the show's start,
    whether it entered, its paid orders, whether it followed, whether it is a person (an order export's stand-in
    ids are not)."""

    session: np.ndarray  # int64
    account: np.ndarray  # int64, 0 … accounts − 1
    at: np.ndarray  # float64
    entered: np.ndarray  # bool
    orders: np.ndarray  # int64
    followed: np.ndarray  # bool
    person: np.ndarray  # bool
    accounts: int

    @property
    def bought(self) -> np.ndarray:
        return self.orders > 0

    def only(self, mask: np.ndarray) -> AccountRows:
        return AccountRows(self.session[mask], self.account[mask], self.at[mask], self.entered[mask],
                           self.orders[mask], self.followed[mask], self.person[mask], self.accounts)


def account_rows(database: Database, studio_ids: list[int] | None) -> AccountRows:
    """Read once, in one scan, as plain tuples from the driver (a million rows: the ORM's row objects cost more
    than the read), only what differs per row (a show's studio, platform and start are the show's), and grouped
    here in arrays rather than by self-joins the database cannot index (SQLite: a minute for 100 shows)."""
    scope = [LiveSession.studio_id.in_(studio_ids)] if studio_ids is not None else []
    query = (select(V.session_id, V.user_id, V.entered, V.orders, V.followed, V.user_id.startswith(PSEUDO_BUYER))
             .where(V.entered | (V.orders > 0)))
    if studio_ids is not None:  # + 0: SQLite scans the table rather than walk the account index row by row (×2)
        query = query.where((V.studio_id + 0).in_(studio_ids))
    with database.engine.connect() as conn:
        shows_ = {sid: ((studio, platform), at) for sid, studio, platform, at in conn.execute(
            select(LiveSession.id, LiveSession.studio_id, LiveSession.platform, LiveSession.started_at)
            .where(*scope)).all()}
        rows = conn.execute(query).cursor.fetchall()
    n = len(rows)
    session = np.fromiter(map(itemgetter(0), rows), dtype=np.int64, count=n)
    users = list(map(itemgetter(1), rows))
    if len({where for where, _at in shows_.values()}) <= 1:  # one studio, one platform: an id is a person
        keys = users
    else:
        keys = [(shows_[sid][0], user) for sid, user in zip(session.tolist(), users)]
    numbers = {key: i for i, key in enumerate(dict.fromkeys(keys))}
    starts = {sid: at or 0.0 for sid, (_where, at) in shows_.items()}
    return AccountRows(session, np.fromiter(map(numbers.__getitem__, keys), dtype=np.int64, count=n),
                       np.fromiter(map(starts.__getitem__, session.tolist()), dtype=np.float64, count=n),
                       np.fromiter(map(itemgetter(2), rows), dtype=bool, count=n),
                       np.fromiter(map(itemgetter(3), rows), dtype=np.int64, count=n),
                       np.fromiter(map(itemgetter(4), rows), dtype=bool, count=n),
                       ~np.fromiter(map(itemgetter(5), rows), dtype=bool, count=n),
                       len(numbers))


def audience_by_show(database: Database, session_ids: list[int], studio_ids: list[int] | None,
                     rows: AccountRows | None = None) -> dict[int, tuple[int, int, int, int, int, int]]:
    """Per show: (viewers, returning viewers, buyers among viewers, returning buyers, followers, followers who
    came back). A viewer entered the show; returning: the same account entered an earlier show of the studio on
    the same platform; came back: a follower who entered a later one."""
    if not session_ids:
        return {}
    e = (account_rows(database, studio_ids) if rows is None else rows)
    e = e.only(e.entered)
    if not e.accounts:
        return {}
    first = np.full(e.accounts, np.inf)
    last = np.full(e.accounts, -np.inf)
    np.minimum.at(first, e.account, e.at)
    np.maximum.at(last, e.account, e.at)
    wanted = np.isin(e.session, np.array(session_ids, dtype=np.int64))
    earlier = e.at > first[e.account]
    back = e.followed & (last[e.account] > e.at)
    shows_, where = np.unique(e.session[wanted], return_inverse=True)
    columns = [np.ones(int(wanted.sum()), dtype=bool), earlier[wanted], e.bought[wanted],
               (e.bought & earlier)[wanted], e.followed[wanted], back[wanted]]
    sums = [np.bincount(where, weights=c, minlength=len(shows_)).astype(np.int64) for c in columns]
    return {int(sid): tuple(int(col[i]) for col in sums) for i, sid in enumerate(shows_)}


def cohort_counts(database: Database, weeks: dict[int, int], studio_ids: list[int] | None,
                  rows: AccountRows | None = None) -> dict[tuple[int, int], int]:
    """(first week, week) → accounts first seen (entered) in the first week and seen in the week: `weeks` maps
    every kept show to its week number."""
    if not weeks:
        return {}
    e = (account_rows(database, studio_ids) if rows is None else rows)
    e = e.only(e.entered)
    if not e.accounts:
        return {}
    shows_ = np.array(sorted(weeks), dtype=np.int64)
    place = np.searchsorted(shows_, e.session)
    known = (place < len(shows_)) & (shows_[np.minimum(place, len(shows_) - 1)] == e.session)
    week = np.array([weeks[int(s)] for s in shows_], dtype=np.int64)[place[known]]
    account = e.account[known]
    if not len(account):
        return {}
    base = int(week.min())
    span = int(week.max()) - base + 1
    pairs = np.unique(account * span + (week - base))  # each account once a week
    account, week = pairs // span, pairs % span + base
    first = np.full(e.accounts, np.iinfo(np.int64).max)
    np.minimum.at(first, account, week)
    keys, counts = np.unique(np.stack([first[account], week]), axis=1, return_counts=True)
    return {(int(f), int(w)): int(n) for (f, w), n in zip(keys.T, counts)}


def repeat_buyers(rows: AccountRows, since: float, until: float) -> tuple[int, int, int]:
    """Over shows started in [since, until): (buyers, buyers with ≥ 2 paid orders, buyers who paid in ≥ 2 shows),
    by platform account; an order export's stand-in ids (one per order) are not people and are left out."""
    paid = rows.only((rows.orders > 0) & rows.person & (rows.at >= since) & (rows.at < until))
    if not len(paid.account):
        return 0, 0, 0
    orders = np.bincount(paid.account, weights=paid.orders, minlength=rows.accounts)
    shows_ = np.bincount(paid.account, minlength=rows.accounts)  # one row per (show, account)
    return int((shows_ > 0).sum()), int((orders >= 2).sum()), int((shows_ >= 2).sum())


__all__ = ["AccountRows", "PSEUDO_BUYER", "account_rows", "audience_by_show", "cohort_counts", "forget_show", "keep_show",
           "repeat_buyers", "script_versions_of", "shows", "viewers_of"]
