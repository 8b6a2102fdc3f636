"""Synthetic sources for demo mode and tests: a moving test pattern and a once-a-second beep.

The picture is colour bars with a box that moves with time, a band of noise (so the encoder works as hard as
with a camera), a text line with frame number and stream time,
the frame code (see `framecode`) in the top-left corner, and a white flash bar during the first 100 ms of
every second. The audio is silence with a 1 kHz beep during the same 100 ms, so the flash and the beep mark
the same instant for A/V sync checks.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from app.media import framecode

FLASH_SECONDS = 0.1
BEEP_HZ = 1000.0
BEEP_LEVEL = 0.25  # about -12 dBFS
NOISE_TILES = 7

_BARS_BGR = [
    (192, 192, 192), (0, 192, 192), (192, 192, 0), (0, 192, 0),
    (192, 0, 192), (0, 0, 192), (192, 0, 0), (16, 16, 16),
]


class TestPattern:
    """Renders test-pattern frames as I420 (yuv420p) arrays of shape (height * 3 // 2, width)."""

    def __init__(self, width: int, height: int) -> None:
        if width % 2 or height % 2:
            raise ValueError("width and height must be even for yuv420p")
        self.width, self.height = width, height
        self._base = np.zeros((height, width, 3), np.uint8)
        bar_w = math.ceil(width / len(_BARS_BGR))
        for i, colour in enumerate(_BARS_BGR):
            self._base[:, i * bar_w : (i + 1) * bar_w] = colour
        self._canvas = np.empty_like(self._base)
        self._noise_rows = slice(height - height // 12 - height // 10, height - height // 12)
        # a bank of noise tiles, drawn once: a fresh random band per frame cost more than the rest of the pattern
        rng = np.random.default_rng(0)
        gray = rng.integers(0, 256, (NOISE_TILES, height // 10, width), dtype=np.uint8)
        self._noise = np.repeat(gray[:, :, :, None], 3, axis=3)
        self._font_scale = max(0.6, min(width, height) / 720 * 1.2)

    def render_bgr(self, index: int, stream_time: float) -> np.ndarray:
        """Draw frame `index` at `stream_time` seconds; the returned array is reused by the next call."""
        img = self._canvas
        np.copyto(img, self._base)
        w, h = self.width, self.height
        side = h // 6
        x = int((stream_time * w / 4) % (w - side))
        y = h // 2 - side // 2
        cv2.rectangle(img, (x, y), (x + side, y + side), (255, 255, 255), -1)
        # a band of fresh noise, like a camera sensor's: it makes the encoder spend its full bitrate
        img[self._noise_rows] = self._noise[index % NOISE_TILES]
        if stream_time % 1.0 < FLASH_SECONDS:
            img[h - h // 12 :, :] = 255
        label = f"Anchor Console  #{index:06d}  {_hms(stream_time)}"
        cv2.putText(img, label, (framecode.MARGIN, h // 5), cv2.FONT_HERSHEY_SIMPLEX,
                    self._font_scale, (255, 255, 255), max(1, int(self._font_scale * 2)), cv2.LINE_AA)
        framecode.draw(img, index)
        return img

    def render_i420(self, index: int, stream_time: float) -> np.ndarray:
        return cv2.cvtColor(self.render_bgr(index, stream_time), cv2.COLOR_BGR2YUV_I420)


class BeepTone:
    """Planar float audio: silence with a 1 kHz beep in the first 100 ms of every second."""

    def __init__(self, sample_rate: int = 48000, channels: int = 2) -> None:
        self.sample_rate, self.channels = sample_rate, channels
        # one second, computed once: the pattern repeats every second (1 kHz fits a whole number of periods)
        n = np.arange(sample_rate, dtype=np.int64)
        in_beep = n < int(FLASH_SECONDS * sample_rate)
        second = np.where(in_beep, BEEP_LEVEL * np.sin(2 * np.pi * BEEP_HZ * n / sample_rate), 0.0)
        self._second = np.ascontiguousarray(np.broadcast_to(second.astype(np.float32), (channels, sample_rate)))

    def samples(self, start: int, count: int) -> np.ndarray:
        """Samples `start` .. `start + count` (indices since stream start) as (channels, count) float32."""
        index = (np.arange(start, start + count) % self.sample_rate)
        return np.ascontiguousarray(self._second[:, index])


def _hms(seconds: float) -> str:
    ms = int(round(seconds * 1000))
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"
