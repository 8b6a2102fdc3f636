"""The stage: the picture and the sound the window shows, before and during a show.

Before going live the preview renders the program scene with its overlays (nothing encoded or sent), so the
streamer sees the layout, drags overlays and hears the meter; during the show the same questions are answered
from the show on air. The stage also follows the studio desk while nothing is live (a scene switched, overlays
moved, new filters or sources reopen the preview) and lists the devices plugged in.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

import numpy as np

from app.assembly import (FrameSlot, LiveOptions, apply_layout, build_overlays, open_scenes, open_sources_for,
                          overlay_boxes, with_guests)
from app.catalogue import Catalogue
from app.desk import Change, Desk
from app.guests.feed import FeedShelf
from app.media.encode import EncoderSettings
from app.media.filters import FilteredSource, key_colour_at
from app.media.pipeline import Pipeline
from app.media.qtrender import ensure_qt
from app.media.scene_source import Still
from app.overlays.overlay_set import KINDS
from app.redaction import redact

__all__ = ["Stage"]

log = logging.getLogger(__name__)

REOPENS_PREVIEW = frozenset({"chroma", "beauty", "background", "inputs"})  # opened with the preview's sources


class Stage:
    """The preview before going live and what the window asks of the picture; `on_air()` is the show on air
    (an `app.broadcast.Broadcast`, None when not live), the desk the settings the preview is drawn with."""

    def __init__(self, desk: Desk, catalogue: Catalogue, on_air: Callable[[], object | None]) -> None:
        self._desk = desk
        self._catalogue = catalogue
        self._on_air = on_air
        self.frames = FrameSlot()  # the newest picture, the preview's or the show's (the show draws into it too)
        self.guests = FeedShelf()  # the phones' seats (手机机位 / 连麦嘉宾) as the scenes draw them; the door fills them
        self.guests.program_picture = lambda: self.frames.get()[1]  # what a 连麦 guest sees
        self._pipeline: Pipeline | None = None
        self._thread: threading.Thread | None = None
        self._compositor = None
        self._overlays = None
        self._scenes = None  # the preview's SceneSource
        self._options: LiveOptions | None = None  # what the preview (or the last go-live) opened
        self.closed = False  # after close() the preview never starts again (a late timer must not reopen it)
        # one preview opens or closes at a time, whoever asks (the window's preview worker, a desk change, a go-live
        # from a control surface); nothing under it calls back into the stage
        self._lifecycle = threading.Lock()
        self._held = False  # a go-live is opening the sources: no preview opens them meanwhile

    # --- the preview ------------------------------------------------------------------------------------------
    @property
    def previewing(self) -> bool:
        return self._pipeline is not None

    def frame(self) -> tuple[int, np.ndarray | None]:
        """(sequence number, newest picture as BGR) — the window redraws only when the number changed."""
        return self.frames.get()

    def start_preview(self, options: LiveOptions) -> None:
        """Show the chosen source on the canvas before going live: rendered only, nothing encoded or sent (on any
        thread: the window opens it off its own, since a camera can take a second to open). A source that cannot
        open raises ValueError with the reason."""
        with self._lifecycle:
            self._stop_locked()
            if self._held or self._on_air() is not None or self.closed:
                return
            self._open(options)

    def _open(self, options: LiveOptions) -> None:
        from app.overlays.sample import show_layout_sample

        self._options = options  # what a restart (new filters or sources, a failed go-live) opens again
        ensure_qt()
        video, sound = open_sources_for(options)  # the sound too: the level meter works before going live
        opened = [sound, video]  # what to close if a step after them fails (a camera holds its device from here)
        try:
            settings = EncoderSettings(width=options.width, height=options.height, fps=options.fps)
            desk_settings = self._desk.settings
            if desk_settings.scenes:  # the program scene as it will go out; "product" shows the run sheet's first
                video = self._scenes = open_scenes(video, sound, desk_settings, options, self._first_picture,
                                                    self.guests)
                opened.append(video)  # the studio's own sources with it
                sound = with_guests(sound, video, settings, self.guests)
            compositor, overlays = build_overlays(settings, desk_settings, rehearsal=options.rehearsal)
            show_layout_sample(overlays, self._catalogue.room_snapshot())  # the layout, to see and drag first
            pipeline = Pipeline(settings, [], audio_source=sound, video_source=video, compositor=compositor)
        except BaseException:
            self._scenes = None
            for source in reversed(opened):
                try:
                    source.stop()
                except Exception:  # noqa: BLE001 - the failure that brought us here is the one to report
                    log.warning("a source of the failed preview did not close", exc_info=True)
            raise
        pipeline.preview_sink = self.frames.put
        self._pipeline, self._compositor, self._overlays = pipeline, compositor, overlays
        self._thread = threading.Thread(target=pipeline.run, name="preview", daemon=True)
        self._thread.start()

    def stop_preview(self, hold: bool = False) -> None:
        """The preview closed; `hold`: none opens again until `release()` or `restart()` (a go-live opening)."""
        with self._lifecycle:
            self._held = self._held or hold
            self._stop_locked()

    def release(self) -> None:
        """The go-live is done opening (or failed): previews may open again (a show on air still keeps them off)."""
        with self._lifecycle:
            self._held = False

    def _stop_locked(self) -> None:
        if self._pipeline is not None:
            self._pipeline.stop()
            self._thread.join(10)
            self._pipeline = self._thread = None
            self._compositor = self._overlays = self._scenes = None

    def remember(self, options: LiveOptions) -> None:
        """The options a go-live opened: the preview comes back with them after the show."""
        self._options = options

    def restart(self) -> None:
        """The preview again with the last options (after a show, a failed go-live, new filters); a source that
        cannot open is logged, not raised: the preview is a convenience. Not while a go-live holds previews off."""
        if self._options is None:
            return
        try:
            self.start_preview(self._options)
        except Exception as exc:  # noqa: BLE001 - the failure message matters more than the preview
            log.warning("preview did not restart: %s", redact(str(exc)))

    def close(self) -> None:
        self.closed = True
        self.stop_preview()

    def _first_picture(self) -> str | None:
        state = self._catalogue.room_snapshot().state
        return next((state.products[i].image for i in state.run_sheet if state.products[i].image), None)

    def follow(self, change: Change) -> None:
        """A desk change while nothing is live: the preview's scenes and overlays follow; new filters or sources
        reopen it."""
        settings = self._desk.settings
        scenes, overlays = self._scenes, self._overlays
        if scenes is not None and "scenes" in change.fields:
            scenes.set_scenes(list(settings.scenes))
        if scenes is not None and change.fields & {"scenes", "program_scene"}:
            scenes.switch(settings.on_air_scene, change.transition)
        if overlays is not None and change.fields & {"overlay_enabled", "overlay_positions"}:
            apply_layout(overlays, settings)
        if change.fields & REOPENS_PREVIEW and self.previewing:
            self.restart()

    # --- the picture and the sound, live or previewed -----------------------------------------------------------
    @property
    def compositor(self):
        """The canvas being drawn now: the show's while live, the preview's before."""
        show = self._on_air()
        return show.compositor if show is not None else self._compositor

    def _scenes_now(self):
        show = self._on_air()
        return show.scenes if show is not None else self._scenes

    def overlay_boxes(self) -> dict[str, tuple[int, int, int, int]]:
        """Where each overlay shown now sits on the canvas: kind → (x, y, width, height); for drag-to-place. The
        overlays the scene on screen places itself (its "overlay.…" items) are the scene's to place: left out."""
        scenes = self._scenes_now()
        placed = scenes.draws_layers if scenes is not None else frozenset()
        return {kind: box for kind, box in overlay_boxes(self.compositor).items() if kind not in placed}

    @staticmethod
    def overlay_kinds() -> tuple[str, ...]:
        return KINDS

    def canvas_size(self) -> tuple[int, int] | None:
        """The live (or previewed) canvas in pixels."""
        show = self._on_air()
        pipeline = show.pipeline if show is not None else self._pipeline
        return (pipeline.settings.width, pipeline.settings.height) if pipeline is not None else None

    def camera_still(self) -> np.ndarray | None:
        """The camera's newest picture as BGR, before its key and smoothing — what the key colour is picked from
        (`key_colour`) — from the show on air, else the preview; None when no scene on screen shows the camera."""
        scenes = self._scenes_now()
        camera = scenes.input("camera") if scenes is not None else None
        if camera is None:
            return None
        picture = camera.last_raw if isinstance(camera, FilteredSource) else scenes.last_picture("camera")
        return None if picture is None else np.ascontiguousarray(picture[:, :, :3]).copy()

    def input_stills(self) -> dict[str, Still]:
        """Small pictures of what each source and overlay shows now (`Still`: BGRA, and where an overlay places
        itself), from the show on air, else the preview; empty when neither runs. The scene editor's sketch."""
        scenes = self._scenes_now()
        return scenes.stills() if scenes is not None else {}

    @staticmethod
    def key_colour(still: np.ndarray, x: float, y: float) -> tuple[int, int, int]:
        """The key colour (B, G, R) where the streamer clicked on the still, (x, y) as fractions; FilterError if
        the point is not one."""
        return key_colour_at(still, x, y)

    def audio_level(self) -> float | None:
        """The sound source's peak in dBFS since the last call (live or previewing), None when nothing runs."""
        show = self._on_air()
        if show is not None:
            return show.audio_level()
        return self._pipeline.read_audio_peak() if self._pipeline is not None else None

    def camera_mode(self) -> str | None:
        """What the camera actually delivers while live (it may differ from what was asked)."""
        show = self._on_air()
        return show.camera_mode() if show is not None else None

    @staticmethod
    def cameras() -> list[tuple[int, str]] | None:
        """(index, name) of the cameras plugged in now, as the OS names them; None where the OS gives no list."""
        from app.media.devices import cameras

        found = cameras()
        return None if found is None else [(c.index, c.name) for c in found]

    @staticmethod
    def microphones() -> list[tuple[int, str]] | None:
        """(PortAudio index, name) of the sound inputs present now; None without PortAudio."""
        from app.media.devices import microphones

        found = microphones()
        return None if found is None else [(m.index, m.name) for m in found]
