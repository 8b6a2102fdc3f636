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
MAGIC = b"\x00ACK3"  # a checkpoint with its bytes apart; a zlib stream (the older form, still read) never starts with 0
_LENGTH = 8  # the compressed part's length, little-endian, after MAGIC


def encode(state: dict) -> bytes:
    """MAGIC, then the state's JSON zlib-compressed with a list of where its `bytes` values were (each a path of keys
    and indices and a length; null in their place), then those bytes as they are. The viewers' packed keys (64-bit
    hashes: nothing to compress) go in at the cost of a copy, where compressing them as base64 text took ~100 ms of
    the writer's thread at 200,000 viewers (bench/checkpoint_cost.py). The JSON is encoded piece by piece (a long
    list of ids in slices), so the other threads (the pictures, the window) run between them."""
    blobs: list[bytes] = []
    places: list[list] = []
    head = {"blobs": places, "state": _lifted(state, [], blobs, places)}
    deflate = zlib.compressobj(1)
    packed = [deflate.compress(part.encode("utf-8")) for part in _parts(head)]
    packed.append(deflate.flush())
    size = sum(len(part) for part in packed)
    return b"".join([MAGIC, size.to_bytes(_LENGTH, "little"), *packed, *blobs])


def _lifted(value, path: list, blobs: list[bytes], places: list[list]):
    """`value` with every bytes value in it replaced by None, its path and length noted in `places`. Walks dicts and
    lists of dicts (a state's windows), not a long list of ids or pairs: bytes anywhere else fail JSON's encoding."""
    if isinstance(value, bytes):
        places.append([path, len(value)])
        blobs.append(value)
        return None
    if isinstance(value, dict):
        return {key: _lifted(item, [*path, str(key)], blobs, places) for key, item in value.items()}
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [_lifted(item, [*path, i], blobs, places) for i, item in enumerate(value)]
    return value


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


def _inflated(blob, exact: bool):
    """The JSON value a zlib stream holds (at most MAX_STATE_BYTES inflated; `exact`: nothing after the stream)."""
    inflater = zlib.decompressobj()
    raw = inflater.decompress(blob, MAX_STATE_BYTES)
    if inflater.unconsumed_tail or (exact and (not inflater.eof or inflater.unused_data)):
        raise ValueError("not one whole stream within the cap")
    return json.loads(raw.decode("utf-8"), parse_constant=_no_constant)


def decode(blob: bytes) -> dict | None:
    """The state a blob holds, or None for anything that is not one (never raises). Reads both forms: MAGIC's, and
    the zlib-compressed JSON of the code before it (a show killed under an older version opens from its checkpoint)."""
    try:
        blob = blob if isinstance(blob, bytes) else bytes(blob)
        if not blob.startswith(MAGIC):
            state = _inflated(blob, exact=False)
            return state if isinstance(state, dict) else None
        start = len(MAGIC) + _LENGTH
        size = int.from_bytes(blob[len(MAGIC):start], "little")
        if len(blob) < start or size > len(blob) - start:
            return None
        head = _inflated(memoryview(blob)[start:start + size], exact=True)
        if not isinstance(head, dict) or not isinstance(head.get("state"), dict) or not isinstance(
                head.get("blobs"), list):
            return None
        state, at = head["state"], start + size
        for place in head["blobs"]:
            if not (isinstance(place, list) and len(place) == 2 and isinstance(place[0], list) and place[0]
                    and type(place[1]) is int and 0 <= place[1] <= len(blob) - at):
                return None
            if not _put(state, place[0], blob[at:at + place[1]]):
                return None
            at += place[1]
    except (zlib.error, UnicodeDecodeError, ValueError, TypeError, RecursionError):
        return None
    return state if at == len(blob) else None


def _put(state: dict, path: list, data: bytes) -> bool:
    """Put `data` where `path` says, in place of the null the encoder left there; False when there is none."""
    holder = state
    for step in path[:-1]:
        holder = _step(holder, step)
        if holder is None:
            return False
    last = path[-1]
    if isinstance(holder, dict) and isinstance(last, str) and last in holder and holder[last] is None:
        holder[last] = data
        return True
    if isinstance(holder, list) and type(last) is int and 0 <= last < len(holder) and holder[last] is None:
        holder[last] = data
        return True
    return False


def _step(holder, step):
    if isinstance(holder, dict) and isinstance(step, str):
        return holder.get(step)
    if isinstance(holder, list) and type(step) is int and 0 <= step < len(holder):
        return holder[step]
    return None


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
