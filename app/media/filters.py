"""Camera filters: 绿幕抠像 chroma key and 美颜 skin smoothing, applied to a camera input before the scenes place it
(never to product pictures). Both work on the picture as it arrives, in OpenCV (SIMD), without Python loops.

Chroma key, as OBS keys: the distance of each pixel's colour from the key colour is measured in the CbCr plane
(brightness ignored, so the shadows on a green screen key too); below `similarity` the pixel is transparent, over
`similarity + smoothness` opaque, a ramp between; the settings scale with how saturated the key colour is (a
green picked from a real screen is paler than OBS's (0, 255, 0)), and the distance is measured at half size
(the alpha scaled back up: a soft edge a pixel wide). Spill reduction pulls the key colour out of what stays (green
light on hair and shoulders): the key channel is capped near the other two. The result carries an alpha channel;
the scene draws it over whatever lies below (a background picture, the product).

Skin smoothing: an edge-preserving blur (bilateral) at half size, laid over the picture where the colour is
skin-like (a CrCb range), by `strength`. Eyes, hair and edges keep their detail; at half size with a 5-px
neighbourhood the bilateral costs 3 ms of a 720p frame (docs/benchmarks.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from app.media.interfaces import VideoSource
from app.media.sources import WrappedSource


class FilterError(ValueError):
    """A filter setting out of range: the reason in Chinese and English."""


def _unit(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 0.0 <= value <= 1.0:
        raise FilterError(f"{what} 需在 0–1 之间 / {what} must be between 0 and 1")
    return float(value)


@dataclass(frozen=True)
class ChromaKey:
    """Key colour (B, G, R) and the three settings, each 0–1 (OBS's defaults: green, 0.4, 0.08, 0.1)."""

    colour: tuple[int, int, int] = (64, 177, 0)  # BGR of a typical green screen
    similarity: float = 0.4
    smoothness: float = 0.08
    spill: float = 0.1


def make_chroma(colour=(64, 177, 0), similarity=0.4, smoothness=0.08, spill=0.1) -> ChromaKey:
    if not isinstance(colour, (tuple, list)) or len(colour) != 3 or not all(
            isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 255 for c in colour):
        raise FilterError("抠像颜色需为 3 个 0–255 的整数 / the key colour is three whole numbers 0–255 (B, G, R)")
    return ChromaKey(tuple(colour), _unit(similarity, "similarity"), _unit(smoothness, "smoothness"),
                     _unit(spill, "spill"))


KEY_HALF_FROM = 64  # pictures at least this wide and high are keyed at half size
PURE_GREEN_REACH = 136.65  # how far (0, 255, 0) lies from grey in OpenCV's 8-bit CrCb


class ChromaKeyer:
    """Keys one picture at a time; the key colour's CbCr is computed once."""

    def __init__(self, key: ChromaKey) -> None:
        self.key = key
        swatch = np.array([[key.colour]], np.uint8)
        ycrcb = cv2.cvtColor(swatch, cv2.COLOR_BGR2YCrCb)[0, 0].astype(np.float32)
        self._cr, self._cb = float(ycrcb[1]), float(ycrcb[2])
        self._channel = int(np.argmax(key.colour))  # the key's strongest channel: green for a green screen
        # Distance in CrCb is 0…~360. OBS's similarity 0…1 maps onto it for a fully saturated green (0, 255, 0);
        # a key colour picked from a real screen is paler (closer to grey), so every colour is nearer to it: the
        # settings scale by how far the key colour is from grey, against that green. Without it, the default 0.4
        # on a picked (64, 177, 0) keyed skin half away (found by looking at the keyed picture, session 9).
        reach = min(1.0, math.hypot(self._cr - 128.0, self._cb - 128.0) / PURE_GREEN_REACH)
        self._low = key.similarity * 256.0 * reach
        self._span = max(1.0, key.smoothness * 256.0 * reach)

    def apply(self, bgr: np.ndarray) -> np.ndarray:
        """BGR → premultiplied-ready BGRA (straight alpha) with the key colour transparent. The key's distance is
        measured at half size and its alpha scaled back up (a soft edge a pixel wide, as OBS's smoothness gives):
        a quarter of the work of the float arithmetic, which was most of the key's cost."""
        h, w = bgr.shape[:2]
        half = w >= KEY_HALF_FROM and h >= KEY_HALF_FROM
        small = cv2.resize(bgr, (w // 2, h // 2), interpolation=cv2.INTER_AREA) if half else bgr
        ycrcb = cv2.cvtColor(small, cv2.COLOR_BGR2YCrCb)
        cr = ycrcb[:, :, 1].astype(np.float32) - self._cr
        cb = ycrcb[:, :, 2].astype(np.float32) - self._cb
        distance = cv2.magnitude(cr, cb)
        alpha = np.clip((distance - self._low) * (255.0 / self._span), 0, 255).astype(np.uint8)
        if half:
            alpha = cv2.resize(alpha, (w, h), interpolation=cv2.INTER_LINEAR)
        channels = list(cv2.split(bgr))
        if self.key.spill > 0:
            others = [c for c in range(3) if c != self._channel]
            cap = cv2.max(channels[others[0]], channels[others[1]])
            channels[self._channel] = cv2.min(channels[self._channel],
                                              cv2.add(cap, int(round((1.0 - self.key.spill) * 64))))
        return cv2.merge([*channels, alpha])


# the bilateral's neighbourhood at half size: 5 px (10 at full size). OpenCV takes a faster path for it than for 7:
# measured at 720p, 13.1 ms → 3.0 ms for the bilateral alone (docs/benchmarks.md)
BILATERAL_D = 5


def smooth_skin(bgr: np.ndarray, strength: float) -> np.ndarray:
    """美颜: the picture with skin-coloured areas smoothed by `strength` (0: unchanged … 1: fully smoothed)."""
    strength = _unit(strength, "strength")
    if strength <= 0:
        return bgr
    h, w = bgr.shape[:2]
    small = cv2.resize(bgr, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
    blurred = cv2.resize(cv2.bilateralFilter(small, BILATERAL_D, 40, BILATERAL_D), (w, h), interpolation=cv2.INTER_LINEAR)
    ycrcb = cv2.cvtColor(small, cv2.COLOR_BGR2YCrCb)
    mask = cv2.inRange(ycrcb, (0, 133, 77), (255, 173, 127))  # skin tones in CrCb
    mask = cv2.resize(cv2.GaussianBlur(mask, (0, 0), 2), (w, h), interpolation=cv2.INTER_LINEAR)
    weight = mask.astype(np.float32) * (strength / 255.0)  # one weight per pixel; blendLinear applies it (SIMD)
    return cv2.blendLinear(blurred, bgr, weight, 1.0 - weight)


class FilteredSource(WrappedSource):
    """A camera input with its filters: skin smoothing, then the key (a BGRA picture when keyed). `last_raw` is
    the newest picture before them (what the key colour is picked from)."""

    def __init__(self, source: VideoSource, chroma: ChromaKey | None = None, beauty: float = 0.0) -> None:
        super().__init__(source)
        self.keyer = ChromaKeyer(chroma) if chroma is not None else None
        self.beauty = _unit(beauty, "strength")
        self.last_raw: np.ndarray | None = None

    def frame_at(self, stream_time: float) -> np.ndarray | None:
        picture = self.source.frame_at(stream_time)
        if picture is None:
            return None
        self.last_raw = picture
        if self.beauty > 0:
            picture = smooth_skin(picture, self.beauty)
        if self.keyer is not None:
            picture = self.keyer.apply(picture)
        return picture


def key_colour_at(picture: np.ndarray, x: float, y: float, radius: int = 3) -> tuple[int, int, int]:
    """The colour to key, picked where the streamer clicked: (x, y) as fractions of the picture (clamped to it),
    the median of the (2·radius+1)² pixels around it (one speck of noise does not decide), as (B, G, R).
    FilterError for a point that is not a number."""
    if not (isinstance(x, (int, float)) and isinstance(y, (int, float)) and math.isfinite(x) and math.isfinite(y)):
        raise FilterError(f"取色位置无效 / not a point in the picture: {x!r}, {y!r}")
    if picture.ndim != 3 or picture.shape[2] < 3 or picture.shape[0] == 0 or picture.shape[1] == 0:
        raise FilterError("没有画面可取色 / no picture to pick from")
    height, width = picture.shape[:2]
    column = min(width - 1, max(0, int(min(1.0, max(0.0, x)) * width)))
    row = min(height - 1, max(0, int(min(1.0, max(0.0, y)) * height)))
    patch = picture[max(0, row - radius): row + radius + 1, max(0, column - radius): column + radius + 1, :3]
    b, g, r = np.median(patch.reshape(-1, 3), axis=0)
    return int(round(b)), int(round(g)), int(round(r))
