"""The studio desk: the settings a streamer makes that outlive one go-live, with one owner.

Mute, banned words and blocked viewers, 自动回复, where each overlay sits and whether it shows, the scenes and
the one on air, the studio's own sources, 绿幕抠像 / 美颜 and the picture behind the key. Every write — from the
window's thread, an obs-websocket worker, a headless mode — goes through `Desk`: the value is checked first
(nothing half-taken), the new settings replace the old under one lock as an immutable `StudioSettings`, and the
listeners (the show on air, the preview, control surfaces, the window) are told *after* the lock is released,
with the names of the fields that changed. A listener always applies `desk.settings` as it is then, so when two
threads write at once every listener ends at the same, newest settings whatever order it was told in.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Callable, Iterable, Mapping

from app.commerce.room import ActionRefused
from app.metrics.alerts import AlertRules
from app.media.filters import ChromaKey, FilterError, _unit, make_chroma
from app.media.reframe import Region
from app.media.scenes import OVERLAY, Scene, SceneError, check_input, default_scenes
from app.overlays.overlay_set import KINDS

__all__ = ["Change", "Desk", "StudioSettings", "differences"]

log = logging.getLogger(__name__)

DEFAULT_BANNED = ("加微信", "私聊")


def _frozen(mapping: Mapping | None = None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class StudioSettings:
    """One state of the studio's settings; never changed in place (the desk hands out a new one per write)."""

    actor: str = "assistant:场控"  # who the console's own verbs are logged as
    muted: bool = False
    banned_words: tuple[str, ...] = DEFAULT_BANNED
    blocked_users: frozenset[str] = frozenset()
    overlay_enabled: Mapping[str, bool] = field(default_factory=_frozen)
    overlay_positions: Mapping[str, tuple[int, int]] = field(default_factory=_frozen)
    faq_auto: bool = False  # 自动回复: answer recognised questions on stream without a click
    scenes: tuple[Scene, ...] = field(default_factory=lambda: tuple(default_scenes()))  # keys 1–9 switch them
    chroma: ChromaKey | None = None  # 绿幕抠像 on the camera input (None: off)
    beauty: float = 0.0  # 美颜 skin smoothing on the camera input, 0 (off) … 1
    background: str = ""  # a picture behind a keyed green screen (the scenes' "background" input); "": none
    # the studio's own sources for the scenes, name → what to open (cam:N | an image | a media file | testsrc)
    inputs: Mapping[str, str] = field(default_factory=_frozen)
    program_scene: str = ""  # the scene on air (kept across go-lives); empty: the first
    alert_rules: AlertRules = AlertRules()  # 预警: what a show is watched for (app/metrics/alerts.py)

    @property
    def scene_names(self) -> tuple[str, ...]:
        return tuple(scene.name for scene in self.scenes)

    @property
    def on_air_scene(self) -> str:
        """The scene on air (or that goes on air at the next go-live): the first when none was chosen."""
        names = self.scene_names
        return self.program_scene if self.program_scene in names else (names[0] if names else "")


@dataclass(frozen=True)
class Change:
    """What a write changed: the fields' names, and for a scene switch how and by whom."""

    fields: frozenset[str]
    transition: str = "cut"
    actor: str | None = None


Listener = Callable[[Change], None]
EVERYTHING = frozenset(f.name for f in fields(StudioSettings))


def differences(before: StudioSettings, after: StudioSettings) -> frozenset[str]:
    """The names of the fields whose values differ."""
    return frozenset(name for name in EVERYTHING if getattr(before, name) != getattr(after, name))


class Desk:
    """The studio's settings behind one lock; `settings` is the current immutable value (read it from any
    thread), each writer checks its value, swaps the settings and tells the listeners what changed."""

    def __init__(self, settings: StudioSettings | None = None) -> None:
        self._lock = threading.Lock()  # guards _settings and _listeners only; nothing is called while held
        self._settings = settings or StudioSettings()
        self._listeners: tuple[Listener, ...] = ()
        self.changes = 0  # writes that changed something (read by tests and the stress test)

    @property
    def settings(self) -> StudioSettings:
        return self._settings

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """`listener(change)` after every write that changed something, on the writer's thread; returns how to
        stop listening. A listener reads `desk.settings` for the values."""
        with self._lock:
            self._listeners = (*self._listeners, listener)

        def unsubscribe() -> None:
            with self._lock:
                self._listeners = tuple(x for x in self._listeners if x is not listener)
        return unsubscribe

    def _write(self, update: Callable[[StudioSettings], dict], transition: str = "cut",
               actor: str | None = None) -> frozenset[str]:
        """`update(current)` → the fields to set, worked out under the lock from the settings as they are then
        (so a read-modify-write never loses another thread's write); listeners are told after it."""
        with self._lock:
            before = self._settings
            after = replace(before, **update(before))
            changed = differences(before, after)
            if changed:
                self._settings = after
                self.changes += 1
            listeners = self._listeners
        if changed:
            change = Change(changed, transition, actor)
            for listener in listeners:
                try:
                    listener(change)
                except Exception:  # noqa: BLE001 - one listener's failure must not keep the others stale
                    log.exception("a listener of the studio's settings failed")
        return changed

    # --- the switches ---------------------------------------------------------------------------------------
    def set_muted(self, muted: bool) -> bool:
        """静音: silence on the stream and the recording from the next frame; True if it changed."""
        return bool(self._write(lambda s: {"muted": bool(muted)}))

    def set_banned_words(self, words: Iterable[str]) -> None:
        """屏蔽词: what comes in next is checked against these (the log keeps hidden comments, flagged)."""
        cleaned = tuple(w.strip() for w in words if isinstance(w, str) and w.strip())
        self._write(lambda s: {"banned_words": cleaned})

    def block_user(self, user_id: str) -> None:
        """拉黑: every later comment of this viewer is hidden (still logged, flagged), now and at later go-lives."""
        if user_id:
            self._write(lambda s: {"blocked_users": s.blocked_users | {str(user_id)}})

    def set_faq_auto(self, on: bool) -> None:
        """自动回复 without a click: each recognised question's answer goes on stream when no reply is shown."""
        self._write(lambda s: {"faq_auto": bool(on)})

    # --- overlays -------------------------------------------------------------------------------------------
    def place_overlay(self, kind: str, x: int, y: int) -> None:
        """Move an overlay (top-left corner, canvas pixels), for this and later go-lives."""
        self._known_overlay(kind)
        self._write(lambda s: {"overlay_positions": _frozen({**s.overlay_positions, kind: (int(x), int(y))})})

    def reset_overlay_position(self, kind: str) -> None:
        """Back to the overlay's default corner (for this and later go-lives)."""
        self._write(lambda s: {"overlay_positions": _frozen({k: v for k, v in s.overlay_positions.items()
                                                             if k != kind})})

    def set_overlay_enabled(self, kind: str, enabled: bool) -> None:
        """Switch an overlay on or off on the stream (for this and later go-lives)."""
        self._known_overlay(kind)
        self._write(lambda s: {"overlay_enabled": _frozen({**s.overlay_enabled, kind: bool(enabled)})})

    @staticmethod
    def _known_overlay(kind: str) -> None:
        if kind not in KINDS:
            raise ActionRefused(f"没有这个叠加层 / no overlay named {str(kind)[:40]!r}")

    # --- 场景 scenes ------------------------------------------------------------------------------------------
    def scene_names(self) -> list[str]:
        """The studio's scenes in order (the keys 1–9 switch the first nine)."""
        return list(self._settings.scene_names)

    def clip_regions(self) -> tuple[tuple[str, Region], ...]:
        """(scene name, region) of each scene that sets the part a vertical clip shows (直播切片 9:16)."""
        return tuple((scene.name, scene.clip) for scene in self._settings.scenes if scene.clip is not None)

    @property
    def program_scene(self) -> str:
        """The scene on air (or that goes on air at the next go-live)."""
        return self._settings.on_air_scene

    def switch_scene(self, name: str, transition: str = "cut", actor: str | None = None) -> bool:
        """切换场景: the listeners put it on air (logged on the bus while live); False if it already is.
        ActionRefused for a scene that does not exist."""
        def update(s: StudioSettings) -> dict:
            if name not in s.scene_names:
                raise ActionRefused(f"没有这个场景 / no scene named {str(name)[:40]!r}")
            return {"program_scene": name}
        if name == self.program_scene and name in self._settings.scene_names:
            return False
        return "program_scene" in self._write(update, transition, actor)

    def set_scenes(self, scenes: Iterable[Scene]) -> None:
        """Replace the scenes (checked `Scene` values): the scene on air keeps going with its new layout; if it
        was removed, the first scene goes on air."""
        scenes = tuple(scenes)
        if not scenes or not all(isinstance(scene, Scene) for scene in scenes):
            raise ActionRefused("至少需要一个场景 / keep at least one scene")

        def update(s: StudioSettings) -> dict:
            names = [scene.name for scene in scenes]
            return {"scenes": scenes, "program_scene": s.on_air_scene if s.on_air_scene in names else names[0]}
        self._write(update)

    def scene_inputs(self) -> list[str]:
        """What a scene item can show: the show's video inputs, the studio's own sources, then every overlay as
        "overlay.KIND"."""
        return ["camera", "product", "background", *self._settings.inputs, *(OVERLAY + kind for kind in KINDS)]

    def set_inputs(self, inputs) -> None:
        """The studio's own sources (name → cam:N | an image | a media file | testsrc), each checked (SceneError,
        also for anything but such a mapping: the settings file may have been edited by hand); nothing is taken
        when one is wrong."""
        if not isinstance(inputs, Mapping):
            raise SceneError("来源列表格式不对 / the sources are not a list of name → source")
        checked = _frozen(dict(check_input(name, spec) for name, spec in inputs.items()))
        self._write(lambda s: {"inputs": checked})

    def set_alert_rules(self, rules: AlertRules | dict) -> AlertRules:
        """预警's thresholds (a dict is read as `AlertRules.from_json`: a bad value keeps its default); the show on
        air keeps the rules it started with. Returns the rules kept."""
        kept = rules if isinstance(rules, AlertRules) else AlertRules.from_json(rules)
        self._write(lambda s: {"alert_rules": kept})
        return kept

    def set_filters(self, chroma: dict | None, beauty: float, background: str = "") -> None:
        """绿幕抠像 (a dict for `make_chroma`, or None: off), 美颜 (0 … 1), the picture behind a keyed screen.
        FilterError (中文 / English) for a setting out of range or a background that is not a readable picture;
        nothing changes then."""
        from app.media.sources import ImageSource, SourceError

        key = make_chroma(**chroma) if chroma is not None else None
        strength = _unit(beauty, "strength")
        if background:
            try:
                ImageSource(background)
            except SourceError as exc:
                raise FilterError(f"背景图无法打开 / the background picture cannot be used: {exc}") from None
        self._write(lambda s: {"chroma": key, "beauty": strength, "background": str(background)})
