"""The C heap handed back while a show runs: glibc's `malloc_trim(0)` once a minute, on a thread of its own.

Over an hour at 2,000 events/s the heap glibc hands out stays flat once the audience has come; what grows is the
memory its arenas keep free between the frame buffers, the encoder's and the writer's (fragmentation:
docs/benchmarks.md "The window over an hour", with and without this). `malloc_trim` gives those pages back. It takes
milliseconds to tens of them, so never on the UI thread: here on a daemon thread, through ctypes, which lets go of the
interpreter's lock for the call — the other threads run on; only one that asks glibc for memory from the arena being
trimmed waits for that arena.

Where glibc is not the C library (Windows, macOS, musl) there is nothing to call: `HeapTrimmer.available` is False
and the thread is not started. No lock: the thread replaces one immutable `TrimStats` that readers take whole.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

log = logging.getLogger(__name__)

INTERVAL_S = 60.0
RECENT = 120  # the trims a reader can see (two hours of them at the default interval)
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True)
class Trim:
    at: float  # time.monotonic() when it started
    ms: float  # how long the call took
    released_mb: float  # the resident size before less after (negative when something else grew meanwhile)


@dataclass(frozen=True)
class TrimStats:
    count: int = 0
    released_mb: float = 0.0  # the sum of what each trim gave back
    longest_ms: float = 0.0
    recent: tuple[Trim, ...] = ()  # the newest RECENT trims, oldest first


def glibc_trim() -> Callable[[], int] | None:
    """glibc's malloc_trim(0) as a callable, or None where the C library is not glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return lambda: trim(0)


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameters (malloc.h)
M_ARENA_MAX = -8


def tune(arena_max: int | None = None, mmap_threshold: int | None = None) -> dict[str, bool]:
    """glibc's allocator set before the threads start: at most `arena_max` arenas (glibc's default: eight a core),
    every block of `mmap_threshold` bytes or more mapped on its own and unmapped when freed (glibc's default moves the
    threshold up to the largest block freed, so frames end up in the arenas). Each setting asked for → whether glibc
    took it; nothing is called where the C library is not glibc (all False). The console itself keeps glibc's
    defaults: bench/ui_stall.py sets these to measure the alternatives (docs/benchmarks.md, "The window over an
    hour": a fixed threshold costs the pipeline CPU for every frame mapped anew; two arenas save nothing)."""
    asked = {"arena_max": arena_max, "mmap_threshold": mmap_threshold}
    for name, value in asked.items():
        if value is not None and not (type(value) is int and 0 < value < 2**31):
            raise ValueError(f"{name} must be a positive int below 2**31, not {value!r}")
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return {name: False for name, value in asked.items() if value is not None}
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    params = {"arena_max": M_ARENA_MAX, "mmap_threshold": M_MMAP_THRESHOLD}
    return {name: mallopt(params[name], value) == 1 for name, value in asked.items() if value is not None}


def resident_mb() -> float:
    """The process's resident size in MB (/proc/self/statm; 0.0 where there is none)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE / 2**20
    except (OSError, IndexError, ValueError):
        return 0.0


class HeapTrimmer:
    """Every `interval_s`, `trim()` on a daemon thread, timed, with the resident size before and after.
    `start()` once; `stop()` ends it (and is safe to call before `start` or twice)."""

    def __init__(self, interval_s: float | None = None, trim: Callable[[], int] | None = None,
                 resident: Callable[[], float] = resident_mb) -> None:
        interval_s = INTERVAL_S if interval_s is None else interval_s
        if not interval_s > 0:
            raise ValueError(f"interval_s must be positive, not {interval_s!r}")
        self.interval_s = interval_s
        self._trim = trim if trim is not None else glibc_trim()
        self._resident = resident
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._recent: deque[Trim] = deque(maxlen=RECENT)  # written by the thread only
        self.stats = TrimStats()  # replaced whole by the thread; read it at any time

    @property
    def available(self) -> bool:
        return self._trim is not None

    def start(self) -> None:
        if not self.available:
            log.info("malloc_trim is not in this C library: the heap is not trimmed")
            return
        if self._thread is not None:
            raise RuntimeError("HeapTrimmer started twice")
        self._thread = threading.Thread(target=self._run, name="heap trim", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def trim_now(self) -> Trim:
        """One trim on the calling thread (the thread's step; a test's)."""
        before = self._resident()
        at = time.monotonic()
        started = time.perf_counter()
        self._trim()
        ms = (time.perf_counter() - started) * 1000
        done = Trim(at, round(ms, 3), round(before - self._resident(), 2))
        self._recent.append(done)
        old = self.stats
        self.stats = TrimStats(old.count + 1, round(old.released_mb + done.released_mb, 2),
                               max(old.longest_ms, done.ms), tuple(self._recent))
        return done

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.trim_now()
            except Exception:  # noqa: BLE001 - a failed trim must not end the show's thread; the next one tries again
                log.exception("heap trim failed")
