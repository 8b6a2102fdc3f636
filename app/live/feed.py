"""The feed: a room's events from outside the console onto the bus, over a WebSocket, in one of several wire
formats (dialects): the console's own protocol v1 (docs/protocol.md), DouyinBarrageGrab's local push
(`douyin-grab://`), a Bilibili live room's danmaku stream (`bilibili://`). `open_feed(url, bus)` picks the
dialect by the URL's scheme.

`FeedClient` runs its own asyncio loop in its own thread and reconnects with back-off (0.5 s doubling to 10 s)
until stopped. Every message is counted by its kind; a malformed or unknown one is counted and logged and never
stops the feed; a message the source sends again (same id after a reconnect) is published once. Tokens never
reach logs.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from dataclasses import dataclass, field, replace

from app import values
from app.kernel.bus import EventBus
from app.kernel.events import PLATFORM, Event, EventType
from app.text import clean_line, cut, outside_json
from app.redaction import frame_logger, redact, redact_url, register_secret, register_url_secrets

log = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
MAX_MESSAGE_BYTES = 256 * 1024
MAX_EXTRA_FIELDS = 16  # fields beyond the type's own: more are dropped
MAX_EXTRA_CHARS = 200  # a text extra is cut to this
MAX_ITEMS = 1_000  # events in one frame
RESEND_IDS = 250_000  # a source's last message ids always recognised, to drop what it sends again (RecentIds)
RESEND_S = 300.0  # if younger than this

# type → required fields and their types (extra fields are kept in the payload)
_SCHEMA: dict[EventType, dict[str, type | tuple[type, ...]]] = {
    EventType.COMMENT: {"user_id": str, "text": str},
    EventType.LIKE: {"user_id": str},
    EventType.GIFT: {"user_id": str, "gift": str},
    EventType.ENTER: {"user_id": str},
    EventType.FOLLOW: {"user_id": str},
    EventType.SHARE: {"user_id": str},
    EventType.ORDER: {"user_id": str, "order_id": str, "product_id": int, "amount_cents": int},
    EventType.REFUND: {"order_id": str, "amount_cents": int},
    EventType.ONLINE: {"online": int},
    EventType.COUPON_CLAIMED: {"user_id": str, "coupon_id": int},
}
# whole-number fields and their ranges (docs/protocol.md): anything else is refused as malformed
_RANGES = {"amount_cents": (0, values.MAX_CENTS), "value_cents": (0, values.MAX_CENTS),
           "online": (0, values.MAX_ONLINE), "count": (0, values.MAX_COUNT), "quantity": (0, values.MAX_COUNT),
           "product_id": (0, 2**31 - 1), "coupon_id": (0, 2**31 - 1)}


class MessageError(ValueError):
    """Why a message was refused: `kind` is 'malformed' or 'unknown'."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind


def parse_message(raw: str | bytes) -> list[Event]:
    """One text frame → events (a frame holds one object or a list of them). Raises MessageError."""
    if isinstance(raw, bytes):
        raise MessageError("malformed", "binary frames are not part of the protocol")
    try:
        data = outside_json(raw)
    except (ValueError, RecursionError) as exc:
        raise MessageError("malformed", f"not JSON ({exc.__class__.__name__})") from None
    items = data if isinstance(data, list) else [data]
    if len(items) > MAX_ITEMS:
        raise MessageError("malformed", f"more than {MAX_ITEMS} events in one frame")
    try:
        return [_parse_item(item) for item in items]
    except MessageError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever a frame holds, it is counted, never raised past here
        raise MessageError("malformed", f"unreadable event ({exc.__class__.__name__})") from None


def _parse_item(item: object) -> Event:
    if not isinstance(item, dict):
        raise MessageError("malformed", "an event must be a JSON object")
    if item.get("v") != PROTOCOL_VERSION:
        raise MessageError("unknown", f"protocol version {item.get('v')!r} (this client speaks {PROTOCOL_VERSION})")
    try:
        kind = EventType(item.get("type"))
    except ValueError:
        raise MessageError("unknown", f"event type {item.get('type')!r}") from None
    if kind not in _SCHEMA:
        raise MessageError("unknown", f"event type {kind} is not accepted from a feed")
    data = item.get("data")
    if not isinstance(data, dict):
        raise MessageError("malformed", f"{kind}: 'data' must be an object")
    for name, expected in _SCHEMA[kind].items():
        value = data.get(name)
        if isinstance(value, bool) or not isinstance(value, expected):
            raise MessageError("malformed", f"{kind}: field {name!r} missing or not {expected.__name__}")
    for name, (low, high) in _RANGES.items():
        if name in data and (isinstance(data[name], bool) or not isinstance(data[name], int)
                             or not low <= data[name] <= high):
            raise MessageError("malformed", f"{kind}: field {name!r} must be a whole number in {low}..{high}")
    return Event(kind, _kept(kind, data), actor=PLATFORM, wall_time=values.wall_time(item.get("ts")))


def _kept(kind: EventType, data: dict) -> dict:
    """The type's own fields as checked, plus at most MAX_EXTRA_FIELDS extras that are plain values: text cut to
    MAX_EXTRA_CHARS, finite numbers in range, booleans; nested objects and lists are dropped."""
    kept = {name: data[name] for name in _SCHEMA[kind] if name in data}
    kept.update({name: data[name] for name in _RANGES if name in data})
    extras = 0
    for name, value in data.items():
        if name in kept or not isinstance(name, str) or extras >= MAX_EXTRA_FIELDS:
            continue
        if isinstance(value, str):
            kept[cut(name, 40)] = clean_line(value, MAX_EXTRA_CHARS)
        elif value is None or isinstance(value, bool):
            kept[cut(name, 40)] = value
        elif isinstance(value, (int, float)) and abs(value) <= values.MAX_CENTS and math.isfinite(value):
            kept[cut(name, 40)] = value
        else:
            continue
        extras += 1
    return kept


@dataclass(frozen=True)
class Parsed:
    """One message of the source as the console takes it: `kind` is the source's own name for it ("DANMU_MSG",
    "1 弹幕", "comment"); `event` what goes on the bus (None: a message the console has no event for, or a
    problem); `problem` "unknown" or "malformed" with the `reason`; `source_id` the source's own message id,
    so a resend is published once."""

    kind: str
    event: Event | None = None
    problem: str | None = None
    reason: str = ""
    source_id: str | None = None
    control: bool = False  # the protocol's own (a heartbeat's answer): counted by kind, not as a room message


class FeedRefused(ConnectionError):
    """The source refused this client (e.g. Bilibili's auth reply): the feed reconnects after its back-off."""


class Dialect:
    """A source's wire format. The console's protocol v1 is this base class; others override what differs."""

    name = "协议 v1 / protocol v1"
    heartbeat_s: float | None = None  # how often `heartbeat()` is sent while connected
    notice: str | None = None  # what the streamer must know about this source (中文 / English), e.g. names masked
    viewers_masked = False  # the source hides who viewers are (their ids all alike): the show's UV means nothing
    platform_name = ""  # the platform whose account ids the events carry (douyin, bilibili…); "" when not known

    def __init__(self, url: str, token: str | None = None) -> None:
        self.url, self.token = url, token

    def ws_url(self) -> str:
        return self.url

    def headers(self) -> dict | None:
        return {"Authorization": f"Bearer {self.token}"} if self.token else None

    def hello(self) -> list[str | bytes]:
        """Frames sent right after connecting (an auth packet)."""
        return []

    def prepare(self) -> None:
        """Before each connection attempt, in a worker thread (it may block on the network): e.g. resolve a room
        number. Nothing here raises past it: a source that cannot be asked says so in `notice`."""

    def heartbeat(self) -> str | bytes:
        return ""

    def parse(self, raw: str | bytes) -> list[Parsed]:
        try:
            events = parse_message(raw)
        except MessageError as exc:
            return [Parsed("?", problem=exc.kind, reason=str(exc))]
        return [Parsed(str(e.type), e, source_id=_order_key(e)) for e in events]


def _order_key(event: Event) -> str | None:
    """Protocol v1: an order's id is its identity (a bridge's resend after a reconnect must not double GMV)."""
    return f"order:{event.payload['order_id']}" if event.type == EventType.ORDER else None


@dataclass
class FeedStats:
    connected: bool = False
    received: int = 0  # frames from the socket
    published: int = 0  # events put on the bus
    malformed: int = 0  # oversize frames included
    oversize: int = 0  # frames over MAX_MESSAGE_BYTES (the socket closes; the feed reconnects)
    unknown: int = 0  # messages of a kind the dialect does not know
    unmapped: int = 0  # messages it knows that carry no console event (e.g. a fan-club level-up)
    duplicates: int = 0  # messages the source sent again (same id): published once
    reconnects: int = 0
    attempts: int = 0  # connection attempts, successful or not
    last_error: str | None = None
    by_kind: dict[str, int] = field(default_factory=dict)  # messages by the source's own kind
    last_message_at: float | None = None  # time.monotonic() of the newest message
    last_message_age_s: float | None = None  # filled in by `stats_copy()`
    problems_by_kind: dict[str, int] = field(default_factory=dict)  # "unknown CMD" / "malformed CMD" → how many
    notice: str | None = None  # the dialect's notice (filled in by `stats_copy()`)

    @property
    def duplicate_orders(self) -> int:  # the name before the connectors (protocol v1's orders)
        return self.duplicates


MAX_KINDS = 200  # distinct kinds counted by name; more go under "…"
WARN_EVERY_S = 60.0  # a kind of dropped message is logged at most once a minute after its first


class FeedClient:
    """`start()` connects in the background; `stop()` ends it. `stats_copy()` for the console's health view."""

    def __init__(self, url: str, bus: EventBus, token: str | None = None, max_backoff: float = 10.0,
                 dialect: Dialect | None = None) -> None:
        register_url_secrets(url)
        if token:
            register_secret(token)
        self.dialect = dialect or Dialect(url, token)  # protocol v1 unless told (`app.live.connectors`)
        self.url, self.bus, self.token, self.max_backoff = url, bus, token, max_backoff
        self.name = redact_url(url)
        self.stats = FeedStats()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._seen_ids = RecentIds()  # the source's message ids published lately
        self._warned: dict[str, tuple[float, int]] = {}  # problem kind → (when last logged, its count then)

    def stats_copy(self) -> FeedStats:
        """The counters now, as a copy the console's thread may keep (with the age of the newest message)."""
        copy = replace(self.stats, by_kind=dict(self.stats.by_kind),
                       problems_by_kind=dict(self.stats.problems_by_kind), notice=self.dialect.notice)
        if copy.last_message_at is not None:
            copy.last_message_age_s = max(0.0, time.monotonic() - copy.last_message_at)
        return copy

    def start(self) -> None:
        self._thread = threading.Thread(target=self._thread_main, name="feed client", daemon=True)
        self._thread.start()
        self._ready.wait(5)

    def stop(self) -> None:
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread:
            self._thread.join(5)

    def _thread_main(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        from websockets.asyncio.client import connect

        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        self._ready.set()
        delay = 0.5
        while not self._stop.is_set():
            self.stats.attempts += 1
            try:
                await asyncio.to_thread(self.dialect.prepare)
                async with connect(self.dialect.ws_url(), additional_headers=self.dialect.headers(),
                                   max_size=MAX_MESSAGE_BYTES, open_timeout=5, logger=frame_logger()) as socket:
                    for frame in self.dialect.hello():
                        await socket.send(frame)
                    self.stats.connected, delay = True, 0.5
                    log.info("feed %s connected (%s)", self.name, self.dialect.name)
                    await self._read(socket)
            except Exception as exc:  # network errors of every kind: count, log, retry
                if _closed_for_size(exc):
                    self.stats.oversize += 1
                    self.stats.malformed += 1
                    log.warning("feed %s: a frame over %d bytes was dropped (the connection closes)", self.name,
                                MAX_MESSAGE_BYTES)
                self.stats.last_error = redact(f"{type(exc).__name__}: {exc}")[:200]
            if self.stats.connected:
                self.stats.connected = False
                self.stats.reconnects += not self._stop.is_set()  # stopping the feed is no reconnect
            if self._stop.is_set():
                break
            log.warning("feed %s disconnected (%s); retrying in %.1f s", self.name, self.stats.last_error, delay)
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=delay)
            except TimeoutError:
                pass
            delay = min(delay * 2, self.max_backoff)

    async def _read(self, socket) -> None:
        """Frames until the socket closes (its error raised: the feed reconnects) or the feed is stopped."""
        stop_wait = asyncio.ensure_future(self._stop.wait())
        reading = asyncio.ensure_future(self._frames(socket))
        beats = asyncio.ensure_future(self._heartbeats(socket)) if self.dialect.heartbeat_s else None
        try:
            await asyncio.wait({reading, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
            if reading.done():
                reading.result()
        finally:
            stop_wait.cancel()
            reading.cancel()
            if beats is not None:
                beats.cancel()

    async def _frames(self, socket) -> None:
        # one await per frame, no task or wait of its own: frames already received are handled one after the other
        # without a turn of the event loop (each turn polls the socket and gives up the GIL, which at 5,000 frames a
        # second the feed waited for behind the encoder and the writer: bench/feed_replay.py)
        while True:
            self._handle(await socket.recv())

    async def _heartbeats(self, socket) -> None:
        while True:
            await asyncio.sleep(self.dialect.heartbeat_s)
            await socket.send(self.dialect.heartbeat())

    def _handle(self, raw: str | bytes) -> None:
        """One frame: every message in it counted by kind, each event published once. Nothing raises past here
        but the dialect's FeedRefused (the source refused us: reconnect)."""
        stats = self.stats
        stats.received += 1
        stats.last_message_at = time.monotonic()
        try:
            items = self.dialect.parse(raw)
        except FeedRefused:
            raise
        except Exception as exc:  # noqa: BLE001 - a dialect's bug is a malformed frame, never a dead feed
            items = [Parsed("?", problem="malformed", reason=f"unreadable ({exc.__class__.__name__})")]
        for item in items:
            kind = item.kind if item.kind in stats.by_kind or len(stats.by_kind) < MAX_KINDS else "…"
            stats.by_kind[kind] = stats.by_kind.get(kind, 0) + 1
            if item.problem is not None:
                if item.problem == "unknown":
                    stats.unknown += 1
                else:
                    stats.malformed += 1
                self._warn(f"{item.problem} {item.kind}", item.reason)
                continue
            if item.event is None:
                stats.unmapped += not item.control
                continue
            if item.source_id is not None and self._seen(item.source_id):
                stats.duplicates += 1
                continue
            self.bus.publish(item.event)
            stats.published += 1

    def _warn(self, key: str, reason: str) -> None:
        """A dropped message counted under its kind; the log says the first of each kind, then at most one line a
        minute per kind with how many more came (a room sends an unknown command many times a minute)."""
        problems = self.stats.problems_by_kind
        if key not in problems and len(problems) >= MAX_KINDS:
            key = "…"
        problems[key] = problems.get(key, 0) + 1
        now = time.monotonic()
        last = self._warned.get(key)
        if last is None:
            log.warning("feed %s: %s message dropped: %s (more of this kind are counted, logged once a minute)",
                        self.name, key.split(" ", 1)[0], reason)
            self._warned[key] = (now, problems[key])
        elif now - last[0] >= WARN_EVERY_S:
            log.warning("feed %s: %d more %s messages dropped in the last %.0f s", self.name, problems[key] - last[1],
                        key, now - last[0])
            self._warned[key] = (now, problems[key])

    def _seen(self, source_id: str) -> bool:
        """True for a message id already published lately (a resend after a reconnect)."""
        return self._seen_ids.seen(source_id)


class RecentIds:
    """The message ids a source sent lately, to publish a resend once. Any id among the last `ids` and younger
    than `seconds` is recognised; at most 2 × `ids` are kept, and none older than 3 × `seconds` once anything
    more comes from the source.

    Two generations of plain sets: ids go into the newer; when it holds `ids` or began `seconds` ago it becomes the
    older and the older is forgotten (both, when the newer began 2 × `seconds` ago). A set keeps an id in ~34 bytes
    beside the id's own string, where the ordered dict this replaces took ~80; and a quiet room's ids are forgotten
    after minutes, not kept for hours."""

    def __init__(self, ids: int = RESEND_IDS, seconds: float = RESEND_S, clock=time.monotonic) -> None:
        self._most, self._age, self._clock = max(1, ids), seconds, clock
        self._newer: set[str] = set()
        self._older: set[str] = set()
        self._since = clock()

    def __len__(self) -> int:
        return len(self._newer) + len(self._older)

    def seen(self, source_id: str) -> bool:
        """True if `source_id` was given lately; else it is remembered from now on."""
        now = self._clock()
        if len(self._newer) >= self._most or now - self._since >= self._age:
            self._older = set() if now - self._since >= 2 * self._age else self._newer
            self._newer, self._since = set(), now
        if source_id in self._newer or source_id in self._older:
            return True
        self._newer.add(source_id)
        return False


def _closed_for_size(exc: BaseException) -> bool:
    """The websockets library closes with 1009 (message too big) when a frame exceeds max_size."""
    for frame in (getattr(exc, "sent", None), getattr(exc, "rcvd", None)):
        if getattr(frame, "code", None) == 1009:
            return True
    return False
