"""Plays a session's recording for the review: one decode thread, newest frame only, seek by stream time, and
the recording's sound in sync.

The recording's timestamps are stream time (the pipeline stamps every frame from the clock that starts at
go-live), so seeking to an event's `stream_time` shows what was on air at that moment. With a sound output (an
`AudioSink`: PortAudio's default output, or none on a machine without one), the decode thread demuxes the sound
too and the sink pulls it; while it plays, the sound is the clock: a frame is shown when the sound has reached its
time. Without a sink, the wall clock paces the frames as before.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np

from app.media.repair import repair_recording

log = logging.getLogger(__name__)


class PlayerError(ValueError):
    """A recording that cannot be played; the message says why."""


SOUND_STALL_S = 0.25  # the sound has not moved this long: the wall clock takes over until it does


class AudioSink:
    """Where the review's sound goes: `start(rate, channels, pull)` — the sink calls `pull(frames)` from its own
    thread for (frames, channels) float32 samples — and `stop()`. `latency` is the seconds between a pull and the
    sound leaving the speaker (the clock subtracts it)."""

    latency = 0.0

    def start(self, rate: int, channels: int, pull: Callable[[int], np.ndarray]) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError


class PortAudioSink(AudioSink):
    """The default sound output through PortAudio (sounddevice)."""

    def __init__(self) -> None:
        import sounddevice

        sounddevice.query_devices(kind="output")  # raises when there is no output device
        self._sounddevice, self._stream = sounddevice, None

    def start(self, rate: int, channels: int, pull: Callable[[int], np.ndarray]) -> None:
        def callback(outdata, frames, _time, _status) -> None:
            outdata[:] = pull(frames)

        self._stream = self._sounddevice.OutputStream(samplerate=rate, channels=channels, dtype="float32",
                                                      callback=callback)
        self.latency = float(self._stream.latency)
        self._stream.start()

    def stop(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None


def default_sink() -> AudioSink | None:
    """PortAudio's default output, or None where there is none (no sound card, no PortAudio)."""
    try:
        return PortAudioSink()
    except Exception as exc:  # noqa: BLE001 - OSError, PortAudioError, ImportError: no sound, the picture plays
        log.info("review player: no sound output (%s)", exc)
        return None


class _Sound:
    """The decoded sound waiting for the sink: chunks with their stream time; the clock is the time of the next
    sample the sink takes, while playing."""

    RATE, CHANNELS, MAX_SECONDS = 48000, 2, 10.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._chunks: deque[tuple[float, np.ndarray]] = deque()
        self._queued = 0
        self.time: float | None = None  # stream time of the next sample to play; None: not started
        self.playing = False
        self.pulled = 0  # samples handed to the sink (tests, health)

    def reset(self, at: float) -> None:
        with self._lock:
            self._chunks.clear()
            self._queued, self.time = 0, at

    def push(self, start: float, samples: np.ndarray) -> None:
        """(frames, channels) float32 from `start`; what lies before the clock (after a seek) is cut."""
        with self._lock:
            if self.time is not None and start < self.time:
                skip = int(round((self.time - start) * self.RATE))
                samples, start = samples[skip:], start + skip / self.RATE
            if len(samples) and self._queued < self.MAX_SECONDS * self.RATE:
                self._chunks.append((start, samples))
                self._queued += len(samples)

    def pull(self, frames: int) -> np.ndarray:
        out = np.zeros((frames, self.CHANNELS), np.float32)
        with self._lock:
            if not self.playing:
                return out
            filled = 0
            while filled < frames and self._chunks:
                start, samples = self._chunks[0]
                take = min(frames - filled, len(samples))
                out[filled:filled + take] = samples[:take]
                filled += take
                self.time = start + take / self.RATE
                if take == len(samples):
                    self._chunks.popleft()
                else:
                    self._chunks[0] = (self.time, samples[take:])
                self._queued -= take
            self.pulled += filled
        return out


class RecordingPlayer:
    def __init__(self, path: str | Path, width: int = 640, sink: AudioSink | None | str = "default") -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise PlayerError(f"录像不存在 / the recording is missing: {self.path}")
        repair_recording(self.path)  # cut off by a crash: its duration is written first (a copy, no re-encode)
        try:
            self._container = av.open(str(self.path))
        except av.error.FFmpegError as exc:
            raise PlayerError(f"录像无法打开 / cannot open the recording: {exc}") from None
        if not self._container.streams.video:
            self._container.close()
            raise PlayerError(f"录像里没有画面 / no video in {self.path.name}")
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        audio = self._container.streams.audio
        self._audio_stream = audio[0] if audio else None
        if self._audio_stream is None:
            sink = None
        elif sink == "default":
            sink = default_sink()
        self.sink: AudioSink | None = sink
        self.sound = _Sound() if sink is not None else None
        self._resampler = av.AudioResampler(format="flt", layout="stereo", rate=_Sound.RATE) if sink else None
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
        if self.sink is not None:
            self.sink.start(_Sound.RATE, _Sound.CHANNELS, self.sound.pull)

    def _probe_duration(self) -> float:
        if self._container.duration:
            return self._container.duration / av.time_base
        if self._stream.duration and self._stream.time_base:
            return float(self._stream.duration * self._stream.time_base)
        return 0.0

    # --- commands (any thread) -------------------------------------------------------------------------
    def frame(self) -> tuple[int, np.ndarray | None]:
        """(sequence number, newest frame as BGR) — redraw only when the number changed."""
        with self._wake:  # the two of one frame (the decode thread holds it only to put them in place)
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
            if self.sound is not None:
                self.sound.playing = False
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
        if self.sink is not None:
            self.sink.stop()
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
                    if self.sound is not None:  # the sound from the target on, decoded as the seek goes
                        self.sound.playing = False
                        self.sound.reset(target)
                    self._show(self._seek(target, after))
                    clock_start, media_start = time.monotonic(), self.position
                    continue
                frame = self._next()
                if frame is None:  # the end: stay on the last frame
                    with self._wake:
                        self.playing = False
                    if self.sound is not None:
                        self.sound.playing = False
                    continue
                if self.sound is not None:
                    self.sound.playing = True
                    if not self._wait_for_sound(frame.time or 0.0):
                        continue  # a command came in while waiting: that frame is stale
                    delay = 0.0
                else:
                    delay = (frame.time or 0.0) - media_start - (time.monotonic() - clock_start)
                if delay > 0:
                    with self._wake:
                        if self._wake.wait_for(lambda: self._closed or self._seek_to is not None or not self.playing,
                                               timeout=delay):
                            continue  # a command came in while waiting: that frame is stale
                picture = self._picture(frame)
                with self._wake:  # shown only while still playing: after `pause` returns, no frame comes
                    if self._closed or self._seek_to is not None or not self.playing:
                        continue
                    self._put(*picture)
            except (av.error.FFmpegError, OSError) as exc:  # a damaged tail: stop there, keep what was shown
                log.warning("review player: %s", exc)
                with self._wake:
                    self.playing = False
                self._frames = None

    def _wait_for_sound(self, frame_time: float) -> bool:
        """While the sound plays it is the clock: wait until it reaches the frame's time (what the speaker plays
        now is `latency` behind what the sink took). Where the sound stops moving (its track ends first, a gap),
        the wall clock carries on from its last time. False if a command came in meanwhile."""
        last, since = self.sound.time, time.monotonic()
        while True:
            heard = self.sound.time
            if heard != last:
                last, since = heard, time.monotonic()
            if heard is None:
                return True
            now = heard - self.sink.latency
            if time.monotonic() - since > SOUND_STALL_S:
                now += time.monotonic() - since
            delay = frame_time - now
            if delay <= 0:
                return True
            with self._wake:
                if self._wake.wait_for(lambda: self._closed or self._seek_to is not None or not self.playing,
                                       timeout=min(delay, 0.01)):
                    return False

    def _decoded(self):
        """The video frames in order; with a sink, the sound met on the way goes to it (resampled to 48 kHz
        stereo float, stamped with its stream time)."""
        if self.sound is None:
            yield from self._container.decode(self._stream)
            return
        for packet in self._container.demux(self._stream, self._audio_stream):
            if packet.stream is self._stream:
                yield from packet.decode()
                continue
            for frame in packet.decode():
                start = frame.time or 0.0
                for out in self._resampler.resample(frame):
                    samples = out.to_ndarray().reshape(-1, _Sound.CHANNELS)
                    self.sound.push(start, samples)
                    start += len(samples) / _Sound.RATE

    def _seek(self, t: float, first_after: bool = False):
        """The frame on air at time t (or the first at or after it): seek to the keyframe before, decode forward."""
        self._pending = None  # whatever an earlier seek read ahead is stale now
        self._container.seek(max(0, int(t / self._stream.time_base)), stream=self._stream, backward=True)
        self._frames = self._decoded()
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
            self._frames = self._decoded()
        return next(self._frames, None)

    def _picture(self, frame) -> tuple[np.ndarray, float]:
        """The frame as the view draws it (BGR at the player's width) and its time."""
        height = round(frame.height * self.width / frame.width / 2) * 2
        return frame.to_ndarray(width=self.width, height=height, format="bgr24"), frame.time or 0.0

    def _show(self, frame) -> None:
        if frame is None:
            return
        picture = self._picture(frame)
        with self._wake:
            self._put(*picture)

    def _put(self, picture: np.ndarray, position: float) -> None:
        """The frame the view reads next, at `position` (with `_wake` held: the view reads the three together)."""
        self._frame, self.position, self._seq = picture, position, self._seq + 1
