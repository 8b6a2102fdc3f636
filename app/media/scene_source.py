"""The program scene drawn (`SceneSource`): the video source the pipeline reads while scenes are on (app/media/scenes.py
has the scenes themselves). It holds every input the scenes use, started once at go-live (a switch never opens a
device, so it never stalls a frame), and draws the program scene into a fresh picture per frame — in I420 straight
away when the scene is opaque pictures one above another (`i420_at`), else in BGR (`frame_at`): a cut or a short fade
at a switch, overlays placed by the scene as its items, keyed pictures. `Still`: what each input shows now, small, for
the scene editor's sketch.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from collections.abc import Callable, Iterable

import cv2
import numpy as np

from app.media import yuv
from app.media.interfaces import VideoSource
from app.media.scenes import OVERLAY, Scene, SceneError, SceneItem, overlay_kind
from app.media.sources import fit

FADE_S = 0.3  # a fade's length (OBS's default fade is 300 ms)
BGR_AGAIN_S = 1.0  # a scene found keyed is drawn in BGR this long before `SceneSource.i420_at` looks again
# an input drawn in I420 is copied for `last_picture` (the key colour's still, the scene editor's sketch) at most this
# often: a 1080p copy each frame was a tenth of the render thread (py-spy, docs/benchmarks.md "A two-source scene")
SEEN_EVERY_S = 0.2
TRANSITIONS = ("cut", "fade")


@dataclass(frozen=True)
class Still:
    """A small picture of what a source shows: `picture` BGRA, premultiplied alpha (opaque for cameras, pictures and
    media); `place` where the source draws itself on the canvas when its item fills it (x, y, width, height as
    fractions; overlays, which the overlay set places), else None."""

    picture: np.ndarray
    place: tuple[float, float, float, float] | None


def _opaque(picture: np.ndarray) -> np.ndarray:
    return np.dstack((picture[:, :, :3], np.full(picture.shape[:2], 255, np.uint8)))


def _small(picture: np.ndarray, width: int) -> np.ndarray:
    """A copy of the picture no wider than `width` (its shape kept)."""
    h, w = picture.shape[:2]
    if w <= width:
        return np.ascontiguousarray(picture).copy()
    return cv2.resize(picture, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)


class SceneSource(VideoSource):
    """The program scene drawn from its inputs, at the canvas size, a fresh array per frame. `switch` is
    thread-safe (a key in the window, a control surface, a LAN assistant) and takes effect on the next frame."""

    def __init__(self, inputs: dict[str, VideoSource], scenes: list[Scene], width: int, height: int,
                 program: str | None = None, fade_s: float = FADE_S, started_elsewhere: Iterable = ()) -> None:
        """`started_elsewhere`: inputs another owner starts (a media file that is also the pipeline's sound source
        is started once, as the sound)."""
        if not scenes:
            raise SceneError("没有场景 / no scenes")
        self.width, self.height, self.fade_s = width, height, fade_s
        self._inputs = dict(inputs)
        self._scenes = {s.name: s for s in scenes}
        self._order = tuple(s.name for s in scenes)
        self._lock = threading.Lock()
        self._program = self._scenes[program] if program in self._scenes else scenes[0]
        self._fading: tuple[Scene, float] | None = None  # (the scene faded from, stream time the fade began)
        self._last_time = 0.0
        self._elsewhere = {id(source) for source in started_elsewhere}
        # each input's newest picture drawn: a reference to what it gave (BGR), or a copy of its own I420 (`i420_at`)
        self._seen: dict[str, np.ndarray] = {}
        self._seen_at: dict[str, float] = {}  # the stream time of each I420 copy in `_seen`
        # a still picture (the product's, a background) is fitted to its place once, not every frame: per item,
        # the picture last fitted (held, so its identity cannot be reused) and the result. Measured at 1080p: an
        # 800x800 product picture letterboxed into the default scene's place cost 2.5 ms a frame (bench/).
        self._placed: dict[SceneItem, tuple[np.ndarray, np.ndarray]] = {}
        self._layers: Callable[[], tuple] = tuple  # the compositor's visible layers now (`take_layers`)
        self._placed_layers: dict[SceneItem, tuple[object, tuple]] = {}  # per item: the layer, (rect, inv, add)
        self._planes: dict[SceneItem, tuple[np.ndarray, yuv.Opaque]] = {}  # per item: the fitted picture, its planes
        # the program last found to need BGR (a keyed picture) and until when `i420_at` answers None for it
        self._bgr_only: tuple[Scene | None, float] = (None, 0.0)
        self.draws_layers = self._program.overlays
        self.switches = 0

    # --- what a control surface asks ----------------------------------------------------------------------
    @property
    def scene_names(self) -> tuple[str, ...]:
        return self._order

    @property
    def program(self) -> str:
        return self._program.name

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(self._inputs)

    def scene(self, name: str) -> Scene:
        return self._scenes[name]

    def input(self, name: str) -> VideoSource | None:
        return self._inputs.get(name)

    def last_picture(self, name: str) -> np.ndarray | None:
        """The newest picture drawn from input `name` (as the input gave it: before crop and fit, BGR; one drawn in
        I420 as copied at most SEEN_EVERY_S ago), or None."""
        picture = self._seen.get(name)
        return yuv.to_bgr(picture) if picture is not None and picture.ndim == 2 else picture

    def stills(self, width: int = 192) -> dict[str, Still]:
        """What each input showed last and each overlay shows now ("overlay.KIND"), small (at most `width` px wide),
        for the scene editor's sketch. Inputs no scene has drawn yet are left out."""
        stills = {name: Still(_opaque(yuv.small_bgr(picture, width) if picture.ndim == 2 else _small(picture, width)),
                              None) for name, picture in dict(self._seen).items()}
        for layer in self._layers():
            bgra = getattr(layer, "bgra", None)  # premultiplied, as the layer keeps it
            if bgra is None or bgra.size == 0:
                continue
            x0, y0, x1, y1 = layer.rect
            place = (x0 / self.width, y0 / self.height, (x1 - x0) / self.width, (y1 - y0) / self.height)
            stills[OVERLAY + layer.name] = Still(_small(bgra, width), place)
        return stills

    def set_scenes(self, scenes: list[Scene]) -> None:
        """Replace the scenes while on air (an edit): the program scene stays if it still exists (by name, its new
        layout from the next frame), else the first scene goes on air; a fade under way is cut short."""
        if not scenes:
            raise SceneError("没有场景 / no scenes")
        with self._lock:
            self._scenes = {s.name: s for s in scenes}
            self._order = tuple(s.name for s in scenes)
            self._program = self._scenes.get(self._program.name, scenes[0])
            self._fading = None

    def switch(self, name: str, transition: str = "cut") -> bool:
        """Put scene `name` on air from the next frame, by a cut or a fade; False if it already is. SceneError
        for a scene or transition that does not exist."""
        if transition not in TRANSITIONS:
            raise SceneError(f"转场为 cut 或 fade / the transition is cut or fade, not {transition!r}")
        scene = self._scenes.get(name)
        if scene is None:
            raise SceneError(f"没有这个场景 / no scene named {name!r}")
        with self._lock:
            if scene is self._program:
                return False
            self._fading = (self._program, self._last_time) if transition == "fade" and self.fade_s > 0 else None
            self._program = scene
            self.switches += 1
        return True

    # --- VideoSource -----------------------------------------------------------------------------------------
    @property
    def notice(self) -> str | None:  # type: ignore[override]
        notices = [source.notice for source in self._inputs.values() if source.notice]
        return "；".join(notices) if notices else None

    @property
    def unwrapped_inputs(self) -> dict[str, VideoSource]:
        return dict(self._inputs)

    def unwrapped(self) -> VideoSource:
        camera = self._inputs.get("camera")
        return camera.unwrapped() if camera is not None else self

    def take_layers(self, layers) -> None:
        self._layers = layers

    def start(self, clock, at: float = 0.0) -> None:
        for source in self._inputs.values():
            if id(source) not in self._elsewhere:
                source.start(clock, at)

    def ready(self) -> bool:
        return all(self._inputs[name].ready() for name in self._program.inputs if name in self._inputs)

    def stop(self) -> None:
        for source in self._inputs.values():
            source.stop()

    def frame_at(self, stream_time: float) -> np.ndarray:
        with self._lock:
            program, fading = self._program, self._fading
            self._last_time = stream_time
            if fading is not None and stream_time - fading[1] >= self.fade_s:
                self._fading = fading = None
        frame = self.render(program, stream_time)
        drawn = program.overlays
        if fading is not None:
            share = max(0.0, min(1.0, (stream_time - fading[1]) / self.fade_s))
            cv2.addWeighted(self.render(fading[0], stream_time), 1.0 - share, frame, share, 0.0, dst=frame)
            drawn = drawn | fading[0].overlays
        self.draws_layers = drawn
        return frame

    def i420_at(self, stream_time: float, width: int, height: int) -> np.ndarray | None:
        """The program scene drawn straight in I420 (app.media.yuv) when it is opaque pictures one above another —
        as the default scenes are: the topmost full-canvas one taken as I420 from its source when the source has it
        (the test pattern, a video at the canvas's aspect; else converted once), what lies below it never drawn,
        each picture above it written into the planes (fitted and converted once while it is the same picture: a
        product's). None — the pipeline takes `frame_at` — during a fade, for a scene placing an overlay or a
        translucent item, or one whose picture is keyed (then for BGR_AGAIN_S: a key may be switched off). Where a picture's odd
        edge shares a chroma sample with what lies beside it, the picture's own edge colour fills it (`yuv.opaque`)."""
        if (width, height) != (self.width, self.height):
            return None
        with self._lock:
            program, fading = self._program, self._fading
            if fading is not None and stream_time - fading[1] >= self.fade_s:
                self._fading = fading = None
            if fading is not None or (program is self._bgr_only[0] and stream_time < self._bgr_only[1]):
                return None
            self._last_time = stream_time
        shown = [item for item in program.items if item.visible and item.opacity > 0
                 and (item.input in self._inputs or overlay_kind(item.input) is not None)]
        if any(item.opacity < 1.0 or overlay_kind(item.input) is not None for item in shown):
            return None
        full = [n for n, item in enumerate(shown) if item.rect(width, height) == (0, 0, width, height)
                and not any(item.crop)]
        if not full:
            return None
        base, above = shown[full[-1]], shown[full[-1] + 1:]
        source = self._inputs[base.input]
        frame = source.i420_at(stream_time, width, height)
        if frame is not None:
            copied = self._seen_at.get(base.input)
            if copied is None or not 0 <= stream_time - copied < SEEN_EVERY_S:  # a new show's time starts again
                self._seen[base.input] = frame.copy()  # its own picture, before anything is written on it
                self._seen_at[base.input] = stream_time
        else:
            picture = source.frame_at(stream_time)
            if picture is None:
                return None  # nothing to stand on (black below, in BGR)
            self._seen[base.input] = picture
            placed = self._place(base, picture, width, height)
            if placed.shape[2] == 4:
                self._bgr_only = (program, stream_time + BGR_AGAIN_S)
                return None
            frame = yuv.from_bgr(placed)
        for item in above:
            picture = self._inputs[item.input].frame_at(stream_time)
            if picture is None:
                continue
            self._seen[item.input] = picture
            x0, y0, x1, y1 = item.rect(width, height)
            if x1 <= x0 or y1 <= y0:
                continue
            placed = self._place(item, picture, x1 - x0, y1 - y0)
            if placed.shape[2] == 4:
                self._bgr_only = (program, stream_time + BGR_AGAIN_S)
                return None
            known = self._planes.get(item)
            if known is None or known[0] is not placed:
                if len(self._planes) > 64:
                    self._planes.clear()
                self._planes[item] = known = (placed, yuv.opaque(placed, x0, y0))
            known[1].place(frame)
        self.draws_layers = program.overlays
        return frame

    def _place(self, item: SceneItem, picture: np.ndarray, width: int, height: int) -> np.ndarray:
        """The picture cropped and fitted to the item's place; the same picture as last time is not fitted again."""
        known = self._placed.get(item)
        if known is not None and known[0] is picture:
            return known[1]
        original = picture
        if any(item.crop):
            h, w = picture.shape[:2]
            left, top, right, bottom = item.crop
            picture = picture[round(top * h): h - round(bottom * h), round(left * w): w - round(right * w)]
        placed = fit(picture, width, height, item.fit)
        if len(self._placed) > 64:  # items of scenes edited away
            self._placed.clear()
        self._placed[item] = (original, placed)
        return placed

    def _draw_layer(self, canvas: np.ndarray, item: SceneItem, layer) -> None:
        """An overlay layer blended at the item's place (BGR: `inv` = 255 − α, `add` = the premultiplied colour)."""
        known = self._placed_layers.get(item)
        if known is not None and known[0] is layer:
            rect, inv, add = known[1]
        else:
            rect, inv, add = self._fit_layer(item, layer)
            if len(self._placed_layers) > 64:
                self._placed_layers.clear()
            self._placed_layers[item] = (layer, (rect, inv, add))
        x0, y0, x1, y1 = rect
        if x1 > x0 and y1 > y0:
            roi = canvas[y0:y1, x0:x1]
            cv2.add(cv2.multiply(roi, inv, scale=1 / 255), add, roi)

    def _fit_layer(self, item: SceneItem, layer) -> tuple[tuple[int, int, int, int], np.ndarray, np.ndarray]:
        lx0, ly0 = layer.rect[:2]
        add = layer.bgra[:, :, :3]
        inv = np.repeat(255 - layer.bgra[:, :, 3:], 3, axis=2)
        h, w = inv.shape[:2]
        if any(item.crop):
            left, top, right, bottom = item.crop
            cx0, cy0, cx1, cy1 = round(left * w), round(top * h), w - round(right * w), h - round(bottom * h)
            inv, add = inv[cy0:cy1, cx0:cx1], add[cy0:cy1, cx0:cx1]
            lx0, ly0 = lx0 + cx0, ly0 + cy0
            h, w = inv.shape[:2]
        if (item.x, item.y, item.width, item.height) == (0.0, 0.0, 1.0, 1.0):
            x0, y0 = lx0, ly0  # where the overlay set placed it
        else:
            x0, y0, x1, y1 = item.rect(self.width, self.height)
            scale = min(1.0, (x1 - x0) / max(1, w), (y1 - y0) / max(1, h))
            if scale < 1.0:
                size = (max(1, int(w * scale)), max(1, int(h * scale)))
                inv = cv2.resize(inv, size, interpolation=cv2.INTER_AREA)
                add = cv2.resize(add, size, interpolation=cv2.INTER_AREA)
                h, w = inv.shape[:2]
        w, h = max(0, min(w, self.width - x0)), max(0, min(h, self.height - y0))
        inv, add = inv[:h, :w], add[:h, :w]
        if item.opacity < 1.0:
            inv = (255.0 - np.rint((255.0 - inv.astype(np.float32)) * item.opacity)).astype(np.uint8)
            add = np.rint(add.astype(np.float32) * item.opacity).astype(np.uint8)
        return (x0, y0, x0 + w, y0 + h), np.ascontiguousarray(inv), np.ascontiguousarray(add)

    def render(self, scene: Scene, stream_time: float) -> np.ndarray:
        """One scene's picture at `stream_time` (a new array)."""
        canvas = np.zeros((self.height, self.width, 3), np.uint8)
        layers = {layer.name: layer for layer in self._layers() if hasattr(layer, "bgra")} if scene.overlays else {}
        for item in scene.items:
            kind = overlay_kind(item.input)
            if kind is not None:
                layer = layers.get(kind)
                if layer is not None and item.visible and item.opacity > 0:
                    self._draw_layer(canvas, item, layer)
                continue
            source = self._inputs.get(item.input)
            if not item.visible or item.opacity <= 0 or source is None:
                continue
            picture = source.frame_at(stream_time)
            if picture is None:
                continue
            self._seen[item.input] = picture
            x0, y0, x1, y1 = item.rect(self.width, self.height)
            if x1 <= x0 or y1 <= y0:
                continue
            placed = self._place(item, picture, x1 - x0, y1 - y0)
            region = canvas[y0:y1, x0:x1]
            if placed.shape[2] == 4:  # keyed (绿幕): what lies below shows through where the key was
                alpha = placed[:, :, 3].astype(np.float32) * (item.opacity / 255.0)
                region[:] = cv2.blendLinear(np.ascontiguousarray(placed[:, :, :3]), region, alpha, 1.0 - alpha)
            elif item.opacity >= 1.0:
                region[:] = placed
            else:
                cv2.addWeighted(placed, item.opacity, region, 1.0 - item.opacity, 0.0, dst=region)
        return canvas
