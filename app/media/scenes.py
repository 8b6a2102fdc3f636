"""场景 Scenes: named, ordered sets of sources, each with a place, a size, a crop, an opacity and a visibility;
one of them is on air (the program scene) and a switch is a cut or a short fade.

A scene's places are fractions of the canvas, so every scene fits a landscape and a portrait canvas alike.
`scene_source.SceneSource` draws the program scene: the video source the pipeline reads. Sound is not part of a scene: the pipeline's audio source runs on its own clock, so a switch cannot move it.

Inputs are named: "camera" (the chosen source: a camera, a file, the test pattern), "product" (the pinned
product's picture, `sources.PinnedPicture`), "background" (a picture behind a keyed green screen), and any other source
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
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from app.media.reframe import Region

NAME_MAX = 40
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
