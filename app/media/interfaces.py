"""What the pipeline asks of a picture source, a sound source and a destination, declared once: a new source or
output subclasses one of these and gets the defaults, so the pipeline never probes with getattr/hasattr."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np


class VideoSource(ABC):
    """Pictures by stream time. `frame_at` is called from the capture thread at the canvas rate."""

    notice: str | None = None  # what to tell the streamer about this source now (e.g. the camera is lost)
    loop = True  # False: the stream may end when the source has played out (`ended`)
    # the compositor's layers this source drew itself into the picture it last gave (a scene placing an overlay
    # as one of its items): the compositor leaves them out of that frame
    draws_layers: frozenset[str] = frozenset()

    @property
    def ended(self) -> bool:
        return False

    def start(self, clock, at: float = 0.0) -> None:
        """Begin delivering: the source's time 0 plays at stream time `at` on `clock`."""

    def ready(self) -> bool:
        return True

    @abstractmethod
    def frame_at(self, stream_time: float) -> np.ndarray | None:
        """The BGR picture on air at `stream_time`, or None for a black frame. A picture once given is never
        changed afterwards (a new picture is a new array): a scene keeps what it fitted from the same array."""

    def i420_at(self, stream_time: float, width: int, height: int) -> np.ndarray | None:
        """The picture on air as a new I420 array (app.media.yuv) of the canvas size, when the source has it
        without going through BGR (a pattern drawn in YUV, a video decoded in YUV at the canvas's aspect); None:
        the pipeline takes `frame_at` and converts. Only the pipeline asks it, once a frame, instead of `frame_at`."""
        return None

    def stop(self) -> None:
        """Release the device or file; safe to call twice."""

    def take_layers(self, layers) -> None:
        """Offered the compositor's layers (a callable giving its visible layers now, `Compositor.layers`): a
        source that places some of them itself keeps it; others ignore it."""

    def unwrapped(self) -> VideoSource:
        """The source itself under any wrapper (a mirror): to read a camera's actual mode."""
        return self


class AudioSource(ABC):
    """Sound by sample index on the stream's clock (the encoder's audio rate and channels)."""

    notice: str | None = None

    def start(self, clock) -> None:
        """Begin capturing (a microphone) or playing."""

    @abstractmethod
    def samples(self, first: int, count: int) -> np.ndarray:
        """`count` samples from sample index `first`, shape (count, channels), float32."""

    def stop(self) -> None:
        """Release the device; safe to call twice."""


class Destination(ABC):
    """Where encoded packets go (a file, an RTMP server). `offer` must never block the encoder."""

    stats = None  # OutputStats
    clock_origin: float | None = None  # the MediaClock's origin, set by the pipeline when the clock starts

    @property
    def name(self) -> str:
        return self.stats.name

    @abstractmethod
    def start(self, specs) -> None:
        """Open the destination (DestinationError when it cannot) and start its own writer."""

    @abstractmethod
    def offer(self, packet) -> None: ...

    @abstractmethod
    def finish(self, timeout: float | None = None) -> None: ...

    @abstractmethod
    def snapshot(self): ...

    def cpu_seconds(self) -> float:
        """CPU time spent outside this process for this destination (push processes); 0 when none."""
        return 0.0
