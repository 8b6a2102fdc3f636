"""A viewer's data erased on request (《个人信息保护法》 第四十七条 — the right to deletion): every stored trace of one
platform account in a studio's ended shows — its id and nickname in the event log (entries, comments, likes,
orders, follows, gifts, 福袋 winners…), the quarantined events, the accounts kept for the views across shows — is
replaced by one token made for this erasure, so every count (viewers, returning viewers, cohorts, repeat buyers,
a 福袋's entrants) stays what it was and nothing says who it was.

What an erasure cannot reach: the recording (a name shown on stream is in its pictures) and copies already
exported. A show still live is not touched (its writer would write the id again): erase again after it ends.
A 福袋's fairness check (`app.commerce.draw.recompute`) sorts the entrants' ids, so it cannot give the same winners
once an entrant's id is replaced: each draw of a touched show is checked just before and the result kept in the
erasure's record (`erasures`), which holds neither the id nor the name. Each touched show's hash chain gets a mark
of the erasure (its token, when, how many events: app/store/chain.py), so its check says the erased events as
erased, from the chain alone (a bundle too).

Finding the account (`find_viewers`: an id as the platform gives it, or a nickname exactly) reads the studio's
event log without an index on either: seconds for millions of events, meant for a request, not a live show.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import String, cast, or_, select, update

from app.commerce.draw import recompute
from app.kernel.events import EventType
from app.store.chain import ERASED_NAME, TOKEN_PREFIX, mark
from app.store.db import Database
from app.store.eventlog import load_events
from app.store import checkpoint
from app.store.models import (Erasure, EventRecord, LiveSession, QuarantinedEvent, SessionCounts, SessionStatus,
                              ShowViewer)
from app.text import clean_line, safe

log = logging.getLogger(__name__)
E = EventRecord
NAME_KEYS = ("nickname", "uname", "name", "buyer")  # beside the account's id: its name
SCAN_ROWS = 5000  # rows read at once while looking for an account


@dataclass(frozen=True)
class ViewerMatch:
    """One account that matched a search: its platform, id, the nicknames it had, in how many shows, when."""

    platform: str
    user_id: str
    nicknames: tuple[str, ...]
    shows: int
    events: int
    first_at: float
    last_at: float


@dataclass(frozen=True)
class ErasureResult:
    token: str
    shows: int
    events: int
    draws: tuple[tuple[int, int, bool], ...]  # (session, draw, fair when checked just before the erasure)
    live_skipped: int  # shows still live, not touched


def _quoted(text: str) -> str:
    """`text` as the log's JSON writes a string value (app.store.db: ensure_ascii=False), without the quotes."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _studio_sessions(database: Database, platform: str | None = None) -> dict[int, tuple[str, float, str]]:
    """The studio's shows: id → (platform, start, status)."""
    query = select(LiveSession.id, LiveSession.platform, LiveSession.started_at, LiveSession.status).where(
        LiveSession.studio_id == database.studio_id)
    if platform is not None:
        query = query.where(LiveSession.platform == platform)
    with database.session() as db:
        return {r.id: (r.platform, r.started_at or 0.0, r.status) for r in db.execute(query)}


def _rows(database: Database, sessions, where):
    """(row id, session, user_id, payload) of the events of `sessions` that `where` picks, read in slices."""
    ids = sorted(sessions)
    for i in range(0, len(ids), 500):
        with database.engine.connect() as conn:
            result = conn.execution_options(yield_per=SCAN_ROWS).execute(
                select(E.id, E.session_id, E.user_id, E.payload).where(E.session_id.in_(ids[i:i + 500]), where))
            yield from result


def _mentions(user_id: str):
    """An event row that names the account: its id column, or the id as a `user_id` anywhere in its payload."""
    return or_(E.user_id == user_id,
               cast(E.payload, String).contains(f'"user_id": "{_quoted(user_id)}"', autoescape=True))


def find_viewers(database: Database, text: str, limit: int = 50) -> list[ViewerMatch]:
    """The accounts of the studio's shows whose id is `text` or whose nickname is exactly `text`."""
    text = clean_line(text, 200)  # as the bus keeps names (and ids are plain text on one line)
    if not text:
        return []
    sessions = _studio_sessions(database)
    named = cast(E.payload, String).contains(f'"nickname": "{_quoted(text)}"', autoescape=True)
    found: dict[tuple[str, str], dict] = {}
    for _row, session_id, user_id, payload in _rows(database, sessions, or_(E.user_id == text, named)):
        user = user_id if user_id is not None else (payload or {}).get("user_id")
        if not isinstance(user, str) or not user:
            continue
        platform, started, _status = sessions[session_id]
        entry = found.setdefault((platform, user), {"names": set(), "shows": set(), "events": 0})
        name = (payload or {}).get("nickname")
        if isinstance(name, str) and name:
            entry["names"].add(name)
        entry["shows"].add(session_id)
        entry["events"] += 1
    matches = [ViewerMatch(platform, user, tuple(sorted(v["names"])), len(v["shows"]), v["events"],
                           min(sessions[s][1] for s in v["shows"]), max(sessions[s][1] for s in v["shows"]))
               for (platform, user), v in found.items()]
    matches.sort(key=lambda m: (-m.last_at, m.platform, m.user_id))
    return matches[:limit]


def scrub(value, user_id: str, token: str, names: set[str]):
    """`value` (an event's payload) with the account's id replaced by `token` and the name beside it by
    ERASED_NAME; the names replaced are added to `names`."""
    if isinstance(value, dict):
        ours = value.get("user_id") == user_id or value.get("uid") == user_id
        out = {}
        for key, item in value.items():
            if ours and key in NAME_KEYS and isinstance(item, str):
                names.add(item)
                out[key] = ERASED_NAME
            else:
                out[key] = scrub(item, user_id, token, names)
        return out
    if isinstance(value, list):
        return [scrub(item, user_id, token, names) for item in value]
    return token if value == user_id else value


def _draws_before(database: Database, session_id: int) -> list[tuple[int, int, bool]]:
    """Every 福袋 draw of the show that named its winners, checked from its log as it is now."""
    with database.session() as db:
        ids = db.scalars(select(E.payload).where(E.session_id == session_id,
                                                 E.type == EventType.DRAW_WINNERS.value)).all()
    draw_ids = sorted({p.get("draw_id") for p in ids if isinstance(p, dict) and isinstance(p.get("draw_id"), int)})
    if not draw_ids:
        return []
    events = load_events(database, session_id)
    out = []
    for draw_id in draw_ids:
        try:
            out.append((session_id, draw_id, recompute(events, draw_id).fair))
        except (KeyError, ValueError, TypeError):  # a draw the log cannot check: said so (not fair) in the record
            out.append((session_id, draw_id, False))
    return out


def erase_viewer(database: Database, platform: str, user_id: str) -> ErasureResult | None:
    """Erase one account of `platform` from the studio's ended shows (see the module's text); None when no stored
    trace of it was found."""
    user_id = safe(user_id).strip()[:64]  # the log's user_id column holds 64
    if not user_id or user_id.startswith(TOKEN_PREFIX):
        return None
    sessions = _studio_sessions(database, platform)
    live = {s for s, (_p, _t, status) in sessions.items() if status == SessionStatus.LIVE}
    ended = {s: v for s, v in sessions.items() if s not in live}
    rows = list(_rows(database, ended, _mentions(user_id)))
    touched = sorted({session_id for _row, session_id, _u, _p in rows})
    live_skipped = len({s for _r, s, _u, _p in _rows(database, live, _mentions(user_id))}) if live else 0
    token = TOKEN_PREFIX + secrets.token_hex(8)
    draws = [check for session_id in touched for check in _draws_before(database, session_id)]
    names: set[str] = set()
    with database.sessions.begin() as db:  # one transaction: all of it erased, or nothing
        for row_id, _session_id, row_user, payload in rows:
            db.execute(update(E).where(E.id == row_id).values(
                user_id=token if row_user == user_id else row_user, payload=scrub(payload or {}, user_id, token, names)))
        for session_id in touched:  # the kept review's moments name 福袋 winners: rebuilt from the log
            counts = db.get(SessionCounts, session_id)
            if counts is not None and "review" in counts.counts:
                counts.counts = {k: v for k, v in counts.counts.items() if k != "review"}
        kept = db.execute(update(ShowViewer).where(ShowViewer.studio_id == database.studio_id,
                                                   ShowViewer.platform == platform, ShowViewer.user_id == user_id)
                          .values(user_id=token)).rowcount or 0  # the accounts kept per show: counts stay
        # a quarantined event is text: scrubbed wherever the account's id or names occur once the account was found
        # in the log or the kept accounts; else only where the text names it as a user_id (never an erasure of
        # nobody rewriting every text that holds what was typed)
        named = f'"user_id": {json.dumps(user_id, ensure_ascii=False)}'
        quarantined = db.execute(select(QuarantinedEvent).where(QuarantinedEvent.session_id.in_(sorted(ended))))
        aside: Counter[int] = Counter()  # the quarantined texts changed, by show
        for (held,) in quarantined:
            if not (rows or kept) and named not in held.event_text:
                continue
            text = held.event_text
            for secret in sorted({user_id, *names}, key=len, reverse=True):
                text = text.replace(secret, token if secret == user_id else ERASED_NAME)
            if text != held.event_text:
                aside[held.session_id] += 1
            held.event_text = text
        if not rows and not kept and not aside:
            return None  # nothing named it: nothing changed, nothing recorded
        marked = sorted(set(touched) | set(aside))  # a show where only a quarantined event named it is touched too
        checkpoint.drop(db, *marked)  # a killed show's live state holds the ids: its review counts the log instead
        shows = max(len(marked), kept)  # the log's shows; the kept accounts have one row per show
        erased_at = time.time()
        per_show = Counter(session_id for _r, session_id, _u, _p in rows)
        for session_id in marked:  # the erasure is a record too: a mark on each touched show's chain (what a
            # bundle without the erasures' table is checked against)
            mark(db, session_id, "erasure", {"token": token, "erased_at": erased_at, "events": per_show[session_id],
                                             "quarantined": aside[session_id]})
        db.add(Erasure(studio_id=database.studio_id, platform=platform, token=token, erased_at=erased_at,
                       shows=shows, events=len(rows),
                       draws=[{"session_id": s, "draw_id": d, "verified": ok} for s, d, ok in draws]))
    log.info("a viewer's data erased on request (%s): %d events in %d shows", platform or "-", len(rows), shows)
    return ErasureResult(token, shows, len(rows), tuple(draws), live_skipped)


def erasures(database: Database) -> list[dict]:
    """The studio's erasure records, newest first (no id, no name: when, platform, token, how much, draws)."""
    with database.session() as db:
        rows = db.scalars(select(Erasure).where(Erasure.studio_id == database.studio_id)
                          .order_by(Erasure.erased_at.desc())).all()
        return [{"erased_at": r.erased_at, "platform": r.platform, "token": r.token, "shows": r.shows,
                 "events": r.events, "draws": list(r.draws)} for r in rows]


__all__ = ["ERASED_NAME", "ErasureResult", "TOKEN_PREFIX", "ViewerMatch", "erase_viewer", "erasures",
           "find_viewers", "scrub"]
