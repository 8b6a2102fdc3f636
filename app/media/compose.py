"""Compositor: burns RGBA layers (position, z-order, opacity, on/off) into each frame, in the encoder's I420.

Layers are rendered elsewhere (app/overlays) and handed over as premultiplied BGRA images; `set_layer`
precomputes the blend terms once in Y, U and V (`yuv.blend_terms`), so per frame a layer costs one multiply and one
saturating add per plane over its own rectangle, in OpenCV (SIMD, no temporaries in uint16):
out = dst · (255 − α·o) / 255 + src·o, where src is premultiplied by α and o is the layer's opacity. In I420 a frame
has half the bytes of BGR and is not converted again after the overlays (measured: bench/pipeline_vs_ffmpeg.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

import cv2
import numpy as np

from app.media import yuv


@dataclass(frozen=True)
class Layer:
    name: str
    x: int
    y: int
    z: int
    opacity: float
    visible: bool
    width: int
    height: int
    # the visible (clipped, alpha-trimmed) rectangle, its picture and its blend terms
    rect: tuple[int, int, int, int]  # x0, y0, x1, y1 on the canvas
    bgra: np.ndarray  # (h, w, 4) uint8 of that rectangle: premultiplied, the opacity applied to colour and α
    blend: yuv.Blend | None  # None: nothing visible


@dataclass(frozen=True)
class VideoLayer:
    """A live picture-in-picture: a second camera or a media file, fitted into a rectangle every frame."""

    name: str
    source: object  # anything with start(clock, at) / frame_at(t) / stop(), as in app.media.sources
    x: int
    y: int
    width: int
    height: int
    z: int = 0
    border: int = 2


class Compositor:
    """Thread-safe layer set; `compose` runs in the render thread, setters anywhere (UI, overlay renderer).
    Image layers (overlays) and video layers (picture-in-picture) share one z-order."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self._layers: dict[str, Layer] = {}
        self._sources: dict[str, np.ndarray] = {}
        self._order: tuple[Layer | VideoLayer, ...] = ()
        self._videos: dict[str, VideoLayer] = {}
        self._lock = threading.Lock()
        self._protected: frozenset[str] = frozenset()  # never left out (the rehearsal mark)

    def set_layer(self, name: str, bgra: np.ndarray, x: int, y: int, z: int = 0, opacity: float = 1.0,
                  visible: bool = True) -> None:
        """Add or replace a layer's image (premultiplied BGRA, as from `qtrender.to_bgra`)."""
        layer = self._prepare(name, bgra, x, y, z, opacity, visible)
        with self._lock:
            self._sources[name] = bgra
            self._layers[name] = layer
            self._reorder()

    def set_video_layer(self, layer: VideoLayer) -> None:
        """Add a picture-in-picture; its source is started by `start_sources` (the pipeline does it)."""
        with self._lock:
            self._videos[layer.name] = layer
            self._reorder()

    def start_sources(self, clock) -> None:
        for layer in list(self._videos.values()):
            layer.source.start(clock, at=clock.now())

    def stop_sources(self) -> None:
        for layer in list(self._videos.values()):
            layer.source.stop()

    def set_visible(self, name: str, visible: bool) -> None:
        with self._lock:
            if name in self._layers:
                self._layers[name] = replace(self._layers[name], visible=visible)
                self._reorder()

    def move(self, name: str, x: int, y: int, z: int | None = None, opacity: float | None = None) -> None:
        with self._lock:
            old = self._layers.get(name)
            source = self._sources.get(name)
        if old is None or source is None:
            return
        self.set_layer(name, source, x, y, old.z if z is None else z, old.opacity if opacity is None else opacity,
                       old.visible)

    def remove(self, name: str) -> None:
        with self._lock:
            self._layers.pop(name, None)
            self._sources.pop(name, None)
            self._videos.pop(name, None)
            self._reorder()

    def layers(self) -> tuple[Layer | VideoLayer, ...]:
        return self._order

    def protect(self, name: str) -> None:
        """Layer `name` is always drawn here, even when a source says it drew it (the 演练 REHEARSAL mark)."""
        with self._lock:
            self._protected = self._protected | {name}

    def compose(self, i420: np.ndarray, stream_time: float = 0.0, skip: frozenset[str] = frozenset()) -> np.ndarray:
        """Blend the visible layers into an I420 frame, in place (the caller owns it), and return it.
        `skip`: layers the source already placed in this frame (a scene's overlay items), left out here."""
        layers = self._order  # an immutable snapshot: setters swap the tuple, never mutate it
        if skip:
            skip = skip - self._protected
            layers = tuple(layer for layer in layers if layer.name not in skip)
        if not layers:
            return i420
        y, u, v = yuv.planes(i420)
        for layer in layers:
            if isinstance(layer, VideoLayer):
                self._paste_video((y, u, v), layer, stream_time)
            else:
                layer.blend.apply(y, u, v)
        return i420

    def _paste_video(self, planes: tuple[np.ndarray, ...], layer: VideoLayer, stream_time: float) -> None:
        """The picture with a thin white frame around it; its edges on even pixels (I420 has a chroma sample per
        2x2), so an odd place or size moves them by at most one pixel."""
        frame = layer.source.frame_at(stream_time)
        if frame is None:
            return
        from app.media.sources import fit

        def even(value: int, low: int, high: int) -> int:
            return max(low, min(high, value)) // 2 * 2

        b = layer.border
        x0, y0 = even(layer.x - b, 0, self.width), even(layer.y - b, 0, self.height)
        x1, y1 = even(layer.x + layer.width + b, 0, self.width), even(layer.y + layer.height + b, 0, self.height)
        if x1 <= x0 or y1 <= y0:
            return
        for plane, value, scale in zip(planes, yuv.WHITE, (1, 2, 2)):
            plane[y0 // scale:y1 // scale, x0 // scale:x1 // scale] = value
        px0, py0 = even(layer.x, 0, self.width), even(layer.y, 0, self.height)
        px1, py1 = even(layer.x + layer.width, 0, self.width), even(layer.y + layer.height, 0, self.height)
        if px1 <= px0 or py1 <= py0:
            return
        picture = fit(frame, layer.width, layer.height, "crop")
        left, top = px0 - layer.x, py0 - layer.y
        part = yuv.from_bgr(np.ascontiguousarray(picture[max(0, top):max(0, top) + py1 - py0,
                                                         max(0, left):max(0, left) + px1 - px0]))
        for plane, piece, scale in zip(planes, yuv.planes(part), (1, 2, 2)):
            plane[py0 // scale:py0 // scale + piece.shape[0], px0 // scale:px0 // scale + piece.shape[1]] = piece

    def _reorder(self) -> None:
        images = [l for l in self._layers.values() if l.visible and l.blend is not None]
        self._order = tuple(sorted([*images, *self._videos.values()], key=lambda l: l.z))

    def _prepare(self, name: str, bgra: np.ndarray, x: int, y: int, z: int, opacity: float,
                 visible: bool) -> Layer:
        h, w = bgra.shape[:2]
        nothing = Layer(name, x, y, z, opacity, visible, w, h, (0, 0, 0, 0), np.zeros((0, 0, 4), np.uint8), None)
        # clip to the canvas, then trim fully transparent borders so no frame pays for empty pixels
        sx0, sy0 = max(0, -x), max(0, -y)
        sx1, sy1 = min(w, self.width - x), min(h, self.height - y)
        if sx1 <= sx0 or sy1 <= sy0 or opacity <= 0:
            return nothing
        alpha = bgra[sy0:sy1, sx0:sx1, 3]
        rows, cols = np.flatnonzero(alpha.any(axis=1)), np.flatnonzero(alpha.any(axis=0))
        if rows.size == 0:
            return nothing
        sy0, sy1 = sy0 + rows[0], sy0 + rows[-1] + 1
        sx0, sx1 = sx0 + cols[0], sx0 + cols[-1] + 1
        part = np.ascontiguousarray(bgra[sy0:sy1, sx0:sx1])
        if opacity < 1.0:
            part = cv2.multiply(part, np.full(4, opacity), dtype=cv2.CV_8U)  # premultiplied: colour and α alike
        blend = yuv.blend_terms(part, x + sx0, y + sy0)
        return Layer(name, x, y, z, opacity, visible, w, h, blend.rect, part, blend)
