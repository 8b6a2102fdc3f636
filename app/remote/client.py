"""The assistant's side of 远程场控: connect to a console on the LAN, see its room, call verbs. The façade of the
assistant's window: what it renders or catches is handed on from here (`__all__`).

`RemoteAssistant` runs its own asyncio loop in a thread; `call()` blocks the caller until the console answers
(or the timeout), so a CLI or a Qt window can use it without asyncio.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from collections import deque
from concurrent.futures import Future

from app.commerce.room import (ActionRefused, CouponState, DrawState, FlashSaleState, PinnedComment, ProductState,
                               ReplyState, RoomState)
from app.kernel.events import Event, EventType
from app.text import outside_json
from app.redaction import frame_logger, install_log_redaction, redact, register_secret
from app.remote.pairing import PREFIX, PairingError, PinnedConsoles, parse_pairing_code
from app.remote.server import MAX_MESSAGE_BYTES
from app.remote.tls import fingerprint_of_der

__all__ = ["PREFIX", "ActionRefused", "PairingError", "RemoteAssistant", "RemoteError", "ensure_qt", "font",
           "install_log_redaction", "parse_pairing_code"]


def ensure_qt() -> str:
    """Qt's font machinery, for the assistant's window only: `anchor-console assist` on a terminal never loads QtGui."""
    from app.media.qtrender import ensure_qt as start

    return start()


def font(pixel_size: int, bold: bool = False):
    """The shipped CJK font at a pixel size (a QFont), for the assistant's window."""
    from app.media.qtrender import font as make

    return make(pixel_size, bold)


class RemoteError(RuntimeError):
    """The console cannot be reached, refused the pairing token, or went away."""


class RemoteAssistant:
    """`fingerprint`: the console certificate's SHA-256 (from the pairing code) for wss://; without it the one
    pinned at the first pairing is required (`pins`), or the first one seen is pinned (trust on first use)."""

    def __init__(self, url: str, token: str, name: str = "远程场控", fingerprint: str | None = None,
                 pins=None) -> None:
        register_secret(token)
        self.url, self.token, self.name = url, token, name
        self.fingerprint, self._pins = fingerprint, pins
        self.actor: str | None = None
        self.server_fingerprint: str | None = None
        self.state: dict = {}
        self.events: deque[dict] = deque(maxlen=5_000)
        self.dropped = 0  # events the console dropped for us (we were too slow)
        self._ids = itertools.count(1)
        self._waiting: dict[int, Future] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._socket = None
        self._connected = threading.Event()
        self._error: str | None = None
        self._closed = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), name="remote assistant",
                                        daemon=True)

    def connect(self, timeout: float = 10) -> RemoteAssistant:
        """Connect and pair; raises RemoteError with the reason."""
        self._thread.start()
        if not self._connected.wait(timeout) or self._error:
            self.close()
            raise RemoteError(self._error or f"no answer from {self.url} within {timeout:g} s")
        return self

    def call(self, verb: str, *args, timeout: float = 5) -> dict:
        """Run a verb on the console (as this assistant); ActionRefused with the console's reason when refused."""
        if self._loop is None or self._closed.is_set():
            raise RemoteError(self._error or "not connected")
        ident = next(self._ids)
        future: Future = Future()
        self._waiting[ident] = future
        message = json.dumps({"type": "verb", "id": ident, "verb": verb, "args": list(args)}, ensure_ascii=False)
        asyncio.run_coroutine_threadsafe(self._socket.send(message), self._loop)
        try:
            reply = future.result(timeout)
        except TimeoutError:
            raise RemoteError(f"the console did not answer {verb} within {timeout:g} s") from None
        finally:
            self._waiting.pop(ident, None)
        if not reply.get("ok"):
            raise ActionRefused(reply.get("reason", "refused"))
        return reply

    def room(self) -> RoomView:
        """The console's room as the docks read it (`.state`, `.stream_time()`), from the newest state."""
        return RoomView(self.state)

    def drain_events(self) -> list[Event]:
        """Comments, orders, online and claims received since the last call, as events for the comments dock."""
        out = []
        while self.events:
            out.append(event_from_json(self.events.popleft()))
        return out

    def undo(self) -> str:
        return self.call("undo")["undone"]

    def close(self) -> None:
        if self._loop is not None and self._socket is not None and not self._closed.is_set():
            asyncio.run_coroutine_threadsafe(self._socket.close(), self._loop)
        self._closed.wait(5)

    @property
    def connected(self) -> bool:
        return self._connected.is_set() and not self._closed.is_set()

    async def _main(self) -> None:
        from websockets.asyncio.client import connect

        self._loop = asyncio.get_running_loop()
        secure = self.url.startswith("wss://")
        try:
            ssl_context = None
            if secure:
                from app.remote.tls import client_context

                ssl_context = client_context()
            async with connect(self.url, max_size=MAX_MESSAGE_BYTES, open_timeout=5, ssl=ssl_context,
                               logger=frame_logger()) as socket:
                self._socket = socket
                if secure:
                    self._check_fingerprint(socket)  # before the token leaves this machine
                await socket.send(json.dumps({"type": "hello", "token": self.token, "name": self.name},
                                             ensure_ascii=False))
                first = outside_json(await socket.recv())
                if first.get("type") != "welcome":
                    self._error = first.get("reason", "refused")
                    self._connected.set()
                    return
                self.actor, self.state = first["actor"], first["state"]
                self._connected.set()
                async for raw in socket:
                    self._receive(outside_json(raw))
        except Exception as exc:  # unreachable, refused, or the console went away
            self._error = self._error or redact(f"{exc.__class__.__name__}: {exc}")
            self._connected.set()
        finally:
            self._closed.set()
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(RemoteError(self._error or "the console closed the connection"))

    def _check_fingerprint(self, socket) -> None:
        der = socket.transport.get_extra_info("ssl_object").getpeercert(binary_form=True)
        seen = fingerprint_of_der(der)
        address = self.url.removeprefix("wss://").rstrip("/")
        pins = self._pins if self._pins is not None else PinnedConsoles()
        expected = self.fingerprint or pins.get(address)
        if expected is None:
            pins.pin(address, seen)  # first pairing: remember this console
        elif seen != expected:
            self._error = ("证书指纹不符：这不是配对过的主播中控台，已断开 / the certificate fingerprint does not match: "
                           "this is not the console you paired with; disconnected")
            raise RemoteError(self._error)
        elif self.fingerprint:
            pins.pin(address, seen)
        self.server_fingerprint = seen

    def _receive(self, message: dict) -> None:
        kind = message.get("type")
        if kind == "result":
            future = self._waiting.get(message.get("id"))
            if future is not None and not future.done():
                future.set_result(message)
        elif kind == "state":
            self.state = message["state"]
        elif kind == "events":
            self.events.extend(message["events"])
            self.dropped += message.get("dropped", 0)
        elif kind == "error":
            self._error = message.get("reason")


def event_from_json(item: dict) -> Event:
    return Event(EventType(item["type"]), dict(item.get("data", {})), stream_time=item.get("stream_time"),
                 seq=int(item.get("seq", 0)), flagged=bool(item.get("hidden")))


class RoomView:
    """A read-only room rebuilt from the console's pushed state: the same shape as `LiveRoom` for display."""

    def __init__(self, state: dict) -> None:
        self.live = bool(state.get("live"))
        self._time = state.get("stream_time")
        products = [ProductState(p["id"], p["sku"], p["title"], p["list_price_cents"], p["live_price_cents"],
                                 p["stock"]) for p in state.get("products", [])]
        coupons = [CouponState(c["id"], c["name"], c["kind"], remaining=c["remaining"], total=c["total"],
                               expires_at=c["expires_at"], live=c["live"]) for c in state.get("coupons", [])]
        sale, pinned = state.get("flash_sale"), state.get("pinned_comment")
        draw, reply = state.get("draw"), state.get("reply")
        self.state = RoomState(
            {p.id: p for p in products}, {c.id: c for c in coupons}, list(state.get("run_sheet", [])),
            state.get("pinned_product"),
            FlashSaleState(sale["product_id"], sale["price_cents"], sale["stock"], sale["ends_at"]) if sale else None,
            PinnedComment(pinned["seq"], pinned["nickname"], pinned["text"]) if pinned else None,
            DrawState(draw["draw_id"], draw["prize"], draw["keyword"], draw["winners_count"], draw["who"],
                      draw["ends_at"], draw["commitment"], draw["open"], draw["entrants"], list(draw["winners"]))
            if draw else None,
            ReplyState(reply["comment_seq"], reply["nickname"], reply["question"], reply["answer"], reply["until"])
            if reply else None,
            state.get("notice"))

    def stream_time(self) -> float | None:
        """The show's clock when the console sent this state (None off air)."""
        return self._time
