"""The one event bus: every fact goes through `publish`; the store, metrics, overlays and UI subscribe."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace

from app.live.events import Event

log = logging.getLogger(__name__)

Subscriber = Callable[[Event], None]


class EventBus:
    """Assigns each event its sequence number and times, then hands it to every subscriber, in one order.

    Dispatch runs in the publisher's thread under one lock, so all subscribers see the same order. Subscribers
    must be quick (update counters, put on a queue); slow work belongs in their own threads. A subscriber that
    raises is logged and counted; it never stops the others or the publisher.
    """

    def __init__(self) -> None:
        self._subscribers: tuple[Subscriber, ...] = ()
        self._transforms: tuple[Callable[[Event], Event], ...] = ()
        self._lock = threading.RLock()
        self._seq = 0
        self._live_since: float | None = None  # monotonic time of go-live
        self._dispatching = False
        self._pending: deque[Event] = deque()
        self.subscriber_errors = 0

    def add_transform(self, transform: Callable[[Event], Event]) -> None:
        """A step every event passes before it is stamped and dispatched (e.g. comment moderation), so no
        subscriber ever sees an unmoderated comment."""
        with self._lock:
            self._transforms = self._transforms + (transform,)

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers = self._subscribers + (subscriber,)

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = tuple(s for s in self._subscribers if s is not subscriber)

        return unsubscribe

    def go_live(self, at_monotonic: float | None = None) -> None:
        """Start counting stream time (seconds since go-live), shared with the recording's clock."""
        self._live_since = time.monotonic() if at_monotonic is None else at_monotonic

    def stop_live(self) -> None:
        self._live_since = None

    def stream_time(self) -> float | None:
        since = self._live_since
        return None if since is None else time.monotonic() - since

    def publish(self, event: Event) -> Event:
        """Stamp and dispatch `event`; returns the stamped event (with seq and times).

        An event published by a subscriber while another is being dispatched (e.g. "coupon sold out" caused by
        a claim) is queued and dispatched right after it, so every subscriber sees every event in seq order.
        Such a nested publish returns the event unstamped.
        """
        with self._lock:
            if self._dispatching:
                self._pending.append(event)
                return event
            self._dispatching = True
            try:
                stamped = self._dispatch(event)
                while self._pending:
                    self._dispatch(self._pending.popleft())
            finally:
                self._dispatching = False
                self._pending.clear()
            return stamped

    def _dispatch(self, event: Event) -> Event:
        for transform in self._transforms:
            event = transform(event)
        self._seq += 1
        stamped = replace(event, seq=self._seq, wall_time=event.wall_time or time.time(),
                          stream_time=event.stream_time if event.stream_time is not None else self.stream_time())
        for subscriber in self._subscribers:
            try:
                subscriber(stamped)
            except Exception:
                self.subscriber_errors += 1
                log.exception("event subscriber %r failed on %s", subscriber, stamped.type)
        return stamped

    @property
    def last_seq(self) -> int:
        return self._seq

    def resume_seq(self, seq: int) -> None:
        """Continue numbering after `seq` (e.g. after reopening a session)."""
        with self._lock:
            self._seq = max(self._seq, seq)
