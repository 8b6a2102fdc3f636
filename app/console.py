"""The console's façade: what the window (and the headless modes) use, and nothing else of `app/` they need.

`ConsoleService` is a thin holder, the way Anki's `Collection` holds `col.decks` and `col.models`:
- `catalogue` (`app.catalogue.Catalogue`): products, scripts, coupons, CSV import, the compliance report;
- `broadcast` (`app.broadcast.Broadcast`): the current (or last) go-live — start, stop, verbs, undo, events to
  drain, snapshots and health;
- `history` (`app.history.History`): stored shows, reviews, reports and comparisons, order imports, recordings,
  the studios on the database;
- the preview before going live, the LAN assistants' door, and the studio's switches that outlive a go-live.
The window polls on timers (a human rate) and gets values (`RoomSnapshot`, `MetricsSnapshot`, `HealthReport`,
`RemoteStatus`), never a live object of another thread. The names the window renders or catches are handed on
from here (`__all__`), so `ui/` imports this module and the event types only.
"""

from __future__ import annotations

import logging
import threading
import weakref

from app.assembly import LiveOptions
from app.broadcast import Broadcast, GoLiveError, check_mode
from app.catalogue import Catalogue, load_faqs
from app.clips import ClipStyle
from app.desk import Change, Desk, StudioSettings, differences
from app.commerce.notices import due, format_schedule, parse_schedule
from app.commerce.room import ActionRefused, RoomSnapshot
from app.compliance.extreme_words import ExtremeWordChecker
from app.config import resource_dir
from app.heap import resident_mb
from app.language import BOTH, CHINESE, ENGLISH
from app.language import pick as pick_message
from app.destinations import PRESETS, Destination, KeyStore, split_url
from app.doors import Doors
from app.health import HealthReport, output_name
from app.history import History
from app.stage import Stage
from app.kernel.events import Event
from app.live.connectors import dialect_for
from app.media.clock import format_clock
from app.media.outputs import DestinationError
from app.media.pictures import picture_bytes
from app.media.filters import FilterError
from app.media.scenes import SceneError, check_input, default_scenes, scenes_from_json, scenes_to_json
from app.media.qtrender import ensure_qt, font
from app.media.reframe import Region
from app.metrics.live import MetricsSnapshot
from app.redaction import install_log_redaction, redact, redact_url
from app.report import nice_ticks, tick_label
from app.review import MASKED_UV, WINDOW_COLUMNS, money, product_rows, ratio, whole, window_rows
from app.store.catalog_io import CatalogImportError
from app.store.db import Database

# what the window renders or catches, and nothing else (tests/test_layers.py keeps the two lists equal)
__all__ = ["ActionRefused", "BOTH", "MASKED_UV", "CHINESE", "CatalogImportError", "ClipStyle", "ConsoleService", "Destination",
           "DestinationError", "ENGLISH", "ExtremeWordChecker", "FilterError", "KeyStore", "LiveOptions", "PRESETS",
           "SceneError", "check_input", "default_scenes", "due", "ensure_qt", "feed_problem", "font", "format_clock",
           "format_schedule", "install_log_redaction", "output_name", "money", "nice_ticks", "parse_schedule", "pick_message",
           "picture_bytes", "product_rows", "ratio", "Region", "redact", "redact_url", "resource_dir", "scenes_from_json",
           "scenes_to_json", "split_url", "tick_label", "whole", "window_rows", "WINDOW_COLUMNS"]

log = logging.getLogger(__name__)

STOP_WAIT_S = 60.0  # a second stop waits at most this long for the first (a recording being finished)
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
                 actor: str = "assistant:场控", apply_retention: bool = False, view: bool = True) -> None:
        """`apply_retention`: apply the studio's retention policy in the background now (app/retention.py): what
        the console started by a person does; a console a program opens on a database of its own leaves it.
        `view`: a window drains the shows' events (`drain_events`); a headless console (False) keeps none for one
        (up to MAX_PENDING_EVENTS undrained events would sit in memory for nobody)."""
        self.database = database or Database()
        self.catalogue = Catalogue(self.database)
        # 工作台: the studio's settings (mute, scenes, overlays, filters, moderation) with one owner
        self.desk = Desk(StudioSettings(actor=actor, **({} if banned_words is None else {
            "banned_words": tuple(w.strip() for w in banned_words if w.strip())})))
        self.broadcast: Broadcast | None = None  # the current go-live, or the last one after it stopped
        # 画面: the preview before going live, the canvas, the camera's still, the sound's level, the devices
        self.stage = Stage(self.desk, self.catalogue, lambda: self.broadcast if self.live else None)
        # 远程场控 and 控制面板: the two network doors, closed until the streamer opens them
        self.doors = Doors(lambda: self.broadcast.room if self.live else None,
                           lambda: self.broadcast.stream_time() if self.live else None,
                           lambda: self.actor, lambda: ConsoleControl(self), self.stage.guests)
        self.history = History(self.database, apply_retention)  # 复盘: stored shows, reports, order imports, recordings, studios
        self.control_options = None  # () → LiveOptions: what StartStream from a control surface goes live with
        self.on_stats = None  # optional callable: each once-a-second PipelineStats of a broadcast (pipeline thread)
        self.view = view
        self.on_air_changed: list = []  # callables told True at a go-live, False at its stop, on the caller's thread
        # guards _stops (each show is stopped once, a second stop waits for it) and _opening (one go-live at a time)
        self._stopping = threading.Lock()
        self._stops: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # show → Event set when it stopped
        self._opening = False  # a go-live is opening (the window's worker and a control surface's may overlap)
        self.desk.subscribe(self._desk_changed)  # the show on air, the preview and control surfaces follow

    # --- state the window reads --------------------------------------------------------------------------
    @property
    def actor(self) -> str:
        return self.desk.settings.actor

    @property
    def live(self) -> bool:
        return self.broadcast is not None and self.broadcast.running

    def room_snapshot(self) -> RoomSnapshot:
        """The live room now, or before going live the catalogue in a room's shape (for the docks)."""
        return self.broadcast.snapshot() if self.live else self.catalogue.room_snapshot()

    def metrics(self) -> MetricsSnapshot | None:
        return self.broadcast.metrics() if self.live else None

    def health(self, room: MetricsSnapshot | None = None) -> HealthReport | None:
        """The show's health (`app.health`), with the room's figures from `room` when given; None when not live."""
        return self.broadcast.health(room) if self.live else None

    def drain_events(self) -> list[Event]:
        return self.broadcast.drain_events() if self.broadcast is not None else []
    @property
    def recording_path(self):
        """The recording of the current (or last) go-live, None before one."""
        return self.broadcast.recording_path if self.broadcast is not None else None

    # --- the catalogue while live ------------------------------------------------------------------------
    def save_coupon(self, definition: dict, coupon_id: int | None = None) -> int:
        """新建/编辑券: kept in the catalogue for later sessions and, while live, put in the room through the bus
        (so the session log has it too). ActionRefused with the reason."""
        coupon_id, payload = self.catalogue.save_coupon(definition, coupon_id,
                                                       self.room_snapshot() if self.live else None)
        if self.live:
            self.broadcast.define_coupon(coupon_id, payload)
        return coupon_id

    # --- 自动回复 FAQ auto-reply --------------------------------------------------------------------------
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

    # --- go live / stop ----------------------------------------------------------------------------------
    def go_live(self, options: LiveOptions) -> Broadcast:
        """Start a broadcast. On failure everything opened is closed again, the preview runs as before, and
        GoLiveError says what failed and what to check."""
        with self._stopping:  # held for the flag only: nothing is opened under it
            if self._opening:
                raise ValueError("正在开播 / a go-live is already under way")
            self._opening = True
        try:
            return self._go_live(options)
        finally:
            with self._stopping:
                self._opening = False

    def _go_live(self, options: LiveOptions) -> Broadcast:
        if self.live:
            raise ValueError("已在直播中 / already live")
        if self.stage.closed:
            raise ValueError("中控台已关闭 / the console is closed")
        check_mode(options)  # before the preview stops: a refusal changes nothing
        self.stage.stop_preview(hold=True)  # and none opens the sources while the show opens them
        self.stage.remember(options)
        try:
            broadcast = Broadcast(self.database, options, self.desk.settings, self.stage.frames,
                                  on_event=self.doors.on_event, view=self.view, guests=self.stage.guests)
            broadcast.on_stats = self.on_stats
            broadcast.start()
        except BaseException as exc:
            self.stage.release()
            if isinstance(exc, GoLiveError):
                self.stage.restart()
            raise
        self.broadcast = broadcast
        self.stage.release()  # the show on air keeps previews off from here
        if changed := differences(broadcast.settings, self.desk.settings):  # written while it was opening
            broadcast.apply_settings(self.desk.settings, Change(changed))
        self._emit_outputs(True)
        return broadcast

    def wait(self) -> None:
        """Block until the stream ends by itself (duration reached) or is stopped from another thread."""
        if self.broadcast is not None:
            self.broadcast.wait()

    def stop(self) -> None:
        """Stop the stream, finish the recording and close the session (everything is written). A second stop
        meanwhile (a control surface's beside the window's) waits for the first; no lock is held while stopping."""
        broadcast = self.broadcast
        if broadcast is None:
            return
        with self._stopping:  # guards _stops only
            done = self._stops.get(broadcast)
            first = done is None
            if first:
                done = self._stops[broadcast] = threading.Event()
        if not first:
            done.wait(STOP_WAIT_S)
            return
        try:
            was_live = broadcast.running
            broadcast.stop()
            self.catalogue.changed()  # a real show's stock is the catalogue's now
            if was_live:
                self._emit_outputs(False)
        finally:
            done.set()

    def _emit_outputs(self, active: bool) -> None:
        """StreamStateChanged / RecordStateChanged for control surfaces (obs-websocket)."""
        if self.broadcast is None:
            return
        for listener in list(self.on_air_changed):  # the window's bridge: a stop made by a control surface too
            listener(active)
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
        self.stage.restart()
        return message

    def close(self) -> None:
        """Stop everything this console runs (servers, preview, broadcast); nothing starts again after it."""
        self.stage.close()
        self.history.close()  # the interrupted recordings' repair
        self.doors.close()
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

    # --- the studio's settings, applied where they show ------------------------------------------------
    def _desk_changed(self, change: Change) -> None:
        """A desk listener (on the writer's thread, no lock held): the newest settings to the show on air or the
        preview, and what control surfaces follow (mute, the scene on air)."""
        settings = self.desk.settings
        broadcast = self.broadcast if self.live else None
        if broadcast is not None:
            broadcast.apply_settings(settings, change)
        else:
            self.stage.follow(change)
        if "muted" in change.fields:
            self.doors.emit("InputMuteStateChanged", {"inputName": AUDIO_INPUT, "inputUuid": None,
                                                      "inputMuted": settings.muted})
        if "program_scene" in change.fields:
            self.doors.emit("CurrentProgramSceneChanged", {"sceneName": settings.on_air_scene, "sceneUuid": None})


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
        return self.service.desk.scene_names()

    def program_scene(self) -> str:
        return self.service.desk.program_scene

    def set_program_scene(self, name: str) -> None:
        try:
            self.service.desk.switch_scene(name, actor="assistant:控制面板")
        except ActionRefused as exc:
            raise self._failed(str(exc)) from None

    def input_list(self) -> list[tuple[str, str]]:
        return [*VIDEO_INPUTS.items(), (AUDIO_INPUT, "audio_input")]

    def input_muted(self, name: str) -> bool:
        if name != AUDIO_INPUT:
            from app.remote.obsws import RequestFailed, Status

            raise RequestFailed(Status.INVALID_RESOURCE_STATE, f"{name} 没有声音 / {name} has no sound to mute")
        return self.service.desk.settings.muted

    def set_input_muted(self, name: str, muted: bool) -> None:
        self.input_muted(name)
        self.service.desk.set_muted(muted)

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
                "memoryUsage": resident_mb(), "availableDiskSpace": free_mb,
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
        plus get_room (the pinned product, live coupons). As the console's own actor, undoable from the window.
        The guests' seats by app.guests.control (get_guests, accept_guest, guest_off_air, hang_up_guest,
        set_guest_level, set_guest_heard)."""
        from app.remote.obsws import RequestFailed, Status
        from app.commerce.verbs import VERBS, check_arguments as verb_arguments

        from app.guests.control import REQUESTS as GUEST_REQUESTS, guest_request

        service = self.service
        if request_type in GUEST_REQUESTS:  # 手机机位 / 连麦: the seats, on air or off, their level, hang up
            return guest_request(service.doors, request_type, data)
        if request_type == "get_room":
            state = service.room_snapshot().state
            pinned = state.products.get(state.pinned_product) if state.pinned_product is not None else None
            return {"live": service.live, "pinnedProduct": pinned.title if pinned else None,
                    "liveCoupons": [c.name for c in state.coupons.values() if c.live],
                    "scene": service.desk.program_scene}
        if request_type not in ("undo", "pin_latest_comment") and request_type not in VERBS:
            raise RequestFailed(Status.UNKNOWN_REQUEST_TYPE, f"未知操作 / unknown vendor request {request_type[:40]!r}")
        args = data.get("args", [])
        try:
            if not service.live:
                raise ActionRefused("请先开播 / go live first")
            if request_type == "undo":
                return {"undone": service.undo(), "streamTime": service.broadcast.stream_time()}
            if request_type == "pin_latest_comment":  # a button: pin what a viewer just said
                event = service.act("pin_comment", service.broadcast.recent_comment(None))
            elif request_type == "pin_comment":  # by seq, as the events a script reads number them
                seq = verb_arguments(request_type, args)[0]
                event = service.act("pin_comment", service.broadcast.recent_comment(seq))
            else:
                event = service.act(request_type, *verb_arguments(request_type, args))
        except ActionRefused as exc:
            raise self._failed(str(exc)) from None
        return {"seq": event.seq, "streamTime": event.stream_time}  # obs-websocket's own casing


def _timecode(seconds: float) -> str:
    whole_ms = int(max(0.0, seconds) * 1000)
    hours, rest = divmod(whole_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


