"""远程场控: assistants on other machines of the studio LAN work the live room over a WebSocket.

Protocol (docs/protocol.md, "Assistant protocol v1"), JSON text frames:
  → {"type": "hello", "token": "…", "name": "小李"}        first frame; a wrong token closes the connection
  ← {"type": "welcome", "actor": "assistant:小李", "state": {…}}
  → {"type": "verb", "id": 7, "verb": "pin_product", "args": [3]}   (or "verb": "undo")
  ← {"type": "result", "id": 7, "ok": true, "seq": 812} | {"type": "result", "id": 7, "ok": false, "reason": "…"}
  ← {"type": "state", "state": {…}}                    when the room changed (at most 4 a second)
  ← {"type": "events", "events": [{…}, …], "dropped": 0}  comments, orders, online (batched, bounded per client)
  ← {"type": "error", "reason": "…"}                    a malformed frame; the connection stays

Each connection is its own actor (`assistant:<name>`) with its own undo history, and its verbs take the same path
as the console's: `LiveRoom` verbs → events on the one bus. The token is a secret: it never reaches logs, the
database or error messages.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import secrets
import threading
from collections import deque
from dataclasses import dataclass, field

from app.commerce.room import ActionRefused
from app.commerce.undo import UndoableVerbs
from app.live.events import Event, EventType
from app.redaction import redact, register_secret

log = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
MAX_MESSAGE_BYTES = 64 * 1024
MAX_CLIENTS = 8
CLIENT_QUEUE = 2_000  # events waiting for one assistant; the oldest go first when it cannot keep up
# verbs an assistant may call, with how many arguments (after the actor is added by the server)
VERBS = {"pin_product": 1, "unpin_product": 0, "next_product": 0, "previous_product": 0, "set_live_price": 2,
         "set_stock": 2, "drop_coupon": 3, "stop_coupon": 1, "start_flash_sale": 4, "stop_flash_sale": 0,
         "pin_comment": 1, "unpin_comment": 0}
FORWARDED = {EventType.COMMENT, EventType.ORDER, EventType.ONLINE, EventType.COUPON_CLAIMED}


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
    }


def event_json(event: Event) -> dict:
    p = event.payload
    keep = {EventType.COMMENT: ("user_id", "nickname", "text"), EventType.ORDER: ("product_id", "quantity",
                                                                                   "amount_cents"),
            EventType.ONLINE: ("online",), EventType.COUPON_CLAIMED: ("coupon_id",)}[event.type]
    return {"type": event.type.value, "seq": event.seq, "stream_time": event.stream_time, "hidden": event.flagged,
            "data": {k: p[k] for k in keep if k in p}}


@dataclass
class _Client:
    actor: str
    verbs: UndoableVerbs | None = None
    queue: deque = field(default_factory=lambda: deque(maxlen=CLIENT_QUEUE))
    dropped: int = 0


class AssistantServer:
    """Serves the live room to LAN assistants. `room()` and `stream_time()` are read when needed, so the server
    can stay up across go-lives; `on_event` must be given every bus event (the service forwards them)."""

    def __init__(self, room, stream_time, host: str = "127.0.0.1", port: int = 0, token: str | None = None) -> None:
        self._room, self._stream_time = room, stream_time
        self.host, self.port = host, port
        self.token = token or secrets.token_urlsafe(9)
        register_secret(self.token)
        self._clients: dict[object, _Client] = {}
        self._lock = threading.Lock()
        self._comments: deque[Event] = deque(maxlen=500)  # recent comments, so one can be pinned by seq
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self.refused = 0  # connections with a wrong token
        self.malformed = 0

    @property
    def clients(self) -> list[str]:
        with self._lock:
            return [c.actor for c in self._clients.values()]

    def start(self) -> None:
        """Listen (raises OSError when the port is taken)."""
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), name="assistant server", daemon=True)
        self._thread.start()
        self._ready.wait(5)
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(5)

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
    async def _main(self) -> None:
        from websockets.asyncio.server import serve

        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        try:
            server = await serve(self._handler, self.host, self.port, max_size=MAX_MESSAGE_BYTES)
        except OSError as exc:
            self._error = exc
            self._ready.set()
            return
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        pusher = asyncio.create_task(self._push_loop())
        await self._stop.wait()
        pusher.cancel()
        server.close()
        await server.wait_closed()

    async def _handler(self, socket) -> None:
        try:
            hello = json.loads(await asyncio.wait_for(socket.recv(), timeout=10))
            name = str(hello.get("name") or "场控")[:32] if isinstance(hello, dict) else ""
            token = hello.get("token") if isinstance(hello, dict) else None
        except (asyncio.TimeoutError, ValueError, TypeError):
            await socket.close(1008, "hello expected")
            return
        except Exception:  # the peer went away before saying hello
            return
        if hello.get("type") != "hello" or not isinstance(token, str) or \
                not hmac.compare_digest(token.encode(), self.token.encode()):
            self.refused += 1
            await socket.send(json.dumps({"type": "error", "reason": "配对码不对 / wrong pairing token"}))
            await socket.close(1008, "wrong token")
            return
        with self._lock:
            if len(self._clients) >= MAX_CLIENTS:
                full = True
            else:
                full = False
                client = self._clients[socket] = _Client(f"assistant:{name}")
        if full:
            await socket.close(1013, "too many assistants")
            return
        log.info("remote assistant connected: %s", client.actor)
        try:
            await socket.send(json.dumps({"type": "welcome", "v": PROTOCOL_VERSION, "actor": client.actor,
                                          "state": self._state()}, ensure_ascii=False))
            async for raw in socket:
                reply = self._handle(client, raw)
                await socket.send(json.dumps(reply, ensure_ascii=False))
        except Exception as exc:  # a dropped connection ends this assistant only
            log.info("remote assistant %s left: %s", client.actor, redact(str(exc)))
        finally:
            with self._lock:
                self._clients.pop(socket, None)

    def _handle(self, client: _Client, raw) -> dict:
        try:
            message = json.loads(raw)
            if not isinstance(message, dict) or message.get("type") != "verb":
                raise ValueError("expected {\"type\": \"verb\", …}")
            verb, args, ident = message.get("verb"), message.get("args", []), message.get("id")
            if not isinstance(args, list):
                raise ValueError("'args' must be a list")
        except (ValueError, TypeError) as exc:
            self.malformed += 1
            return {"type": "error", "reason": f"malformed: {exc}"}
        try:
            return {"type": "result", "id": ident, "ok": True, **self._run(client, verb, args)}
        except ActionRefused as exc:
            return {"type": "result", "id": ident, "ok": False, "reason": str(exc)}

    def _run(self, client: _Client, verb, args: list) -> dict:
        room = self._room()
        if room is None:
            raise ActionRefused("未开播 / not live")
        if client.verbs is None or client.verbs.room is not room:  # a new session: a new undo history
            client.verbs = UndoableVerbs(room, client.actor)
        if verb == "undo":
            return {"undone": client.verbs.undo()}
        if verb not in VERBS:
            raise ActionRefused(f"未知操作 / unknown verb {str(verb)[:40]!r}")
        if len(args) != VERBS[verb] or any(isinstance(a, bool) or not isinstance(a, (int, float)) for a in args):
            raise ActionRefused(f"{verb}: 需要 {VERBS[verb]} 个数字参数 / takes {VERBS[verb]} number(s)")
        if verb == "pin_comment":
            comment = next((c for c in reversed(self._comments) if c.seq == args[0]), None)
            if comment is None:
                raise ActionRefused(f"找不到这条评论 / no recent comment {args[0]}")
            args = [comment]
        event = client.verbs.do(verb, *args)
        return {"seq": event.seq}

    def _state(self, with_time: bool = True) -> dict:
        """What an assistant sees; without the clock it is also what "the room changed" is compared on."""
        room = self._room()
        if room is None:
            return {"live": False}
        return {"live": True, **room_state(room, self._stream_time() if with_time else None)}

    async def _push_loop(self) -> None:
        """Four times a second: each assistant gets the room when it changed and the events queued for it."""
        last: dict[object, str] = {}
        while True:
            await asyncio.sleep(0.25)
            body = self._state(with_time=False)
            without_time = json.dumps(body, ensure_ascii=False)  # what "changed" means: the clock always does
            if body["live"]:
                body["stream_time"] = self._stream_time()
            state = json.dumps({"type": "state", "state": body}, ensure_ascii=False)
            with self._lock:
                batches = []
                for socket, client in self._clients.items():
                    events = [event_json(e) for e in client.queue]
                    client.queue.clear()
                    dropped, client.dropped = client.dropped, 0
                    batches.append((socket, events, dropped))
            for socket, events, dropped in batches:
                try:
                    if last.get(socket) != without_time:
                        last[socket] = without_time
                        await socket.send(state)
                    if events or dropped:
                        await socket.send(json.dumps({"type": "events", "events": events, "dropped": dropped},
                                                     ensure_ascii=False))
                except Exception:  # closed meanwhile: its handler cleans up
                    last.pop(socket, None)
