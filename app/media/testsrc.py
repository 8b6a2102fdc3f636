"""Synthetic sources for demo mode and tests: a moving test pattern and a once-a-second beep.

The picture is colour bars with a box that moves with time, a band of noise (so the encoder works as hard as
with a camera), a text line with frame number and stream time (its digits in cells of their own, so they do not
move), the frame code (see `framecode`) in the top-left corner, and a white flash bar during the first 100 ms of
every second. The audio is silence with a 1 kHz beep during the same 100 ms, so the flash and the beep mark
the same instant for A/V sync checks.
"""

from __future__ import annotations

import math
import threading

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
        self._thickness = max(1, int(self._font_scale * 2))
        widest = max(cv2.getTextSize(d, cv2.FONT_HERSHEY_SIMPLEX, self._font_scale, self._thickness)[0][0]
                     for d in "0123456789")
        self._pitch = (widest + 1) // 2 * 2  # a digit's cell in the text line: even, so its chroma is its own
        self._labels = threading.local()  # each rendering thread's `_Label`s (its .bgr, its .i420)
        self._base_i420: np.ndarray | None = None  # made on the first I420 frame (a scene's camera never asks)
        self._noise_y: np.ndarray | None = None

    def render_bgr(self, index: int, stream_time: float) -> np.ndarray:
        """Draw frame `index` at `stream_time` seconds; the returned array is reused by the next call. The text line
        is kept drawn in a copy of the still picture (`_Label`): a frame redraws only the digits that changed."""
        img = self._canvas
        np.copyto(img, self._label(_line_text(index, stream_time), i420=False))
        w, h = self.width, self.height
        side = h // 6
        x = int((stream_time * w / 4) % (w - side))
        y = h // 2 - side // 2
        cv2.rectangle(img, (x, y), (x + side, y + side), (255, 255, 255), -1)
        # a band of fresh noise, like a camera sensor's: it makes the encoder spend its full bitrate
        img[self._noise_rows] = self._noise[index % NOISE_TILES]
        if stream_time % 1.0 < FLASH_SECONDS:
            img[h - h // 12 :, :] = 255
        framecode.draw(img, index)
        return img

    def render_i420(self, index: int, stream_time: float) -> np.ndarray:
        """The same frame drawn straight in I420 (a new array): half the bytes of BGR and no conversion. White and
        grey have neutral chroma, so the box, the noise, the flash and the frame code touch U and V only to set
        them to 128."""
        if self._base_i420 is None:  # the noise first: another thread may see the base and go on
            self._noise_y = (16 + self._noise[:, :, :, 0].astype(np.float32) * (219 / 255)).round().astype(np.uint8)
            self._base_i420 = yuv.from_bgr(self._base)
        out = self._label(_line_text(index, stream_time), i420=True).copy()
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
        framecode.draw_planes(y, u, v, index)
        return out

    def _label(self, text: str, i420: bool) -> np.ndarray:
        """The still picture with the text line `text` on it, kept by this thread (copy it before writing on it)."""
        name = "i420" if i420 else "bgr"
        label = getattr(self._labels, name, None)
        if label is None or not label.fits(text):
            label = _Label(self, text, self._base_i420 if i420 else self._base)
            setattr(self._labels, name, label)
        return label.drawn(text)

    def _layout(self, text: str) -> list[tuple[int, str]]:
        """Where the text line's pieces go: each digit at its own cell (on an even pixel, as wide as the widest
        digit, so digits never move as they change), each run of other characters after them."""
        font, scale, thickness = cv2.FONT_HERSHEY_SIMPLEX, self._font_scale, self._thickness
        places, x = [], framecode.MARGIN // 2 * 2
        for run in _runs(text):
            if run[0].isdigit():
                for digit in run:
                    places.append((x, digit))
                    x += self._pitch
            else:
                places.append((x, run))
                x += (cv2.getTextSize(run, font, scale, thickness)[0][0] + 1) // 2 * 2
        return places


class _Label:
    """The pattern's text line on its still picture (BGR, or I420's planes), for texts of one shape (the same letters,
    digits in the same places).

    The letters are drawn once into a copy of the still picture, which is kept with the digits of the latest text
    on it; every digit has a cell of its own (`TestPattern._layout`), and a digit's cell is drawn once (`_tile`, over
    the line without digits), so a frame writes only the cells whose digit changed. Drawn this way a frame's picture
    depends only on its text, not on the frames before it. One per thread (the picture it keeps is written while a
    frame is made)."""

    def __init__(self, pattern: TestPattern, text: str, still: np.ndarray) -> None:
        self._pattern, self._shape = pattern, _shape(text)
        font, scale, thickness = cv2.FONT_HERSHEY_SIMPLEX, pattern._font_scale, pattern._thickness
        (_, th), base = cv2.getTextSize("0123456789", font, scale, thickness)
        self._oy = pattern.height // 5
        top = max(0, self._oy - th - thickness) // 2 * 2
        bottom = min(pattern.height, (self._oy + base + thickness + 1) // 2 * 2)
        self._picture = still.copy()
        i420 = still.ndim == 2
        planes = yuv.planes(self._picture) if i420 else (self._picture,)
        self._scales = (1, 2, 2) if i420 else (1,)  # a plane's pixels to a picture's: I420's chroma is half
        self._rows = tuple(p[top // s:bottom // s] for p, s in zip(planes, self._scales))  # the line's, kept drawn
        self._origin_y = self._oy - top
        self._cells: list[int] = []  # the left edge of each digit's cell
        for x, piece in pattern._layout(text):
            if piece.isdigit():
                self._cells.append(x)
            else:
                self._white(self._rows, piece, x)
        self._band = tuple(rows.copy() for rows in self._rows)  # the line without digits: a digit's tile goes over it
        self._tiles: dict[tuple[int, str], tuple[np.ndarray, ...]] = {}
        self._shown: list[str | None] = [None] * len(self._cells)

    def fits(self, text: str) -> bool:
        return _shape(text) == self._shape

    def drawn(self, text: str) -> np.ndarray:
        """The still picture with `text` on it (kept: copy it before writing on it)."""
        for cell, digit in enumerate(c for c in text if c.isdigit()):
            if self._shown[cell] == digit:
                continue
            left = self._cells[cell]
            right = min(self._pattern.width, left + self._pattern._pitch)
            if right <= left:
                continue
            for rows, tile, s in zip(self._rows, self._tile(cell, digit, left, right), self._scales):
                rows[:, left // s:right // s] = tile
            self._shown[cell] = digit
        return self._picture

    def _tile(self, cell: int, digit: str, left: int, right: int) -> tuple[np.ndarray, ...]:
        tile = self._tiles.get((cell, digit))
        if tile is None:
            tile = tuple(band[:, left // s:right // s].copy() for band, s in zip(self._band, self._scales))
            self._white(tile, digit, 0)
            self._tiles[(cell, digit)] = tile
        return tile

    def _white(self, planes: tuple[np.ndarray, ...], text: str, x: int) -> None:
        """White `text` drawn at `x` of the line's rows (`planes`: BGR, or I420's Y, U and V from an even pixel;
        clipped to them). In I420 it is drawn in luma, and its coverage, each 2x2 block's mean, takes the chroma
        under it to neutral."""
        font, scale, thickness = cv2.FONT_HERSHEY_SIMPLEX, self._pattern._font_scale, self._pattern._thickness
        origin = (x, self._origin_y)
        if len(planes) == 1:
            cv2.putText(planes[0], text, origin, font, scale, (255, 255, 255), thickness, cv2.LINE_AA)
            return
        y, u, v = planes
        cv2.putText(y, text, origin, font, scale, 235, thickness, cv2.LINE_AA)
        mask = np.zeros(y.shape, np.uint8)
        cv2.putText(mask, text, origin, font, scale, 255, thickness, cv2.LINE_AA)
        cover = cv2.resize(mask, (u.shape[1], u.shape[0]), interpolation=cv2.INTER_AREA)
        keep, grey = 255 - cover, cv2.multiply(cover, 128 / 255)
        for plane in (u, v):
            cv2.add(cv2.multiply(plane, keep, scale=1 / 255), grey, plane)


def _line_text(index: int, stream_time: float) -> str:
    return f"Anchor Console  #{index:06d}  {_hms(stream_time)}"


def _shape(text: str) -> str:
    return "".join("0" if c.isdigit() else c for c in text)


def _runs(text: str) -> list[str]:
    """`text` cut where it turns from digits to other characters or back."""
    runs: list[str] = []
    for c in text:
        if runs and runs[-1][-1].isdigit() == c.isdigit():
            runs[-1] += c
        else:
            runs.append(c)
    return runs


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
