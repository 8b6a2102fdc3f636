"""The one event bus: every fact goes through `publish`; the store, metrics, overlays and UI subscribe."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

from app.kernel.events import Event
from app.text import safe_value

log = logging.getLogger(__name__)

Subscriber = Callable[[Event], None]


@dataclass(slots=True)
class _Slot:
    """One published event on its way through the bus, and (once dispatched) its stamped copy."""

    event: Event
    stamped: Event | None = None
    done: bool = False


class EventBus:
    """Assigns each event its sequence number and times, then hands it to every subscriber, in one order.

    One thread at a time dispatches (the *dispatcher*): the first publisher that finds the bus idle drains the
    queue; a publisher on another thread queues its event and waits until it has been dispatched, so `publish`
    still returns only after every subscriber saw the event. The bus's lock guards the queue only and is never
    held while a transform or subscriber runs, so a subscriber may take its own locks (the room's state lock)
    without ever forming a cycle with a publisher that holds one of them (the deadlock of issue #11).

    Rules for subscribers: be quick (update counters, put on a queue); never call a room verb (verbs wait for
    the bus; publishing a follow-up event is fine, it is dispatched right after the current one). A subscriber
    that raises is logged and counted; it never stops the others or the publisher.
    """

    def __init__(self) -> None:
        self._subscribers: tuple[Subscriber, ...] = ()
        self._transforms: tuple[Callable[[Event], Event], ...] = ()
        self._lock = threading.Lock()  # guards _queue, _dispatcher, the tuples; never held while calling out
        self._dispatched = threading.Condition(self._lock)
        self._queue: deque[_Slot] = deque()
        self._dispatcher: int | None = None  # the thread dispatching now
        self._seq = 0  # written by the dispatcher only
        self._last_stamp = -1.0  # the last stream time the bus stamped (dispatcher only)
        self._live_since: float | None = None  # monotonic time of go-live
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
        """Seconds since go-live; never behind the last stamp: the recording's clock starts after the session
        (`go_live` again, later), and events stamped in between keep their times, so the clock holds until the
        recording's time passes them rather than hand out an earlier time than an event already has."""
        since = self._live_since
        return None if since is None else max(time.monotonic() - since, self._last_stamp)

    def publish(self, event: Event) -> Event:
        """Stamp and dispatch `event`; returns the stamped event (with seq and times) once every subscriber saw it.

        An event published by a subscriber while another is being dispatched (e.g. "coupon sold out" caused by
        a claim) is queued and dispatched right after it, so every subscriber sees every event in seq order.
        Such a nested publish returns the event unstamped.
        """
        me = threading.get_ident()
        slot = _Slot(event)
        with self._lock:
            self._queue.append(slot)
            if self._dispatcher == me:
                return event
            while self._dispatcher is not None and not slot.done:
                # another thread dispatches: it will reach this slot. The timeout only guards against a
                # dispatcher that died (BaseException in a subscriber): then this thread takes over.
                self._dispatched.wait(0.5)
            if slot.done:
                return slot.stamped or event
            self._dispatcher = me
        self._drain(me)
        return slot.stamped or event

    def _drain(self, me: int) -> None:
        """Dispatch until the queue is empty, then give the bus up (always, even if a subscriber raised)."""
        try:
            while True:
                with self._lock:
                    if not self._queue:
                        return
                    slot = self._queue.popleft()
                    transforms, subscribers = self._transforms, self._subscribers
                try:
                    slot.stamped = self._dispatch(slot.event, transforms, subscribers)
                finally:
                    with self._lock:
                        slot.done = True
                        self._dispatched.notify_all()
        finally:
            with self._lock:
                if self._dispatcher == me:
                    self._dispatcher = None
                self._dispatched.notify_all()

    def _dispatch(self, event: Event, transforms, subscribers) -> Event:
        payload = safe_value(event.payload)  # the last guard: no subscriber ever gets text it cannot encode
        if payload is not event.payload:
            event = replace(event, payload=payload if isinstance(payload, dict) else {})
        for transform in transforms:
            try:
                event = transform(event)
            except Exception:  # a broken transform must not lose the event: it goes on as it was
                self.subscriber_errors += 1
                log.exception("event transform %r failed on %s", transform, event.type)
        self._seq += 1
        stream_time = event.stream_time
        if stream_time is None and (stream_time := self.stream_time()) is not None:
            # strictly after the last one: the replay's order by time is then the order of the bus (no ties)
            stream_time = self._last_stamp = max(stream_time, self._last_stamp + 1e-6)
        stamped = replace(event, seq=self._seq, wall_time=event.wall_time or time.time(), stream_time=stream_time)
        for subscriber in subscribers:
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
