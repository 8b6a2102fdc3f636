"""The store writer: subscribes to the bus and persists events in batches from its own thread.

A batch is written every `interval` seconds or every `batch_size` events, whichever comes first, in one
transaction. On a normal `close()` everything queued is written; after a crash at most the batch in flight is
lost (SQLite commits are atomic).

Two kinds of failure, told apart by what the database says and by whether the neighbouring rows go in:
- transient (full disk, locked or unreachable database): the whole batch fails; it is retried with back-off and
  the events stay queued, nothing is dropped;
- one bad event (a value the database refuses: an out-of-range number, a payload that is not JSON): that event
  is set aside in `quarantined_events` with the reason, counted in `stats.quarantined`, and every other event
  of the batch is written. One bad number never stops the log (issue #11).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from app.kernel.events import Event
from app.store import checkpoint
from app.store.bulk import insert_rows
from app.store.chain import Chain, load_chain
from app.store.db import Database
from app.store.models import ChainLink, EventRecord, LiveSession, QuarantinedEvent
from app.text import safe

log = logging.getLogger(__name__)

_STOP = object()
ROW_ATTEMPTS = 3  # a row that fails this often while its neighbours go in is the row's fault


def _transient(exc: BaseException) -> bool:
    """Errors of the database rather than of a row: retry them, never quarantine on the first sight."""
    return isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)


def _reason(exc: BaseException) -> str:
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    return f"{type(cause).__name__}: {str(cause).splitlines()[0] if str(cause) else ''}"[:300]


@dataclass
class WriterStats:
    written: int = 0
    batches: int = 0
    failures: int = 0
    duplicates: int = 0  # rows refused because the same (session, seq) was already stored
    quarantined: int = 0  # events the database refused, set aside in quarantined_events
    queued: int = 0
    checkpoints: int = 0  # the metrics' state kept (app/store/checkpoint.py)
    checkpoint_ms: float = 0.0  # what keeping the last one cost this thread
    last_error: str | None = None


def _whole(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def event_row(session_id: int, event: Event) -> dict:
    """The stored row of an event. The indexed columns hold only what their type holds (an id as text, a product
    and an amount as whole numbers; anything else None: the payload keeps it as it came), so the row reads back as
    it was written on every engine — what the hash chain relies on."""
    payload = event.payload
    amount = _whole(payload.get("amount_cents"))
    if amount is None:
        amount = _whole(payload.get("value_cents"))
    user = payload.get("user_id")
    if _whole(user) is not None:
        user = str(user)
    return {
        "session_id": session_id,
        "seq": event.seq,
        "wall_time": event.wall_time,
        "stream_time": event.stream_time,
        "type": str(event.type),
        "actor": event.actor,
        "user_id": user if isinstance(user, str) else None,
        "product_id": _whole(payload.get("product_id")),
        "amount_cents": amount,
        "flagged": event.flagged,
        "payload": payload,
    }


class StoreWriter:
    """Call `attach(bus)` (or pass events to `__call__`), `close()` at the end of the session."""

    def __init__(self, database: Database, session_id: int, interval: float = 0.2, batch_size: int = 512,
                 max_queued: int = 1_000_000) -> None:
        self.database, self.session_id = database, session_id
        self.interval, self.batch_size = interval, batch_size
        self.stats = WriterStats()
        self.chain = self._begin_chain()  # every row this writer stores is a link (app/store/chain.py)
        self.chained = {"event": 0, "quarantined": 0}
        self._queue: queue.Queue = queue.Queue(maxsize=max_queued)
        self._state = None  # () → the metrics' state (keep_checkpoints)
        self._every = checkpoint.EVERY_S
        self._next_checkpoint = 0.0
        self._pending: dict | None = None  # a state asked for, waiting for its events to be stored
        self._state_cost = 0.0  # seconds taking it cost
        self._stored = 0  # rows this writer stored
        self._in_order = True  # every row stored batch by batch, in seq order, since the pending state was taken
        self._thread = threading.Thread(target=self._run, name="store writer", daemon=True)
        self._thread.start()

    def __call__(self, event: Event) -> None:
        """Bus subscriber: O(1), never touches the database in the publisher's thread."""
        self._queue.put(event)  # blocks only if a million events are waiting: back-pressure, not loss

    @property
    def backlog(self) -> int:
        """Events waiting to be written now."""
        return self._queue.qsize()

    def keep_checkpoints(self, state, every: float = checkpoint.EVERY_S) -> None:
        """Every `every` seconds (longer when it costs more), ask `state()` (SessionMetrics.state: with its
        "last_seq", "seen" and "ordered") and keep it once every event it counted is stored, if those are exactly
        the rows stored (app/store/checkpoint.py). Call before the first event."""
        self._every = every
        self._next_checkpoint = time.monotonic() + every
        self._state = state

    def close(self, timeout: float = 30.0) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def _begin_chain(self) -> Chain:
        """The show's chain: begun with its first link, or the stored one continued (a writer for a show that has
        one: the links go on from its last)."""
        with self.database.engine.begin() as connection:
            kept = load_chain(connection, self.session_id)
            if kept is not None:
                return kept
            started = connection.execute(select(LiveSession.started_at).where(
                LiveSession.id == self.session_id)).scalar()
            chain, genesis = Chain.begin(self.session_id, self.database.studio_id, started)
            connection.execute(insert(ChainLink), [genesis])
        return chain

    def seal(self, signer=None) -> None:
        """The show's end: a last link closing the chain (after `close`, once everything is written), signed by
        `signer` (app.signing.StudioKey.signer: the studio's key) when given."""
        if self._thread.is_alive():
            raise RuntimeError("seal after close: the writer is still writing")
        if self.chain.sealed:
            return
        row = self.chain.seal_row(self.chained["event"], self.chained["quarantined"], signer)
        with self.database.engine.begin() as connection:
            connection.execute(insert(ChainLink), [row])
        self.chain.keep()
        self.chain.sealed = True

    def _insert(self, rows: list[dict]) -> None:
        """Event rows and their links in one transaction; the chain moves on only once it has committed."""
        links = self.chain.events(rows)
        with self.database.engine.begin() as connection:  # a statement each, not a step per row (app/store/bulk.py)
            insert_rows(connection, EventRecord, rows)
            insert_rows(connection, ChainLink, links)
        self.chain.keep()
        self.chained["event"] += len(rows)
        self._stored += len(rows)

    def _checkpoint(self, rows: list[dict]) -> None:
        """After a batch's commit: ask for the metrics' state when one is due; keep it once its events are all
        stored."""
        if self._pending is None:
            if time.monotonic() < self._next_checkpoint:
                return
            began = time.perf_counter()
            try:
                self._pending = self._state()
                self._state_cost = time.perf_counter() - began
            except Exception:  # noqa: BLE001 - a checkpoint is a convenience: the log goes on without it
                log.exception("the metrics' state for a checkpoint failed")
                self._next_checkpoint = time.monotonic() + self._every
                return
            self._in_order = True
            if self._pending["last_seq"] > rows[-1]["seq"]:
                return
        through = self._pending["last_seq"]
        if rows[-1]["seq"] < through:
            return  # the events it counted are not all stored yet: the next batches bring them
        state, self._pending = self._pending, None
        stored = self._stored - sum(1 for row in rows if row["seq"] > through)
        started = time.perf_counter()
        if self._in_order and state["ordered"] and stored == state["seen"]:
            try:
                blob = checkpoint.encode(state)
                with self.database.engine.begin() as connection:
                    checkpoint.save(connection, self.session_id, through, stored, blob)
                self.stats.checkpoints += 1
            except Exception as exc:  # noqa: BLE001 - the review replays the whole log instead
                log.warning("checkpoint not kept: %s", _reason(exc))
        cost = time.perf_counter() - started + self._state_cost  # the state taken, encoded and written
        self.stats.checkpoint_ms = round(cost * 1000, 1)
        self._next_checkpoint = time.monotonic() + max(self._every, cost / checkpoint.WRITER_SHARE)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch: list[Event] = []
            try:
                first = self._queue.get(timeout=self.interval)
            except queue.Empty:
                continue
            if first is _STOP:
                break
            batch.append(first)
            deadline = time.monotonic() + self.interval
            while len(batch) < self.batch_size:
                remaining = deadline - time.monotonic()
                try:
                    item = self._queue.get(timeout=max(0.0, remaining)) if remaining > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)
            self._write(batch)
        # drain anything published after the stop marker was queued (a close racing a publisher)
        rest = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not _STOP:
                rest.append(item)
        if rest:
            self._write(rest)

    def _write(self, batch: list[Event]) -> None:
        pairs = []
        for event in batch:
            try:
                pairs.append((event, event_row(self.session_id, event)))
            except Exception as exc:  # noqa: BLE001 - an event that cannot even become a row
                self._quarantine([(event, _reason(exc))])
        rows = [row for _, row in pairs]
        if not rows:
            return
        try:
            self._insert(rows)
        except Exception as exc:  # noqa: BLE001 - sorted out row by row below
            log.warning("event log batch of %d failed (%s); writing row by row", len(rows), _reason(exc))
            self._rows_alone(pairs)
            return
        if self._state is not None:  # before the batch is counted written: whoever waits for that sees its checkpoint
            self._checkpoint(rows)
        self._written(len(rows))

    def _rows_alone(self, pairs: list[tuple[Event, dict]]) -> None:
        """Each row alone: duplicates are skipped, bad rows quarantined, a database that is down waited for."""
        self._in_order = False  # rows no longer counted batch by batch: no checkpoint from the state pending
        events = {row["seq"]: event for event, row in pairs}
        rows = [row for _, row in pairs]
        attempts: dict[int, int] = {}
        delay = 0.2
        pending = rows
        while pending:
            failed, progressed = [], False
            for row in pending:
                try:
                    self._insert([row])
                    self._written(1)
                    progressed = True
                except IntegrityError as exc:
                    if self._already_stored(row):
                        self.stats.duplicates += 1
                        log.error("event seq %s of session %s is already stored; the copy was skipped",
                                  row["seq"], row["session_id"])
                    else:
                        self._quarantine([(events.get(row["seq"]), _reason(exc))], row)
                    progressed = True
                except Exception as exc:  # noqa: BLE001
                    if not _transient(exc):
                        self._quarantine([(events.get(row["seq"]), _reason(exc))], row)
                        progressed = True
                    else:
                        failed.append((row, exc))
            pending = []
            for row, exc in failed:
                attempts[row["seq"]] = attempts.get(row["seq"], 0) + 1
                if progressed and attempts[row["seq"]] >= ROW_ATTEMPTS:
                    self._quarantine([(events.get(row["seq"]), _reason(exc))], row)
                else:
                    pending.append(row)
            if pending and not progressed:  # the database itself is failing: keep everything, wait, retry
                self.stats.failures += 1
                self.stats.last_error = _reason(failed[0][1])[:200]
                log.error("event log write failed (%s); retrying in %.1f s", self.stats.last_error, delay)
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
        self.stats.batches += 1

    def _already_stored(self, row: dict) -> bool:
        with self.database.engine.connect() as connection:
            return connection.execute(select(EventRecord.id).where(EventRecord.session_id == row["session_id"],
                                                                   EventRecord.seq == row["seq"])).first() \
                is not None

    def _written(self, count: int) -> None:
        self.stats.written += count
        if count > 1:
            self.stats.batches += 1
        self.stats.queued = self._queue.qsize()

    def _quarantine(self, items: list[tuple[Event | None, str]], row: dict | None = None) -> None:
        """Set events aside with the reason; if even that cannot be stored, the log line keeps them."""
        records = []
        for event, reason in items:
            seq = event.seq if event is not None else (row or {}).get("seq", 0)
            kind = str(event.type) if event is not None else str((row or {}).get("type", "?"))
            text = _event_text(event if event is not None else row)
            records.append({"session_id": self.session_id, "seq": seq, "type": kind, "reason": reason,
                            "event_text": text, "quarantined_at": time.time()})
            self.stats.quarantined += 1
            self.stats.last_error = f"quarantined seq {seq}: {reason}"[:200]
            log.error("event seq %s (%s) of session %s set aside: %s", seq, kind, self.session_id, reason)
        try:
            links = self.chain.quarantined(records)
            with self.database.engine.begin() as connection:
                connection.execute(insert(QuarantinedEvent), records)
                connection.execute(insert(ChainLink), links)
            self.chain.keep()
            self.chained["quarantined"] += len(records)
        except Exception as exc:  # noqa: BLE001 - the log line above and the text below keep it
            log.error("could not store the quarantined events (%s): %s", _reason(exc),
                      [r["event_text"][:2000] for r in records])


def _event_text(item) -> str:
    """Any event or row as readable text, whatever it holds (NaN, 2^63, objects): for people, not replay."""
    if isinstance(item, Event):
        item = {"seq": item.seq, "type": str(item.type), "actor": item.actor, "wall_time": item.wall_time,
                "stream_time": item.stream_time, "flagged": item.flagged, "payload": item.payload}
    try:
        text = json.dumps(item, ensure_ascii=False, default=repr)[:100_000]
    except Exception:  # noqa: BLE001 - e.g. a dict with non-string keys nested deep
        text = repr(item)[:100_000]
    return safe(text)  # the very value that was refused must not make its quarantine copy fail as well
