"""The store writer: subscribes to the bus and persists events in batches from its own thread.

A batch is written every `interval` seconds or every `batch_size` events, whichever comes first, in one
transaction. On a normal `close()` everything queued is written; after a crash at most the batch in flight is
lost (SQLite commits are atomic). A failing write (full disk, locked database) is retried with back-off and the
events stay queued: nothing is dropped silently.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from app.live.events import Event
from app.store.db import Database
from app.store.models import EventRecord

log = logging.getLogger(__name__)

_STOP = object()


@dataclass
class WriterStats:
    written: int = 0
    batches: int = 0
    failures: int = 0
    duplicates: int = 0  # rows refused because the same (session, seq) was already stored
    queued: int = 0
    last_error: str | None = None


def event_row(session_id: int, event: Event) -> dict:
    payload = event.payload
    amount = payload.get("amount_cents")
    if amount is None:
        amount = payload.get("value_cents")
    return {
        "session_id": session_id,
        "seq": event.seq,
        "wall_time": event.wall_time,
        "stream_time": event.stream_time,
        "type": str(event.type),
        "actor": event.actor,
        "user_id": payload.get("user_id"),
        "product_id": payload.get("product_id"),
        "amount_cents": amount,
        "flagged": event.flagged,
        "payload": payload,
    }


class StoreWriter:
    """Call `attach(bus)` (or pass events to `__call__`), `close()` at the end of the session."""

    def __init__(self, database: Database, session_id: int, interval: float = 0.2, batch_size: int = 500,
                 max_queued: int = 1_000_000) -> None:
        self.database, self.session_id = database, session_id
        self.interval, self.batch_size = interval, batch_size
        self.stats = WriterStats()
        self._queue: queue.Queue = queue.Queue(maxsize=max_queued)
        self._thread = threading.Thread(target=self._run, name="store writer", daemon=True)
        self._thread.start()

    def __call__(self, event: Event) -> None:
        """Bus subscriber: O(1), never touches the database in the publisher's thread."""
        self._queue.put(event)  # blocks only if a million events are waiting: back-pressure, not loss

    def close(self, timeout: float = 30.0) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout)

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
        rows = [event_row(self.session_id, event) for event in batch]
        delay = 0.2
        while True:
            try:
                with self.database.engine.begin() as connection:
                    connection.execute(insert(EventRecord), rows)
                self.stats.written += len(rows)
                self.stats.batches += 1
                self.stats.queued = self._queue.qsize()
                return
            except IntegrityError:
                # not transient: some row is already there (e.g. an event re-sent). Write the rest one by one.
                self._write_rows_one_by_one(rows)
                return
            except Exception as exc:  # transient (disk full, locked): keep the batch and retry
                self.stats.failures += 1
                self.stats.last_error = str(exc).splitlines()[0][:200]
                log.error("event log write failed (%s); retrying in %.1f s", self.stats.last_error, delay)
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _write_rows_one_by_one(self, rows: list[dict]) -> None:
        for row in rows:
            try:
                with self.database.engine.begin() as connection:
                    connection.execute(insert(EventRecord), [row])
                self.stats.written += 1
            except IntegrityError as exc:
                self.stats.duplicates += 1
                self.stats.last_error = str(exc).splitlines()[0][:200]
                log.error("event seq %s of session %s is already stored; the copy was skipped", row["seq"],
                          row["session_id"])
        self.stats.batches += 1
