"""One go-live (开播 → 停播) as one object: sources → overlays → encoder → outputs, the session core (bus, room,
metrics, event log), the connectors (platform feed, a rehearsal's simulated audience and demo assistant), the
verbs with undo, and what the window reads of it — snapshots and counters, never the live objects.

Threads: the pipeline's own (capture, render, encode, one per output), the session's (bus dispatcher, store
writer, room clock), the binder's and each connector's. The console's thread calls the methods here; every read
returns a value built under the owner's lock (`RoomSnapshot`, `MetricsSnapshot`, `HealthReport`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from datetime import datetime
from pathlib import Path


from app.catalogue import keep_stock
from app.commerce.room import ActionRefused, RoomSnapshot
from app.assembly import (FrameSlot, LiveOptions, apply_layout, build_overlays, open_scenes, open_sources_for,
                          with_guests)
from app.commerce.undo import UndoableVerbs
from app.desk import Change, StudioSettings
from app.health import HealthReport, health_problems, health_report
from app.heap import HeapTrimmer
from app.config import recordings_dir
from app.kernel.events import SYSTEM, Event, EventType
from app.live.connectors import dialect_for, open_feed
from app.live.simulator import SIMULATOR_IN_LIVE, SimulatorConfig
from app.media.compose import Compositor
from app.media.encode import EncoderSettings
from app.media.digest import GrowingFile, Segment
from app.media.outputs import DestinationError, open_destination
from app.media.pipeline import Pipeline, PipelineStats
from app.media.qtrender import ensure_qt
from app.media.scene_source import SceneSource
from app.media.scenes import SceneError
from app.media.sources import CameraSource, SourceError
from app.metrics.live import MetricsSnapshot
from app.overlays.binder import OverlayBinder
from app.overlays.overlay_set import OverlaySet
from app.redaction import redact, redact_url
from app.session import SessionCore
from app.store.db import Database
from app.store.models import SessionKind
from app.values import title as clean_title

log = logging.getLogger(__name__)

MAX_HOST = 40  # the sessions.host column
MAX_PENDING_EVENTS = 20_000  # what the UI has not drained yet; older ones are dropped from the view only


def session_title(options: LiveOptions, now: float | None = None) -> str:
    """The title a go-live's session is stored under: the user's, cleaned (app.values.title), or "演练 Rehearsal
    12-01 20:05" / "直播 Live 12-01 20:05" when none was given."""
    stamp = time.strftime("%m-%d %H:%M", time.localtime(time.time() if now is None else now))
    return clean_title(options.title, f"{'演练 Rehearsal' if options.rehearsal else '直播 Live'} {stamp}")


def host_name(text: str) -> str:
    """主播 as typed: one clean line of at most MAX_HOST characters ("" when none was given)."""
    return clean_title(text, "")[:MAX_HOST]


class GoLiveError(ValueError):
    """A go-live that failed; the console is as it was before (preview running, nothing held). The message says
    what failed and what to check, in Chinese and English, with keys masked."""


def recording_event(segment: Segment) -> Event:
    """A recording's digest as the event the show's log (and so its chain) keeps."""
    kind = EventType.RECORDING_CLOSED if segment.closed else EventType.RECORDING_SEGMENT
    return Event(kind, segment.payload(), actor=SYSTEM)


def check_mode(options: LiveOptions) -> None:
    """The rules that keep a rehearsal off real streams and fake interaction out of a real one (issue #11).
    Raises GoLiveError with the reason; the window asks the user before it gets here, it never guesses."""
    if not options.rehearsal and (options.simulated_audience or options.demo_assistant):
        raise GoLiveError(SIMULATOR_IN_LIVE)
    if options.feed_url:
        try:
            dialect_for(options.feed_url)
        except ValueError as exc:
            raise GoLiveError(str(exc)) from None
    if options.rehearsal and options.destinations and not options.test_server_confirmed:
        servers = ", ".join(redact_url(d) for d in options.destinations)
        raise GoLiveError(f"演练不会推到真实直播间：请确认 {servers} 是私有测试服务器，或切换到直播模式 / a rehearsal "
                          f"never pushes to a real room: confirm {servers} is a private test server, or switch to "
                          f"Live")


def explain_go_live_failure(exc: BaseException, options: LiveOptions) -> str:
    """What failed and what to check, 中文 / English, for a message that stays until the streamer dismisses it;
    told apart by the kind of error (a destination's, a source's), not by its wording."""
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


class Broadcast:
    """One go-live. `start()` opens everything (or rolls back and raises GoLiveError); `stop()` closes it all
    and the session is written; the object stays readable afterwards (recording path, last stats)."""

    def __init__(self, database: Database, options: LiveOptions, desk_settings: StudioSettings, frames: FrameSlot,
                 on_event=None, view: bool = True, guests=None) -> None:
        """`view`: keep the bus's events for a window to drain (`drain_events`); a headless show keeps none.
        `guests`: the phones' seats (a FeedShelf) the scenes' "guest:" sources draw."""
        self.database = database
        self.options = options
        self.settings = desk_settings  # the settings as they were at the go-live; `apply_settings` hands in newer ones
        self._frames = frames
        self._guests = guests
        self._on_event = on_event  # called with every event on the bus (dispatcher thread): the LAN server
        self.core: SessionCore | None = None
        self.pipeline: Pipeline | None = None
        self.compositor: Compositor | None = None
        self.overlays: OverlaySet | None = None
        self.recording_path: Path | None = None
        self.stats: PipelineStats | None = None
        self.last_error: str | None = None
        self.feed = None  # FeedClient with a platform bridge
        self._dropped_before = 0  # frames dropped when the health was last read for alerts
        self.scenes: SceneSource | None = None  # the program scene and its inputs (the pipeline's video source)
        self._masked_told = False  # the log says once that the feed hides viewers' ids
        self.on_stats = None  # optional callable, called with each once-a-second PipelineStats (pipeline thread)
        self._verbs: UndoableVerbs | None = None
        self._helpers: list = []
        self._thread: threading.Thread | None = None
        self._pending: deque[Event] | None = deque(maxlen=MAX_PENDING_EVENTS) if view else None
        self.view_skipped = 0  # events a window fell too far behind to be handed (the store has every one)
        self._comments: deque[Event] = deque(maxlen=500)  # recent shown comments, to pin one by its seq
        self._running = False
        self.heap: HeapTrimmer | None = None  # the C heap handed back once a minute while the show runs

    # --- start / stop ------------------------------------------------------------------------------------
    def start(self) -> None:
        """Open and start everything. On failure everything opened is closed again and GoLiveError says what
        failed and what to check."""
        check_mode(self.options)  # before anything is opened: a refusal changes nothing
        ensure_qt()
        opened: list = []
        try:
            self._open(opened)
        except Exception as exc:
            for thing in reversed(opened):
                try:
                    thing()
                except Exception:  # noqa: BLE001 - rolling back as far as possible
                    log.exception("go-live rollback step failed")
            self.core = self.pipeline = self._verbs = None
            self._helpers = []
            raise GoLiveError(explain_go_live_failure(exc, self.options)) from exc
        self._running = True
        self._thread = threading.Thread(target=self._run_pipeline, name="pipeline main", daemon=True)
        self._thread.start()

    def _open(self, opened: list) -> None:
        """The go-live steps; each thing opened adds how to close it to `opened` (run in reverse on failure)."""
        options, desk_settings = self.options, self.settings
        targets = list(options.destinations)
        if options.record:
            self.recording_path = Path(options.recording_path) if options.recording_path else \
                recordings_dir() / f"live-{datetime.now():%Y%m%d-%H%M%S}.mkv"
            self.recording_path.parent.mkdir(parents=True, exist_ok=True)
            targets.append(str(self.recording_path))
        if not targets:
            raise ValueError("没有推流地址也不录制 / nothing to stream to: add a destination or turn recording on")
        outputs = [open_destination(t) for t in targets]
        video, audio = open_sources_for(options)
        opened.append(video.stop)
        if audio is not video:
            opened.append(audio.stop)
        settings = EncoderSettings(width=options.width, height=options.height, fps=options.fps,
                                   video_bitrate=options.bitrate)
        if desk_settings.scenes:
            video, audio = self._open_scenes(video, audio, settings, opened)
        core = SessionCore(self.database, list(desk_settings.banned_words), desk_settings.alert_rules)
        core.banned.block_all(desk_settings.blocked_users)
        core.bus.subscribe(self._bus_event)
        if options.feed_url:  # made before the session starts: the session records whose accounts it carries
            self.feed = open_feed(options.feed_url, core.bus, options.feed_token or None)
        core.start(session_title(options), destinations=list(options.destinations),
                   recording_path=str(self.recording_path or ""),
                   kind=SessionKind.REHEARSAL if options.rehearsal else SessionKind.LIVE,
                   host=host_name(options.host), platform=self.feed.dialect.platform_name if self.feed else "")
        opened.append(core.end)
        if self.scenes is not None:  # the scene on air from the start, on the log's clock (a clip's region follows it)
            core.bus.publish(Event(EventType.SCENE_SWITCHED, {"scene": self.scenes.program, "transition": "start"},
                                   actor=SYSTEM))
        core.faq.auto = desk_settings.faq_auto
        if self.recording_path is not None:  # its digests go on the show's chain as they are written (#31)
            outputs[-1].digester = GrowingFile(self.recording_path, lambda segment: core.bus.publish(
                recording_event(segment)))
        self.compositor, self.overlays = build_overlays(settings, desk_settings, rehearsal=options.rehearsal)
        binder = OverlayBinder(core.room, self.overlays)
        binder.start()
        helpers: list = [binder]
        opened.append(lambda: [helper.stop() for helper in reversed(helpers)])
        if self.feed is not None:
            self.feed.start()  # connects (and reconnects) in its own thread
            helpers.append(self.feed)
        if options.simulated_audience:
            simulator = core.simulated_audience(SimulatorConfig(events_per_second=options.audience_rate))
            simulator.start()
            helpers.append(simulator)
        if options.demo_assistant:
            assistant = core.demo_assistant()
            assistant.start()
            helpers.append(assistant)
        self.heap = HeapTrimmer()  # what the arenas keep free between the frames given back (app/heap.py)
        self.heap.start()
        helpers.append(self.heap)
        pipeline = Pipeline(settings, outputs, duration=options.duration, on_stats=self._stats,
                            compositor=self.compositor, video_source=video, audio_source=audio)
        pipeline.on_clock_start = core.bus.go_live
        pipeline.muted = desk_settings.muted
        pipeline.preview_sink = self._frames.put
        self._verbs = UndoableVerbs(core.room, desk_settings.actor)
        self.core, self.pipeline, self._helpers = core, pipeline, helpers

    @property
    def running(self) -> bool:
        """Started and not stopped yet (the stream may have ended by itself: see `streaming`)."""
        return self._running

    @property
    def streaming(self) -> bool:
        """The pipeline still sends (False once a duration is reached or the stream failed)."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def room(self):
        """The live room (for the LAN server and tests); everything else reads `snapshot()`."""
        return self.core.room if self.core is not None else None

    def wait(self) -> None:
        """Block until the stream ends by itself (duration reached) or is stopped from another thread."""
        if self._thread is not None:
            self._thread.join()

    def request_stop(self) -> None:
        """Ask the stream to end (safe from a signal handler): `wait()` returns, then `stop()` closes the rest."""
        if self.pipeline is not None:
            self.pipeline.stop()

    def stop(self) -> None:
        """Stop the stream, finish the recording and close the session (everything is written)."""
        if not self._running:
            return
        self._running = False
        self.pipeline.stop()
        if self._thread is not None:
            self._thread.join(30)
        for helper in reversed(self._helpers):
            helper.stop()
        left = {pid: p.stock for pid, p in self.core.room.snapshot().state.products.items()}
        self.core.end()
        self._helpers = []
        if not self.options.rehearsal:  # what a real show left is the stock now; a rehearsal's orders were not real
            keep_stock(self.database, left)
            self._keep_for_insights()

    def _keep_for_insights(self) -> None:
        """What the manager's views across shows read of this show, kept now (its review was just kept)."""
        from app import insights

        try:
            insights.keep(self.database, self.core.session_id)
        except Exception as exc:  # noqa: BLE001 - the first reading of the insights keeps it; the end must not fail
            log.warning("show not kept for the insights (their next reading will): %s", exc)

    def _run_pipeline(self) -> None:
        try:
            self.stats = self.pipeline.run()
        except Exception as exc:  # shown in the UI; the console's `recover()` closes the session
            self.last_error = explain_go_live_failure(exc, self.options)
            log.exception("pipeline failed")

    @property
    def failed(self) -> str | None:
        """What to tell the streamer when the stream failed while running (else None)."""
        return self.last_error if self._running else None

    # --- verbs -------------------------------------------------------------------------------------------
    def act(self, verb: str, *args):
        """An assistant verb on the live room as the console's actor, remembered for undo."""
        if self._verbs is None or not self._running:
            raise ActionRefused("请先开播 / go live first")
        return self._verbs.do(verb, *args)

    def undo(self) -> str:
        if self._verbs is None or not self._running:
            raise ActionRefused("没有可撤销的操作 / nothing to undo")
        return self._verbs.undo()

    def next_undo(self) -> str | None:
        return self._verbs.next_undo() if self._verbs is not None and self._running else None

    def define_coupon(self, coupon_id: int, payload: dict) -> None:
        """A coupon saved in the catalogue while live: into the room through the bus (the log has it too)."""
        self.core.room.define_coupon(coupon_id, payload, self.settings.actor)

    def switch_scene(self, name: str, transition: str = "cut", actor: str | None = None) -> bool:
        """切换场景: `name` on air from the next frame (a cut or a fade), logged on the bus; False if it already is.
        ActionRefused when not live or for a scene that does not exist."""
        if self.scenes is None or not self._running:
            raise ActionRefused("请先开播 / go live first")
        try:
            changed = self.scenes.switch(name, transition)
        except SceneError as exc:
            raise ActionRefused(str(exc)) from None
        if changed:
            self.core.bus.publish(Event(EventType.SCENE_SWITCHED, {"scene": name, "transition": transition},
                                        actor=actor or self.settings.actor))
        return changed

    def recent_comment(self, seq: int | None) -> Event:
        """A recent comment by its seq (None: the newest) to pin; ActionRefused when it is not among the last 500
        shown (hidden ones are never pinned)."""
        comments = list(self._comments)
        found = comments[-1] if seq is None and comments else next((c for c in reversed(comments) if c.seq == seq),
                                                                  None)
        if found is None:
            raise ActionRefused(f"找不到这条评论 / no recent comment {seq if seq is not None else ''}".rstrip())
        return found

    def _open_scenes(self, video, audio, settings: EncoderSettings, opened: list):
        """The scenes around the chosen source (their "camera"; the pinned product's picture their "product"; the
        phones' seats) and the program's sound with the guests' beside the show's own."""
        video = self.scenes = open_scenes(video, audio, self.settings, self.options, self._pinned_image,
                                          self._guests)
        opened.append(video.stop)
        return video, with_guests(audio, self.scenes, settings, self._guests)

    def _pinned_image(self) -> str | None:
        room = self.core.room if self.core is not None else None
        if room is None:
            return None
        return room.view(lambda s: s.products[s.pinned_product].image
                         if s.pinned_product in s.products else None) or None

    # --- what the window reads ---------------------------------------------------------------------------
    @property
    def faq(self):
        """The go-live's 自动回复 responder (`app.commerce.faq.FaqResponder`), None before it started."""
        return self.core.faq if self.core is not None else None

    def snapshot(self) -> RoomSnapshot:
        return self.core.room.snapshot()

    def metrics(self) -> MetricsSnapshot:
        return self.core.metrics.snapshot(self.core.bus.stream_time())

    def stream_time(self) -> float | None:
        return self.core.bus.stream_time() if self.core is not None else None

    def drain_events(self) -> list[Event]:
        out: list[Event] = []
        while self._pending:
            out.append(self._pending.popleft())
        return out

    def health(self, room: MetricsSnapshot | None = None) -> HealthReport | None:
        """The show's health now (None before the pipeline's first second): outputs, feed, notices, and the room's
        figures from `room` (a metrics snapshot the caller has taken anyway)."""
        feed = self.feed
        return health_report(self.stats, feed.stats_copy() if feed is not None else None, self.event_log_notice(),
                             room)

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

    def camera_mode(self) -> str | None:
        """What the camera actually delivers (it may differ from what was asked), e.g. '1280x720@30'."""
        source = self.pipeline.video_source if self.pipeline else None
        source = source.unwrapped() if source is not None else None
        if isinstance(source, CameraSource) and source.actual:
            width, height, fps = source.actual
            return f"{width}x{height}@{fps:g}"
        return None

    # --- the studio's switches while live ----------------------------------------------------------------
    def apply_settings(self, desk_settings: StudioSettings, change: Change) -> None:
        """The studio's newer settings, from now on: mute, banned words and blocked viewers, 自动回复, the
        overlays' switches and places, the scenes and the one on air (a switch logged on the bus)."""
        self.settings = desk_settings
        fields, core = change.fields, self.core  # only what changed: an overlay dragged must not refold the words
        if self.pipeline is not None and "muted" in fields:
            self.pipeline.muted = desk_settings.muted
        if core is not None:
            if "banned_words" in fields:
                core.banned.set_words(list(desk_settings.banned_words))
            if "blocked_users" in fields:
                core.banned.block_all(desk_settings.blocked_users)
            if core.faq is not None and "faq_auto" in fields:
                core.faq.auto = desk_settings.faq_auto
        if self.overlays is not None and change.fields & {"overlay_enabled", "overlay_positions"}:
            apply_layout(self.overlays, desk_settings)
        if self.scenes is not None and self._running:
            if "scenes" in change.fields:
                self.scenes.set_scenes(list(desk_settings.scenes))
            if change.fields & {"scenes", "program_scene"}:
                self.switch_scene(desk_settings.on_air_scene, change.transition, change.actor)

    def audio_level(self) -> float | None:
        return self.pipeline.read_audio_peak() if self.pipeline is not None else None

    # --- callbacks from other threads --------------------------------------------------------------------
    def _bus_event(self, event: Event) -> None:
        pending = self._pending
        if pending is not None:
            if len(pending) == pending.maxlen:  # the oldest undrained one goes: counted, so the window can say so
                self.view_skipped += 1
            pending.append(event)
        if event.type == EventType.COMMENT and not event.flagged:
            self._comments.append(event)
        if self._on_event is not None:
            self._on_event(event)

    def _stats(self, stats: PipelineStats) -> None:
        self.stats = stats
        feed = self.feed
        if feed is not None and feed.dialect.viewers_masked and not self._masked_told:  # once, into the log
            self._masked_told = True
            self.core.bus.publish(Event(EventType.VIEWERS_MASKED, {"text": feed.dialect.notice or ""}, actor=SYSTEM))
        self._health_alerts()
        if self.on_stats is not None:
            self.on_stats(stats)

    def _health_alerts(self) -> None:
        """预警 on the stream's health, once a second (outputs failing, frames dropped, the feed silent)."""
        core, report = self.core, self.health()
        if core is None or core.alerts is None or report is None:
            return
        problems = health_problems(report, self._dropped_before, core.alert_rules.quiet_s)
        self._dropped_before = report.dropped
        core.alerts.health(report.stream_time, problems)
