"""The console's façade: what the window (and the headless modes) use, and nothing else of `app/` they need.

`ConsoleService` is a thin holder, the way Anki's `Collection` holds `col.decks` and `col.models`:
- `catalogue` (`app.catalogue.Catalogue`): products, scripts, coupons, CSV import, the compliance report;
- `broadcast` (`app.broadcast.Broadcast`): the current (or last) go-live — start, stop, verbs, undo, events to
  drain, snapshots and health;
- the preview before going live, the LAN assistants' door, and the studio's switches that outlive a go-live.
The window polls on timers (a human rate) and gets values (`RoomSnapshot`, `MetricsSnapshot`, `BroadcastHealth`,
`RemoteStatus`), never a live object of another thread. The names the window renders or catches are handed on
from here (`__all__`), so `ui/` imports this module and the event types only.
"""

from __future__ import annotations

import errno
import logging
import threading
from dataclasses import dataclass

import numpy as np

from app.broadcast import (Broadcast, BroadcastHealth, FrameSlot, GoLiveError, LiveOptions, Studio, build_overlays,
                           check_mode, explain_go_live_failure, open_sources_for, overlay_boxes)
from app.catalogue import Catalogue, load_faqs
from app.commerce.faq import FaqError
from app.commerce.notices import Notice, ScheduleError, due, format_schedule, parse_schedule
from app.commerce.room import ActionRefused, RoomSnapshot
from app.compliance.extreme_words import ExtremeWordChecker
from app.destinations import PRESETS, KeyStore
from app.kernel.events import Event
from app.live.connectors import dialect_for
from app.media.clock import format_clock
from app.media.encode import EncoderSettings
from app.media.outputs import DestinationError
from app.media.pictures import picture_bytes
from app.media.pipeline import Pipeline
from app.media.qtrender import ensure_qt, font
from app.metrics.live import MetricsSnapshot
from app.overlays.overlay_set import KINDS
from app.redaction import install_log_redaction, redact, redact_url
from app.remote.server import RemoteStatus, lan_addresses
from app.review import money, product_rows, ratio, whole
from app.store.catalog_io import CatalogImportError
from app.store.db import Database

__all__ = ["ActionRefused", "BroadcastHealth", "CatalogImportError", "ConsoleService", "DestinationError",
           "ExtremeWordChecker", "FaqError", "GoLiveError", "KeyStore", "LiveOptions", "Notice", "PRESETS",
           "RemoteAccess", "ScheduleError", "check_mode", "due", "ensure_qt", "explain_go_live_failure",
           "feed_problem", "font", "format_clock", "format_schedule", "install_log_redaction", "money",
           "parse_schedule", "picture_bytes", "product_rows", "ratio", "redact", "redact_url", "whole"]

log = logging.getLogger(__name__)


def feed_problem(url: str) -> str | None:
    """Why a feed address cannot be used (中文 / English), or None: ws:// wss:// (protocol v1),
    douyin-grab://HOST:PORT (DouyinBarrageGrab), bilibili://ROOM."""
    try:
        dialect_for(url)
    except ValueError as exc:
        return str(exc)
    return None


@dataclass(frozen=True)
class RemoteAccess:
    """What the streamer hands an assistant once the door is open: a pairing code per address, the command line
    for the terminal, and whether the LAN sees the token in clear."""

    codes: tuple[str, ...]
    command: str
    token: str
    tls: bool
    local_only: bool


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
        self.assistant_server = None  # AssistantServer while LAN assistants are allowed
        self._frames = FrameSlot()
        self._preview_pipeline: Pipeline | None = None
        self._preview_thread: threading.Thread | None = None
        self._preview_compositor = None
        self._preview_overlays = None
        self._last_options: LiveOptions | None = None  # what the last go-live asked for (to restore the preview)
        self.on_stats = None  # optional callable: each once-a-second PipelineStats of a broadcast (pipeline thread)

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

    def remote_status(self) -> RemoteStatus | None:
        return self.assistant_server.status() if self.assistant_server is not None else None

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

    def prelive_checks(self, destinations: list[str], bitrate: int, minutes: float = 180.0,
                       feed_url: str = "", upload_s: float | None = None) -> list:
        """开播前检查 (`app.prelive`): the servers (handshake, key not sent), the disk, extreme words, stock and
        prices, coupons, the room feed; values with `status` (ok | warn | fail) and `line()`. Takes seconds: call it
        off the UI thread. The camera is the preview's: it is not opened a second time."""
        from app.config import recordings_dir
        from app.prelive import run_checks

        return run_checks(self.database, destinations, bitrate, minutes, recordings_dir(), None, feed_url or None,
                          upload_s=upload_s)

    @staticmethod
    def export_review_html(review, path: str):
        """The review as one HTML file to mail or open on a phone (`app.report.html_report`); returns its path."""
        from app.report import html_report, write

        return write(html_report(review), path)

    def compare_sessions(self, session_ids: list[int], path: str):
        """Two or more sessions side by side as one HTML file (`app.report.compare_html`); returns its path."""
        from app.report import compare_html, write

        return write(compare_html([self.review(number) for number in session_ids]), path)

    def import_orders(self, session_id: int, path: str, mapping: dict[str, str] | None = None,
                      place_by: str = "order"):
        """导入订单: the shop's order export into a session, each order at its own time (`app.orders`); returns
        the report; OrderImportError names the bad lines (nothing imported); KeyError for no such session."""
        from app.orders import import_orders

        return import_orders(self.database, session_id, path, mapping, place_by)

    @staticmethod
    def open_recording(path: str):
        """A player for a session's recording (`app.media.player.RecordingPlayer`); PlayerError says why not."""
        from app.media.player import RecordingPlayer

        return RecordingPlayer(path)

    # --- preview before going live ---------------------------------------------------------------------
    def start_preview(self, options: LiveOptions) -> None:
        """Show the chosen source on the canvas before going live: rendered only, nothing encoded or sent.
        A source that cannot open raises ValueError with the reason."""
        self.stop_preview()
        if self.live:
            return
        from app.overlays.sample import show_layout_sample

        ensure_qt()
        video, sound = open_sources_for(options)  # the sound too: the level meter works before going live
        settings = EncoderSettings(width=options.width, height=options.height, fps=options.fps)
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
            self._preview_compositor = self._preview_overlays = None

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
        check_mode(options)  # before the preview stops: a refusal changes nothing
        self.stop_preview()
        self._last_options = options
        broadcast = Broadcast(self.database, options, self.studio, self._frames, on_event=self._on_event)
        broadcast.on_stats = self.on_stats
        try:
            broadcast.start()
        except GoLiveError:
            self._restart_preview()
            raise
        self.broadcast = broadcast
        return broadcast

    def wait(self) -> None:
        """Block until the stream ends by itself (duration reached) or is stopped from another thread."""
        if self.broadcast is not None:
            self.broadcast.wait()

    def stop(self) -> None:
        """Stop the stream, finish the recording and close the session (everything is written)."""
        if self.broadcast is not None:
            self.broadcast.stop()

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
        self.stop_assistant_server()
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
        self.studio.muted = muted
        self._apply_studio()

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
        """Where each overlay shown now sits on the canvas: kind → (x, y, width, height); for drag-to-place."""
        return overlay_boxes(self.compositor)

    @staticmethod
    def overlay_kinds() -> tuple[str, ...]:
        return KINDS

    def canvas_size(self) -> tuple[int, int] | None:
        """The live (or previewed) canvas in pixels."""
        pipeline = self.broadcast.pipeline if self.live else self._preview_pipeline
        return (pipeline.settings.width, pipeline.settings.height) if pipeline is not None else None

    # --- LAN assistants (远程场控) -------------------------------------------------------------------------
    def start_assistant_server(self, host: str = "0.0.0.0", port: int = 8765, token: str | None = None,
                               tls: bool = False):
        """远程场控: let assistants on the LAN work the live room (their verbs take the one bus path, each as its
        own actor, never this console's). `host`: "0.0.0.0" every interface (the LAN), "127.0.0.1" this
        machine only. `tls`: wss:// with the console's own certificate (its fingerprint is in the pairing code).
        Returns the server; OSError with a sentence (中文 / English) when the port is taken."""
        from app.remote.server import AssistantServer

        self.stop_assistant_server()
        server = AssistantServer(lambda: self.broadcast.room if self.live else None,
                                 lambda: self.broadcast.stream_time() if self.live else None,
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

    def remote_access(self) -> RemoteAccess | None:
        """The pairing codes (one per address of this machine) and the command line, while the door is open."""
        server = self.assistant_server
        if server is None:
            return None
        local = server.host == "127.0.0.1"
        addresses = ["127.0.0.1"] if local else lan_addresses()
        command = (f"anchor-console assist {server.scheme}://{addresses[0]}:{server.port}"
                   + (f" --fingerprint {server.fingerprint}" if server.fingerprint else "") + " --name 小李")
        return RemoteAccess(tuple(server.pairing_code(a) for a in addresses), command, server.token, server.tls, local)

    def stop_assistant_server(self) -> None:
        if self.assistant_server is not None:
            self.assistant_server.stop()
            self.assistant_server = None

    def _on_event(self, event: Event) -> None:  # the bus's dispatcher thread
        server = self.assistant_server
        if server is not None:
            server.on_event(event)
