"""The assistant server under abuse, each attack beside a legitimate paired assistant whose verbs and events must
keep flowing (issue #17). Real sockets on loopback: the console's server, `RemoteAssistant`, raw TCP clients."""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
import statistics
import struct
import threading
import time

import pytest

from app.commerce.room import ActionRefused
from app.console import ConsoleService
from app.kernel.events import Event, EventType
from app.media.sources import wait_until
from app.remote.client import RemoteAssistant, RemoteError
from app.remote.guard import MAX_FAILURES, VERB_BURST, VERBS_PER_SECOND
from app.store.db import Database
from tests.live.test_remote_assistant import TOKEN, live_console  # noqa: F401 - the fixture



@pytest.fixture
def console(live_console):  # noqa: F811 - the live console with its assistant server, as the protocol test has it
    service, _url = live_console
    return service, service.doors.assistants


class Legit:
    """A paired assistant working the room: a verb every 150 ms (a busy human, under the 10/s limit), latency and
    received events sampled."""

    def __init__(self, port: int, name: str = "小李") -> None:
        self.assistant = RemoteAssistant(f"ws://127.0.0.1:{port}", TOKEN, name=name).connect()
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self.event_times: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        seen = 0
        while not self._stop.wait(0.15):
            started = time.perf_counter()
            try:
                self.assistant.call("next_product" if len(self.latencies) % 2 else "previous_product", timeout=10)
            except ActionRefused as exc:
                if "too many verbs" in str(exc):
                    self.failures.append(str(exc))
            except RemoteError as exc:
                self.failures.append(str(exc))
                return
            self.latencies.append((time.perf_counter() - started) * 1000)
            total = len(self.assistant.events) + self.assistant.dropped
            if total != seen:
                seen = total
                self.event_times.append(time.monotonic())

    def stop(self) -> dict:
        self._stop.set()
        self._thread.join(15)
        self.assistant.close()
        gaps = [b - a for a, b in zip(self.event_times, self.event_times[1:])]
        return {"verbs": len(self.latencies), "median_ms": statistics.median(self.latencies or [0]),
                "max_gap_s": max(gaps, default=0.0), "failures": self.failures}


def raw_pair(port: int, hello: dict | str, rcvbuf: int | None = None) -> socket.socket:
    """A WebSocket client written by hand, so it can stop reading: handshake, one masked text frame, then
    nothing (the socket is returned unread)."""
    sock = socket.socket()
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(1)
        if not chunk:
            break
        response += chunk
    assert b" 101 " in response.split(b"\r\n")[0], response
    payload = (hello if isinstance(hello, str) else json.dumps(hello)).encode("utf-8", "surrogatepass")
    mask = os.urandom(4)
    header = bytes([0x81]) + (bytes([0x80 | len(payload)]) if len(payload) < 126 else
                              bytes([0x80 | 126]) + struct.pack(">H", len(payload)))
    sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
    return sock


def test_a_paired_assistant_that_stops_reading_stalls_nobody(console):
    service, server = console
    legit = Legit(server.port)
    slow = raw_pair(server.port, {"type": "hello", "token": TOKEN, "name": "不读"}, rcvbuf=2048)
    try:
        assert wait_until(lambda: len(server.clients) == 2, 5)
        stop = threading.Event()

        def flood_comments() -> None:  # big comments: the slow socket's buffers fill in seconds, not minutes
            n = 0
            while not stop.is_set():
                for _ in range(200):
                    n += 1
                    service.broadcast.core.bus.publish(Event(EventType.COMMENT, {"user_id": f"f{n % 50}", "nickname": "刷屏",
                                                                       "text": "长评论" * 66}))
                time.sleep(0.05)

        flooder = threading.Thread(target=flood_comments, daemon=True)
        flooder.start()
        dropped = wait_until(lambda: server.slow_dropped >= 1, 60)
        stop.set()
        flooder.join(5)
    finally:
        slow.close()
        result = legit.stop()
    print("slow reader:", result)
    assert dropped and server.clients == [] or "assistant:不读" not in server.clients
    assert not result["failures"] and result["verbs"] > 10
    assert result["max_gap_s"] < 5.0  # its events never stopped for the ~10-50 s the old loop stalled


def test_a_verb_flood_is_rate_limited_and_the_legit_assistant_keeps_its_pace(console, caplog):
    caplog.set_level(logging.WARNING)
    service, server = console
    legit = Legit(server.port)
    flooder = RemoteAssistant(f"ws://127.0.0.1:{server.port}", TOKEN, name="刷").connect()
    started = time.monotonic()
    accepted = refused = sent = 0
    try:
        while time.monotonic() - started < 3.0:  # as fast as one connection can ask, for three seconds
            sent += 1
            try:
                flooder.call("set_stock", service.broadcast.room.state.run_sheet[0], 5, timeout=10)
                accepted += 1
            except ActionRefused as exc:
                refused += "too many verbs" in str(exc)
        elapsed = time.monotonic() - started
    finally:
        flooder.close()
        result = legit.stop()
    print(f"flood: {sent} sent, {accepted} accepted, {refused} refused in {elapsed:.1f} s; legit {result}")
    assert sent > 200 and accepted <= VERB_BURST + VERBS_PER_SECOND * elapsed + 2  # the documented limit holds
    assert refused >= sent - accepted - 2 and server.rate_limited >= refused
    assert 1 <= caplog.text.count("too fast") <= refused // 1000 + 1  # logged, but not once per refusal
    assert not result["failures"] and result["verbs"] > 10  # never starved, never limited


def test_token_guessing_is_slowed_then_locked_out_and_logged_without_the_guess(console, caplog):
    caplog.set_level(logging.INFO)
    service, server = console
    legit = Legit(server.port)
    started = time.monotonic()
    guesses = [f"guess-{i}-secret" for i in range(MAX_FAILURES)]
    errors = []

    def guess(token: str) -> None:
        try:
            RemoteAssistant(f"ws://127.0.0.1:{server.port}", token, name="猜").connect(timeout=15)
        except RemoteError as exc:
            errors.append(str(exc))

    for wave in (guesses[:4], guesses[4:]):  # at most 4 sockets of one address wait to pair at once
        threads = [threading.Thread(target=guess, args=(g,)) for g in wave]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    elapsed = time.monotonic() - started
    with pytest.raises(RemoteError, match="too many wrong pairing tokens"):
        RemoteAssistant(f"ws://127.0.0.1:{server.port}", TOKEN, name="对的也不行").connect()  # locked: even the right one
    result = legit.stop()
    print(f"guessing: {len(guesses)} wrong tokens took {elapsed:.1f} s; then locked out; legit {result}")
    assert all("wrong pairing token" in e for e in errors) and len(errors) == MAX_FAILURES
    assert elapsed >= 1.0  # each refusal is answered only after a second
    assert server.refused == MAX_FAILURES and server.guard.lockouts == 1
    assert caplog.text.count("remote pairing refused from 127.0.0.1: wrong token") == MAX_FAILURES
    assert caplog.text.count(f"127.0.0.1 locked out for 5 min after {MAX_FAILURES} wrong tokens") == 1  # one line
    assert caplog.text.count("remote pairing refused from 127.0.0.1: locked out") == 1  # and the try while locked
    assert not any(g in caplog.text for g in guesses)  # the guess itself is never logged
    assert not result["failures"]  # the paired assistant works on through the attack


def test_names_are_cleaned_unique_and_never_the_consoles(console, caplog):
    caplog.set_level(logging.INFO)
    service, server = console
    default = RemoteAssistant(f"ws://127.0.0.1:{server.port}", TOKEN, name="场控").connect()
    forged = RemoteAssistant(f"ws://127.0.0.1:{server.port}", TOKEN,
                             name="小李\nINFO app: assistant:场控 deleted everything").connect()
    again = RemoteAssistant(f"ws://127.0.0.1:{server.port}", TOKEN, name="小李\nINFO app: assistant:场控 deleted "
                                                                            "everything").connect()
    html = RemoteAssistant(f"ws://127.0.0.1:{server.port}", TOKEN, name="<img src=x><a href=y>点</a>").connect()
    try:
        actors = [default.actor, forged.actor, again.actor, html.actor]
        assert service.actor not in actors and default.actor == "assistant:场控#2"
        assert all("\n" not in a for a in actors) and len(set(actors)) == 4
        assert again.actor == forged.actor + "#2"
        assert not any(line.startswith("INFO app: assistant") for line in caplog.text.splitlines())
    finally:
        for client in (default, forged, again, html):
            client.close()


@pytest.mark.parametrize("hello", ["[]", '{"type": "hello", "token": "\\ud800", "name": "x"}',
                                   "[" * 3000 + "]" * 3000, '"hello"', '{"type": "hello", "token": 5}'])
def test_a_hello_that_is_junk_is_refused_with_a_reason_not_a_crash(console, hello):
    service, server = console
    sock = raw_pair(server.port, hello)
    sock.settimeout(5)
    data = b""
    try:
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    finally:
        sock.close()
    closes = [data[i + 2:i + 4] for i in range(len(data) - 3) if data[i] == 0x88]
    assert closes and struct.unpack(">H", closes[-1])[0] == 1008, data[:200]  # policy, never 1011 (crash)
    assert RemoteAssistant(f"ws://127.0.0.1:{server.port}", TOKEN, name="ok").connect().actor  # still serving


def test_junk_verbs_after_pairing_keep_the_connection(console):
    import asyncio

    from websockets.asyncio.client import connect

    service, server = console

    async def junk() -> list[str]:
        async with connect(f"ws://127.0.0.1:{server.port}", max_size=None) as sock:
            await sock.send(json.dumps({"type": "hello", "token": TOKEN, "name": "测"}))
            kinds = [json.loads(await sock.recv())["type"]]
            for frame in ("[" * 3000 + "]" * 3000, '{"type": "verb", "verb": "pin_product", "args": [1e400]}',
                          '{"type": "verb", "id": [1], "verb": 7, "args": []}', '{"type": "verb", "verb": "undo"}'):
                await sock.send(frame)
                while (reply := json.loads(await sock.recv()))["type"] in ("state", "events"):
                    pass
                kinds.append(reply["type"] + (":ok" if reply.get("ok") else ""))
            return kinds

    assert asyncio.run(junk()) == ["welcome", "error", "result", "result", "result"]


def _hoard(port: int, source: str, count: int) -> list[socket.socket]:
    """`count` sockets from `source` that upgrade to WebSocket and then never say hello."""
    idle = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), source_address=(source, 0))
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall(f"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
        idle.append(sock)
    return idle


def test_one_machine_hoarding_sockets_cannot_block_pairing(console, caplog):
    """Issue #25 (7): 32 unpaired sockets from anyone on the LAN answered every new assistant 1013 busy. Now one
    address holds at most 4 places, a socket without a hello is let go after 3 s, and the refusals are logged."""
    from websockets.sync.client import connect

    from app.remote.server import HELLO_TIMEOUT_S, MAX_UNPAIRED_PER_ADDRESS

    caplog.set_level(logging.INFO)
    service, server = console
    legit = Legit(server.port)
    idle = []
    try:
        idle = _hoard(server.port, "127.0.0.1", 40)
        assert wait_until(lambda: server.busy_refused >= 40 - MAX_UNPAIRED_PER_ADDRESS, 10)
        # another machine of the studio (another loopback address) pairs while the hoarder holds its sockets
        helper = socket.create_connection(("127.0.0.1", server.port), source_address=("127.0.0.2", 0))
        with connect(f"ws://127.0.0.1:{server.port}", sock=helper) as other:
            other.send(json.dumps({"type": "hello", "token": TOKEN, "name": "另一台"}))
            assert json.loads(other.recv(5))["type"] == "welcome"
        started = time.monotonic()  # and the hoarder's own sockets are let go after the hello deadline
        assert wait_until(lambda: all(_closed(s) for s in idle[:MAX_UNPAIRED_PER_ADDRESS]), HELLO_TIMEOUT_S + 5)
        print(f"hoarded sockets closed after {time.monotonic() - started:.1f} s")
        late = RemoteAssistant(f"ws://127.0.0.1:{server.port}", TOKEN, name="同一台").connect()
        late.close()
    finally:
        for sock in idle:
            sock.close()
        result = legit.stop()
    assert not result["failures"]
    busy = [r.getMessage() for r in caplog.records if "remote pairing busy" in r.getMessage()]
    assert len(busy) == 1 and "from 127.0.0.1" in busy[0] and "4 unpaired connections from that address" in busy[0]


def _closed(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True


def test_an_assistant_that_never_reads_is_dropped_with_its_own_line(monkeypatch, caplog):
    """It answered no ping and was closed after ~42 s with only a "left" line; now it is named as not reading."""
    import app.remote.server as server_module
    from tests.remote.test_frames import _server

    monkeypatch.setattr(server_module, "PING_INTERVAL_S", 0.5)
    monkeypatch.setattr(server_module, "PING_TIMEOUT_S", 1.0)
    caplog.set_level(logging.INFO)
    server, _room = _server()
    server.start()
    silent = raw_pair(server.port, {"type": "hello", "token": "t", "name": "不读"})
    try:
        assert wait_until(lambda: server.slow_dropped == 1, 15)
    finally:
        silent.close()
        server.stop()
    assert "remote assistant assistant:不读 from 127.0.0.1 dropped: it stopped reading" in caplog.text


def test_wss_pairing_pins_the_certificate(tmp_path, monkeypatch, qapp_offscreen):
    from app.remote.pairing import PinnedConsoles, parse_pairing_code

    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    service = ConsoleService(Database())
    try:
        server = service.doors.open_assistants(host="127.0.0.1", port=0, tls=True)
        url, token, fingerprint = parse_pairing_code(server.pairing_code("127.0.0.1"))
        assert url.startswith("wss://") and fingerprint == server.fingerprint
        paired = RemoteAssistant(url, token, fingerprint=fingerprint).connect()
        assert paired.server_fingerprint == fingerprint
        paired.close()
        with pytest.raises(RemoteError, match="fingerprint does not match"):
            RemoteAssistant(url, token, fingerprint="0" * 64).connect()  # another console (or a man in the middle)
        pins = PinnedConsoles(tmp_path / "pins.json")
        pins.pin(url.removeprefix("wss://"), "1" * 64)  # what we paired with before
        with pytest.raises(RemoteError, match="fingerprint does not match"):
            RemoteAssistant(url, token, pins=pins).connect()
        with pytest.raises(RemoteError):
            RemoteAssistant(url.replace("wss://", "ws://"), token).connect(timeout=3)  # no clear text on a wss port
    finally:
        service.close()


def test_a_port_in_use_is_said_in_words(console):
    service, server = console
    other = ConsoleService(service.database)
    try:
        with pytest.raises(OSError, match="already in use: choose another port") as caught:
            other.doors.open_assistants(host="127.0.0.1", port=server.port)
        assert "Errno" not in str(caught.value.strerror)
    finally:
        other.doors.close_assistants()
