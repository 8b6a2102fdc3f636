"""场景 Scenes: named, ordered sets of sources, each with a place, a size, a crop, an opacity and a visibility;
one of them is on air (the program scene) and a switch is a cut or a short fade.

A scene's places are fractions of the canvas, so every scene fits a landscape and a portrait canvas alike.
`SceneSource` is the video source the pipeline reads: it holds every input the scenes use, started once at go-live
(a switch never opens a device, so it never stalls a frame), and draws the program scene into a fresh canvas per
frame. Sound is not part of a scene: the pipeline's audio source runs on its own clock, so a switch cannot move it.

Inputs are named: "camera" (the chosen source: a camera, a file, the test pattern), "product" (the pinned
product's picture, `PinnedPicture`), "background" (a picture behind a keyed green screen), and any other source
the studio adds. An input a scene names but the show
does not have is skipped (its place stays as the items below it leave it).

Overlays are items too: "overlay.KIND" (overlay.product_card, overlay.comments, overlay.coupon, …) draws that
overlay, as the overlay set rendered it, in the scene's order: an item over the whole canvas leaves it where the
overlay set placed it (its corner, or where it was dragged); a smaller place holds it at the place's top-left,
scaled down to fit (never up: text stays sharp); opacity, crop and visibility as for any item (invisible: this
scene hides that overlay). An overlay a scene does not name is drawn above the scene as before scenes. An overlay
the streamer switched off is off in every scene.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

import cv2
import numpy as np

from app.media.reframe import Region
from app.media.interfaces import VideoSource
from app.media.sources import fit

NAME_MAX = 40
FADE_S = 0.3  # a fade's length (OBS's default fade is 300 ms)
TRANSITIONS = ("cut", "fade")
OVERLAY = "overlay."  # an item's input naming an overlay layer: "overlay.product_card"
GUEST = "guest:"  # a studio source that is a seat of the guests' door: "guest:手机1" (app/guests)


def overlay_kind(input: str) -> str | None:  # noqa: A002
    """"overlay.coupon" → "coupon"; None for an input that is not an overlay."""
    return input[len(OVERLAY):] if input.startswith(OVERLAY) and len(input) > len(OVERLAY) else None


class SceneError(ValueError):
    """A scene that cannot be: the reason in Chinese and English."""


@dataclass(frozen=True)
class SceneItem:
    """One source in a scene. x, y, width, height are fractions of the canvas; crop (left, top, right, bottom)
    fractions of the source's own picture cut before fitting."""

    input: str
    x: float = 0.0
    y: float = 0.0
    width: float = 1.0
    height: float = 1.0
    visible: bool = True
    opacity: float = 1.0
    crop: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    fit: str = "crop"  # crop: fill the place, cut the edges | letterbox: all of it, bars around

    def rect(self, width: int, height: int) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) in pixels on a canvas of that size, inside the canvas."""
        x0, y0 = round(self.x * width), round(self.y * height)
        x1, y1 = round((self.x + self.width) * width), round((self.y + self.height) * height)
        return max(0, x0), max(0, y0), min(width, x1), min(height, y1)


@dataclass(frozen=True)
class Scene:
    name: str
    items: tuple[SceneItem, ...] = field(default_factory=tuple)  # bottom to top
    clip: Region | None = None  # the part a vertical clip (直播切片 9:16) shows while this scene is on air

    @cached_property  # read every frame: worked out once per scene (a frozen value)
    def inputs(self) -> tuple[str, ...]:
        """The video inputs the scene draws (not its overlays)."""
        return tuple(dict.fromkeys(item.input for item in self.items if overlay_kind(item.input) is None))

    @cached_property
    def overlays(self) -> frozenset[str]:
        """The overlay layers this scene places itself (shown or hidden)."""
        return frozenset(kind for item in self.items if (kind := overlay_kind(item.input)) is not None)


def _fraction(value, what: str, low: float = 0.0, high: float = 1.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not low <= value <= high:
        raise SceneError(f"{what} 需在 {low:g}–{high:g} 之间 / {what} must be between {low:g} and {high:g}")
    return float(value)


def make_item(input: str, x=0.0, y=0.0, width=1.0, height=1.0, visible=True, opacity=1.0,  # noqa: A002
              crop=(0.0, 0.0, 0.0, 0.0), fit: str = "crop") -> SceneItem:
    """A checked scene item (SceneError with the reason): from a saved layout, the window or a control surface."""
    if not isinstance(input, str) or not input.strip() or len(input) > NAME_MAX:
        raise SceneError(f"来源名称需为 1–{NAME_MAX} 个字符 / a source's name is 1–{NAME_MAX} characters")
    x, y = _fraction(x, "x"), _fraction(y, "y")
    width, height = _fraction(width, "width"), _fraction(height, "height")
    if width <= 0 or height <= 0:
        raise SceneError("宽高需大于 0 / width and height must be above 0")
    if not isinstance(crop, (tuple, list)) or len(crop) != 4:
        raise SceneError("裁剪需为 左、上、右、下 四个比例 / crop is four fractions: left, top, right, bottom")
    crop = tuple(_fraction(c, "crop", 0.0, 0.95) for c in crop)
    if crop[0] + crop[2] >= 0.95 or crop[1] + crop[3] >= 0.95:
        raise SceneError("裁剪过多 / the crop leaves nothing to show")
    if not isinstance(fit, str) or fit not in ("crop", "letterbox"):
        raise SceneError("适配方式为 crop 或 letterbox / fit is crop or letterbox")
    if not isinstance(visible, bool):
        raise SceneError("visible 需为 true 或 false / visible is true or false")
    return SceneItem(input.strip(), x, y, width, height, visible, _fraction(opacity, "opacity"), crop, fit)


SHOW_INPUTS = ("camera", "product", "background")  # the inputs every show has; the studio's own take other names
SPEC_MAX = 1000


def check_input(name, spec) -> tuple[str, str]:
    """A studio's own source for the scenes, checked: (name, what to open: cam:N | an image | a media file |
    testsrc). SceneError with the reason. Whether it opens is seen at go-live (a slate in its place if not)."""
    name = " ".join(str(name or "").split()) if isinstance(name, str) else ""
    if not name or len(name) > NAME_MAX or not name.isprintable():
        raise SceneError(f"来源名称需为 1–{NAME_MAX} 个可见字符 / a source's name is 1–{NAME_MAX} printable characters")
    if name in SHOW_INPUTS or name.startswith(OVERLAY):
        raise SceneError(f"“{name}”是内置来源的名称 / {name!r} is a built-in source's name")
    if not isinstance(spec, str) or not spec.strip() or len(spec) > SPEC_MAX or not spec.isprintable():
        raise SceneError("来源需为摄像头（cam:编号）、手机机位（guest:名称）、图片或视频文件的路径 / a source is cam:N, "
                         "guest:NAME (a phone), or an image or video file")
    spec = spec.strip()
    if spec.startswith("cam:") and not spec[4:].strip():
        raise SceneError("摄像头需写编号，如 cam:1 / a camera needs its number, e.g. cam:1")
    if spec.startswith(GUEST) and not spec[len(GUEST):].strip():
        raise SceneError("手机机位需写名称，如 guest:手机1 / a phone's seat needs its name, e.g. guest:手机1")
    return name, spec


def make_scene(name: str, items: Iterable[SceneItem], clip=None) -> Scene:
    """A checked scene; `clip` a `Region` or [cx, cy, height] (shares of the canvas), or None."""
    name = " ".join(str(name or "").split())
    if not name or len(name) > NAME_MAX or not name.isprintable():
        raise SceneError(f"场景名称需为 1–{NAME_MAX} 个可见字符 / a scene's name is 1–{NAME_MAX} printable characters")
    if clip is not None and not isinstance(clip, Region):
        try:
            if not isinstance(clip, (list, tuple)) or len(clip) != 3:
                raise ValueError(clip)
            clip = Region(*clip)
        except (TypeError, ValueError):
            raise SceneError("竖屏切片区域要是 [中心x, 中心y, 高度]，各在 0–1 之间 / a vertical clip region is "
                             "[cx, cy, height], shares 0-1") from None
    return Scene(name, tuple(items), clip)


def default_scenes() -> list[Scene]:
    """The common selling layouts: the host full frame; the host with the product's picture beside them; the
    product full frame with the host small in a corner."""
    return [  # the host full frame keeps all of the picture (bars where the shapes differ), as before scenes;
        # "background" (a picture the studio chose) shows where a green screen is keyed out, else nothing is drawn
        make_scene("主播全屏 Host", [make_item("background"), make_item("camera", fit="letterbox")]),
        make_scene("主播+商品 Host + product", [make_item("background"), make_item("camera", fit="letterbox"),
                                                make_item("product", 0.62, 0.52, 0.34, 0.42, fit="letterbox")]),
        make_scene("商品特写 Product", [make_item("product", fit="letterbox"),
                                       make_item("camera", 0.70, 0.04, 0.26, 0.26)]),
    ]


def scenes_to_json(scenes: Iterable[Scene]) -> list[dict]:
    return [{"name": s.name, "items": [{"input": i.input, "x": i.x, "y": i.y, "width": i.width,
                                        "height": i.height, "visible": i.visible, "opacity": i.opacity,
                                        "crop": list(i.crop), "fit": i.fit} for i in s.items],
             **({"clip": [s.clip.cx, s.clip.cy, s.clip.height]} if s.clip is not None else {})} for s in scenes]


def scenes_from_json(data) -> list[Scene]:
    """Scenes as saved (the settings, a file): every one checked; SceneError names the first bad one. Two scenes
    of one name are refused (a control surface switches by name)."""
    if not isinstance(data, list) or not data:
        raise SceneError("场景列表为空 / no scenes")
    scenes, names = [], set()
    for number, entry in enumerate(data, 1):
        try:
            if not isinstance(entry, dict) or not isinstance(entry.get("items"), list):
                raise SceneError("格式不对 / not a scene")
            items = []
            for item in entry["items"]:
                if not isinstance(item, dict):
                    raise SceneError("格式不对 / not a scene item")
                known = {k: item[k] for k in ("x", "y", "width", "height", "visible", "opacity", "crop", "fit")
                         if k in item}
                items.append(make_item(item.get("input"), **known))
            scene = make_scene(entry.get("name"), items, entry.get("clip"))
        except SceneError as exc:
            chinese, _, english = str(exc).partition(" / ")
            raise SceneError(f"第 {number} 个场景：{chinese} / scene {number}: {english or chinese}") from None
        if scene.name in names:
            raise SceneError(f"场景重名 / two scenes are named {scene.name}")
        names.add(scene.name)
        scenes.append(scene)
    return scenes


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
        self._seen: dict[str, np.ndarray] = {}  # each input's newest picture drawn (a reference, not a copy)
        # a still picture (the product's, a background) is fitted to its place once, not every frame: per item,
        # the picture last fitted (held, so its identity cannot be reused) and the result. Measured at 1080p: an
        # 800x800 product picture letterboxed into the default scene's place cost 2.5 ms a frame (bench/).
        self._placed: dict[SceneItem, tuple[np.ndarray, np.ndarray]] = {}
        self._layers: Callable[[], tuple] = tuple  # the compositor's visible layers now (`take_layers`)
        self._placed_layers: dict[SceneItem, tuple[object, tuple]] = {}  # per item: the layer, (rect, inv, add)
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
        """The newest picture drawn from input `name` (as the input gave it: before crop and fit), or None."""
        return self._seen.get(name)

    def stills(self, width: int = 192) -> dict[str, Still]:
        """What each input showed last and each overlay shows now ("overlay.KIND"), small (at most `width` px wide),
        for the scene editor's sketch. Inputs no scene has drawn yet are left out."""
        stills = {name: Still(_small(_opaque(picture), width), None) for name, picture in dict(self._seen).items()}
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
