"""The console's façade: what the window (and the headless modes) use, and nothing else of `app/` they need.

`ConsoleService` is a thin holder, the way Anki's `Collection` holds `col.decks` and `col.models`:
- `catalogue` (`app.catalogue.Catalogue`): products, scripts, coupons, CSV import, the compliance report;
- `broadcast` (`app.broadcast.Broadcast`): the current (or last) go-live — start, stop, verbs, undo, events to
  drain, snapshots and health;
- `history` (`app.history.History`): stored shows, reviews, reports and comparisons, order imports, recordings,
  the studios on the database;
- the preview before going live, the LAN assistants' door, and the studio's switches that outlive a go-live.
The window polls on timers (a human rate) and gets values (`RoomSnapshot`, `MetricsSnapshot`, `BroadcastHealth`,
`RemoteStatus`), never a live object of another thread. The names the window renders or catches are handed on
from here (`__all__`), so `ui/` imports this module and the event types only.
"""

from __future__ import annotations

import logging
import threading

import numpy as np

from app.broadcast import (Broadcast, BroadcastHealth, FrameSlot, GoLiveError, LiveOptions, Studio, build_overlays,
                           check_mode, explain_go_live_failure, open_scenes, open_sources_for, overlay_boxes)
from app.catalogue import Catalogue, load_faqs
from app.commerce.faq import FaqError
from app.commerce.notices import Notice, ScheduleError, due, format_schedule, parse_schedule
from app.commerce.room import ActionRefused, RoomSnapshot
from app.compliance.extreme_words import ExtremeWordChecker
from app.config import resource_dir
from app.language import BOTH, CHINESE, ENGLISH
from app.language import pick as pick_message
from app.destinations import PRESETS, Destination, KeyStore, split_url
from app.doors import Doors, RemoteAccess
from app.history import History
from app.kernel.events import Event
from app.live.connectors import dialect_for
from app.media.clock import format_clock
from app.media.encode import EncoderSettings
from app.media.outputs import DestinationError
from app.media.pictures import picture_bytes
from app.media.pipeline import Pipeline
from app.media.filters import FilteredSource, FilterError, key_colour_at
from app.media.scenes import OVERLAY, SceneError, check_input, default_scenes, scenes_from_json, scenes_to_json
from app.media.qtrender import ensure_qt, font
from app.metrics.live import MetricsSnapshot
from app.overlays.overlay_set import KINDS
from app.redaction import install_log_redaction, redact, redact_url
from app.review import money, product_rows, ratio, whole
from app.store.catalog_io import CatalogImportError
from app.store.db import Database

__all__ = ["ActionRefused", "BroadcastHealth", "CatalogImportError", "ConsoleService", "Destination", "DestinationError",
           "ExtremeWordChecker", "FaqError", "GoLiveError", "KeyStore", "LiveOptions", "Notice", "PRESETS",
           "RemoteAccess", "ScheduleError", "check_mode", "due", "ensure_qt", "explain_go_live_failure",
           "feed_problem", "font", "format_clock", "format_schedule", "install_log_redaction", "money",
           "parse_schedule", "picture_bytes", "product_rows", "ratio", "redact", "redact_url", "SceneError", "default_scenes", "check_input",
           "scenes_from_json", "scenes_to_json", "whole", "BOTH", "CHINESE", "ENGLISH", "FilterError", "pick_message",
           "resource_dir", "split_url"]

log = logging.getLogger(__name__)

AUDIO_INPUT = "麦克风 Mic"  # the sound, as a control surface names it (mute)
VIDEO_INPUTS = {"camera": "av_capture_input", "product": "image_source"}  # the scenes' inputs, as OBS kinds


def feed_problem(url: str) -> str | None:
    """Why a feed address cannot be used (中文 / English), or None: ws:// wss:// (protocol v1),
    douyin-grab://HOST:PORT (DouyinBarrageGrab), bilibili://ROOM."""
    try:
        dialect_for(url)
    except ValueError as exc:
        return str(exc)
    return None


class ConsoleService:
    """Holds the catalogue, the current broadcast and the preview; the window talks to these through here."""

    def __init__(self, database: Database | None = None, banned_words: list[str] | None = None,
                 actor: str = "assistant:场控") -> None:
        self.database = database or Database()
        self.catalogue = Catalogue(self.database)
        self.studio = Studio(actor=actor)
        if banned_words is not None:
            self.studio.banned_words = banned_words
        self.broadcast: Broadcast | None = None  # the current go-live, or the last one after it stopped
        # 远程场控 and 控制面板: the two network doors, closed until the streamer opens them
        self.doors = Doors(lambda: self.broadcast.room if self.live else None,
                           lambda: self.broadcast.stream_time() if self.live else None,
                           lambda: self.actor, lambda: ConsoleControl(self))
        self.control_options = None  # () → LiveOptions: what StartStream from a control surface goes live with
        self._preview_scenes = None  # the preview's SceneSource
        self._stopping = threading.Lock()  # a second stop (a control surface's, the window's) waits for the first
        self._closed = False  # after close() nothing starts again (a late timer of the window must not reopen)
        self._frames = FrameSlot()
        self._preview_pipeline: Pipeline | None = None
        self._preview_thread: threading.Thread | None = None
        self._preview_compositor = None
        self._preview_overlays = None
        self._last_options: LiveOptions | None = None  # what the last go-live asked for (to restore the preview)
        self.on_stats = None  # optional callable: each once-a-second PipelineStats of a broadcast (pipeline thread)
        self.history = History(self.database)  # 复盘: stored shows, reports, order imports, recordings, studios

    # --- state the window reads --------------------------------------------------------------------------
    @property
    def actor(self) -> str:
        return self.studio.actor

    @property
    def live(self) -> bool:
        return self.broadcast is not None and self.broadcast.running

    @property
    def previewing(self) -> bool:
        return self._preview_pipeline is not None

    @property
    def banned_words(self) -> list[str]:
        return list(self.studio.banned_words)

    def room_snapshot(self) -> RoomSnapshot:
        """The live room now, or before going live the catalogue in a room's shape (for the docks)."""
        return self.broadcast.snapshot() if self.live else self.catalogue.room_snapshot()

    def live_snapshot(self) -> RoomSnapshot | None:
        """The live room now, None when not live."""
        return self.broadcast.snapshot() if self.live else None

    def metrics(self) -> MetricsSnapshot | None:
        return self.broadcast.metrics() if self.live else None

    def health(self) -> BroadcastHealth | None:
        return self.broadcast.health() if self.live else None

    def drain_events(self) -> list[Event]:
        return self.broadcast.drain_events() if self.broadcast is not None else []

    def preview_frame(self) -> tuple[int, np.ndarray | None]:
        """(sequence number, newest preview image as BGR) — the window redraws only when the number changed."""
        return self._frames.get()

    @property
    def recording_path(self):
        """The recording of the current (or last) go-live, None before one."""
        return self.broadcast.recording_path if self.broadcast is not None else None

    # --- the catalogue while live ------------------------------------------------------------------------
    def save_coupon(self, definition: dict, coupon_id: int | None = None) -> int:
        """新建/编辑券: kept in the catalogue for later sessions and, while live, put in the room through the bus
        (so the session log has it too). ActionRefused with the reason."""
        coupon_id, payload = self.catalogue.save_coupon(definition, coupon_id, self.live_snapshot())
        if self.live:
            self.broadcast.define_coupon(coupon_id, payload)
        return coupon_id

    # --- 自动回复 FAQ auto-reply --------------------------------------------------------------------------
    def faqs(self, product_id: int | None) -> list:
        """The product's FAQ pairs (None: the room's own, for any product) (`app.commerce.faq.Faq`)."""
        return self.catalogue.faqs(product_id)

    def save_faqs(self, product_id: int | None, rows: list[tuple[str, str, str]]) -> list:
        """Replace the product's (or the room's) pairs with these (topic, keywords, answer) rows; FaqError names
        the row at fault (nothing kept then). While live the room uses them from the next comment on."""
        faqs = self.catalogue.save_faqs(product_id, rows)
        if self.live and self.broadcast.faq is not None:
            self.broadcast.faq.set_faqs(load_faqs(self.database))
        return faqs

    def reply(self, comment_seq: int, nickname: str, question: str, answer: str):
        """回复上屏: an answer to a viewer's question on stream as a reply card, as this console's (undoable) verb;
        the question is then no longer waiting for auto-reply. ActionRefused with the reason (an extreme word…)."""
        event = self.act("reply_comment", comment_seq, nickname, question, answer)
        self.dismiss_suggestion(comment_seq)
        return event

    def dismiss_suggestion(self, comment_seq: int) -> None:
        faq = self.broadcast.faq if self.live else None
        if faq is not None:
            faq.dismiss(comment_seq)

    @property
    def faq_auto(self) -> bool:
        return self.studio.faq_auto

    def set_faq_auto(self, on: bool) -> None:
        """自动回复 without a click: each recognised question's answer goes on stream when no reply is shown."""
        self.studio.faq_auto = bool(on)
        self._apply_studio()

    # --- 开播前检查 the pre-live checklist -----------------------------------------------------------------
    def prelive_checks(self, destinations: list[str], bitrate: int, minutes: float = 180.0,
                       feed_url: str = "", upload_s: float | None = None) -> list:
        """开播前检查 (`app.prelive`): the servers (handshake, key not sent), the disk, extreme words, stock and
        prices, coupons, the room feed; values with `status` (ok | warn | fail) and `line()`. Takes seconds: call it
        off the UI thread. The camera is the preview's: it is not opened a second time."""
        from app.config import recordings_dir
        from app.prelive import run_checks

        return run_checks(self.database, destinations, bitrate, minutes, recordings_dir(), None, feed_url or None,
                          upload_s=upload_s)

    # --- preview before going live ---------------------------------------------------------------------
    def start_preview(self, options: LiveOptions) -> None:
        """Show the chosen source on the canvas before going live: rendered only, nothing encoded or sent.
        A source that cannot open raises ValueError with the reason."""
        self.stop_preview()
        if self.live or self._closed:
            return
        from app.overlays.sample import show_layout_sample

        ensure_qt()
        video, sound = open_sources_for(options)  # the sound too: the level meter works before going live
        settings = EncoderSettings(width=options.width, height=options.height, fps=options.fps)
        if self.studio.scenes:  # the program scene as it will go out; "product" shows the run sheet's first
            video = self._preview_scenes = open_scenes(video, sound, self.studio, options, self._first_picture)
        compositor, overlays = build_overlays(settings, self.studio, rehearsal=options.rehearsal)
        show_layout_sample(overlays, self.catalogue.room_snapshot())  # the layout, to see and drag before going live
        pipeline = Pipeline(settings, [], audio_source=sound, video_source=video, compositor=compositor)
        pipeline.preview_sink = self._frames.put
        self._preview_pipeline, self._preview_compositor, self._preview_overlays = pipeline, compositor, overlays
        self._preview_thread = threading.Thread(target=pipeline.run, name="preview", daemon=True)
        self._preview_thread.start()

    def stop_preview(self) -> None:
        if self._preview_pipeline is not None:
            self._preview_pipeline.stop()
            self._preview_thread.join(10)
            self._preview_pipeline = self._preview_thread = None
            self._preview_compositor = self._preview_overlays = self._preview_scenes = None

    def _first_picture(self) -> str | None:
        state = self.catalogue.room_snapshot().state
        return next((state.products[i].image for i in state.run_sheet if state.products[i].image), None)

    def _restart_preview(self) -> None:
        if self._last_options is None:
            return
        try:
            self.start_preview(self._last_options)
        except Exception as exc:  # noqa: BLE001 - the preview is a convenience; the failure message matters more
            log.warning("preview did not restart: %s", redact(str(exc)))

    # --- go live / stop ----------------------------------------------------------------------------------
    def go_live(self, options: LiveOptions) -> Broadcast:
        """Start a broadcast. On failure everything opened is closed again, the preview runs as before, and
        GoLiveError says what failed and what to check."""
        if self.live:
            raise ValueError("已在直播中 / already live")
        if self._closed:
            raise ValueError("中控台已关闭 / the console is closed")
        check_mode(options)  # before the preview stops: a refusal changes nothing
        self.stop_preview()
        self._last_options = options
        broadcast = Broadcast(self.database, options, self.studio, self._frames, on_event=self.doors.on_event)
        broadcast.on_stats = self.on_stats
        try:
            broadcast.start()
        except GoLiveError:
            self._restart_preview()
            raise
        self.broadcast = broadcast
        self._emit_outputs(True)
        return broadcast

    def wait(self) -> None:
        """Block until the stream ends by itself (duration reached) or is stopped from another thread."""
        if self.broadcast is not None:
            self.broadcast.wait()

    def stop(self) -> None:
        """Stop the stream, finish the recording and close the session (everything is written)."""
        with self._stopping:
            self._stop()

    def _stop(self) -> None:
        if self.broadcast is not None:
            was_live = self.live
            self.broadcast.stop()
            self.catalogue.changed()  # a real show's stock is the catalogue's now
            if was_live:
                self._emit_outputs(False)

    def _emit_outputs(self, active: bool) -> None:
        """StreamStateChanged / RecordStateChanged for control surfaces (obs-websocket)."""
        if self.broadcast is None:
            return
        state = "OBS_WEBSOCKET_OUTPUT_STARTED" if active else "OBS_WEBSOCKET_OUTPUT_STOPPED"
        self.doors.emit("StreamStateChanged", {"outputActive": active, "outputState": state})
        if self.broadcast.recording_path is not None:
            self.doors.emit("RecordStateChanged", {"outputActive": active, "outputState": state,
                                               "outputPath": str(self.broadcast.recording_path)})

    def recover(self) -> str | None:
        """Call on a timer: if the stream failed (e.g. the server refused the publish), stop the session, run
        the preview again and return what to tell the streamer (it stays until dismissed); else None."""
        message = self.broadcast.failed if self.broadcast is not None else None
        if not message:
            return None
        self.stop()
        self._restart_preview()
        return message

    def close(self) -> None:
        """Stop everything this console runs (servers, preview, broadcast); nothing starts again after it."""
        self._closed = True
        self.history.close()  # the interrupted recordings' repair
        self.doors.close()
        self.stop_preview()
        self.stop()
        self.database.close()

    # --- verbs on the live room --------------------------------------------------------------------------
    def act(self, verb: str, *args):
        """An assistant verb on the live room (`pin_product`, `set_live_price`, `drop_coupon`, …) as this
        console's actor, remembered for undo. Raises ActionRefused with the reason (also when not live)."""
        if not self.live:
            raise ActionRefused("请先开播 / go live first")
        return self.broadcast.act(verb, *args)

    def undo(self) -> str:
        """Take back this console's newest verb (as a new event); returns what was done. ActionRefused if not."""
        if not self.live:
            raise ActionRefused("没有可撤销的操作 / nothing to undo")
        return self.broadcast.undo()

    def next_undo(self) -> str | None:
        return self.broadcast.next_undo() if self.live else None

    # --- the studio's switches (kept across go-lives) ----------------------------------------------------
    def set_muted(self, muted: bool) -> None:
        """静音: silence on the stream and the recording from the next frame (the meter keeps showing the mic)."""
        changed = self.studio.muted != bool(muted)
        self.studio.muted = bool(muted)
        self._apply_studio()
        if changed:
            self.doors.emit("InputMuteStateChanged", {"inputName": AUDIO_INPUT, "inputUuid": None,
                                                      "inputMuted": bool(muted)})

    # --- 场景 scenes ----------------------------------------------------------------------------------------
    def scene_names(self) -> list[str]:
        """The studio's scenes in order (the keys 1–9 switch the first nine)."""
        return [scene.name for scene in self.studio.scenes]

    @property
    def program_scene(self) -> str:
        """The scene on air (or that goes on air at the next go-live)."""
        names = self.scene_names()
        return self.studio.program_scene if self.studio.program_scene in names else (names[0] if names else "")

    def switch_scene(self, name: str, transition: str = "cut", actor: str | None = None) -> bool:
        """切换场景: on air from the next frame while live (logged on the bus), in the preview before; False if it
        already is. ActionRefused for a scene that does not exist."""
        if name not in self.scene_names():
            raise ActionRefused(f"没有这个场景 / no scene named {name!r}")
        if self.live:
            changed = self.broadcast.switch_scene(name, transition, actor)
        else:
            changed = name != self.program_scene
            self.studio.program_scene = name
            if self._preview_scenes is not None:
                self._preview_scenes.switch(name, transition)
        if changed:
            self.doors.emit("CurrentProgramSceneChanged", {"sceneName": name, "sceneUuid": None})
        return changed

    def camera_still(self) -> np.ndarray | None:
        """The camera's newest picture as BGR, before its key and smoothing — what the key colour is picked from
        (`key_colour`) — from the show on air, else the preview; None when no scene on screen shows the camera."""
        scenes = self.broadcast.scenes if self.live else self._preview_scenes
        camera = scenes.input("camera") if scenes is not None else None
        if camera is None:
            return None
        picture = camera.last_raw if isinstance(camera, FilteredSource) else scenes.last_picture("camera")
        return None if picture is None else np.ascontiguousarray(picture[:, :, :3]).copy()

    @staticmethod
    def key_colour(still: np.ndarray, x: float, y: float) -> tuple[int, int, int]:
        """The key colour (B, G, R) where the streamer clicked on the still, (x, y) as fractions; FilterError if
        the point is not one."""
        return key_colour_at(still, x, y)

    def set_filters(self, chroma: dict | None, beauty: float, background: str = "") -> None:
        """绿幕抠像 (a dict for `make_chroma`, or None: off), 美颜 (0 … 1) on the camera and the picture behind a
        keyed screen, from the next go-live and in the preview now. FilterError (中文 / English) for a setting out
        of range or a background that is not a readable picture; nothing changes then."""
        from app.media.filters import _unit, make_chroma
        from app.media.sources import ImageSource, SourceError

        key = make_chroma(**chroma) if chroma is not None else None
        strength = _unit(beauty, "strength")
        if background:
            try:
                ImageSource(background)
            except SourceError as exc:
                raise FilterError(f"背景图无法打开 / the background picture cannot be used: {exc}") from None
        self.studio.chroma, self.studio.beauty, self.studio.background = key, strength, background
        if self.previewing and not self.live:
            self._restart_preview()

    def set_scenes(self, scenes: list) -> None:
        """Replace the studio's scenes (`app.media.scenes.Scene`, checked): at once on air and in the preview
        (the scene on air keeps going with its new layout; if it was removed, the first scene goes on air)."""
        if not scenes:
            raise ActionRefused("至少需要一个场景 / keep at least one scene")
        before = self.program_scene
        self.studio.scenes = list(scenes)
        if self.studio.program_scene not in self.scene_names():
            self.studio.program_scene = self.scene_names()[0]
        for running in (self.broadcast.scenes if self.live else None, self._preview_scenes):
            if running is not None:
                running.set_scenes(self.studio.scenes)
        if self.program_scene != before:
            self.doors.emit("CurrentProgramSceneChanged", {"sceneName": self.program_scene, "sceneUuid": None})

    def scene_inputs(self) -> list[str]:
        """What a scene item can show: the show's video inputs, the studio's own sources, then every overlay as
        "overlay.KIND"."""
        return ["camera", "product", "background", *self.studio.inputs, *(OVERLAY + kind for kind in KINDS)]

    def set_inputs(self, inputs) -> None:
        """The studio's own sources (name → cam:N | an image | a media file | testsrc), each checked (SceneError,
        also for anything but such a mapping: the settings file may have been edited by hand); opened from the next
        go-live or preview (the preview restarts to show them)."""
        if not isinstance(inputs, dict):
            raise SceneError("来源列表格式不对 / the sources are not a list of name → source")
        checked = dict(check_input(name, spec) for name, spec in inputs.items())
        if checked == self.studio.inputs:
            return
        self.studio.inputs = checked
        if self.previewing and not self.live:
            self._restart_preview()

    def set_banned_words(self, words: list[str]) -> None:
        """屏蔽词: takes effect at once for what comes in next (the log keeps hidden comments, flagged)."""
        self.studio.banned_words = [w.strip() for w in words if w.strip()]
        self._apply_studio()

    def block_user(self, user_id: str) -> None:
        """拉黑: every later comment of this viewer is hidden (still logged, flagged), now and at later go-lives."""
        if user_id:
            self.studio.blocked_users.add(user_id)
            self._apply_studio()

    def _apply_studio(self) -> None:
        if self.live:
            self.broadcast.apply_studio()

    def audio_level(self) -> float | None:
        """The sound source's peak in dBFS since the last call (live or previewing), None when nothing runs."""
        if self.live:
            return self.broadcast.audio_level()
        return self._preview_pipeline.read_audio_peak() if self._preview_pipeline is not None else None

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

    def camera_mode(self) -> str | None:
        """What the camera actually delivers while live (it may differ from what was asked)."""
        return self.broadcast.camera_mode() if self.live else None

    # --- overlays ------------------------------------------------------------------------------------------
    @property
    def compositor(self):
        """The canvas being drawn now: the broadcast's while live, the preview's before."""
        return self.broadcast.compositor if self.live else self._preview_compositor

    def _overlay_set(self):
        return self.broadcast.overlays if self.live else self._preview_overlays

    @property
    def overlay_positions(self) -> dict[str, tuple[int, int]]:
        return dict(self.studio.overlay_positions)

    def place_overlay(self, kind: str, x: int, y: int) -> None:
        """Move an overlay (top-left corner, canvas pixels); remembered for the next go-live too."""
        self.studio.overlay_positions[kind] = (x, y)
        if (overlays := self._overlay_set()) is not None:
            overlays.place(kind, x, y)

    def reset_overlay_position(self, kind: str) -> None:
        """Back to the overlay's default corner (for this and later go-lives)."""
        self.studio.overlay_positions.pop(kind, None)
        if (overlays := self._overlay_set()) is not None:
            overlays.place(kind, None, None)

    def set_overlay_enabled(self, kind: str, enabled: bool) -> None:
        """Switch an overlay on or off on the stream (remembered for the next go-live too)."""
        self.studio.overlay_enabled[kind] = enabled
        if (overlays := self._overlay_set()) is not None:
            overlays.set_enabled(kind, enabled)

    def overlay_boxes(self) -> dict[str, tuple[int, int, int, int]]:
        """Where each overlay shown now sits on the canvas: kind → (x, y, width, height); for drag-to-place. The
        overlays the scene on screen places itself (its "overlay.…" items) are the scene's to place: left out."""
        scenes = self.broadcast.scenes if self.live else self._preview_scenes
        placed = scenes.draws_layers if scenes is not None else frozenset()
        return {kind: box for kind, box in overlay_boxes(self.compositor).items() if kind not in placed}

    @staticmethod
    def overlay_kinds() -> tuple[str, ...]:
        return KINDS

    def canvas_size(self) -> tuple[int, int] | None:
        """The live (or previewed) canvas in pixels."""
        pipeline = self.broadcast.pipeline if self.live else self._preview_pipeline
        return (pipeline.settings.width, pipeline.settings.height) if pipeline is not None else None


class ConsoleControl:
    """The console as a control surface sees it (`app.remote.obsws.Control`): the go-live is the stream, its
    recording the record output, the studio's scenes the scenes, the sound's mute the one audio input, and the
    room's verbs vendor requests (the LAN assistants' verbs and arguments, docs/protocol.md)."""

    def __init__(self, service: ConsoleService) -> None:
        self.service = service

    def _failed(self, message: str):
        from app.remote.obsws import RequestFailed, Status

        return RequestFailed(Status.GENERIC_ERROR, message)

    def _options(self) -> LiveOptions:
        """What a go-live from a control surface asks for: set by whoever runs the console (the headless modes
        hand in their own options); the window goes live from its own button, where it asks what it must."""
        if self.service.control_options is None:
            raise self._failed("请在主播窗口开播 / go live from the console window")
        return self.service.control_options()

    def stream_status(self) -> dict:
        service = self.service
        stats = service.broadcast.stats if service.live else None
        time_s = (service.broadcast.stream_time() or 0.0) if service.live else 0.0
        outputs = stats.outputs if stats is not None else []
        return {"outputActive": service.live,
                "outputReconnecting": any(o.health == "reconnecting" for o in outputs),
                "outputTimecode": _timecode(time_s), "outputDuration": int(time_s * 1000),
                "outputCongestion": max((o.stats.congestion for o in outputs), default=0.0),
                "outputBytes": sum(o.stats.bytes for o in outputs),
                "outputSkippedFrames": sum(stats.dropped.values()) if stats is not None else 0,
                "outputTotalFrames": stats.frames_encoded if stats is not None else 0}

    def start_stream(self) -> None:
        try:
            self.service.go_live(self._options())
        except (GoLiveError, ValueError) as exc:
            raise self._failed(str(exc)) from None

    def stop_stream(self) -> None:
        self.service.stop()

    def record_status(self) -> dict:
        service = self.service
        recording = service.live and service.broadcast.recording_path is not None
        time_s = (service.broadcast.stream_time() or 0.0) if recording else 0.0
        stats = service.broadcast.stats if recording else None
        files = [o for o in (stats.outputs if stats is not None else []) if "://" not in o.stats.name]
        return {"outputActive": recording, "outputPaused": False, "outputTimecode": _timecode(time_s),
                "outputDuration": int(time_s * 1000), "outputBytes": sum(o.stats.bytes for o in files)}

    def start_record(self) -> None:
        if self.service.live:
            raise self._failed("录制随开播开始：请停播后开启录制再开播 / the recording starts with the go-live: stop, "
                               "turn recording on and go live again")
        from dataclasses import replace

        try:
            self.service.go_live(replace(self._options(), destinations=(), record=True))
        except (GoLiveError, ValueError) as exc:
            raise self._failed(str(exc)) from None

    def stop_record(self) -> str:
        broadcast = self.service.broadcast
        if broadcast.options.destinations:
            raise self._failed("录制随直播结束：请用 StopStream 停播 / the recording ends with the show: use StopStream")
        path = str(broadcast.recording_path)
        self.service.stop()
        return path

    def scene_names(self) -> list[str]:
        return self.service.scene_names()

    def program_scene(self) -> str:
        return self.service.program_scene

    def set_program_scene(self, name: str) -> None:
        try:
            self.service.switch_scene(name, actor="assistant:控制面板")
        except ActionRefused as exc:
            raise self._failed(str(exc)) from None

    def input_list(self) -> list[tuple[str, str]]:
        return [*VIDEO_INPUTS.items(), (AUDIO_INPUT, "audio_input")]

    def input_muted(self, name: str) -> bool:
        if name != AUDIO_INPUT:
            from app.remote.obsws import RequestFailed, Status

            raise RequestFailed(Status.INVALID_RESOURCE_STATE, f"{name} 没有声音 / {name} has no sound to mute")
        return self.service.studio.muted

    def set_input_muted(self, name: str, muted: bool) -> None:
        self.input_muted(name)
        self.service.set_muted(muted)

    def stats(self) -> dict:
        service = self.service
        stats = service.broadcast.stats if service.live else None
        import shutil

        from app.config import recordings_dir

        try:
            free_mb = shutil.disk_usage(recordings_dir()).free / 2**20
        except OSError:
            free_mb = 0.0
        return {"cpuUsage": (stats.cpu_percent + stats.push_cpu_percent) if stats else 0.0,
                "memoryUsage": _rss_mb(), "availableDiskSpace": free_mb,
                "activeFps": stats.capture_fps if stats else 0.0,
                "averageFrameRenderTime": stats.render_ms_mean if stats else 0.0,
                "renderSkippedFrames": sum(stats.dropped.values()) if stats else 0,
                "renderTotalFrames": stats.frames_captured if stats else 0,
                "outputSkippedFrames": sum(stats.dropped.values()) if stats else 0,
                "outputTotalFrames": stats.frames_encoded if stats else 0,
                "webSocketSessionIncomingMessages": None, "webSocketSessionOutgoingMessages": None}

    def vendor_request(self, request_type: str, data: dict) -> dict:
        """The room's verbs by name with {"args": [...]} as the LAN assistants send them (pin_product [3],
        next_product [], drop_coupon [id, quantity, seconds], start_flash_sale [...], pin_comment [seq], undo),
        plus get_room (the pinned product, live coupons). As the console's own actor, undoable from the window."""
        from app.remote.obsws import RequestFailed, Status
        from app.remote.server import VERBS, verb_arguments

        service = self.service
        if request_type == "get_room":
            state = service.room_snapshot().state
            pinned = state.products.get(state.pinned_product) if state.pinned_product is not None else None
            return {"live": service.live, "pinnedProduct": pinned.title if pinned else None,
                    "liveCoupons": [c.name for c in state.coupons.values() if c.live],
                    "scene": service.program_scene}
        if request_type not in ("undo", "pin_latest_comment") and request_type not in VERBS:
            raise RequestFailed(Status.UNKNOWN_REQUEST_TYPE, f"未知操作 / unknown vendor request {request_type[:40]!r}")
        args = data.get("args", [])
        try:
            if not service.live:
                raise ActionRefused("请先开播 / go live first")
            if request_type == "undo":
                return {"undone": service.undo()}
            if request_type == "pin_latest_comment":  # a button: pin what a viewer just said
                event = service.act("pin_comment", service.broadcast.recent_comment(None))
            elif request_type == "pin_comment":  # by seq, as the events a script reads number them
                seq = verb_arguments(request_type, args)[0]
                event = service.act("pin_comment", service.broadcast.recent_comment(seq))
            else:
                event = service.act(request_type, *verb_arguments(request_type, args))
        except ActionRefused as exc:
            raise self._failed(str(exc)) from None
        return {"seq": event.seq}


def _timecode(seconds: float) -> str:
    whole_ms = int(max(0.0, seconds) * 1000)
    hours, rest = divmod(whole_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as handle:
            import os

            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0
