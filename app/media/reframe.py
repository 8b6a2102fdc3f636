"""A landscape recording's frames made into another shape for a clip to post: vertical 9:16 (1080×1920) cut from a
region of the picture that follows the scene on air, or the whole picture letterboxed into it; with still layers
(the product card, a caption, the logo) burned in where they were placed and for the part of the clip they cover.

Everything happens on the decoded frame's own planes (YUV 4:2:0, as the recording and the encoder hold them): the
region is cut and scaled plane by plane, and each layer — premultiplied BGRA, as the overlays are rendered — is
turned into premultiplied YUV once and blended into the planes at its place. No BGR round trip per frame.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path

import av
import cv2
import numpy as np

from app.media import yuv

SHAPES = ("original", "crop", "letterbox")  # the clip's shape: as recorded | 9:16 cut from a region | 9:16, bars
VERTICAL = (1080, 1920)
BLACK_Y, BLACK_C = 16, 128  # limited-range black in YUV

@dataclass(frozen=True)
class Region:
    """The part of the recording's picture a vertical clip shows: its centre (cx, cy) and its height, as shares of
    the picture's width and height; its width follows the clip's shape (9:16)."""

    cx: float = 0.5
    cy: float = 0.5
    height: float = 1.0

    def __post_init__(self) -> None:
        for name, value, low in (("cx", self.cx, 0.0), ("cy", self.cy, 0.0), ("height", self.height, 0.1)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= 1.0:
                raise ValueError(f"区域的 {name} 要在 {low:g}–1 之间 / a region's {name} must lie in {low:g}–1: "
                                 f"{value!r}")

    def pixels(self, src_w: int, src_h: int, out_w: int, out_h: int) -> tuple[int, int, int, int]:
        """(x, y, w, h) of the region in a src_w×src_h picture: even numbers (4:2:0), inside the picture, of the
        output's aspect (narrowed when the picture is not wide enough)."""
        h = max(2, round(self.height * src_h) // 2 * 2)
        w = max(2, round(h * out_w / out_h) // 2 * 2)
        if w > src_w:
            w = src_w // 2 * 2
            h = max(2, min(src_h, round(w * out_h / out_w)) // 2 * 2)
        x = min(max(0, round(self.cx * src_w - w / 2)), src_w - w) // 2 * 2
        y = min(max(0, round(self.cy * src_h - h / 2)), src_h - h) // 2 * 2
        return x, y, w, h


@dataclass(frozen=True, eq=False)
class Layer:
    """A still picture burned into the clip: premultiplied BGRA at (x, y) of the output, shown for clip times in
    [start, end)."""

    bgra: np.ndarray
    x: int
    y: int
    start: float = 0.0
    end: float = math.inf
    name: str = ""


@dataclass(frozen=True, eq=False)
class Look:
    """What a clip looks like: its shape and size, the region per span of the clip (from a clip time on, for the
    crop), where the letterboxed picture sits (None: the middle) and the layers burned in."""

    shape: str = "crop"
    width: int = VERTICAL[0]
    height: int = VERTICAL[1]
    regions: tuple[tuple[float, Region], ...] = ((0.0, Region()),)
    picture_y: int | None = None
    layers: tuple[Layer, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.shape not in SHAPES[1:]:
            raise ValueError(f"画面形状只能是 {'/'.join(SHAPES[1:])} / a look's shape is crop or letterbox: "
                             f"{self.shape!r}")
        if self.width % 2 or self.height % 2 or not (16 <= self.width <= 4096 and 16 <= self.height <= 4096):
            raise ValueError(f"尺寸要是 16–4096 之间的偶数 / width and height must be even, 16–4096: "
                             f"{self.width}×{self.height}")

    def region_at(self, t: float) -> Region:
        found = self.regions[0][1] if self.regions else Region()
        for start, region in self.regions:
            if start <= t:
                found = region
        return found


class _Blend:
    """One layer in the clip's YUV planes (`yuv.blend_terms`), clipped to the output, for its span of the clip."""

    def __init__(self, layer: Layer, width: int, height: int) -> None:
        self.layer = layer
        h, w = layer.bgra.shape[:2]
        x0, y0 = max(0, layer.x), max(0, layer.y)
        x1, y1 = min(width, layer.x + w), min(height, layer.y + h)
        self.terms = None
        if x1 > x0 and y1 > y0:
            part = layer.bgra[y0 - layer.y:y1 - layer.y, x0 - layer.x:x1 - layer.x]
            self.terms = yuv.blend_terms(np.ascontiguousarray(part), x0, y0)

    def on(self, t: float) -> bool:
        return self.terms is not None and self.layer.start <= t < self.layer.end

    def draw(self, y_plane: np.ndarray, u_plane: np.ndarray, v_plane: np.ndarray) -> None:
        self.terms.apply(y_plane, u_plane, v_plane)


MAX_STILL_BYTES = 8 * 1024 * 1024
MAX_STILL_SIDE = 8192


def still(path: str, width: int) -> np.ndarray:
    """A picture file (a logo: PNG with transparency, JPEG…) as premultiplied BGRA `width` px wide. ValueError
    (中文 / English) for a missing, unreadable or oversized one: its header is read before anything is decoded."""
    from PySide6.QtCore import QSize, Qt
    from PySide6.QtGui import QImage, QImageReader

    from app.media import qtrender

    file = Path(path)
    if not file.is_file():
        raise ValueError(f"找不到图片 / no such picture: {path}")
    if file.stat().st_size > MAX_STILL_BYTES:
        raise ValueError(f"图片超过 8 MB / the picture is over 8 MB: {path}")
    qtrender.ensure_qt()
    reader = QImageReader(str(file))
    size = reader.size()
    if not size.isValid() or not (0 < size.width() <= MAX_STILL_SIDE and 0 < size.height() <= MAX_STILL_SIDE):
        raise ValueError(f"读不了这张图片，或超过 {MAX_STILL_SIDE} 像素 / cannot read the picture, or it is over "
                         f"{MAX_STILL_SIDE} px a side: {path}")
    height = max(2, round(size.height() * width / size.width()))
    reader.setScaledSize(QSize(width, height))
    image = reader.read()
    if image.isNull():
        raise ValueError(f"读不了这张图片 / cannot read the picture: {path} ({reader.errorString()})")
    image = image.scaled(width, height, Qt.AspectRatioMode.IgnoreAspectRatio,
                         Qt.TransformationMode.SmoothTransformation)
    return qtrender.to_bgra(image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied))


class Reframer:
    """Frames of a src_w×src_h recording → frames of the look, at clip time t."""

    def __init__(self, look: Look, src_w: int, src_h: int) -> None:
        self.look, self.src_w, self.src_h = look, src_w, src_h
        w, h = look.width, look.height
        self.buffer = np.empty((h * 3 // 2, w), np.uint8)  # Y, then U, then V: PyAV's yuv420p array
        self.y_plane, self.u_plane, self.v_plane = yuv.planes(self.buffer)
        self.blends = [_Blend(layer, w, h) for layer in look.layers]
        if look.shape == "letterbox":
            pic_h = min(h, round(src_h * w / src_w) // 2 * 2)
            top = (h - pic_h) // 2 if look.picture_y is None else min(max(0, look.picture_y), h - pic_h)
            self.picture = (0, top // 2 * 2, w, pic_h)
        else:
            self.picture = (0, 0, w, h)

    def region(self, t: float) -> tuple[int, int, int, int]:
        if self.look.shape == "letterbox":
            return 0, 0, self.src_w // 2 * 2, self.src_h // 2 * 2
        return self.look.region_at(t).pixels(self.src_w, self.src_h, self.look.width, self.look.height)

    def frame(self, frame: av.VideoFrame, t: float) -> av.VideoFrame:
        if frame.format.name != "yuv420p" or frame.width != self.src_w or frame.height != self.src_h:
            frame = frame.reformat(width=self.src_w, height=self.src_h, format="yuv420p")
        planes = yuv.planes(frame.to_ndarray())
        x, y, w, h = self.region(t)
        px, py, pw, ph = self.picture
        if self.look.shape == "letterbox":
            self.y_plane.fill(BLACK_Y)
            self.u_plane.fill(BLACK_C)
            self.v_plane.fill(BLACK_C)
        for plane, out, k in ((planes[0], self.y_plane, 1), (planes[1], self.u_plane, 2), (planes[2], self.v_plane, 2)):
            cv2.resize(plane[y // k:(y + h) // k, x // k:(x + w) // k], (pw // k, ph // k),
                       dst=out[py // k:(py + ph) // k, px // k:(px + pw) // k], interpolation=cv2.INTER_LINEAR)
        for blend in self.blends:
            if blend.on(t):
                blend.draw(self.y_plane, self.u_plane, self.v_plane)
        return av.VideoFrame.from_ndarray(self.buffer, format="yuv420p")


def picture_at(path: str | Path, t: float, look: Look, most: int = 600) -> np.ndarray | None:
    """The recording's picture at `t` seconds as `look` frames it at its start, without its layers (BGR, the look's
    size): for a preview. A recording that ends before `t` (cut by a crash) gives its last picture; None when it has
    none or cannot be read. At most `most` frames are decoded from the keyframe before `t`."""
    bare = dataclasses.replace(look, layers=())
    found = None
    try:
        with av.open(str(path)) as inp:
            if not inp.streams.video:
                return None
            video = inp.streams.video[0]
            inp.seek(max(0, int(t / video.time_base)), stream=video, backward=True, any_frame=False)
            for count, frame in enumerate(inp.decode(video)):
                found = frame
                if (frame.time is not None and frame.time >= t - 1e-3) or count + 1 >= most:
                    break
    except (av.error.FFmpegError, OSError):
        return None
    if found is None:
        return None
    return Reframer(bare, found.width // 2 * 2, found.height // 2 * 2).frame(found, 0.0).to_ndarray(format="bgr24")


__all__ = ["Layer", "Look", "Reframer", "Region", "SHAPES", "VERTICAL", "picture_at", "still"]
