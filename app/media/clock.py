"""One monotonic clock for the whole pipeline: every frame and audio sample is stamped from it."""

from __future__ import annotations

import time


class MediaClock:
    """Seconds since the stream started, from `time.monotonic`; shared by video and audio."""

    def __init__(self) -> None:
        self._origin = time.monotonic()

    @property
    def origin(self) -> float:
        return self._origin

    def reset(self) -> None:
        """Start counting from now (once the sources are primed, just before the first frame)."""
        self._origin = time.monotonic()

    def now(self) -> float:
        return time.monotonic() - self._origin

    def sleep_until(self, stream_time: float) -> float:
        """Sleep until `stream_time`; return how late we woke (seconds, ≥ 0 when on time)."""
        delay = stream_time - self.now()
        if delay > 0:
            time.sleep(delay)
        return self.now() - stream_time


def format_clock(seconds: float) -> str:
    """hh:mm:ss for timers and stats lines."""
    t = max(0, int(seconds))
    return f"{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d}"
