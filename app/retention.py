"""Retention (issue #31): a studio's records kept as long as the law asks and no longer.

Each studio has a policy (its row in `studios`, migration 0012): its shows are kept `keep_days` (default 1095:
《网络直播营销管理办法（试行）》 asks for three years) and then deleted with their recordings; its viewers' ids and
names are pseudonymised `pseudonymise_days` after a show (default 365; 0: never). `apply_policy` does both for the
shows that are due, and says what it did; a show still live is never touched.

Pseudonymising a show replaces every viewer id and name in its log (the `user_id` column and, in the payloads, the
values under `user_id`, `uid`, `nickname`, `uname`, `buyer`, and `name` beside an id) with `p:` and 12 hex digits of
HMAC-SHA-256(the studio's secret, the value). The secret is kept apart from the database (app/signing.py), so the
database alone cannot tell who a pseudonym was; the same viewer gets the same pseudonym in every show, so counts,
returning viewers and repeat buyers across shows stay what they were (the accounts kept for the views across shows
are pseudonymised the same way). A quarantined event's text is replaced (it is free text: what it names cannot be
told apart). The show's chain gets a `pseudonymised` mark, so its check says the viewers were pseudonymised, not
changed. Erased viewers (app/erasure.py) stay erased. The kept review is dropped, to be rebuilt from the log.

What pseudonymisation cannot reach: the recording (names shown on stream are in its pictures) and copies already
exported; a viewer's name written inside a comment's text. Where several machines share a database, the pseudonyms are those of the machine that applied the
policy (its secret).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select, update

from app.media.digest import as_recorded
from app.signing import pseudonym_secret
from app.store.chain import ERASED_NAME, PERSONAL_KEYS, PSEUDONYM, TOKEN_PREFIX, mark
from app.store import checkpoint
from app.store.models import (EventRecord, LiveSession, QuarantinedEvent, SessionCounts, SessionStatus, ShowViewer,
                              Studio)

log = logging.getLogger(__name__)
DAY = 86400.0
BATCH = 5000
QUARANTINE_TEXT = PSEUDONYM + "已去标识化 pseudonymised"
MAX_DAYS = 36500  # a hundred years: what a policy may say
VIEWER_KEYS = PERSONAL_KEYS - {"name"}


@dataclass(frozen=True)
class Policy:
    keep_days: int = 1095
    pseudonymise_days: int = 365  # 0: never


@dataclass(frozen=True)
class RetentionReport:
    pseudonymised: tuple[int, ...]  # shows whose viewers were pseudonymised now
    deleted: tuple[int, ...]  # shows deleted now (their recordings too)
    recordings: int  # recording files removed

    def summary(self) -> str:
        return (f"去标识化 {len(self.pseudonymised)} 场，删除 {len(self.deleted)} 场（录像 {self.recordings} 个）/ "
                f"{len(self.pseudonymised)} shows pseudonymised, {len(self.deleted)} shows deleted "
                f"({self.recordings} recordings)")


def policy(database) -> Policy:
    with database.session() as db:
        row = db.get(Studio, database.studio_id)
        return Policy(row.keep_days, row.pseudonymise_days) if row is not None else Policy()


def set_policy(database, keep_days: int | None = None, pseudonymise_days: int | None = None) -> Policy:
    """Change the studio's policy (None: as it is); ValueError (bilingual) for days out of range. Pseudonymising
    at or after `keep_days` means never: the show is deleted first."""
    current = policy(database)
    keep = current.keep_days if keep_days is None else keep_days
    pseudo = current.pseudonymise_days if pseudonymise_days is None else pseudonymise_days
    if not 1 <= keep <= MAX_DAYS:
        raise ValueError(f"保留天数应在 1–{MAX_DAYS} 之间 / keep days must be 1–{MAX_DAYS}")
    if not 0 <= pseudo <= MAX_DAYS:
        raise ValueError(f"去标识化天数应在 0–{MAX_DAYS} 之间 / pseudonymise days must be 0–{MAX_DAYS}")
    with database.sessions.begin() as db:
        db.execute(update(Studio).where(Studio.id == database.studio_id).values(keep_days=keep,
                                                                                 pseudonymise_days=pseudo))
    return Policy(keep, pseudo)


class Pseudonyms:
    """The studio's pseudonyms: the same value, the same pseudonym."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def of(self, value) -> str:
        return PSEUDONYM + hmac.new(self.secret, str(value).encode(), hashlib.sha256).hexdigest()[:12]

    def kept(self, value) -> bool:
        """A value left as it is: already a pseudonym, or erased on request."""
        return isinstance(value, str) and (value.startswith((PSEUDONYM, TOKEN_PREFIX)) or value == ERASED_NAME)

    def payload(self, value):
        """A payload with its viewers' ids and names replaced: `user_id`, `uid`, `nickname`, `uname`, `buyer`
        wherever they are, and `name` beside an id (a coupon's or a product's name is not a viewer's)."""
        if isinstance(value, dict):
            viewer = "user_id" in value or "uid" in value
            return {key: (self.of(item) if (key in VIEWER_KEYS or (viewer and key in PERSONAL_KEYS))
                          and isinstance(item, (str, int)) and not isinstance(item, bool) and not self.kept(item)
                          else self.payload(item))
                    for key, item in value.items()}
        if isinstance(value, list):
            return [self.payload(item) for item in value]
        return value


def pseudonymise_show(database, session_id: int, names: Pseudonyms) -> int:
    """Every viewer of one show pseudonymised (the module's text) in one transaction; how many events changed."""
    changed = 0
    with database.sessions.begin() as db:
        after = 0
        while True:
            rows = db.execute(select(EventRecord.id, EventRecord.user_id, EventRecord.payload).where(
                EventRecord.session_id == session_id, EventRecord.id > after).order_by(EventRecord.id)
                .limit(BATCH)).all()
            if not rows:
                break
            after = rows[-1][0]
            for row_id, user_id, payload in rows:
                new_user = user_id if user_id is None or names.kept(user_id) else names.of(user_id)
                new_payload = names.payload(payload or {})
                if new_user != user_id or new_payload != (payload or {}):
                    db.execute(update(EventRecord).where(EventRecord.id == row_id).values(user_id=new_user,
                                                                                          payload=new_payload))
                    changed += 1
        quarantined = db.execute(update(QuarantinedEvent).where(QuarantinedEvent.session_id == session_id)
                                 .values(event_text=QUARANTINE_TEXT)).rowcount or 0
        for viewer in db.scalars(select(ShowViewer).where(ShowViewer.session_id == session_id)).all():
            if not names.kept(viewer.user_id):
                viewer.user_id = names.of(viewer.user_id)
        checkpoint.drop(db, session_id)  # a killed show's live state holds the ids
        counts = db.get(SessionCounts, session_id)
        if counts is not None and "review" in counts.counts:  # the kept review names viewers: rebuilt from the log
            counts.counts = {k: v for k, v in counts.counts.items() if k != "review"}
        now = time.time()
        mark(db, session_id, "pseudonymised", {"day": dt.date.fromtimestamp(now).isoformat(), "events": changed,
                                              "quarantined": quarantined})
        db.execute(update(LiveSession).where(LiveSession.id == session_id).values(pseudonymised_at=now))
    return changed


def _remove_recording(path: str) -> int:
    removed = 0
    if path:
        for file in (Path(path), as_recorded(Path(path))):
            try:
                file.unlink()
                removed += 1
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.warning("recording %s not removed: %s", file.name, exc)
    return removed


def apply_policy(database, now: float | None = None) -> RetentionReport:
    """What is due under the studio's policy, done: shows past `keep_days` deleted with their recordings, then the
    viewers of shows past `pseudonymise_days` pseudonymised. Shows still live are never touched."""
    now = time.time() if now is None else now
    rules = policy(database)
    ended = LiveSession.status != SessionStatus.LIVE
    mine = LiveSession.studio_id == database.studio_id
    with database.session() as db:
        old = db.execute(select(LiveSession.id, LiveSession.recording_path).where(
            mine, ended, LiveSession.started_at < now - rules.keep_days * DAY)).all()
    recordings = 0
    for session_id, path in old:
        with database.sessions.begin() as db:
            db.execute(delete(LiveSession).where(LiveSession.id == session_id))
        recordings += _remove_recording(path)
    pseudonymised: list[int] = []
    if rules.pseudonymise_days:
        with database.session() as db:
            due = db.scalars(select(LiveSession.id).where(
                mine, ended, LiveSession.pseudonymised_at.is_(None),
                LiveSession.started_at < now - rules.pseudonymise_days * DAY).order_by(LiveSession.id)).all()
        if due:
            names = Pseudonyms(pseudonym_secret(database.studio))
            for session_id in due:
                pseudonymise_show(database, session_id, names)
                pseudonymised.append(session_id)
    report = RetentionReport(tuple(pseudonymised), tuple(s for s, _p in old), recordings)
    if old or pseudonymised:
        log.info("retention: %s", report.summary())
    return report


__all__ = ["Policy", "Pseudonyms", "RetentionReport", "apply_policy", "policy", "pseudonymise_show", "set_policy"]
