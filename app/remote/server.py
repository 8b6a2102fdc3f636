"""远程场控: assistants on other machines of the studio LAN work the live room over a WebSocket.

Protocol (docs/protocol.md, "Assistant protocol v1"), JSON text frames:
  → {"type": "hello", "token": "…", "name": "小李"}        first frame; a wrong token closes the connection
  ← {"type": "welcome", "actor": "assistant:小李", "state": {…}}
  → {"type": "verb", "id": 7, "verb": "pin_product", "args": [3]}   (or "verb": "undo")
  ← {"type": "result", "id": 7, "ok": true, "seq": 812, "stream_time": 1834.2}
    | {"type": "result", "id": 7, "ok": false, "reason": "…"}
  ← {"type": "state", "state": {…}}                    when the room changed (at most 4 a second)
  ← {"type": "events", "events": [{…}, …], "dropped": 0}  comments, orders, online (batched, bounded per client)
  ← {"type": "error", "reason": "…"}                    a malformed frame; the connection stays

Each connection is its own actor (`assistant:<name>`, unique, never the console's own) with its own undo history,
and its verbs take the same path as the console's: `LiveRoom` verbs → events on the one bus. The token is a
secret: it never reaches logs, the database or error messages.

Isolation (issue #17): every connection has its own outbox and sender task, so an assistant that stops reading
loses its own oldest events (counted) or is dropped after SEND_TIMEOUT_S, never slows the others. Verbs are
rate-limited per connection, wrong tokens per address (`app.remote.guard`), unpaired sockets are capped, and any
error in one frame is answered with an `error` frame, never a closed connection. With `tls=True` the server
speaks wss:// with a certificate the console made itself; the assistant pins its fingerprint.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from app.commerce.verbs import VERBS as ALL_VERBS, check_arguments, wire_kinds
from app.commerce.room import ActionRefused
from app.commerce.undo import UndoableVerbs
from app.kernel.events import Event, EventType
from app.text import outside_json
from app.redaction import redact, register_secret
from app.remote.door import MAX_MESSAGE_BYTES, WebSocketDoor
from app.remote.guard import (LOCKOUT_S, MAX_FAILURES, MAX_UNPAIRED, WRONG_TOKEN_DELAY_S, PairingGuard, TokenBucket,
                              clean_name)

log = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
MAX_CLIENTS = 8
CLIENT_QUEUE = 2_000  # events waiting for one assistant; the oldest go first when it cannot keep up
SEND_TIMEOUT_S = 5.0  # an assistant that takes longer than this to take one frame is dropped (it alone)
HELLO_TIMEOUT_S = 3.0  # the hello comes at once from a real assistant; a socket held open without it is let go
MAX_UNPAIRED_PER_ADDRESS = 4  # one machine cannot hold the door's MAX_UNPAIRED places
BUSY_LOG_EVERY_S = 60.0
PING_INTERVAL_S, PING_TIMEOUT_S = 10.0, 10.0  # an assistant that answers no ping for 20 s is let go
# verbs an assistant may call, with their arguments on the wire (n a number, s a short text; the server adds the
# actor), from the one list (app/commerce/verbs.py)
VERBS = {name: wire_kinds(name) for name in ALL_VERBS}
verb_arguments = check_arguments  # the LAN's and obs-websocket's check of a verb's arguments
FORWARDED = {EventType.COMMENT, EventType.ORDER, EventType.ONLINE, EventType.COUPON_CLAIMED, EventType.FAQ_ASKED,
             EventType.ALERT}


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses an assistant on the LAN could reach (loopback when there is nothing else)."""
    import socket

    found = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(info[4][0])
    except OSError:
        pass
    lan = sorted(a for a in found if not a.startswith("127."))
    return lan or ["127.0.0.1"]


def room_state(room, stream_time: float | None) -> dict:
    """The room as plain JSON for an assistant's screen (read under the room's lock)."""
    return room.view(lambda s: _state_dict(s, stream_time))


def _state_dict(s, stream_time: float | None) -> dict:
    return {
        "stream_time": stream_time,
        "run_sheet": list(s.run_sheet),
        "pinned_product": s.pinned_product,
        "products": [{"id": p.id, "sku": p.sku, "title": p.title, "live_price_cents": p.live_price_cents,
                      "list_price_cents": p.list_price_cents, "stock": p.stock} for p in s.products.values()],
        "coupons": [{"id": c.id, "name": c.name, "kind": c.kind, "live": c.live, "remaining": c.remaining,
                     "total": c.total, "expires_at": c.expires_at} for c in s.coupons.values()],
        "flash_sale": None if s.flash_sale is None else {
            "product_id": s.flash_sale.product_id, "price_cents": s.flash_sale.price_cents,
            "stock": s.flash_sale.stock, "ends_at": s.flash_sale.ends_at},
        "pinned_comment": None if s.pinned_comment is None else {
            "seq": s.pinned_comment.seq, "nickname": s.pinned_comment.nickname, "text": s.pinned_comment.text},
        "draw": None if s.draw is None else {
            "draw_id": s.draw.draw_id, "prize": s.draw.prize, "keyword": s.draw.keyword, "winners_count":
            s.draw.winners_count, "who": s.draw.who, "ends_at": s.draw.ends_at, "commitment": s.draw.commitment,
            "open": s.draw.open, "entrants": s.draw.entrants, "winners": list(s.draw.winners)},
        "reply": None if s.reply is None else {
            "comment_seq": s.reply.comment_seq, "nickname": s.reply.nickname, "question": s.reply.question,
            "answer": s.reply.answer, "until": s.reply.until},
        "notice": s.notice,
    }


def event_json(event: Event) -> dict:
    p = event.payload
    keep = {EventType.COMMENT: ("user_id", "nickname", "text"), EventType.ORDER: ("product_id", "quantity",
                                                                                   "amount_cents"),
            EventType.ONLINE: ("online",), EventType.COUPON_CLAIMED: ("coupon_id",),
            EventType.FAQ_ASKED: ("comment_seq", "user_id", "nickname", "question", "topic", "product_id", "suggested",
                                  "answer"),
            EventType.ALERT: ("at", "rule", "key", "text", "advice")}[event.type]
    return {"type": event.type.value, "seq": event.seq, "stream_time": event.stream_time, "hidden": event.flagged,
            "data": {k: p[k] for k in keep if k in p}}


@dataclass
class _Client:
    actor: str
    address: str
    verbs: UndoableVerbs | None = None
    queue: deque = field(default_factory=lambda: deque(maxlen=CLIENT_QUEUE))
    dropped: int = 0
    bucket: TokenBucket = field(default_factory=TokenBucket)
    rate_limited: int = 0
    state_json: str | None = None  # the newest room state to send; None: nothing new
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def name(self) -> str:
        return self.actor.removeprefix("assistant:")


@dataclass(frozen=True)
class RemoteStatus:
    assistants: tuple[str, ...]  # actors of the paired assistants ("assistant:小李")
    refused: int  # wrong tokens so far
    lockouts: int  # addresses locked out for guessing


class AssistantServer(WebSocketDoor):
    """Serves the live room to LAN assistants. `room()` and `stream_time()` are read when needed, so the server
    can stay up across go-lives; `on_event` must be given every bus event (the service forwards them).
    `reserved` names (the console's own actor) are never given to an assistant."""

    def __init__(self, room, stream_time, host: str = "127.0.0.1", port: int = 0, token: str | None = None,
                 reserved: set[str] | None = None, tls: bool = False, cert_dir=None) -> None:
        super().__init__(host, port)
        self._room, self._stream_time = room, stream_time
        self.token = token or secrets.token_urlsafe(9)
        register_secret(self.token)
        self.reserved = {name.removeprefix("assistant:") for name in (reserved or set())}
        self.tls, self._cert_dir = tls, cert_dir
        self.fingerprint: str | None = None  # SHA-256 of the certificate, hex (wss:// only)
        self.guard = PairingGuard()
        self._clients: dict[object, _Client] = {}
        self._unpaired = 0
        self._unpaired_by: dict[str, int] = {}  # address → its sockets waiting to pair
        self._busy_log: dict[str, tuple[float | None, int]] = {}  # address → (last line's time, refusals since)
        self._lock = threading.Lock()
        self._comments: deque[Event] = deque(maxlen=500)  # recent comments, so one can be pinned by seq
        self._ssl_context = None
        self.malformed = 0
        self.rate_limited = 0  # verbs refused for coming too fast (all assistants)
        self.slow_dropped = 0  # assistants dropped for not reading
        self.busy_refused = 0  # connections refused because too many waited to pair or 8 were paired

    @property
    def refused(self) -> int:
        """Wrong tokens so far (every address)."""
        return self.guard.refused

    @property
    def scheme(self) -> str:
        return "wss" if self.tls else "ws"

    def status(self) -> RemoteStatus:
        """The door's state for the console's label: who is paired, refusals, locked addresses."""
        return RemoteStatus(tuple(self.clients), self.refused, self.guard.lockouts)

    @property
    def clients(self) -> list[str]:
        with self._lock:
            return [c.actor for c in self._clients.values()]

    def pairing_code(self, address: str) -> str:
        """What the assistant pastes: address, token and (wss) the certificate's fingerprint in one string."""
        from app.remote.pairing import pairing_code

        return pairing_code(f"{self.scheme}://{address}:{self.port}", self.token, self.fingerprint)

    thread_name = "assistant server"

    def start(self) -> None:
        """Listen (raises OSError when the port is taken)."""
        if self.tls:
            from app.remote.tls import server_context

            self._ssl_context, self.fingerprint = server_context(self._cert_dir)
        super().start()

    def on_event(self, event: Event) -> None:
        """A bus subscriber: queue what assistants see (called on the bus thread: only appends)."""
        if event.type not in FORWARDED:
            return
        if event.type == EventType.COMMENT:
            self._comments.append(event)
        with self._lock:
            for client in self._clients.values():
                if len(client.queue) == client.queue.maxlen:
                    client.dropped += 1
                client.queue.append(event)

    # --- asyncio side -----------------------------------------------------------------------------------
    def _serve_options(self) -> dict:
        return {"ssl": self._ssl_context, "ping_interval": PING_INTERVAL_S, "ping_timeout": PING_TIMEOUT_S}

    async def _handler(self, socket) -> None:
        address = str((socket.remote_address or ("?",))[0])
        with self._lock:
            waiting = self._unpaired_by.get(address, 0)
            busy = self._unpaired >= MAX_UNPAIRED or waiting >= MAX_UNPAIRED_PER_ADDRESS
            if not busy:
                self._unpaired += 1
                self._unpaired_by[address] = waiting + 1
        if busy:
            self.busy_refused += 1
            self._log_busy(address, waiting >= MAX_UNPAIRED_PER_ADDRESS)
            await socket.close(1013, "busy")
            return
        try:
            client = await self._pair(socket, address)
        finally:
            with self._lock:
                self._unpaired -= 1
                left = self._unpaired_by.pop(address, 1) - 1
                if left > 0:
                    self._unpaired_by[address] = left
        if client is None:
            return
        log.info("remote assistant connected: %s from %s", client.actor, address)
        sender = asyncio.create_task(self._sender(socket, client))
        try:
            await socket.send(json.dumps({"type": "welcome", "v": PROTOCOL_VERSION, "actor": client.actor,
                                          "state": self._state()}, ensure_ascii=False))
            async for raw in socket:
                await socket.send(json.dumps(self._handle(client, raw), ensure_ascii=False))
        except Exception as exc:  # noqa: BLE001 - a dropped connection ends this assistant only
            if _keepalive_timed_out(exc):  # it took no frame and answered no ping: it stopped reading
                self.slow_dropped += 1
                log.warning("remote assistant %s from %s dropped: it stopped reading (no answer to pings for %.0f s)",
                            client.actor, address, PING_INTERVAL_S + PING_TIMEOUT_S)
            else:
                log.info("remote assistant %s left: %s", client.actor, redact(str(exc))[:200])
        finally:
            sender.cancel()
            with self._lock:
                self._clients.pop(socket, None)

    def _log_busy(self, address: str, per_address: bool) -> None:
        """One line a minute per address while its connections are refused as busy, with how many."""
        now = time.monotonic()
        with self._lock:
            last, count = self._busy_log.get(address, (None, 0))
            count += 1
            due = last is None or now - last >= BUSY_LOG_EVERY_S  # the first refusal always has its line
            if len(self._busy_log) > 1_000:  # many addresses: forget the old ones (a line may come early)
                self._busy_log.clear()
            self._busy_log[address] = (now, 0) if due else (last, count)
        if due:
            why = (f"{MAX_UNPAIRED_PER_ADDRESS} unpaired connections from that address" if per_address else
                   f"{MAX_UNPAIRED} unpaired connections in all")
            log.warning("remote pairing busy: refused %d connection(s) from %s (%s already waiting to pair)",
                        count, address, why)

    async def _pair(self, socket, address: str) -> _Client | None:
        """The hello: a wrong token is counted against the address (lockout), answered after a delay."""
        try:
            hello = outside_json(await asyncio.wait_for(socket.recv(), timeout=HELLO_TIMEOUT_S))
            if not isinstance(hello, dict) or hello.get("type") != "hello":
                raise ValueError("not a hello")
            token, name = hello.get("token"), hello.get("name")
        except Exception:  # noqa: BLE001 - silence, junk, deep nesting, a peer gone: no pairing
            await self._refuse(socket, "需要 hello / hello expected", "hello expected")
            return None
        locked = self.guard.locked_for(address)
        if locked:  # answered after the hello, so the client reads the reason; the token is not even looked at
            minutes = max(1, round(locked / 60))
            log.warning("remote pairing refused from %s: locked out for %d more min", address, minutes)
            await self._refuse(socket, f"错误配对码太多，请 {minutes} 分钟后再试 / too many wrong pairing tokens from "
                                       f"this address: try again in {minutes} min", "locked out")
            return None
        if not isinstance(token, str) or not hmac.compare_digest(
                token.encode("utf-8", "surrogatepass"), self.token.encode("utf-8")):
            lockouts = self.guard.lockouts
            count = self.guard.failed(address)
            log.warning("remote pairing refused from %s: wrong token (%d in a row)", address, count)
            if self.guard.lockouts > lockouts:
                log.warning("remote pairing: %s locked out for %.0f min after %d wrong tokens", address,
                            LOCKOUT_S / 60, MAX_FAILURES)
            await asyncio.sleep(WRONG_TOKEN_DELAY_S)
            await self._refuse(socket, "配对码不对 / wrong pairing token", "wrong token")
            return None
        self.guard.succeeded(address)
        with self._lock:
            if len(self._clients) >= MAX_CLIENTS:
                client = None
            else:
                taken = self.reserved | {c.name for c in self._clients.values()}
                client = self._clients[socket] = _Client(f"assistant:{clean_name(name, taken)}", address)
        if client is None:
            self.busy_refused += 1
            log.warning("remote pairing refused from %s: %d assistants are connected already", address, MAX_CLIENTS)
            await self._refuse(socket, f"已有 {MAX_CLIENTS} 位场控 / {MAX_CLIENTS} assistants are connected already",
                               "too many assistants", code=1013)
        return client

    @staticmethod
    async def _refuse(socket, reason: str, close_reason: str, code: int = 1008) -> None:
        try:
            await socket.send(json.dumps({"type": "error", "reason": reason}, ensure_ascii=False))
            await socket.close(code, close_reason)
        except Exception:  # noqa: BLE001 - the peer is gone already
            pass

    def _handle(self, client: _Client, raw) -> dict:
        """One frame → one reply. Nothing a frame holds raises past here."""
        try:
            message = outside_json(raw)
            if not isinstance(message, dict) or message.get("type") != "verb":
                raise ValueError("expected {\"type\": \"verb\", …}")
            verb, args, ident = message.get("verb"), message.get("args", []), message.get("id")
            if not isinstance(args, list):
                raise ValueError("'args' must be a list")
            if not (ident is None or isinstance(ident, (int, str)) and not isinstance(ident, bool)):
                ident = None
        except Exception as exc:  # noqa: BLE001 - not JSON, too deep, wrong shape
            self.malformed += 1
            return {"type": "error", "reason": f"malformed: {type(exc).__name__}"}
        if not client.bucket.allow():
            client.rate_limited += 1
            self.rate_limited += 1
            if client.rate_limited == 1 or client.rate_limited % 1000 == 0:
                log.warning("remote assistant %s: verbs refused for coming too fast (%d so far)", client.actor,
                            client.rate_limited)
            return {"type": "result", "id": ident, "ok": False,
                    "reason": "操作太频繁：每秒最多 10 个（可连续 20 个）/ too many verbs: at most 10 a second "
                              "(20 in a burst)"}
        try:
            return {"type": "result", "id": ident, "ok": True, **self._run(client, verb, args)}
        except ActionRefused as exc:
            return {"type": "result", "id": ident, "ok": False, "reason": str(exc)}
        except Exception as exc:  # noqa: BLE001 - a verb that broke: say so, keep the connection
            log.exception("remote verb %s failed", str(verb)[:40])
            return {"type": "result", "id": ident, "ok": False, "reason": f"内部错误 / internal error "
                                                                          f"({type(exc).__name__})"}

    def _run(self, client: _Client, verb, args: list) -> dict:
        room = self._room()
        if room is None:
            raise ActionRefused("未开播 / not live")
        if client.verbs is None or client.verbs.room is not room:  # a new session: a new undo history
            client.verbs = UndoableVerbs(room, client.actor)
        if verb == "undo":
            undone = client.verbs.undo()
            return {"undone": undone, "stream_time": self._stream_time()}
        args = verb_arguments(verb, args)
        if verb == "pin_comment":
            comment = next((c for c in reversed(self._comments) if c.seq == args[0]), None)
            if comment is None:
                raise ActionRefused(f"找不到这条评论 / no recent comment {args[0]}")
            args = [comment]
        event = client.verbs.do(verb, *args)
        return {"seq": event.seq, "stream_time": event.stream_time}  # when it landed on the show's clock

    def _state(self, with_time: bool = True) -> dict:
        """What an assistant sees; without the clock it is also what "the room changed" is compared on."""
        room = self._room()
        if room is None:
            return {"live": False}
        return {"live": True, **room_state(room, self._stream_time() if with_time else None)}

    async def _beside(self) -> None:
        """Four times a second: the room state is built once and handed to every assistant's own sender."""
        last = None
        while True:
            await asyncio.sleep(0.25)
            body = self._state(with_time=False)
            without_time = json.dumps(body, ensure_ascii=False)  # what "changed" means: the clock always does
            if body["live"]:
                body["stream_time"] = self._stream_time()
            state = json.dumps({"type": "state", "state": body}, ensure_ascii=False) if without_time != last \
                else None
            last = without_time
            with self._lock:
                clients = list(self._clients.values())
            for client in clients:
                if state is not None:
                    client.state_json = state
                client.wake.set()

    async def _sender(self, socket, client: _Client) -> None:
        """This assistant's own sender: a client that does not read stalls only this task, and is dropped after
        SEND_TIMEOUT_S; meanwhile its events queue up to CLIENT_QUEUE and then lose the oldest (counted)."""
        try:
            while True:
                await client.wake.wait()
                client.wake.clear()
                with self._lock:
                    events = [event_json(e) for e in client.queue]
                    client.queue.clear()
                    dropped, client.dropped = client.dropped, 0
                    state, client.state_json = client.state_json, None
                frames = ([state] if state else []) + _event_frames(events, dropped)
                for frame in frames:
                    await asyncio.wait_for(socket.send(frame), timeout=SEND_TIMEOUT_S)
        except TimeoutError:
            self.slow_dropped += 1
            log.warning("remote assistant %s dropped: it stopped reading", client.actor)
            transport = getattr(socket, "transport", None)
            if transport is not None:
                transport.abort()  # a close handshake would wait on the same full buffer
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - closed meanwhile: its handler cleans up
            pass


def _keepalive_timed_out(exc: BaseException) -> bool:
    """Whether websockets closed the connection because the peer answered no ping (1011 keepalive ping timeout)."""
    from websockets.exceptions import ConnectionClosed

    sent = exc.sent if isinstance(exc, ConnectionClosed) else None
    return sent is not None and sent.code == 1011 and "keepalive" in (sent.reason or "")


def _event_frames(events: list[dict], dropped: int, limit: int = MAX_MESSAGE_BYTES * 3 // 4) -> list[str]:
    """The events as `events` frames each well under the 64 KiB frame limit both sides keep (a busy room's
    quarter second can hold more); `dropped` rides on the first."""
    frames, batch, size = [], [], 0
    for item in events:
        text = json.dumps(item, ensure_ascii=False)
        if batch and size + len(text.encode()) > limit:
            frames.append(batch)
            batch, size = [], 0
        batch.append(text)
        size += len(text.encode()) + 1
    if batch or dropped:
        frames.append(batch)
    return ['{"type": "events", "events": [' + ",".join(b) + f'], "dropped": {dropped if i == 0 else 0}}}'
            for i, b in enumerate(frames)]
