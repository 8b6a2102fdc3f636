"""控制面板 Control surfaces: a server for a documented subset of obs-websocket v5, so Stream Deck, Touch Portal,
Bitfocus Companion and scripts drive the console unchanged (docs/protocol.md, "obs-websocket subset").

The v5 protocol (JSON text frames, subprotocol `obswebsocket.json`): the server says Hello (op 0: rpcVersion 1,
and with a password the authentication challenge and salt); the client Identifies (op 1, with
base64(sha256(base64(sha256(password + salt)) + challenge)) when asked); the server answers Identified (op 2), or
closes with 4009 on a wrong password / 4010 on an rpcVersion it does not speak. Then Requests (op 6) get
RequestResponses (op 7) with the protocol's own status codes, RequestBatches (op 8) RequestBatchResponses (op 9),
and Events (op 5) go to clients that subscribed to their category.

What the requests reach is `control` (the console's façade implements `Control`): the go-live, its recording,
the program scene, the sound's mute, and the console's own room verbs as vendor requests (vendorName
"anchor-console"). A request that blocks (a go-live takes seconds) runs in a worker thread, never on the event
loop, so other clients and events keep moving.

The same door discipline as the assistant server (issue #17): off by default; loopback unless a password is set;
the password is a secret (registered with the log redaction, never logged, never on the command line: the
environment variable ANCHOR_OBS_PASSWORD); wrong passwords are answered after a second and lock the address out
after five; frames are capped at 64 KiB and requests at a burst of 40 then 20 a second per connection; a bad frame
closes only its own connection with the protocol's close code; a client that stops reading loses its oldest
events, then is dropped; never more than 8 clients.
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

from app.text import outside_json
from app.destinations import loopback_host
from app.redaction import register_secret
from app.remote.door import WebSocketDoor
from app.remote.guard import MAX_UNPAIRED, WRONG_TOKEN_DELAY_S, PairingGuard, TokenBucket
from app.remote.obsws_requests import (EVENT_INTENT, OBS_WEBSOCKET_VERSION, REQUESTS, RPC_VERSION, VENDOR, Close,
                                       Control, Op, RequestFailed, Status, Subscription, auth_string, response,
                                       scalar)

__all__ = ["DEFAULT_PORT", "PASSWORD_ENV", "REQUESTS", "VENDOR", "Close", "Control", "ObsWebSocketServer", "Op",
           "RequestFailed", "Status", "Subscription", "auth_string"]

log = logging.getLogger(__name__)

DEFAULT_PORT = 4455
PASSWORD_ENV = "ANCHOR_OBS_PASSWORD"
SUBPROTOCOL = "obswebsocket.json"
MAX_CLIENTS = 8
MAX_BATCH = 50
IDENTIFY_TIMEOUT_S = 10.0
SEND_TIMEOUT_S = 5.0
CLIENT_QUEUE = 500
REQUEST_BURST, REQUESTS_PER_SECOND = 40, 20.0


@dataclass
class _Client:
    address: str
    subscriptions: int = Subscription.ALL
    identified: bool = False
    queue: deque = field(default_factory=lambda: deque(maxlen=CLIENT_QUEUE))
    dropped: int = 0
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    bucket: TokenBucket = field(default_factory=lambda: TokenBucket(REQUESTS_PER_SECOND, REQUEST_BURST,
                                                                    REQUEST_BURST))


class ObsWebSocketServer(WebSocketDoor):
    """`start()` listens (OSError when the port is taken; ValueError for a LAN address without a password),
    `emit()` sends an event to the clients that asked for it (any thread), `stop()` closes."""

    thread_name = "obs-websocket server"

    def __init__(self, control: Control, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
                 password: str | None = None) -> None:
        super().__init__(host, port)
        self.control = control
        self.password = password or None
        if self.password:
            register_secret(self.password)
        self.guard = PairingGuard()
        self._clients: dict[object, _Client] = {}
        self._unidentified = 0
        self._lock = threading.Lock()
        self._inflight = 0  # frames being answered: stop() lets them finish (a StopStream's own answer)
        self.requests = 0
        self.refused = 0  # wrong passwords
        self.rate_limited = 0
        self.malformed = 0  # frames that closed their connection
        self.slow_dropped = 0
        self.busy_refused = 0

    @property
    def clients(self) -> int:
        with self._lock:
            return sum(1 for c in self._clients.values() if c.identified)

    def start(self) -> None:
        if not self.password and not loopback_host(self.host):
            raise ValueError("局域网控制需先设置密码 / set a password (ANCHOR_OBS_PASSWORD) to let control surfaces in "
                             "from the LAN; without one it listens on this machine only")
        super().start()

    def stop(self, grace_s: float = 5.0) -> None:
        """Close, after the answers being made are sent (at most `grace_s`): a StopStream that ends a headless show
        still gets its reply."""
        import time

        deadline = time.monotonic() + grace_s
        while self._inflight and time.monotonic() < deadline:
            time.sleep(0.02)
        super().stop()

    def emit(self, event_type: str, data: dict | None = None) -> None:
        """Send an event to every identified client subscribed to its category (any thread; only queues)."""
        intent = EVENT_INTENT.get(event_type, Subscription.GENERAL)
        frame = json.dumps({"op": Op.EVENT, "d": {"eventType": event_type, "eventIntent": intent,
                                                  **({"eventData": data} if data is not None else {})}},
                           ensure_ascii=False)
        with self._lock:
            targets = [c for c in self._clients.values() if c.identified and c.subscriptions & intent]
            for client in targets:
                if len(client.queue) == client.queue.maxlen:
                    client.dropped += 1
                client.queue.append(frame)
        if targets:
            self._call_soon(lambda: [c.wake.set() for c in targets])

    # --- asyncio side -----------------------------------------------------------------------------------
    def _serve_options(self) -> dict:
        return {"subprotocols": [SUBPROTOCOL], "select_subprotocol": _select_subprotocol}

    async def _handler(self, socket) -> None:
        address = str((socket.remote_address or ("?",))[0])
        with self._lock:
            busy = self._unidentified >= MAX_UNPAIRED or len(self._clients) >= MAX_CLIENTS
            if not busy:
                self._unidentified += 1
        if busy:
            self.busy_refused += 1
            await socket.close(1013, "busy")
            return
        client = _Client(address)
        try:
            identified = await self._identify(socket, client)
        except Exception:  # noqa: BLE001 - the peer went away mid-handshake
            identified = False
        finally:
            with self._lock:
                self._unidentified -= 1
        if not identified:
            return
        with self._lock:
            if len(self._clients) >= MAX_CLIENTS:
                identified = False
            else:
                self._clients[socket] = client
        if not identified:
            self.busy_refused += 1
            await socket.close(1013, "busy")
            return
        log.info("control surface connected from %s", address)
        sender = asyncio.create_task(self._sender(socket, client))
        try:
            async for raw in socket:
                self._inflight += 1  # only this loop's thread changes it
                try:
                    reply = await self._message(client, raw)
                    if isinstance(reply, tuple):  # (close code, reason)
                        self.malformed += 1
                        await socket.close(*reply)
                        break
                    if reply is not None:
                        await socket.send(reply)
                finally:
                    self._inflight -= 1
        except Exception as exc:  # noqa: BLE001 - a dropped connection ends this client only
            log.info("control surface %s left: %s", address, type(exc).__name__)
        finally:
            sender.cancel()
            with self._lock:
                self._clients.pop(socket, None)

    async def _identify(self, socket, client: _Client) -> bool:
        salt, challenge = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        hello = {"obsWebSocketVersion": OBS_WEBSOCKET_VERSION, "rpcVersion": RPC_VERSION}
        if self.password:
            hello["authentication"] = {"challenge": challenge, "salt": salt}
        await socket.send(json.dumps({"op": Op.HELLO, "d": hello}))
        try:
            message = outside_json(await asyncio.wait_for(socket.recv(), timeout=IDENTIFY_TIMEOUT_S))
            if not isinstance(message, dict) or message.get("op") != Op.IDENTIFY or not isinstance(message.get("d"), dict):
                raise ValueError
        except Exception:  # noqa: BLE001 - silence, junk, a peer gone: not identified
            await _close(socket, Close.NOT_IDENTIFIED, "Identify expected")
            return False
        data = message["d"]
        if data.get("rpcVersion") != RPC_VERSION:
            await _close(socket, Close.UNSUPPORTED_RPC_VERSION, f"rpcVersion {RPC_VERSION} only")
            return False
        if self.password:
            if self.guard.locked_for(client.address):
                await _close(socket, Close.AUTHENTICATION_FAILED, "too many wrong passwords: try again later")
                return False
            given = data.get("authentication")
            expected = auth_string(self.password, salt, challenge)
            if not isinstance(given, str) or not hmac.compare_digest(given.encode("utf-8", "surrogatepass"),
                                                                     expected.encode()):
                self.refused += 1
                count = self.guard.failed(client.address)
                log.warning("control surface refused from %s: wrong password (%d in a row)", client.address, count)
                await asyncio.sleep(WRONG_TOKEN_DELAY_S)
                await _close(socket, Close.AUTHENTICATION_FAILED, "Authentication failed.")
                return False
            self.guard.succeeded(client.address)
        subscriptions = data.get("eventSubscriptions", Subscription.ALL)
        if isinstance(subscriptions, bool) or not isinstance(subscriptions, int) or subscriptions < 0:
            await _close(socket, Close.INVALID_DATA_FIELD_TYPE, "eventSubscriptions is a number")
            return False
        client.subscriptions, client.identified = subscriptions, True
        await socket.send(json.dumps({"op": Op.IDENTIFIED, "d": {"negotiatedRpcVersion": RPC_VERSION}}))
        return True

    async def _message(self, client: _Client, raw) -> str | tuple[int, str] | None:
        """One frame → a reply frame, nothing, or (close code, reason). Nothing a frame holds raises past here."""
        try:
            message = outside_json(raw)
        except (ValueError, TypeError, RecursionError):
            return Close.MESSAGE_DECODE_ERROR, "not JSON"
        if not isinstance(message, dict) or "op" not in message or "d" not in message:
            return Close.MISSING_DATA_FIELD, "op and d expected"
        op, data = message["op"], message["d"]
        if not isinstance(data, dict) or isinstance(op, bool) or not isinstance(op, int):
            return Close.INVALID_DATA_FIELD_TYPE, "op is a number and d an object"
        if op == Op.IDENTIFY:
            return Close.ALREADY_IDENTIFIED, "already identified"
        if op == Op.REIDENTIFY:
            subscriptions = data.get("eventSubscriptions", client.subscriptions)
            if isinstance(subscriptions, bool) or not isinstance(subscriptions, int) or subscriptions < 0:
                return Close.INVALID_DATA_FIELD_TYPE, "eventSubscriptions is a number"
            client.subscriptions = subscriptions
            return json.dumps({"op": Op.IDENTIFIED, "d": {"negotiatedRpcVersion": RPC_VERSION}})
        if op == Op.REQUEST:
            if not client.bucket.allow():
                self.rate_limited += 1
                return json.dumps({"op": Op.REQUEST_RESPONSE, "d": response(
                    data, RequestFailed(Status.GENERIC_ERROR, "请求太快 / too many requests: slow down"))},
                    ensure_ascii=False)
            result = await asyncio.to_thread(self._request, data)
            return json.dumps({"op": Op.REQUEST_RESPONSE, "d": result}, ensure_ascii=False)
        if op == Op.REQUEST_BATCH:
            requests = data.get("requests")
            if not isinstance(requests, list) or len(requests) > MAX_BATCH:
                return Close.INVALID_DATA_FIELD_VALUE, f"requests is a list of at most {MAX_BATCH}"
            if data.get("executionType", 0) not in (0, -1):  # SerialRealtime (and None); frame modes are not kept
                return json.dumps({"op": Op.REQUEST_BATCH_RESPONSE, "d": {
                    "requestId": scalar(data.get("requestId")), "results": [response(
                        r if isinstance(r, dict) else {}, RequestFailed(Status.UNSUPPORTED_BATCH_EXECUTION_TYPE,
                                                                        "only SerialRealtime")) for r in requests]}})
            halt = data.get("haltOnFailure") is True
            results = []
            for request in requests:
                if not client.bucket.allow():
                    self.rate_limited += 1
                    results.append(response(request if isinstance(request, dict) else {},
                                             RequestFailed(Status.GENERIC_ERROR, "too many requests")))
                    break
                result = await asyncio.to_thread(self._request, request if isinstance(request, dict) else {})
                results.append(result)
                if halt and not result["requestStatus"]["result"]:
                    break
            return json.dumps({"op": Op.REQUEST_BATCH_RESPONSE, "d": {"requestId": scalar(data.get("requestId")),
                                                                     "results": results}}, ensure_ascii=False)
        return Close.UNKNOWN_OP_CODE, f"op {op} is not one a client sends"

    def _request(self, data: dict) -> dict:
        """One request, in a worker thread: the control may block. Every failure is a status, never an exception."""
        self.requests += 1
        try:
            kind = data.get("requestType")
            if not isinstance(kind, str) or not kind:
                raise RequestFailed(Status.MISSING_REQUEST_TYPE, "缺少 requestType / requestType missing")
            handler = REQUESTS.get(kind)
            if handler is None:
                raise RequestFailed(Status.UNKNOWN_REQUEST_TYPE, f"不支持 / not supported here: {kind[:60]}")
            request_data = data.get("requestData", {})
            if request_data is None:
                request_data = {}
            if not isinstance(request_data, dict):
                raise RequestFailed(Status.MISSING_REQUEST_DATA, "requestData is an object")
            return response(data, None, handler(self.control, request_data))
        except RequestFailed as failure:
            return response(data, failure)
        except Exception as exc:  # noqa: BLE001 - the console refused or failed: a status, the show goes on
            log.warning("control request %r failed: %s", data.get("requestType"), type(exc).__name__)
            return response(data, RequestFailed(Status.GENERIC_ERROR, str(exc)[:300] or type(exc).__name__))

    async def _sender(self, socket, client: _Client) -> None:
        try:
            while True:
                await client.wake.wait()
                client.wake.clear()
                with self._lock:
                    frames = list(client.queue)
                    client.queue.clear()
                for frame in frames:
                    await asyncio.wait_for(socket.send(frame), timeout=SEND_TIMEOUT_S)
        except TimeoutError:
            self.slow_dropped += 1
            transport = getattr(socket, "transport", None)
            if transport is not None:
                transport.abort()
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - closed meanwhile
            pass


def _select_subprotocol(connection, subprotocols):
    """obswebsocket.json when offered (the only encoding here); a client that offers none is served JSON too."""
    return SUBPROTOCOL if SUBPROTOCOL in subprotocols else None


async def _close(socket, code: int, reason: str) -> None:
    try:
        await socket.close(code, reason)
    except Exception:  # noqa: BLE001 - the peer is gone already
        pass
