"""The encoder's picture: I420 (yuv420p) frames as one (height · 3/2, width) uint8 array — the Y plane, then U and V
at half size — as OpenCV's COLOR_BGR2YUV_I420 makes them and PyAV wraps them without a copy.

BT.601 limited range, as OpenCV converts: Y = 16 + 0.257 R + 0.504 G + 0.098 B, U and V about 128. An overlay's
premultiplied colour blends in these planes as it does in BGR (the conversion is affine), so the compositor works
on 1.5 bytes a pixel instead of 3 and nothing converts the composited frame again.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Premultiplied B, G, R and α (0..255) → what a layer adds to Y, U, V: the coefficients, and the offset times α
_Y_TERMS = np.array([[0.098, 0.504, 0.257, 16 / 255]], np.float32)
_U_TERMS = np.array([[0.439, -0.291, -0.148, 128 / 255]], np.float32)
_V_TERMS = np.array([[-0.071, -0.368, 0.439, 128 / 255]], np.float32)
WHITE = (235, 128, 128)  # Y, U, V


def size_of(i420: np.ndarray) -> tuple[int, int]:
    """(width, height) of an I420 array."""
    return i420.shape[1], i420.shape[0] * 2 // 3


def planes(i420: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views of the Y, U and V planes of a C-contiguous I420 array (writing them writes the frame)."""
    width, height = size_of(i420)
    flat = i420.reshape(-1)
    luma, chroma = width * height, (width // 2) * (height // 2)
    return (flat[:luma].reshape(height, width),
            flat[luma:luma + chroma].reshape(height // 2, width // 2),
            flat[luma + chroma:luma + 2 * chroma].reshape(height // 2, width // 2))


def from_bgr(bgr: np.ndarray) -> np.ndarray:
    """A new I420 array from a BGR image of even width and height."""
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420)


def to_bgr(i420: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420)


def small_bgr(i420: np.ndarray, width: int) -> np.ndarray:
    """The picture at most `width` wide, as BGR: the planes scaled first, so only the small picture is converted."""
    w, h = size_of(i420)
    if w <= width:
        return to_bgr(i420)
    new_w = max(2, width // 2 * 2)
    new_h = max(2, round(h * new_w / w) // 2 * 2)
    out = np.empty((new_h * 3 // 2, new_w), np.uint8)
    for source, target in zip(planes(i420), planes(out)):
        cv2.resize(source, (target.shape[1], target.shape[0]), dst=target, interpolation=cv2.INTER_AREA)
    return to_bgr(out)


@dataclass(frozen=True)
class Blend:
    """One layer's blend terms in I420 at its place: per plane out = dst · inv / 255 + add (saturating)."""

    rect: tuple[int, int, int, int]  # x0, y0, x1, y1 in the Y plane
    chroma_rect: tuple[int, int, int, int]  # the same, in the U and V planes (half size, every touched sample)
    y_inv: np.ndarray
    y_add: np.ndarray
    c_inv: np.ndarray
    u_add: np.ndarray
    v_add: np.ndarray

    def apply(self, y: np.ndarray, u: np.ndarray, v: np.ndarray) -> None:
        x0, y0, x1, y1 = self.rect
        roi = y[y0:y1, x0:x1]  # a view: OpenCV writes the result straight into the frame
        cv2.add(cv2.multiply(roi, self.y_inv, scale=1 / 255), self.y_add, roi)
        cx0, cy0, cx1, cy1 = self.chroma_rect
        for plane, add in ((u, self.u_add), (v, self.v_add)):
            roi = plane[cy0:cy1, cx0:cx1]
            cv2.add(cv2.multiply(roi, self.c_inv, scale=1 / 255), add, roi)


def blend_terms(bgra: np.ndarray, x: int, y: int) -> Blend:
    """The terms for a premultiplied BGRA block (uint8) placed at (x, y) on the canvas. The chroma planes take each
    2x2 block's mean of colour and alpha, pixels outside the layer counting as transparent, so a layer's edge on an
    odd pixel blends as it would in BGR then subsampled. All in OpenCV (a layer changes up to ten times a second)."""
    h, w = bgra.shape[:2]
    cx0, cy0, cx1, cy1 = x // 2, y // 2, (x + w + 1) // 2, (y + h + 1) // 2
    padded = np.zeros((2 * (cy1 - cy0), 2 * (cx1 - cx0), 4), np.uint8)
    ox, oy = x - 2 * cx0, y - 2 * cy0
    padded[oy:oy + h, ox:ox + w] = bgra
    mean = cv2.resize(padded, (cx1 - cx0, cy1 - cy0), interpolation=cv2.INTER_AREA)  # exactly each 2x2's mean
    return Blend((x, y, x + w, y + h), (cx0, cy0, cx1, cy1),
                 255 - bgra[:, :, 3], cv2.transform(bgra, _Y_TERMS),
                 255 - mean[:, :, 3], cv2.transform(mean, _U_TERMS), cv2.transform(mean, _V_TERMS))


@dataclass(frozen=True)
class Opaque:
    """An opaque BGR picture's planes, to be written at (x, y) of a frame (`place`): every luma pixel exactly, and
    every chroma sample it touches — where an odd edge shares a sample with what lies beside it, the picture's own
    edge colour fills it (as if it reached one pixel further), not the 2x2 mean a BGR frame would give."""

    x: int
    y: int
    luma: np.ndarray
    u: np.ndarray
    v: np.ndarray

    def place(self, i420: np.ndarray) -> None:
        fy, fu, fv = planes(i420)
        h, w = self.luma.shape
        fy[self.y:self.y + h, self.x:self.x + w] = self.luma
        ch, cw = self.u.shape
        fu[self.y // 2:self.y // 2 + ch, self.x // 2:self.x // 2 + cw] = self.u
        fv[self.y // 2:self.y // 2 + ch, self.x // 2:self.x // 2 + cw] = self.v


def opaque(bgr: np.ndarray, x: int, y: int) -> Opaque:
    """The planes of `bgr` (uint8, 3 channels, any size) placed with its top-left at (x, y) of a frame."""
    h, w = bgr.shape[:2]
    left, top, right, bottom = x % 2, y % 2, (x + w) % 2, (y + h) % 2
    padded = cv2.copyMakeBorder(bgr, top, bottom, left, right, cv2.BORDER_REPLICATE) if left or top or right or bottom \
        else bgr
    luma, u, v = planes(from_bgr(padded))
    return Opaque(x, y, luma[top:top + h, left:left + w], u, v)
