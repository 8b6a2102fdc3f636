"""One session: its bus, store writer, commerce room, metrics and room clock, wired together (no media: the
headless demo, the stress tests and a broadcast all run one)."""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import update

from app.catalogue import load_faqs, load_room, script_versions
from app.commerce.faq import FaqResponder
from app.commerce.room import LiveRoom
from app.kernel.bus import EventBus
from app.kernel.events import SYSTEM, Event, EventType
from app.kernel.moderation import BannedWords, moderate
from app.metrics.alerts import AlertRules, AlertWatch, alert_event, armed_event
from app.metrics.live import SessionMetrics
from app.redaction import redact_url
from app.signing import StudioKey
from app.store import checkpoint
from app.store.db import HEARTBEAT_S, Database, process_identity
from app.store.models import LiveSession, SessionKind, SessionStatus
from app.store.writer import StoreWriter

log = logging.getLogger(__name__)

ROOM_TICK_S = 0.25  # how often the room's timers (coupon expiry, flash-sale end) are checked


class SessionCore:
    """Start → (events flow) → end. The UI and connectors talk to `bus` and `room`; nothing else is needed.

    A session is `live` (直播) or a `rehearsal` (演练); only a rehearsal may have a simulated audience."""

    def __init__(self, database: Database, banned_words: list[str] | None = None,
                 alert_rules: AlertRules | None = None) -> None:
        self.database = database
        self.alert_rules = alert_rules or AlertRules()
        self.alerts: AlertWatch | None = None  # 预警, from the start
        self.bus = EventBus()
        self.banned = BannedWords(banned_words)
        self.bus.add_transform(moderate(self.banned))
        self.metrics = SessionMetrics()
        self.bus.subscribe(self.metrics)
        self.session_id: int | None = None
        self.writer: StoreWriter | None = None
        self.room: LiveRoom | None = None
        self.faq: FaqResponder | None = None  # 自动回复: recognises questions, suggests (and may give) answers
        self.faq_actor = "assistant:自动回复"  # who auto-replies are logged as
        self._unsubscribe_writer = None
        self._clock_stop = threading.Event()
        self._ended = False
        self._clock: threading.Thread | None = None
        self.kind = SessionKind.LIVE

    @property
    def rehearsal(self) -> bool:
        return self.kind == SessionKind.REHEARSAL

    def simulated_audience(self, config=None):
        """模拟观众 for this session (not started): a rehearsal's only. RehearsalOnly in a Live session."""
        from app.live.simulator import SIMULATOR_IN_LIVE, AudienceSimulator, RehearsalOnly

        if not self.rehearsal:
            raise RehearsalOnly(SIMULATOR_IN_LIVE)
        return AudienceSimulator(self.bus, self.room, config)

    def demo_assistant(self):
        """演示场控 for this session (not started): a rehearsal's only. RehearsalOnly in a Live session."""
        from app.live.demo_assistant import DemoAssistant

        return DemoAssistant(self.room, self.rehearsal)

    def start(self, title: str, run_sheet: list[int] | None = None, destinations: list[str] | None = None,
              recording_path: str = "", live_since_monotonic: float | None = None,
              kind: str = SessionKind.LIVE, host: str = "", platform: str = "") -> int:
        """Go live: a session row (status live), the event log writer, the room with the catalogue."""
        self.kind = SessionKind(kind)
        self.room = load_room(self.database, self.bus, run_sheet)
        self.faq = FaqResponder(self.bus, load_faqs(self.database))
        sheet = self.room.snapshot().state.run_sheet
        with self.database.sessions.begin() as db:
            row = LiveSession(studio_id=self.database.studio_id, title=title, run_sheet=sheet, destinations=[redact_url(d) for d in destinations or []],
                              recording_path=recording_path, started_at=time.time(), status=SessionStatus.LIVE,
                              owner=process_identity(), heartbeat_at=time.time(), kind=self.kind,
                              host=host, platform=platform)
            db.add(row)
            db.flush()
            self.session_id = row.id
        self.writer = StoreWriter(self.database, self.session_id)
        self.writer.keep_checkpoints(self.metrics.state)  # a killed show's review replays only what came after
        self._unsubscribe_writer = self.bus.subscribe(self.writer)
        self.bus.go_live(live_since_monotonic)
        stock = {pid: p.stock for pid, p in self.room.snapshot().state.products.items()}
        self.alerts = AlertWatch(self.alert_rules, stock, lambda alert: self.bus.publish(alert_event(alert)))
        self.bus.subscribe(self.alerts)
        scripts = {str(pid): version for pid, version in script_versions(self.database, sheet).items()}
        self.bus.publish(Event(EventType.SESSION_STARTED, {"session_id": self.session_id, "title": title,
                                                           "scripts": scripts},
                               actor=SYSTEM))
        self.bus.publish(armed_event(self.alert_rules, stock))
        self._clock = threading.Thread(target=self._run_clock, name="room clock", daemon=True)
        self._clock.start()
        return self.session_id

    def _run_clock(self) -> None:
        """The room's timers run here for every session, whoever drives it (window, headless, LAN, feed), and
        the session's heartbeat (so another process opening the database knows its owner is alive)."""
        last_beat = time.monotonic()
        while not self._clock_stop.wait(ROOM_TICK_S):
            try:
                self.room.tick()
                self.alerts.tick(self.bus.stream_time())
                self.faq.step(self.room, self.bus.stream_time(), self.faq_actor)
            except Exception:  # noqa: BLE001 - the clock must outlive one bad tick
                log.exception("room clock tick failed")
            if time.monotonic() - last_beat >= HEARTBEAT_S:
                last_beat = time.monotonic()
                try:
                    with self.database.sessions.begin() as db:
                        db.execute(update(LiveSession).where(LiveSession.id == self.session_id)
                                   .values(heartbeat_at=time.time()))
                except Exception as exc:  # noqa: BLE001 - a busy database: the next beat tries again
                    log.warning("session heartbeat not written: %s", exc)

    def _keep_counts(self) -> None:
        """The audience's bulk as the live metrics counted it, kept for the review (so a long show's review opens
        at once); skipped, and counted by the review instead, if the log and the metrics disagree."""
        from app.review import keep_live_counts

        try:
            keep_live_counts(self.database, self.session_id, self.metrics, self.bus.last_seq)
        except Exception as exc:  # noqa: BLE001 - the review can count them itself; the end must not fail
            log.warning("session counts not kept (the review will count them): %s", exc)

    def _keep_review(self) -> None:
        """The whole review built once now (a second or two for a long show) and kept, so the manager's first
        opening is a read."""
        from app.review import load_review

        try:
            load_review(self.database, self.session_id)
        except Exception as exc:  # noqa: BLE001 - the review can build it itself; the end must not fail
            log.warning("session review not kept (it will be built when opened): %s", exc)

    def end(self) -> None:
        """Stop: everything published so far is written before the session is marked ended. Twice is once."""
        if self.session_id is None or self._ended:
            return
        self._ended = True
        self._clock_stop.set()
        if self._clock is not None:
            self._clock.join(5)
        self.bus.publish(Event(EventType.SESSION_ENDED, {"session_id": self.session_id}, actor=SYSTEM))
        if self._unsubscribe_writer:
            self._unsubscribe_writer()
        if self.writer:
            self.writer.close()
            try:
                self.writer.seal(StudioKey(self.database.studio).signer())  # the chain closed (app/store/chain.py),
                # signed by the studio's key when it has one (app/signing.py)
            except Exception as exc:  # noqa: BLE001 - an unsealed show verifies up to its last link; the end goes on
                log.error("the show's chain was not sealed: %s", exc)
            self._keep_counts()
        if self.room:
            self.room.close()
        if self.faq:
            self.faq.close()
        with self.database.sessions.begin() as db:
            db.execute(update(LiveSession).where(LiveSession.id == self.session_id)
                       .values(status=SessionStatus.ENDED, ended_at=time.time()))
            checkpoint.drop(db, self.session_id)  # the show ended: its counts and review are kept instead
        self._keep_review()
        self.bus.stop_live()
