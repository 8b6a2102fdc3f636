"""Plays a session's recording for the review: one decode thread, newest frame only, seek by stream time.

The recording's timestamps are stream time (the pipeline stamps every frame from the clock that starts at
go-live), so seeking to an event's `stream_time` shows what was on air at that moment. Video only: the review is
for looking (this machine has no sound card; a player with sound is a later step).
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import av
import numpy as np

log = logging.getLogger(__name__)


class PlayerError(ValueError):
    """A recording that cannot be played; the message says why."""


class RecordingPlayer:
    def __init__(self, path: str | Path, width: int = 640) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise PlayerError(f"录像不存在 / the recording is missing: {self.path}")
        try:
            self._container = av.open(str(self.path))
        except av.error.FFmpegError as exc:
            raise PlayerError(f"录像无法打开 / cannot open the recording: {exc}") from None
        if not self._container.streams.video:
            self._container.close()
            raise PlayerError(f"录像里没有画面 / no video in {self.path.name}")
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        self.width = width
        self.duration = self._probe_duration()
        self.position = 0.0
        self.playing = False
        self._frame: np.ndarray | None = None
        self._seq = 0
        self._wake = threading.Condition()
        self._seek_to: float | None = 0.0  # show the first frame
        self._seek_after = False
        self._closed = False
        self._frames = None  # the decode iterator, from the last seek on
        self._pending = None  # a frame decoded past the seek target: the next one to show when playing
        self._thread = threading.Thread(target=self._run, name="review player", daemon=True)
        self._thread.start()

    def _probe_duration(self) -> float:
        if self._container.duration:
            return self._container.duration / av.time_base
        if self._stream.duration and self._stream.time_base:
            return float(self._stream.duration * self._stream.time_base)
        return 0.0

    # --- commands (any thread) -------------------------------------------------------------------------
    def frame(self) -> tuple[int, np.ndarray | None]:
        """(sequence number, newest frame as BGR) — redraw only when the number changed."""
        return self._seq, self._frame

    def play(self) -> None:
        with self._wake:
            if self.position >= self.duration - 0.05:
                self._seek_to = 0.0  # at the end: play from the start
            self.playing = True
            self._wake.notify()

    def pause(self) -> None:
        with self._wake:
            self.playing = False
            self._wake.notify()

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def seek(self, t: float, *, first_after: bool = False) -> None:
        """Show the frame on air at t, or with first_after the first frame stamped at or after t (a product's
        window starts there: a frame skipped by a busy encoder must not put the playhead before the pin)."""
        with self._wake:
            self._seek_to = min(max(0.0, t), max(0.0, self.duration))
            self._seek_after = first_after
            self._wake.notify()

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join(5)
        self._container.close()

    # --- the decode thread --------------------------------------------------------------------------------
    def _run(self) -> None:
        clock_start = media_start = 0.0
        while True:
            with self._wake:
                while not self._closed and self._seek_to is None and not self.playing:
                    self._wake.wait()
                if self._closed:
                    return
                target, self._seek_to = self._seek_to, None
                after = self._seek_after
            try:
                if target is not None:
                    self._show(self._seek(target, after))
                    clock_start, media_start = time.monotonic(), self.position
                    continue
                frame = self._next()
                if frame is None:  # the end: stay on the last frame
                    with self._wake:
                        self.playing = False
                    continue
                delay = (frame.time or 0.0) - media_start - (time.monotonic() - clock_start)
                if delay > 0:
                    with self._wake:
                        if self._wake.wait_for(lambda: self._closed or self._seek_to is not None or not self.playing,
                                               timeout=delay):
                            continue  # a command came in while waiting: that frame is stale
                self._show(frame)
            except (av.error.FFmpegError, OSError) as exc:  # a damaged tail: stop there, keep what was shown
                log.warning("review player: %s", exc)
                with self._wake:
                    self.playing = False
                self._frames = None

    def _seek(self, t: float, first_after: bool = False):
        """The frame on air at time t (or the first at or after it): seek to the keyframe before, decode forward."""
        self._pending = None  # whatever an earlier seek read ahead is stale now
        self._container.seek(max(0, int(t / self._stream.time_base)), stream=self._stream, backward=True)
        self._frames = self._container.decode(self._stream)
        shown = None
        for frame in self._frames:
            if first_after and (frame.time or 0.0) >= t - 1e-3:
                return frame
            if shown is not None and (frame.time or 0.0) > t + 1e-3:
                self._pending = frame
                return shown
            shown = frame
        return shown

    def _next(self):
        pending = self._pending
        if pending is not None:
            self._pending = None
            return pending
        if self._frames is None:
            self._frames = self._container.decode(self._stream)
        return next(self._frames, None)

    def _show(self, frame) -> None:
        if frame is None:
            return
        height = round(frame.height * self.width / frame.width / 2) * 2
        self._frame = frame.to_ndarray(width=self.width, height=height, format="bgr24")
        self.position = frame.time or 0.0
        self._seq += 1
