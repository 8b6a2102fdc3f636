"""The console's service façade: everything the window does, headless and testable without a window.

The Qt UI (ui/) holds one `ConsoleService`, calls its verbs and reads its state; it never reaches into the
pipeline or the session core. Work runs in the service's threads; the UI polls `preview_frame()`,
`drain_events()`, `stats` and `metrics()` on timers (a human rate), so nothing high-rate crosses into Qt.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np

from app.commerce.room import LiveRoom
from app.config import recordings_dir
from app.demo import DemoAssistant, ensure_sample_catalogue
from app.live.events import Event
from app.live.session_core import SessionCore
from app.live.simulator import SimulatorConfig
from app.media.compose import Compositor
from app.media.encode import EncoderSettings
from app.media.outputs import open_destination
from app.media.pipeline import Pipeline, PipelineStats
from app.metrics.live import MetricsSnapshot
from app.overlays.binder import OverlayBinder
from app.overlays.overlay_set import OverlaySet
from app.redaction import redact, redact_url
from app.store.db import Database
from app.store.models import SessionKind

log = logging.getLogger(__name__)

PREVIEW_WIDTH = 640
REHEARSAL_LAYER = "rehearsal_mark"
MAX_PENDING_EVENTS = 20_000  # what the UI has not drained yet; older ones are dropped from the view only


@dataclass(frozen=True)
class LiveOptions:
    """What a go-live asks for. `rehearsal` (演练) is the safe default: the simulated audience and the demo
    assistant are allowed, every frame carries the 演练 mark, the session is kept apart in the review; a push
    then needs `test_server_confirmed` (the user said the destination is a private test server). A Live (直播)
    session takes real room events only (platform bridge, LAN assistants, the console's own verbs)."""

    rehearsal: bool = True
    test_server_confirmed: bool = False
    destinations: tuple[str, ...] = ()
    record: bool = True
    width: int = 1280
    height: int = 720
    fps: int = 30
    bitrate: int = 2_500_000
    simulated_audience: bool = True
    audience_rate: float = 20.0
    demo_assistant: bool = False
    source: str = "testsrc"  # testsrc | cam:N | a media file | an image
    mirror: bool = False
    camera_mode: str = ""  # e.g. "1920x1080@30": what to ask the camera for; empty: the canvas size and rate
    feed_url: str = ""  # a platform bridge's ws:// URL (docs/protocol.md): real comments, orders, viewers
    feed_token: str = ""  # sent as "Authorization: Bearer …" when given; a secret
    recording_path: str | None = None  # default: a new file in the recordings folder
    duration: float | None = None  # seconds; None: until stop()


class GoLiveError(ValueError):
    """A go-live that failed; the console is as it was before (preview running, nothing held). The message says
    what failed and what to check, in Chinese and English, with keys masked."""


def check_mode(options: LiveOptions) -> None:
    """The rules that keep a rehearsal off real streams and fake interaction out of a real one (issue #11).
    Raises GoLiveError with the reason; the window asks the user before it gets here, it never guesses."""
    from app.live.session_core import SIMULATOR_IN_LIVE

    if not options.rehearsal and (options.simulated_audience or options.demo_assistant):
        raise GoLiveError(SIMULATOR_IN_LIVE)
    if options.rehearsal and options.destinations and not options.test_server_confirmed:
        servers = ", ".join(redact_url(d) for d in options.destinations)
        raise GoLiveError(f"演练不会推到真实直播间：请确认 {servers} 是私有测试服务器，或切换到直播模式 / a rehearsal "
                          f"never pushes to a real room: confirm {servers} is a private test server, or switch to "
                          f"Live")


def explain_go_live_failure(exc: BaseException, options: LiveOptions) -> str:
    """What failed and what to check, 中文 / English, for a message that stays until the streamer dismisses it;
    told apart by the kind of error (a destination's, a source's), not by its wording."""
    from app.media.outputs import DestinationError
    from app.media.sources import SourceError

    reason = redact(str(exc))
    servers = ", ".join(redact_url(d) for d in options.destinations)
    if isinstance(exc, DestinationError) and "://" in reason:
        return (f"开播失败：连不上推流服务器 {servers}。请检查服务器地址与端口、网络和防火墙，以及串流密钥是否有效。"
                f" / Go-live failed: cannot publish to {servers}. Check the server address and port, the network and "
                f"firewall, and that the stream key is valid.  ({reason})")
    if isinstance(exc, SourceError):
        return (f"开播失败：画面来源打不开。请检查摄像头已连接且未被其他程序占用，或文件存在。"
                f" / Go-live failed: the picture source cannot open. Check the camera is connected and not used by "
                f"another program, or that the file exists.  ({reason})")
    return f"开播失败 / Go-live failed: {reason}"


class ConsoleService:
    """Owns the database, the session core and (while live) the pipeline."""

    def __init__(self, database: Database | None = None, banned_words: list[str] | None = None,
                 actor: str = "assistant:场控") -> None:
        self.database = database or Database()
        self.actor = actor  # who the window's verbs are logged as
        self._verbs = None  # UndoableVerbs over the live room
        self.assistant_server = None  # AssistantServer while LAN assistants are allowed
        self.muted = False  # kept across go-lives
        self.blocked_users: set[str] = set()  # 拉黑, kept across go-lives (this run)
        self.feed = None  # FeedClient while live with a platform bridge
        ensure_sample_catalogue(self.database)
        self.banned_words = banned_words if banned_words is not None else ["加微信", "私聊"]
        self.core: SessionCore | None = None
        self.pipeline: Pipeline | None = None
        self.stats: PipelineStats | None = None
        self.last_error: str | None = None
        self.recording_path: Path | None = None
        self._pending: deque[Event] = deque(maxlen=MAX_PENDING_EVENTS)
        self._preview: np.ndarray | None = None
        self._preview_seq = 0
        self._threads: list[threading.Thread] = []
        self._helpers: list = []
        self.compositor: Compositor | None = None
        self.on_stats = None  # optional callable, called with each once-a-second PipelineStats (pipeline thread)
        self._preview_pipeline: Pipeline | None = None
        self._last_options: LiveOptions | None = None  # what the last go-live asked for (to restore the preview)
        self._idle_room: LiveRoom | None = None
        self._preview_thread: threading.Thread | None = None
        self.overlays: OverlaySet | None = None
        self.overlay_enabled: dict[str, bool] = {}  # kind → on/off, kept across go-lives
        self.overlay_positions: dict[str, tuple[int, int]] = {}  # kind → top-left on the canvas

    # --- state the UI reads ------------------------------------------------------------------------------
    @property
    def live(self) -> bool:
        return self.pipeline is not None

    @property
    def room(self) -> LiveRoom | None:
        return self.core.room if self.core else None

    def display_room(self) -> LiveRoom:
        """The live room, or before going live a read-only view of the catalogue (same shape) for the docks."""
        if self.core is not None and self.core.room is not None and self.live:
            return self.core.room
        if self._idle_room is None:
            from app.live.bus import EventBus
            from app.live.session_core import load_room

            self._idle_room = load_room(self.database, EventBus())  # a bus nobody listens to: display only
        return self._idle_room

    def catalogue_changed(self) -> None:
        self._idle_room = None

    def metrics(self) -> MetricsSnapshot | None:
        return self.core.metrics.snapshot(self.core.bus.stream_time()) if self.core else None

    def event_log_notice(self) -> str | None:
        """What the streamer must know about the event log while live (中文 / English), or None when healthy:
        events set aside (quarantined) or writes failing (retried, nothing lost)."""
        writer = self.core.writer if self.core is not None else None
        if writer is None:
            return None
        stats = writer.stats
        if stats.quarantined:
            return (f"事件日志：{stats.quarantined} 条无法保存的事件已隔离（其余照常保存）/ event log: {stats.quarantined} "
                    f"event(s) could not be stored and were set aside (the rest are saved)")
        if stats.failures and writer.backlog:
            return (f"事件日志写入失败，正在重试，未丢失 / event log writes failing, retrying, nothing lost "
                    f"({stats.last_error})")
        return None

    def preview_frame(self) -> tuple[int, np.ndarray | None]:
        """(sequence number, newest preview image as BGR) — the UI redraws only when the number changed."""
        return self._preview_seq, self._preview

    def script_for(self, product_id: int) -> list[tuple[str, str]]:
        """The product's script sections in order, as (kind, text)."""
        from sqlalchemy import select

        from app.store.models import Script

        with self.database.session() as db:
            script = db.scalar(select(Script).where(Script.product_id == product_id))
            return [(s.kind, s.text) for s in script.sections] if script else []

    def products(self) -> list[tuple[int, str]]:
        """(id, title) of the catalogue, for pickers that work before going live."""
        from sqlalchemy import select

        from app.store.models import Product

        with self.database.session() as db:
            return [(p.id, p.title) for p in db.scalars(select(Product).order_by(Product.id))]

    def save_script(self, product_id: int, sections: list[tuple[str, str]]) -> None:
        """Replace the product's script with these (kind, text) sections, in order."""
        from sqlalchemy import select

        from app.store.models import Product, Script, ScriptSection

        with self.database.sessions.begin() as db:
            script = db.scalar(select(Script).where(Script.product_id == product_id))
            if script is None:
                product = db.get(Product, product_id)
                script = Script(product=product, title=product.title)
                db.add(script)
            script.sections = [ScriptSection(position=i, kind=kind, text=text)
                               for i, (kind, text) in enumerate(sections)]

    def save_coupon(self, definition: dict, coupon_id: int | None = None) -> int:
        """新建/编辑券: check the definition (ActionRefused with the reason), keep it in the catalogue for later
        sessions and, while live, put it in the room through the bus (so the session log has it too)."""
        from app.commerce.room import ActionRefused, check_coupon
        from app.store.models import Coupon

        payload = check_coupon(**definition)
        room = self.room if self.live else None
        if coupon_id is not None:
            current = self.display_room().snapshot().state.coupons.get(coupon_id)
            if current is not None and current.live:
                raise ActionRefused(f"发放中的券不能修改 / coupon {current.name} is live: stop it first")
        with self.database.sessions.begin() as db:
            coupon = db.get(Coupon, coupon_id) if coupon_id is not None else None
            if coupon is None:
                coupon = Coupon(product_skus=[], **payload)
                db.add(coupon)
            else:
                for key, value in payload.items():
                    setattr(coupon, key, value)
            db.flush()
            coupon_id = coupon.id
        if room is not None:
            room.define_coupon(coupon_id, payload, self.actor)
        self.catalogue_changed()
        return coupon_id

    # --- review (复盘) -------------------------------------------------------------------------------------
    def sessions(self, rehearsals: bool = False) -> list:
        """Stored real sessions (or only the rehearsals), newest first (`app.review.SessionInfo`)."""
        from app.review import list_sessions

        return list_sessions(self.database, rehearsals)

    def review(self, session_id: int):
        """One session's review rebuilt from its event log (`app.review.SessionReview`); KeyError if unknown."""
        from app.review import load_review

        return load_review(self.database, session_id)

    @staticmethod
    def export_review(review, folder: str) -> list:
        """The review's product windows and minutes as CSV files for Excel (`app.review.export_csv`)."""
        from app.review import export_csv

        return export_csv(review, folder)

    @staticmethod
    def open_recording(path: str):
        """A player for a session's recording (`app.media.player.RecordingPlayer`); PlayerError says why not."""
        from app.media.player import RecordingPlayer

        return RecordingPlayer(path)

    def compliance_report(self) -> list[tuple[str, str, list]]:
        """Extreme words in product titles, selling points and scripts: (product title, field, hits)."""
        from sqlalchemy import select

        from app.compliance.extreme_words import ExtremeWordChecker
        from app.store.models import Product

        checker = ExtremeWordChecker.from_file()
        report = []
        with self.database.session() as db:
            for product in db.scalars(select(Product).order_by(Product.id)):
                fields = [("标题 title", product.title)] + [("卖点 selling point", p) for p in product.selling_points]
                fields += [(f"话术 script · {section.kind}", section.text)
                           for script in product.scripts for section in script.sections]
                for field, text in fields:
                    hits = checker.check(text)
                    if hits:
                        report.append((product.title, field, hits))
        return report

    def drain_events(self) -> list[Event]:
        out = []
        while self._pending:
            out.append(self._pending.popleft())
        return out

    # --- preview before going live ---------------------------------------------------------------------
    @property
    def previewing(self) -> bool:
        return self._preview_pipeline is not None

    def start_preview(self, options: LiveOptions) -> None:
        """Show the chosen source on the canvas before going live: rendered only, nothing encoded or sent.
        A source that cannot open raises ValueError with the reason."""
        self.stop_preview()
        if self.live:
            return
        from app.overlays.demo import show_layout_sample
        from app.overlays.qtrender import ensure_qt

        ensure_qt()
        video, sound = self._open_sources(options)  # the sound too: the level meter works before going live
        settings = EncoderSettings(width=options.width, height=options.height, fps=options.fps)
        self.compositor, self.overlays = self._overlays(settings, rehearsal=options.rehearsal)
        show_layout_sample(self.overlays, self.display_room())  # the layout, to see and drag before going live
        pipeline = Pipeline(settings, [], audio_source=sound, video_source=video, compositor=self.compositor)
        pipeline.preview_sink = self._on_frame
        self._preview_pipeline = pipeline
        self._preview_thread = threading.Thread(target=pipeline.run, name="preview", daemon=True)
        self._preview_thread.start()

    def stop_preview(self) -> None:
        if self._preview_pipeline is not None:
            self._preview_pipeline.stop()
            self._preview_thread.join(10)
            self._preview_pipeline = self._preview_thread = None

    # --- go live / stop ----------------------------------------------------------------------------------
    def go_live(self, options: LiveOptions) -> None:
        """Start the session and the stream. On failure everything opened is closed again, the preview runs as
        before, and GoLiveError says what failed and what to check."""
        if self.live:
            raise ValueError("已在直播中 / already live")
        from app.overlays.qtrender import ensure_qt

        check_mode(options)  # before anything is stopped or opened: a refusal changes nothing
        ensure_qt()
        self.stop_preview()
        self._last_options = options
        opened: list = []
        try:
            self._go_live(options, opened)
        except Exception as exc:
            for thing in reversed(opened):
                try:
                    thing()
                except Exception:  # noqa: BLE001 - rolling back as far as possible
                    log.exception("go-live rollback step failed")
            self.core, self.pipeline, self._helpers, self._verbs = None, None, [], None
            self._restart_preview()
            raise GoLiveError(explain_go_live_failure(exc, options)) from exc

    def _go_live(self, options: LiveOptions, opened: list) -> None:
        """The go-live steps; each thing opened adds how to close it to `opened` (run in reverse on failure)."""
        targets = list(options.destinations)
        if options.record:
            self.recording_path = Path(options.recording_path) if options.recording_path else \
                recordings_dir() / f"live-{datetime.now():%Y%m%d-%H%M%S}.mkv"
            self.recording_path.parent.mkdir(parents=True, exist_ok=True)
            targets.append(str(self.recording_path))
        if not targets:
            raise ValueError("没有推流地址也不录制 / nothing to stream to: add a destination or turn recording on")
        outputs = [open_destination(t) for t in targets]
        video, audio = self._open_sources(options)
        opened.append(video.stop)
        if audio is not video and hasattr(audio, "stop"):
            opened.append(audio.stop)
        settings = EncoderSettings(width=options.width, height=options.height, fps=options.fps,
                                   video_bitrate=options.bitrate)
        core = SessionCore(self.database, self.banned_words)
        for user_id in self.blocked_users:
            core.banned.block(user_id)
        core.bus.subscribe(self._on_bus_event)
        core.start("演练 Rehearsal" if options.rehearsal else "直播 Live", destinations=list(options.destinations),
                   recording_path=str(self.recording_path or ""),
                   kind=SessionKind.REHEARSAL if options.rehearsal else SessionKind.LIVE)
        opened.append(core.end)
        compositor, self.overlays = self._overlays(settings, rehearsal=options.rehearsal)
        self.compositor = compositor
        binder = OverlayBinder(core.room, self.overlays)
        binder.start()
        helpers: list = [binder]
        opened.append(lambda: [helper.stop() for helper in reversed(helpers)])
        self.feed = None
        if options.feed_url:
            from app.live.feed import FeedClient

            feed = FeedClient(options.feed_url, core.bus, options.feed_token or None)
            feed.start()  # connects (and reconnects) in its own thread; its health is in `feed.stats`
            helpers.append(feed)
            self.feed = feed
        if options.simulated_audience:
            simulator = core.simulated_audience(SimulatorConfig(events_per_second=options.audience_rate))
            simulator.start()
            helpers.append(simulator)
        if options.demo_assistant:
            assistant = DemoAssistant(core)
            assistant.start()
            helpers.append(assistant)
        pipeline = Pipeline(settings, outputs, duration=options.duration, on_stats=self._on_stats,
                            compositor=compositor, video_source=video, audio_source=audio)
        pipeline.on_clock_start = core.bus.go_live
        pipeline.muted = self.muted
        pipeline.preview_sink = self._on_frame
        from app.commerce.undo import UndoableVerbs

        self._verbs = UndoableVerbs(core.room, self.actor)
        self.core, self.pipeline, self._helpers, self.last_error = core, pipeline, helpers, None
        thread = threading.Thread(target=self._run_pipeline, args=(pipeline,), name="pipeline main", daemon=True)
        thread.start()
        self._threads = [thread]

    def act(self, verb: str, *args):
        """An assistant verb on the live room (`pin_product`, `set_live_price`, `drop_coupon`, …) as this
        console's actor, remembered for undo. Raises ActionRefused with the reason (also when not live)."""
        from app.commerce.room import ActionRefused

        if self._verbs is None or not self.live:
            raise ActionRefused("请先开播 / go live first")
        return self._verbs.do(verb, *args)

    def undo(self) -> str:
        """Take back this console's newest verb (as a new event); returns what was done. ActionRefused if not."""
        from app.commerce.room import ActionRefused

        if self._verbs is None or not self.live:
            raise ActionRefused("没有可撤销的操作 / nothing to undo")
        return self._verbs.undo()

    def next_undo(self) -> str | None:
        return self._verbs.next_undo() if self._verbs is not None and self.live else None

    def set_muted(self, muted: bool) -> None:
        """静音: silence on the stream and the recording from the next frame (the meter keeps showing the mic)."""
        self.muted = muted
        if self.pipeline is not None:
            self.pipeline.muted = muted

    def audio_level(self) -> float | None:
        """The sound source's peak in dBFS since the last call (live or previewing), None when nothing runs."""
        pipeline = self.pipeline or self._preview_pipeline
        return pipeline.read_audio_peak() if pipeline is not None else None

    def _overlays(self, settings: EncoderSettings, rehearsal: bool = False) -> tuple[Compositor, OverlaySet]:
        """A compositor with the overlay layers switched and placed as the streamer left them; a rehearsal's
        frames also carry the 演练 REHEARSAL mark (bottom-right corner, above everything, not switchable; the
        top-left is the test pattern's frame code)."""
        compositor = Compositor(settings.width, settings.height)
        if rehearsal:
            from app.overlays.cards import render_rehearsal_mark

            scale = min(settings.width, settings.height) / 720
            mark, margin = render_rehearsal_mark(scale), round(16 * scale)
            compositor.set_layer(REHEARSAL_LAYER, mark, settings.width - mark.shape[1] - margin,
                                 settings.height - mark.shape[0] - margin, z=1000)
        overlays = OverlaySet(compositor)
        for kind, enabled in self.overlay_enabled.items():
            overlays.set_enabled(kind, enabled)
        for kind, (x, y) in self.overlay_positions.items():
            overlays.place(kind, x, y)
        return compositor, overlays

    def place_overlay(self, kind: str, x: int, y: int) -> None:
        """Move an overlay (top-left corner, canvas pixels); remembered for the next go-live too."""
        self.overlay_positions[kind] = (x, y)
        if self.overlays is not None:
            self.overlays.place(kind, x, y)

    def overlay_boxes(self) -> dict[str, tuple[int, int, int, int]]:
        """Where each overlay shown now sits on the canvas: kind → (x, y, width, height); for drag-to-place."""
        if self.compositor is None or not (self.live or self.previewing):
            return {}
        kinds = set(self.overlay_kinds())
        return {layer.name: (layer.x, layer.y, layer.width, layer.height)
                for layer in self.compositor.layers() if layer.name in kinds and getattr(layer, "visible", True)}

    @staticmethod
    def overlay_kinds() -> tuple[str, ...]:
        from app.overlays.overlay_set import KINDS

        return KINDS

    def canvas_size(self) -> tuple[int, int] | None:
        """The live (or previewed) canvas in pixels."""
        pipeline = self.pipeline or self._preview_pipeline
        return (pipeline.settings.width, pipeline.settings.height) if pipeline is not None else None

    def reset_overlay_position(self, kind: str) -> None:
        """Back to the overlay's default corner (for this and later go-lives)."""
        self.overlay_positions.pop(kind, None)
        if self.overlays is not None:
            self.overlays.place(kind, None, None)

    def set_banned_words(self, words: list[str]) -> None:
        """屏蔽词: takes effect at once for what comes in next (the log keeps hidden comments, flagged)."""
        self.banned_words = [w.strip() for w in words if w.strip()]
        if self.core is not None:
            self.core.banned.set_words(self.banned_words)

    def block_user(self, user_id: str) -> None:
        """拉黑: every later comment of this viewer is hidden (still logged, flagged), now and at later go-lives."""
        if not user_id:
            return
        self.blocked_users.add(user_id)
        if self.core is not None:
            self.core.banned.block(user_id)

    def camera_mode(self) -> str | None:
        """What the camera actually delivers (it may differ from what was asked), e.g. '1280x720@30'."""
        from app.media.sources import CameraSource

        source = self.pipeline.video_source if self.pipeline else None
        source = getattr(source, "source", source)  # unwrap a mirror
        if isinstance(source, CameraSource) and source.actual:
            width, height, fps = source.actual
            return f"{width}x{height}@{fps:g}"
        return None

    def set_overlay_enabled(self, kind: str, enabled: bool) -> None:
        """Switch an overlay on or off on the stream (remembered for the next go-live too)."""
        self.overlay_enabled[kind] = enabled
        if self.overlays is not None:
            self.overlays.set_enabled(kind, enabled)

    @staticmethod
    def _open_sources(options: LiveOptions):
        """The chosen source and its sound (`open_sources`); SourceError (a ValueError) says why not."""
        from app.media.sources import open_sources, parse_camera_mode

        mode = parse_camera_mode(options.camera_mode) if options.camera_mode else None
        return open_sources(options.source, options.width, options.height, options.fps, loop=True,
                            audio="auto", mirror=options.mirror, camera_mode=mode)

    def wait(self) -> None:
        """Block until the stream ends by itself (duration reached) or is stopped from another thread."""
        for thread in self._threads:
            thread.join()

    def stop(self) -> None:
        """Stop the stream, finish the recording and close the session (everything is written)."""
        if self.pipeline is None:
            return
        self.pipeline.stop()
        for thread in self._threads:
            thread.join(30)
        for helper in reversed(self._helpers):
            helper.stop()
        if self.core:
            self.core.end()
        self.pipeline, self._helpers = None, []

    def start_assistant_server(self, host: str = "0.0.0.0", port: int = 8765, token: str | None = None,
                               tls: bool = False):
        """远程场控: let assistants on the LAN work the live room (their verbs take the one bus path, each as its
        own actor, never this console's). `host`: "0.0.0.0" every interface (the LAN), "127.0.0.1" this
        machine only. `tls`: wss:// with the console's own certificate (its fingerprint is in the pairing code).
        Returns the server; OSError with a sentence (中文 / English) when the port is taken."""
        import errno

        from app.remote.server import AssistantServer

        self.stop_assistant_server()
        server = AssistantServer(lambda: self.room if self.live else None,
                                 lambda: self.core.bus.stream_time() if self.core is not None else None,
                                 host=host, port=port, token=token, reserved={self.actor}, tls=tls)
        try:
            server.start()
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise OSError(exc.errno, f"端口 {port} 已被占用，请换一个端口 / port {port} is already in use: choose "
                                         f"another port") from None
            raise OSError(exc.errno, f"无法在 {host}:{port} 上监听 / cannot listen on {host}:{port}: "
                                     f"{exc.strerror or exc}") from None
        self.assistant_server = server
        return server

    def stop_assistant_server(self) -> None:
        if self.assistant_server is not None:
            self.assistant_server.stop()
            self.assistant_server = None

    def close(self) -> None:
        self.stop_assistant_server()
        self.stop_preview()
        self.stop()
        self.database.close()

    # --- callbacks from the pipeline's threads ------------------------------------------------------------
    def _run_pipeline(self, pipeline: Pipeline) -> None:
        try:
            self.stats = pipeline.run()
        except Exception as exc:  # shown in the UI; `recover()` closes the session and restarts the preview
            self.last_error = explain_go_live_failure(exc, self._last_options or LiveOptions())
            log.exception("pipeline failed")

    def recover(self) -> str | None:
        """Call on a timer: if the stream failed (e.g. the server refused the publish), stop the session, run
        the preview again and return what to tell the streamer (it stays until dismissed); else None."""
        if not (self.live and self.last_error):
            return None
        message = self.last_error
        self.stop()
        self._restart_preview()
        return message

    def _restart_preview(self) -> None:
        if self._last_options is None:
            return
        try:
            self.start_preview(self._last_options)
        except Exception as exc:  # noqa: BLE001 - the preview is a convenience; the failure message matters more
            log.warning("preview did not restart: %s", redact(str(exc)))

    def _on_bus_event(self, event: Event) -> None:
        self._pending.append(event)
        server = self.assistant_server
        if server is not None:
            server.on_event(event)

    def _on_stats(self, stats: PipelineStats) -> None:
        self.stats = stats
        if self.on_stats is not None:
            self.on_stats(stats)

    def _on_frame(self, canvas: np.ndarray) -> None:
        h, w = canvas.shape[:2]
        width = min(PREVIEW_WIDTH, w)
        # the one copy the preview costs: a small resize, made in the render thread
        self._preview = cv2.resize(canvas, (width, round(h * width / w)), interpolation=cv2.INTER_AREA)
        self._preview_seq += 1
