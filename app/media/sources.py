"""Video and audio sources. Each runs its own thread and hands over its newest frame; the render loop pulls.

Like OBS's async sources: a camera or file delivers frames at its own pace, the output clock decides when a
frame is taken. `frame_at(t)` returns a BGR image of any size (the pipeline fits it to the canvas) or None;
`samples(first, count)` returns planar float audio for sample indices on the shared clock.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

import av
import cv2
import numpy as np

from app.media.audio import AudioBuffer
from app.media.interfaces import AudioSource, VideoSource
from app.media.clock import MediaClock
from app.media.testsrc import TestPattern

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}


class SourceError(ValueError):
    """A source that cannot be used; the message is meant for the streamer."""


class TestPatternSource(VideoSource):
    """The synthetic test pattern (frame code, moving box, flash) as a video source."""

    notice: str | None = None

    def __init__(self, width: int, height: int, fps: int) -> None:
        self._pattern, self._fps = TestPattern(width, height), fps

    def start(self, clock: MediaClock, at: float = 0.0) -> None:
        pass

    def ready(self) -> bool:
        return True

    def frame_at(self, stream_time: float) -> np.ndarray:
        index = int(round(stream_time * self._fps))
        return self._pattern.render_bgr(index, stream_time)

    def i420_at(self, stream_time: float, width: int, height: int) -> np.ndarray | None:
        if (width, height) != (self._pattern.width, self._pattern.height):
            return None
        return self._pattern.render_i420(int(round(stream_time * self._fps)), stream_time)

    def stop(self) -> None:
        pass


class ImageSource(VideoSource):
    """A still image (logo, 'back soon' card); decoded once."""

    notice: str | None = None

    def __init__(self, path: str) -> None:
        data = np.fromfile(path, np.uint8) if os.path.isfile(path) else None
        if data is None:
            raise SourceError(f"image not found: {path}")
        image = cv2.imdecode(data, cv2.IMREAD_COLOR)
        if image is None:
            raise SourceError(f"cannot read image {path}: not a supported picture")
        self._image = image

    def start(self, clock: MediaClock, at: float = 0.0) -> None:
        pass

    def ready(self) -> bool:
        return True

    def frame_at(self, stream_time: float) -> np.ndarray:
        return self._image

    def stop(self) -> None:
        pass


class FileSource(VideoSource, AudioSource):
    """A media file played in real time with its own audio (optionally looped), decoded in its own thread.

    Decoding runs at most `lookahead` seconds ahead of the clock. Video frames are kept as decoded (YUV) and
    converted only when taken; audio is resampled to the stream's format into an AudioBuffer placed by pts, so
    picture and sound stay on the file's own timeline.
    """

    notice: str | None = None

    def __init__(self, path: str, loop: bool = False, sample_rate: int = 48000, channels: int = 2,
                 lookahead: float = 0.5) -> None:
        if not os.path.isfile(path):
            raise SourceError(f"media file not found: {path}")
        try:
            with av.open(path) as probe:
                self.has_video = bool(probe.streams.video)
                self.has_audio = bool(probe.streams.audio)
                if self.has_video:
                    next(probe.decode(video=0))
        except (av.error.FFmpegError, StopIteration, UnicodeDecodeError) as exc:
            raise SourceError(f"cannot play {path}: not a readable media file ({type(exc).__name__})") from None
        if not self.has_video and not self.has_audio:
            raise SourceError(f"cannot play {path}: no audio or video in it")
        self.path, self.loop, self.lookahead = path, loop, lookahead
        self.sample_rate, self.channels = sample_rate, channels
        self.audio = AudioBuffer(channels)
        self._decoded_all = False
        self._end_time: float | None = None
        self._clock: MediaClock | None = None
        self._frames: deque[tuple[float, av.VideoFrame]] = deque()
        self._current: tuple[float, av.VideoFrame] | None = None
        self._current_bgr: np.ndarray | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, clock: MediaClock, at: float = 0.0) -> None:
        """Begin playing: the file's time 0 plays at stream time `at`."""
        self._clock = clock
        self._thread = threading.Thread(target=self._run, args=(clock, at), name="file source", daemon=True)
        self._thread.start()

    def ready(self) -> bool:
        with self._lock:
            return bool(self._frames) or self._current is not None or not self.has_video or self._decoded_all

    @property
    def ended(self) -> bool:
        """Everything decoded and played out (never, when looping)."""
        return self._decoded_all and (self._end_time is None or self._clock is None
                                      or self._clock.now() >= self._end_time)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(2)

    def frame_at(self, stream_time: float) -> np.ndarray | None:
        with self._lock:
            current = self._take(stream_time)
            if current is None:
                return None
            if self._current_bgr is None:
                self._current_bgr = current[1].to_ndarray(format="bgr24")
            return self._current_bgr

    def i420_at(self, stream_time: float, width: int, height: int) -> np.ndarray | None:
        """The decoded frame scaled straight to the canvas in YUV when it has the canvas's aspect (no bars to add,
        nothing to crop: otherwise None, and the pipeline fits it in BGR); a new array every time, as one frame
        may show for two canvas frames."""
        with self._lock:
            current = self._take(stream_time)
        if current is None or current[1].width * height != current[1].height * width:
            return None
        return current[1].to_ndarray(width=width, height=height, format="yuv420p")

    def _take(self, stream_time: float) -> tuple[float, av.VideoFrame] | None:
        """The frame on air at `stream_time` (under the lock)."""
        while self._frames and (self._frames[0][0] <= stream_time + 1e-6 or self._current is None):
            self._current = self._frames.popleft()  # the very first frame shows at once, never black
            self._current_bgr = None
        return self._current

    def samples(self, first: int, count: int) -> np.ndarray:
        return self.audio.pull(first, count)

    def _run(self, clock: MediaClock, base: float) -> None:
        try:
            while not self._stop.is_set():
                played = self._play_once(clock, base)
                if not self.loop or played <= 0:
                    self._end_time = base + played
                    break
                base += played
        except Exception:  # a file that breaks mid-way ends the source, not the stream
            log.exception("file source %s failed", self.path)
        self._decoded_all = True

    def _play_once(self, clock: MediaClock, base: float) -> float:
        """Decode the file once, placing frames at `base` + their time; return the file's duration."""
        resampler = av.AudioResampler(format="fltp", layout="stereo" if self.channels == 2 else "mono",
                                      rate=self.sample_rate)
        end = 0.0
        with av.open(self.path) as container:
            streams = list(container.streams.video[:1]) + list(container.streams.audio[:1])
            for stream in streams:
                stream.thread_type = "AUTO"
            video = container.streams.video[0] if container.streams.video else None
            frame_period = 1 / float(video.average_rate) if video is not None and video.average_rate else 1 / 30
            start = container.start_time / av.time_base if container.start_time is not None else 0.0
            for frame in container.decode(*streams):
                if self._stop.is_set() or frame.time is None:
                    break
                at = base + frame.time - start
                clock.sleep_until(at - self.lookahead)
                if isinstance(frame, av.VideoFrame):
                    end = max(end, frame.time - start + frame_period)
                    with self._lock:
                        self._frames.append((at, frame))
                        while len(self._frames) > 64:  # guard: never hold more than ~2 s of decoded video
                            self._frames.popleft()
                else:
                    for out in resampler.resample(frame):
                        data = out.to_ndarray()
                        self.audio.put(int(round(at * self.sample_rate)), data)
                        end = max(end, frame.time - start + out.samples / self.sample_rate)
        return end


class CameraSource(VideoSource):
    """A camera through OpenCV (MJPG requested); when it disappears a slate goes out while it is reopened."""

    def __init__(self, device: int | str, width: int, height: int, fps: int, reopen_every: float = 1.0) -> None:
        self.device, self.want = device, (width, height, fps)
        self.reopen_every = reopen_every
        self.notice: str | None = None
        self.actual: tuple[int, int, float] | None = None
        self.losses = 0
        self._capture = self._open()
        if self._capture is None:
            raise SourceError(f"camera {device} not found or cannot be opened")
        self._latest: np.ndarray | None = None
        self._slate: np.ndarray | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _open(self):
        capture = cv2.VideoCapture(self.device)
        if not capture.isOpened():
            capture.release()
            return None
        width, height, fps = self.want
        capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*"MJPG"))
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        capture.set(cv2.CAP_PROP_FPS, fps)
        self.actual = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
                       float(capture.get(cv2.CAP_PROP_FPS)))
        return capture

    def start(self, clock: MediaClock, at: float = 0.0) -> None:
        self._thread = threading.Thread(target=self._run, name="camera", daemon=True)
        self._thread.start()

    def ready(self) -> bool:
        with self._lock:
            return self._latest is not None or self.notice is not None

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(3)
        if self._capture is not None:
            self._capture.release()

    def frame_at(self, stream_time: float) -> np.ndarray | None:
        with self._lock:
            if self.notice is None:
                return self._latest
        if self._slate is None:
            from app.media.slate import render_slate

            width, height, _ = self.want
            self._slate = render_slate(width, height, "摄像头已断开 / camera lost", "正在重新连接… reconnecting")
        return self._slate

    def _run(self) -> None:
        while not self._stop.is_set():
            capture = self._capture
            ok, frame = capture.read() if capture is not None else (False, None)  # read() releases the GIL
            if ok:
                with self._lock:
                    self._latest, self.notice = frame, None
                continue
            if self.notice is None:
                self.losses += 1
                log.warning("camera %s lost; showing the slate and reopening", self.device)
                with self._lock:
                    self.notice = "camera lost"
            if capture is not None:
                capture.release()
            self._capture = None
            self._stop.wait(self.reopen_every)
            if not self._stop.is_set():
                self._capture = self._open()


class WrappedSource(VideoSource):
    """A video source that changes another's pictures (a mirror, the camera's filters): everything but
    `frame_at` is the wrapped source's."""

    def __init__(self, source: VideoSource) -> None:
        self.source = source

    @property
    def notice(self) -> str | None:  # type: ignore[override]
        return self.source.notice

    @property
    def loop(self) -> bool:  # type: ignore[override]
        return self.source.loop

    @property
    def ended(self) -> bool:
        return self.source.ended

    def start(self, clock, at: float = 0.0) -> None:
        self.source.start(clock, at)

    def ready(self) -> bool:
        return self.source.ready()

    def stop(self) -> None:
        self.source.stop()

    def unwrapped(self) -> VideoSource:
        return self.source.unwrapped()


class MirroredSource(WrappedSource):
    """Any video source, flipped left-right (a selfie camera's habit; text on the set reads the right way)."""

    def samples(self, first: int, count: int) -> np.ndarray:
        """A mirrored file keeps its own sound."""
        return self.source.samples(first, count)

    def frame_at(self, stream_time: float) -> np.ndarray | None:
        frame = self.source.frame_at(stream_time)
        return None if frame is None else cv2.flip(frame, 1)


class PinnedPicture(VideoSource):
    """The "product" input: the picture of the product being explained (讲解中), from the room's snapshot, decoded
    once per picture; None (nothing drawn) while no product with a readable picture is pinned."""

    LOOK_EVERY_S = 0.2  # how often the room is asked what is pinned (not every frame)

    def __init__(self, pinned_image: Callable[[], str | None]) -> None:
        self._pinned_image = pinned_image
        self._cache: dict[str, np.ndarray | None] = {}
        self._path: str | None = None
        self._looked_at = -math.inf

    def frame_at(self, stream_time: float) -> np.ndarray | None:
        if not 0 <= stream_time - self._looked_at < self.LOOK_EVERY_S:
            self._path, self._looked_at = self._pinned_image(), stream_time
        path = self._path
        if not path:
            return None
        if path not in self._cache:
            if len(self._cache) > 64:
                self._cache.clear()
            try:
                data = np.fromfile(path, np.uint8)
                self._cache[path] = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
            except (OSError, ValueError):
                self._cache[path] = None
        return self._cache[path]


def fit(frame: np.ndarray, width: int, height: int, mode: str = "letterbox") -> np.ndarray:
    """Scale `frame` to the canvas: 'letterbox' keeps all of it (black bars), 'crop' fills and cuts the edges."""
    h, w = frame.shape[:2]
    if (w, h) == (width, height):
        return frame
    scale = (min if mode == "letterbox" else max)(width / w, height / h)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    scaled = cv2.resize(frame, (new_w, new_h), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    if mode == "letterbox":  # bars black (a keyed BGRA picture: transparent)
        canvas = np.zeros((height, width, frame.shape[2] if frame.ndim == 3 else 3), np.uint8)
        x, y = (width - new_w) // 2, (height - new_h) // 2
        canvas[y : y + new_h, x : x + new_w] = scaled
        return canvas
    x, y = (new_w - width) // 2, (new_h - height) // 2
    return np.ascontiguousarray(scaled[y : y + height, x : x + width])


def parse_camera_mode(text: str) -> tuple[int, int, int]:
    """'1280x720@30' → (1280, 720, 30): what to ask a camera for, apart from the canvas. Raises ValueError."""
    try:
        size, _, rate = text.strip().lower().partition("@")
        width, height = (int(v) for v in size.split("x"))
        fps = int(rate) if rate else 30
    except ValueError:
        raise ValueError(f"camera mode should look like 1280x720@30, not {text!r}") from None
    if not (16 <= width <= 7680 and 16 <= height <= 4320 and 1 <= fps <= 240):
        raise ValueError(f"camera mode out of range: {text!r}")
    return width, height, fps


def open_video_source(spec: str, width: int, height: int, fps: int, loop: bool = False, sample_rate: int = 48000,
                      camera_mode: tuple[int, int, int] | None = None):
    """testsrc | cam:N | an image file | a media file → a started-later video source. Raises SourceError.

    A camera is asked for `camera_mode` (width, height, fps) when given, else for the canvas size and rate; the
    compositor fits whatever it delivers onto the canvas."""
    if spec == "testsrc":
        return TestPatternSource(width, height, fps)
    if spec.startswith("cam:"):
        device = spec[4:]
        return CameraSource(int(device) if device.isdigit() else device, *(camera_mode or (width, height, fps)))
    if Path(spec).suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource(spec)
    return FileSource(spec, loop=loop, sample_rate=sample_rate)


def open_sources(spec: str, width: int, height: int, fps: int, *, loop: bool = False, sample_rate: int = 48000,
                 audio: str = "auto", mirror: bool = False, camera_mode: tuple[int, int, int] | None = None,
                 microphone: str = ""):
    """The one place a stream's video and audio are chosen (CLI, console, preview). Raises SourceError.

    audio: "auto" — a file's own sound, the test pattern's beep, the microphone for a camera, else silence;
    "mic" — the microphone; "silence". A microphone that does not exist becomes silence with a notice.
    microphone: which one — "" the OS's default, a PortAudio device index ("3"), "off" none (silence, no notice).
    """
    from app.media.audio import BeepSource, SilenceSource, open_microphone

    video = open_video_source(spec, width, height, fps, loop=loop, sample_rate=sample_rate, camera_mode=camera_mode)
    if isinstance(video, FileSource) and not video.has_video:
        raise SourceError(f"cannot play {spec}: it has no video")
    if audio == "silence":
        sound = SilenceSource()
    elif (audio == "mic" or isinstance(video, CameraSource)) and microphone == "off":
        sound = SilenceSource()
        sound.notice = None  # the streamer chose no microphone: silence is what was asked, nothing to say
    elif audio == "mic" or isinstance(video, CameraSource):
        sound = open_microphone(sample_rate, device=int(microphone) if microphone.isdigit() else None)
    elif isinstance(video, FileSource):
        sound = video if video.has_audio else SilenceSource()
    elif spec == "testsrc":
        sound = BeepSource(sample_rate)
    else:
        sound = SilenceSource()
    return (MirroredSource(video) if mirror else video), sound


def wait_until(predicate, timeout: float, step: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
