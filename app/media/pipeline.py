"""Wiring: capture thread → bounded frame queue → encode thread → every output's own queue; stats once a second."""

from __future__ import annotations

import gc
import logging
import math
import queue
import resource
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from app.media import yuv
from app.media.audio import BeepSource
from app.media.clock import MediaClock
from app.media.encode import Encoder, EncoderSettings
from app.media.outputs import Output, OutputStats
from app.media.sources import TestPatternSource, fit, wait_until

log = logging.getLogger(__name__)

CATCH_UP_S = 1.0  # a stall shorter than this loses no frame (the encoder queue holds up to a second); longer: skipped
QUEUE_BYTES = 64 * 1024 * 1024  # the encoder queue's bound in bytes of I420 frames (1080p: 21 frames, 720p: 30)


def queue_frames(width: int, height: int, fps: float) -> int:
    """How many rendered frames wait for the encoder at most: a second's worth, within QUEUE_BYTES, at least 8.
    Measured in the hour's soak: a queue of 8 (0.27 s) lost frames to stalls of the whole 2-core machine."""
    return max(8, min(int(round(fps * CATCH_UP_S)), QUEUE_BYTES // (width * height * 3 // 2)))


_END = object()


@dataclass(frozen=True)
class OutputRate:
    stats: OutputStats
    kbps: float
    fps: float = 0.0  # video frames written (or sent) per second over the last interval

    @property
    def lost(self) -> int:
        return sum(self.stats.dropped.values())

    @property
    def lost_percent(self) -> float:
        return self.lost / max(1, self.lost + self.stats.packets) * 100

    @property
    def health(self) -> str:
        """failed | reconnecting | congested | ok — what the health light shows (OBS: congestion ≥ 0.5)."""
        if self.stats.error:
            return "failed"
        if not self.stats.connected:
            return "reconnecting"
        return "congested" if self.stats.congestion >= 0.5 else "ok"


@dataclass(frozen=True)
class PipelineStats:
    """A once-a-second snapshot; counters are totals since start, rates cover the last interval."""

    stream_time: float
    frames_captured: int
    frames_encoded: int
    capture_fps: float
    encode_ms_mean: float
    encode_ms_p95: float
    dropped: dict[str, int]
    cpu_percent: float  # this process (capture, render, encode, file outputs), % of one core
    outputs: list[OutputRate] = field(default_factory=list)
    notices: tuple[str, ...] = ()
    render_ms_mean: float = 0.0  # source frame → fit → overlays → I420, per frame
    compose_ms_mean: float = 0.0
    compose_ms_p95: float = 0.0
    push_cpu_percent: float = 0.0  # the RTMP push child processes together, % of one core


@dataclass(frozen=True)
class _Captured:
    index: int
    stream_time: float
    i420: np.ndarray
    first_sample: int
    samples: np.ndarray


SILENCE_DB = -90.0


def peak_db(samples: np.ndarray) -> float:
    """Peak level of float samples in dBFS (full scale = 1.0); SILENCE_DB for silence."""
    peak = float(np.abs(samples).max()) if samples.size else 0.0
    return max(SILENCE_DB, 20 * math.log10(peak)) if peak > 0 else SILENCE_DB


def stats_dict(stats: PipelineStats) -> dict:
    """A JSON-ready view of a snapshot (for --stats-json and later the UI bridge); no secrets in it."""
    return {
        "wall_time": time.time(),
        "stream_time": round(stats.stream_time, 3),
        "frames_captured": stats.frames_captured,
        "frames_encoded": stats.frames_encoded,
        "capture_fps": round(stats.capture_fps, 2),
        "encode_ms_mean": round(stats.encode_ms_mean, 2),
        "encode_ms_p95": round(stats.encode_ms_p95, 2),
        "dropped": stats.dropped,
        "cpu_percent": round(stats.cpu_percent, 1),
        "push_cpu_percent": round(stats.push_cpu_percent, 1),
        "notices": list(stats.notices),
        "render_ms_mean": round(stats.render_ms_mean, 2),
        "compose_ms_mean": round(stats.compose_ms_mean, 3),
        "compose_ms_p95": round(stats.compose_ms_p95, 3),
        "outputs": [
            {
                "name": o.stats.name,
                "kbps": round(o.kbps, 1),
                "fps": round(o.fps, 2),
                "packets": o.stats.packets,
                "queue_depth": o.stats.queue_depth,
                "dropped": dict(o.stats.dropped),
                "error": o.stats.error,
                "connected": o.stats.connected,
                "connected_since": o.stats.connected_since,
                "reconnects": o.stats.reconnects,
                "restarts": o.stats.restarts,
                "congestion": round(o.stats.congestion, 3),
                "latency_ms_p95": None if o.stats.latency_ms_p95 is None else round(o.stats.latency_ms_p95, 1),
            }
            for o in stats.outputs
        ],
    }


class Pipeline:
    """Streams a video + audio source, fitted to the canvas and composited, into `outputs` for `duration`
    seconds (None: until `stop()` or until a non-looping file source ends)."""

    def __init__(self, settings: EncoderSettings, outputs: list[Output], duration: float | None = None,
                 on_stats: Callable[[PipelineStats], None] | None = None, frame_queue: int | None = None,
                 video_source=None, audio_source=None, compositor=None, fit_mode: str = "letterbox") -> None:
        self.settings, self.outputs, self.duration, self.on_stats = settings, outputs, duration, on_stats
        self.video_source = video_source or TestPatternSource(settings.width, settings.height, settings.fps)
        self.audio_source = audio_source or BeepSource(settings.sample_rate, settings.channels)
        self.compositor, self.fit_mode = compositor, fit_mode
        if compositor is not None:
            self.video_source.take_layers(compositor.layers)  # a scene may place some overlays as its items
        self.on_clock_start: Callable[[float], None] | None = None  # gets the clock's monotonic origin
        # called in the render thread with each composited frame as I420 (app.media.yuv; read-only: it is encoded)
        self.preview_sink: Callable[[np.ndarray], None] | None = None
        self._frames: queue.Queue = queue.Queue(
            maxsize=frame_queue or queue_frames(settings.width, settings.height, settings.fps))
        self._stop = threading.Event()
        self._dropped: Counter = Counter()
        self._captured = self._encoded = 0
        self._encode_ms: deque[float] = deque(maxlen=300)
        self._render_ms: deque[float] = deque(maxlen=300)
        self._compose_ms: deque[float] = deque(maxlen=300)
        self._lock = threading.Lock()
        self._clock: MediaClock | None = None
        self.error: str | None = None
        self.encoder_notice: str | None = None
        self.muted = False  # 静音: silence goes out instead of the source's sound (the meter still shows it)
        self.catch_up_s = CATCH_UP_S  # how far behind real time the render may fall before frames are skipped
        self._audio_peak = SILENCE_DB  # the source's peak since the meter last read it, dBFS

    def stop(self) -> None:
        self._stop.set()

    def read_audio_peak(self) -> float:
        """The sound source's peak (dBFS) since the last call: what a level meter shows (before muting)."""
        with self._lock:
            peak, self._audio_peak = self._audio_peak, SILENCE_DB
        return peak

    def run(self) -> PipelineStats:
        """Stream until the duration ends or `stop()`; return the final stats. Without outputs it only
        renders (a preview before going live): no encoder is opened and no frame is queued."""
        encoder = Encoder(self.settings) if self.outputs else None
        self.encoder_notice = encoder.fallback if encoder else None
        started: list[Output] = []
        try:
            for output in self.outputs:  # connect every destination before the clock starts
                output.start(encoder.specs)
                started.append(output)
        except Exception:  # a destination that cannot connect: give back everything this run was handed
            for output in started:
                output.finish()
            if encoder:
                encoder.close()
            self._stop_sources()  # a camera opened for this go-live must not stay held
            raise
        self._clock = MediaClock()
        self.video_source.start(self._clock, at=0.0)
        if self.audio_source is not self.video_source:
            self.audio_source.start(self._clock)  # e.g. a microphone; a file's audio comes with its video
        if self.compositor is not None:
            self.compositor.start_sources(self._clock)
        wait_until(self.video_source.ready, timeout=3.0)  # a file's first frame, a camera's first image
        if self.outputs:
            # Everything alive at go-live (modules, Qt, codecs, the catalogue) leaves the collector's view: a full
            # collection then scans only what the show made since. Measured at 2,000 events/s: the longest
            # collector pause 53-80 ms → 3 ms, i.e. no frame skipped for a GC pause (docs/benchmarks.md).
            gc.freeze()
        self._clock.reset()
        if self.on_clock_start is not None:
            self.on_clock_start(self._clock.origin)  # e.g. the session's stream time starts with the recording
        for output in self.outputs:
            output.clock_origin = self._clock.origin
        capture = threading.Thread(target=self._capture, name="capture", daemon=True)
        encode = threading.Thread(target=self._encode, args=(encoder,), name="encode", daemon=True)
        capture.start()
        if encoder:
            encode.start()
        last = self._tick_state()
        while capture.is_alive():
            capture.join(timeout=1.0)
            now = self._tick_state()
            if self.on_stats and now[0] - last[0] >= 0.999:
                self.on_stats(self._stats(last, now))
                last = now
        if encoder:
            encode.join()
            encoder.close()
        for output in self.outputs:
            output.finish()
        return self._stats(last, self._tick_state())

    def _capture(self) -> None:
        s, clock = self.settings, self._clock
        assert clock is not None
        video, audio = self.video_source, self.audio_source
        black = np.zeros((s.height, s.width, 3), np.uint8)
        frame_limit = None if self.duration is None else int(round(self.duration * s.fps))
        index, next_sample = 0, 0
        try:
            while not self._stop.is_set() and (frame_limit is None or index < frame_limit):
                if self.duration is None and video.ended and not video.loop:
                    break
                stream_time = index / s.fps
                late = clock.sleep_until(stream_time)
                behind = int(late * s.fps)
                # A short stall (the collector, another process on the core) is caught up: the frames it delayed
                # are rendered at once for their own stream times, the encoder's queue absorbs them. Only past
                # `catch_up_s` behind are frames skipped, to get back to real time.
                if behind >= 1 and late > self.catch_up_s:
                    skipped = min(behind, (frame_limit - index - 1) if frame_limit else behind)
                    if skipped > 0:
                        self._count_drop("capture late", skipped)
                        index += skipped
                        stream_time = index / s.fps
                end_sample = int(round((index + 1) / s.fps * s.sample_rate))
                samples = audio.samples(next_sample, end_sample - next_sample)
                level = peak_db(samples)
                with self._lock:
                    self._audio_peak = max(self._audio_peak, level)
                if self.muted:
                    samples = np.zeros_like(samples)
                item = _Captured(index, stream_time, self._render(video, stream_time, black), next_sample, samples)
                next_sample = end_sample
                with self._lock:
                    self._captured += 1
                if not self.outputs:  # preview only
                    index += 1
                    continue
                try:
                    self._frames.put_nowait(item)
                except queue.Full:
                    self._count_drop("encoder late")
                index += 1
        finally:
            self._stop_sources()
            self._frames.put(_END)

    def _stop_sources(self) -> None:
        self.video_source.stop()
        if self.audio_source is not self.video_source:
            self.audio_source.stop()
        if self.compositor is not None:
            self.compositor.stop_sources()

    def _render(self, video, stream_time: float, black: np.ndarray) -> np.ndarray:
        """Source frame → canvas size → I420 (a new array, the encoder's from here on) → overlays blended in it.
        A source that gives I420 at the canvas size itself (`i420_at`) skips the BGR picture altogether."""
        s = self.settings
        started = time.perf_counter()
        i420 = video.i420_at(stream_time, s.width, s.height)
        if i420 is None:
            frame = video.frame_at(stream_time)
            i420 = yuv.from_bgr(black if frame is None else fit(frame, s.width, s.height, self.fit_mode))
        if self.compositor is not None:
            composed = time.perf_counter()
            self.compositor.compose(i420, stream_time, skip=video.draws_layers)
            with self._lock:
                self._compose_ms.append((time.perf_counter() - composed) * 1000)
        if self.preview_sink is not None:
            self.preview_sink(i420)
        with self._lock:
            self._render_ms.append((time.perf_counter() - started) * 1000)
        return i420

    def _encode(self, encoder: Encoder) -> None:
        try:
            while (item := self._frames.get()) is not _END:
                started = time.perf_counter()
                packets = encoder.encode_video(item.i420, item.stream_time)
                packets += encoder.encode_audio(item.samples, item.first_sample)
                with self._lock:
                    self._encode_ms.append((time.perf_counter() - started) * 1000)
                    self._encoded += 1
                self._deliver(packets)
            self._deliver(encoder.encode_video(None) + encoder.encode_audio(None))
        except Exception as exc:
            self.error = f"encoder failed: {exc}"
            log.exception("encoder failed")
            self._stop.set()
            while self._frames.get() is not _END:
                pass

    def _deliver(self, packets) -> None:
        for packet in packets:
            for output in self.outputs:
                output.offer(packet)

    def _count_drop(self, cause: str, n: int = 1) -> None:
        with self._lock:
            self._dropped[cause] += n

    def _tick_state(self) -> tuple[float, int, float, dict[str, int], float]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        with self._lock:
            captured = self._captured
        snapshots = {o.name: o.snapshot() for o in self.outputs}
        push_cpu = sum(o.cpu_seconds() for o in self.outputs)
        return (time.monotonic(), captured, usage.ru_utime + usage.ru_stime,
                {name: (snap.bytes, snap.video_frames) for name, snap in snapshots.items()}, push_cpu)

    def _stats(self, last, now) -> PipelineStats:
        elapsed = max(now[0] - last[0], 1e-6)
        with self._lock:
            compose = sorted(self._compose_ms)
            render = list(self._render_ms)
            samples = sorted(self._encode_ms)
            dropped = dict(self._dropped)
            encoded, captured = self._encoded, self._captured
        rates = []
        for output in self.outputs:
            snap = output.snapshot()
            (bytes_now, frames_now), (bytes_then, frames_then) = now[3][output.name], last[3][output.name]
            rates.append(OutputRate(snap, (bytes_now - bytes_then) * 8 / 1000 / elapsed,
                                    (frames_now - frames_then) / elapsed))
        return PipelineStats(
            stream_time=self._clock.now() if self._clock else 0.0,
            frames_captured=captured,
            frames_encoded=encoded,
            capture_fps=(now[1] - last[1]) / elapsed,
            encode_ms_mean=sum(samples) / len(samples) if samples else 0.0,
            encode_ms_p95=samples[int(0.95 * (len(samples) - 1))] if samples else 0.0,
            dropped=dropped,
            cpu_percent=(now[2] - last[2]) / elapsed * 100,
            push_cpu_percent=max(0.0, now[4] - last[4]) / elapsed * 100,
            outputs=rates,
            render_ms_mean=sum(render) / len(render) if render else 0.0,
            compose_ms_mean=sum(compose) / len(compose) if compose else 0.0,
            compose_ms_p95=compose[int(0.95 * (len(compose) - 1))] if compose else 0.0,
            notices=tuple(n for n in (self.encoder_notice, self.video_source.notice,
                                      self.audio_source.notice) if n),
        )
