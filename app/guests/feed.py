"""A seat's latest picture, handed from the guests' door (its asyncio thread, where aiortc decodes) to the
pipeline's render thread: one slot, replaced whole, so nothing queues between a phone and the program; readers get
an immutable snapshot. A guest's pictures are held `delay_s` first (at most MAX_HELD of them), so that they reach
the program with the guest's sound, which comes later (app/guests/audio.py)."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

import numpy as np

PEAK_HOLD_S = 1.0  # the meter shows the loudest sample of the last second
MAX_HELD = 30  # pictures held for sync at most (a second of a phone's); more: the oldest are let go


@dataclass(frozen=True)
class FeedState:
    frame: object | None  # av.VideoFrame (yuv420p as decoded), never written to once handed over
    count: int  # pictures received since the seat was made
    age: float  # seconds since the newest picture (inf before the first)
    connected: bool
    accepted: bool
    peak: float = 0.0  # the loudest sample of its sound within the last second (0–1), heard or not


class GuestFeed:
    def __init__(self, seat: str, clock=time.monotonic) -> None:
        self.seat, self._clock = seat, clock
        self._lock = threading.Lock()
        self._frame, self._count, self._at = None, 0, None
        self.delay_s = 0.0  # how long a picture is held before it is the newest (a guest's: to meet its sound)
        self._held: deque = deque(maxlen=MAX_HELD)  # (arrived, frame) not yet shown
        self._connected = self._accepted = False
        self.kind = "camera"  # the invitation's
        self.heard = False  # its sound in the program while on air: a guest's by default, a phone camera's if asked
        self._listeners: list = []  # the seat's sound, told each decoded audio frame (GuestAudio while a show runs)
        self._peak, self._peak_at = 0.0, -PEAK_HOLD_S
        self.gain = 1.0  # the seat's level in the program's mix (0–2), set from the window

    def put(self, frame) -> None:
        """The door's thread: a decoded picture arrived (the one before it, if not yet drawn, is dropped)."""
        now = self._clock()
        with self._lock:
            self._held.append((now, frame))
            self._count += 1

    def put_audio(self, frame) -> None:
        """The door's thread: a decoded piece of sound arrived (its peak kept for the meter; given to whoever
        listens; none: let go)."""
        samples = frame.to_ndarray()
        full = 32768.0 if samples.dtype == np.int16 else 1.0
        level, now = float(np.abs(samples).max(initial=0)) / full, self._clock()
        with self._lock:
            if now - self._peak_at > PEAK_HOLD_S:
                self._peak = 0.0
            self._peak, self._peak_at = max(self._peak, level), now
            listeners = tuple(self._listeners)
        for listener in listeners:  # outside the lock
            listener(frame)

    def listen(self, listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def stop_listening(self, listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def clear(self) -> None:
        """The seat's phone is gone for good (revoked): no picture kept, so its slate waits for a phone again."""
        with self._lock:
            self._frame, self._at, self._connected, self._accepted = None, None, False, False
            self._held.clear()

    def set_connected(self, connected: bool) -> None:
        with self._lock:
            self._connected = connected

    def set_accepted(self, accepted: bool) -> None:
        with self._lock:
            self._accepted = accepted

    def latest(self) -> FeedState:
        now = self._clock()
        with self._lock:
            while self._held and now - self._held[0][0] >= self.delay_s - 1e-9:  # its time has come
                self._at, self._frame = self._held.popleft()
                self._at += self.delay_s
            age = float("inf") if self._at is None else now - self._at
            peak = self._peak if now - self._peak_at <= PEAK_HOLD_S else 0.0
            return FeedState(self._frame, self._count, age, self._connected, self._accepted, peak)


class FeedShelf:
    """Every seat's feed by name, made on first ask (a scene may name a seat before its phone is invited): the
    guests' door fills them, the scenes draw them, and they outlast the door being closed and opened again."""

    def __init__(self) -> None:
        from app.guests.program import ProgramSound

        self._feeds: dict[str, GuestFeed] = {}
        self._lock = threading.Lock()
        self.program_sound = ProgramSound()  # the show's own sound, for the guests to hear (mix-minus)
        self.program_picture = lambda: None  # () → the newest program picture (BGR) or None; the stage's

    def feed(self, seat: str) -> GuestFeed:
        with self._lock:
            if seat not in self._feeds:
                self._feeds[seat] = GuestFeed(seat)
            return self._feeds[seat]


@dataclass(frozen=True)
class GuestSeat:
    """A seat as the window and the command line show it: the invitation's state ("invited", "expired",
    "joined"), whether it is on air, whether its phone is there now, how many pictures came and their size."""

    seat: str
    kind: str
    state: str
    accepted: bool
    connected: bool
    pictures: int
    size: tuple[int, int] | None
    expires_in: float
    peak: float = 0.0  # its sound's loudest sample within the last second (0–1)
    gain: float = 1.0  # its level in the program's mix
    heard: bool = False  # its sound goes into the program while it is on air


@dataclass(frozen=True)
class GuestInvite:
    """An invitation as it is handed over: a link per address of this machine (the first drawn as `qr`), the
    certificate's SHA-256 fingerprint to compare in the phone's warning, and when it expires unused."""

    seat: str
    kind: str
    links: tuple[str, ...]
    qr: tuple[tuple[bool, ...], ...]
    fingerprint: str
    expires_in: float
