"""A live show's metrics kept as it runs, so the review of a show that was killed replays only what came after.

The event writer (app/store/writer.py) asks the session's metrics for their whole state (app.metrics.live:
`SessionMetrics.state()`) every few seconds, waits until it has stored every event that state counted, and keeps
it here beside the number of rows it stored up to then. It keeps it only when those rows are exactly the events the
metrics counted, in the review's order (nothing quarantined, nothing before the log began): then the metrics
restored and fed the log's events after `through_seq` give the full replay's figures (tests/test_review_fast.py).

The state holds viewers' ids: it is dropped when the show ends (the review is kept instead), when the review of an
interrupted show has been built and kept, and by an erasure or a pseudonymisation of the show.
"""

from __future__ import annotations

import json
import time
import zlib

from sqlalchemy import delete, insert, select

from app.store.db import Database
from app.store.models import SessionCheckpoint

EVERY_S = 5.0  # the interval between two; longer when keeping one costs more (WRITER_SHARE)
WRITER_SHARE = 0.02  # at most this share of the writer's thread goes to keeping them
MAX_STATE_BYTES = 256 * 2**20  # a state larger than this when inflated is refused on reading (not a checkpoint's)


CHUNK = 5_000  # ids encoded at a time: the encoder holds the interpreter for a few ms, never a whole state's worth


def encode(state: dict) -> bytes:
    """zlib-compressed JSON, encoded piece by piece: a long list of ids in slices, so the other threads (the
    pictures, the window) run between them rather than wait for one call over 100,000 ids."""
    deflate = zlib.compressobj(1)
    out = [deflate.compress(part.encode("utf-8")) for part in _parts(state)]
    out.append(deflate.flush())
    return b"".join(out)


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _parts(value):
    if isinstance(value, dict):
        yield "{"
        for i, (key, item) in enumerate(value.items()):
            yield ("," if i else "") + _dumps(str(key)) + ":"
            yield from _parts(item)
        yield "}"
    elif isinstance(value, list) and len(value) > CHUNK:
        yield "["
        for start in range(0, len(value), CHUNK):
            yield ("," if start else "") + _dumps(value[start:start + CHUNK])[1:-1]
        yield "]"
    else:
        yield _dumps(value)


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number a state holds")


def decode(blob: bytes) -> dict | None:
    """The state a blob holds, or None for anything that is not one (never raises)."""
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(blob, MAX_STATE_BYTES)
        if inflater.unconsumed_tail:
            return None
        state = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (zlib.error, UnicodeDecodeError, ValueError, TypeError, RecursionError):
        return None
    return state if isinstance(state, dict) else None


def save(connection, session_id: int, through_seq: int, events: int, blob: bytes) -> None:
    """Keep a checkpoint (replacing the show's last one), in the caller's transaction."""
    connection.execute(delete(SessionCheckpoint).where(SessionCheckpoint.session_id == session_id))
    connection.execute(insert(SessionCheckpoint), [{"session_id": session_id, "through_seq": through_seq,
                                                   "events": events, "state": blob, "saved_at": time.time()}])


def load(database: Database, session_id: int) -> tuple[dict, int, int] | None:
    """(state, through_seq, rows up to it) of the show's last checkpoint, or None."""
    with database.engine.connect() as connection:
        row = connection.execute(select(SessionCheckpoint.state, SessionCheckpoint.through_seq,
                                        SessionCheckpoint.events)
                                 .where(SessionCheckpoint.session_id == session_id)).first()
    if row is None:
        return None
    state = decode(row.state)
    return None if state is None else (state, int(row.through_seq), int(row.events))


def drop(connection, *session_ids: int) -> None:
    """No checkpoint kept for these shows any more (in the caller's transaction or session)."""
    if session_ids:
        connection.execute(delete(SessionCheckpoint).where(SessionCheckpoint.session_id.in_(session_ids)))


def drop_for(database: Database, session_id: int) -> None:
    with database.engine.begin() as connection:
        drop(connection, session_id)
