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

from app.media import framecode, yuv

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
        self._base_i420: np.ndarray | None = None  # made on the first I420 frame (a scene's camera never asks)
        self._noise_y: np.ndarray | None = None

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
        """The same frame drawn straight in I420 (a new array): half the bytes of BGR and no conversion. White and
        grey have neutral chroma, so the box, the noise, the flash and the frame code touch U and V only to set
        them to 128; the text is drawn in each plane at its scale."""
        if self._base_i420 is None:
            self._base_i420 = yuv.from_bgr(self._base)
            self._noise_y = (16 + self._noise[:, :, :, 0].astype(np.float32) * (219 / 255)).round().astype(np.uint8)
        out = self._base_i420.copy()
        y, u, v = yuv.planes(out)
        w, h = self.width, self.height
        side = h // 6
        x = int((stream_time * w / 4) % (w - side))
        top = h // 2 - side // 2
        _neutral(y, u, v, top, top + side, x, x + side)
        rows = self._noise_rows
        _neutral(y, u, v, rows.start, rows.stop, 0, w, luma=None)
        y[rows] = self._noise_y[index % NOISE_TILES]
        if stream_time % 1.0 < FLASH_SECONDS:
            _neutral(y, u, v, h - h // 12, h, 0, w)
        self._label_i420(y, u, v, f"Anchor Console  #{index:06d}  {_hms(stream_time)}")
        framecode.draw_planes(y, u, v, index)
        return out

    def _label_i420(self, y: np.ndarray, u: np.ndarray, v: np.ndarray, label: str) -> None:
        """The white text line: drawn in luma; its coverage, halved, takes the chroma under it to neutral."""
        font, scale, thickness = cv2.FONT_HERSHEY_SIMPLEX, self._font_scale, max(1, int(self._font_scale * 2))
        (tw, th), base = cv2.getTextSize(label, font, scale, thickness)
        ox, oy = framecode.MARGIN, self.height // 5
        left, top = max(0, ox - thickness) // 2 * 2, max(0, oy - th - thickness) // 2 * 2
        right = min(self.width, (ox + tw + thickness + 1) // 2 * 2)
        bottom = min(self.height, (oy + base + thickness + 1) // 2 * 2)
        cv2.putText(y, label, (ox, oy), font, scale, 235, thickness, cv2.LINE_AA)
        mask = np.zeros((bottom - top, right - left), np.uint8)
        cv2.putText(mask, label, (ox - left, oy - top), font, scale, 255, thickness, cv2.LINE_AA)
        cover = cv2.resize(mask, ((right - left) // 2, (bottom - top) // 2), interpolation=cv2.INTER_AREA)
        keep, grey = 255 - cover, cv2.multiply(cover, 128 / 255)
        for plane in (u, v):
            roi = plane[top // 2:bottom // 2, left // 2:right // 2]
            cv2.add(cv2.multiply(roi, keep, scale=1 / 255), grey, roi)


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


def _neutral(y: np.ndarray, u: np.ndarray, v: np.ndarray, top: int, bottom: int, left: int, right: int,
             luma: int | None = 235) -> None:
    """A rectangle of the I420 planes made grey: luma `luma` (None: left as it is), chroma 128 (every chroma
    sample the rectangle touches)."""
    if luma is not None:
        y[top:bottom, left:right] = luma
    u[top // 2:(bottom + 1) // 2, left // 2:(right + 1) // 2] = 128
    v[top // 2:(bottom + 1) // 2, left // 2:(right + 1) // 2] = 128


def _hms(seconds: float) -> str:
    ms = int(round(seconds * 1000))
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"
