"""RTMP push output: a send buffer with OBS-style drops, a watched child process, reconnect that never gives up.

Threads (parent): `sender` moves packets from the send buffer into the child's pipe and (re)starts the child;
`watchdog` kills a child that does not connect in time or stops making progress. The child (push_child) owns the
socket, so a silent or frozen server can only ever block that child.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import pickle
import socket
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass

from app.media.encode import EncodedPacket, StreamSpec
from app.media.interfaces import Destination
from app.media.output_stats import OutputStats
from app.media.push_child import STATE_CONNECTED, STATE_FAILED, push_main
from app.redaction import redact

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PushPolicy:
    drop_threshold: float = 0.7  # seconds of buffered video before non-keyframes are dropped (OBS default)
    connect_timeout: float = 5.0  # connect + handshake must finish within this
    stall_timeout: float = 3.0  # no packet written for this long while data waits → the child is killed
    retry_delays: tuple[float, ...] = (0.25, 0.5, 1.0, 1.5)  # then the last one forever: back within ~2 s
    max_buffer_bytes: int = 64 * 1024 * 1024
    drain_timeout: float = 3.0  # at stop, how long queued packets may take to go out
    socket_buffer_seconds: float = 0.5  # kernel send buffer, in seconds of the stream's bitrate


_ctx = None


def _context():
    """forkserver where it exists (a clean, preloaded parent for cheap restarts), spawn elsewhere."""
    global _ctx
    if _ctx is None:
        if "forkserver" in mp.get_all_start_methods():
            _ctx = mp.get_context("forkserver")
            _ctx.set_forkserver_preload(["av", "app.media.encode", "app.media.push_child"])
        else:
            _ctx = mp.get_context("spawn")
    return _ctx


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a running process (Linux /proc); None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime (fields 14 and 15 of stat)
    except (OSError, IndexError, ValueError):
        return None


class _Child:
    """One push process and its shared progress counters."""

    def __init__(self, url: str, specs: tuple[StreamSpec, ...], send_buffer: int) -> None:
        ctx = _context()
        self.state = ctx.Value("i", 0, lock=False)
        self.written = ctx.Value("q", 0, lock=False)
        self.error = ctx.Array("c", 512, lock=False)
        receive, self.conn = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=push_main, args=(url, specs, receive, self.state, self.written, self.error,
                                                                    send_buffer),
                                   name="rtmp-push", daemon=True)
        self.process.start()
        receive.close()
        self.started = time.monotonic()
        self.sent = 0
        self.last_progress = (0, time.monotonic())
        self.cpu = 0.0  # its CPU seconds at the last reading (kept when it has gone)

    def cpu_seconds(self) -> float:
        now = process_cpu_seconds(self.process.pid) if self.process.pid else None
        if now is not None:
            self.cpu = now
        return self.cpu

    @property
    def connected(self) -> bool:
        return self.state.value == STATE_CONNECTED

    def error_text(self) -> str:
        raw = bytes(self.error[:]).split(b"\0", 1)[0]
        return raw.decode("utf-8", "replace") if self.state.value == STATE_FAILED else ""

    def terminate(self) -> None:
        """Kill the process only; the sender thread, which owns the pipe, cleans up after it."""
        if self.process.is_alive():
            self.process.kill()

    def kill(self) -> None:
        self.terminate()
        self.process.join(2)
        self.conn.close()


class RtmpOutput(Destination):
    """A `Destination` for an rtmp:// URL: packets go to a push process of its own (reconnects, drops)."""

    def __init__(self, url: str, name: str, host: str, port: int, policy: PushPolicy | None = None) -> None:
        self.url, self.host, self.port = url, host, port
        self.policy = policy or PushPolicy()
        self.stats = OutputStats(name)
        self.reconnects = 0
        self.restarts: Counter = Counter()  # push processes killed by the watchdog, by cause
        self.connected = False
        self.connected_since: float | None = None  # wall-clock time of the last successful connect
        self._buffer: deque[EncodedPacket] = deque()
        self._buffer_bytes = 0
        self._waiting_for_keyframe = False
        self._cond = threading.Condition()
        self._stopping = False
        self._child: _Child | None = None
        self._specs: tuple[StreamSpec, ...] = ()
        self._threads: list[threading.Thread] = []
        self._cpu_retired = 0.0  # CPU seconds of push processes that have ended
        self.clock_origin: float | None = None  # unused: latency past the pipe is the child's, not measured

    def cpu_seconds(self) -> float:
        """CPU time of this destination's push processes so far (they are not in the main process' usage)."""
        child = self._child
        return self._cpu_retired + (child.cpu_seconds() if child is not None else 0.0)

    # --- interface used by the pipeline ------------------------------------------------------------------
    def start(self, specs: tuple[StreamSpec, ...]) -> None:
        """Connect once before streaming starts (bounded by connect_timeout), then keep the push alive in the
        background. Raises DestinationError when the first connection cannot be made."""
        from app.media.output_stats import DestinationError

        self._specs = specs
        child = self._spawn()
        deadline = time.monotonic() + self.policy.connect_timeout
        while not child.connected and child.process.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        if not child.connected:
            reason = child.error_text() or f"no RTMP handshake within {self.policy.connect_timeout:g} s"
            child.kill()
            raise DestinationError(f"cannot publish to {self.name}: {redact(reason)}")
        self._child = child
        self.connected, self.connected_since = True, time.time()
        for target, name in ((self._send_loop, "sender"), (self._watch_loop, "watchdog")):
            thread = threading.Thread(target=target, name=f"rtmp {name} {self.name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def offer(self, packet: EncodedPacket) -> None:
        with self._cond:
            if packet.kind == "video":
                if self._waiting_for_keyframe and not packet.is_keyframe:
                    self.stats.dropped["network congestion" if self.connected else "disconnected"] += 1
                    return
                if packet.is_keyframe:
                    self._waiting_for_keyframe = False
                    if not self.connected:  # nothing older than the newest keyframe is worth sending later
                        self._discard_all("disconnected")
            self._buffer.append(packet)
            self._buffer_bytes += len(packet.data)
            if self.buffered_seconds() > self.policy.drop_threshold:
                self._drop_video_for_congestion()
            while self._buffer_bytes > self.policy.max_buffer_bytes and self._buffer:
                self._pop_counted("buffer full")
            self._cond.notify()

    def finish(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout if timeout is not None else self.policy.drain_timeout)
        with self._cond:
            while self._buffer and self.connected and time.monotonic() < deadline:
                self._cond.wait(0.05)
            self._stopping = True
            self._cond.notify_all()
        sender = self._threads[0] if self._threads else None
        if sender is not None:  # the pipe has one writer: let the sender finish its packet first
            sender.join(max(0.1, deadline - time.monotonic()))
        child = self._child
        if child is not None:
            if sender is None or not sender.is_alive():
                try:
                    child.conn.send_bytes(b"")  # end of stream: the child writes the FLV trailer and exits
                except OSError:
                    pass
                child.process.join(max(0.1, deadline - time.monotonic()))
            child.kill()  # a child still blocked (frozen server) is killed; that also frees a blocked sender
        for thread in self._threads:
            thread.join(2)

    def snapshot(self) -> OutputStats:
        with self._cond:
            return OutputStats(self.stats.name, self.stats.packets, self.stats.bytes, self.stats.video_frames,
                               len(self._buffer),
                               Counter(self.stats.dropped), self.stats.error, connected=self.connected,
                               reconnects=self.reconnects, restarts=dict(self.restarts),
                               connected_since=self.connected_since,
                               congestion=self.buffered_seconds() / self.policy.drop_threshold)

    def _spawn(self) -> _Child:
        bitrate = sum(spec.bit_rate for spec in self._specs)
        return _Child(self.url, self._specs, max(64 * 1024, int(bitrate / 8 * self.policy.socket_buffer_seconds)))

    # --- send buffer (call with the lock held) -----------------------------------------------------------
    def buffered_seconds(self) -> float:
        """Stream time spanned by what waits to be sent (OBS measures the same to decide about drops)."""
        if len(self._buffer) < 2:
            return 0.0
        return max(0.0, self._buffer[-1].seconds - self._buffer[0].seconds)

    def _drop_video_for_congestion(self) -> None:
        kept: deque[EncodedPacket] = deque()
        for packet in self._buffer:
            if packet.kind == "video" and not packet.is_keyframe:
                self.stats.dropped["network congestion"] += 1
                self._buffer_bytes -= len(packet.data)
            else:
                kept.append(packet)
        self._buffer = kept
        self._waiting_for_keyframe = True

    def _discard_all(self, cause: str) -> None:
        while self._buffer:
            self._pop_counted(cause)

    def _pop_counted(self, cause: str) -> None:
        packet = self._buffer.popleft()
        self._buffer_bytes -= len(packet.data)
        if packet.kind == "video":
            self.stats.dropped[cause] += 1

    # --- threads ----------------------------------------------------------------------------------------
    def _send_loop(self) -> None:
        attempt = 0
        while not self._stopping:
            child = self._child
            if child is None or not child.process.is_alive():
                if child is not None:
                    self._child_ended(child)
                    attempt += 1
                    self._sleep_backoff(attempt)
                    if self._stopping:
                        break
                if not self._probe():
                    attempt += 1
                    self._sleep_backoff(attempt)
                    continue
                self._child = self._spawn()
                continue
            if not child.connected:
                time.sleep(0.02)
                continue
            if not self.connected:
                with self._cond:
                    self.connected, self.connected_since = True, time.time()
                    self._start_at_keyframe()
                if attempt:
                    log.warning("%s: reconnected", self.name)
                attempt = 0
            with self._cond:
                while not self._buffer and not self._stopping and child.process.is_alive():
                    self._cond.wait(0.2)
                if not self._buffer:
                    continue
                packet = self._buffer.popleft()
                self._buffer_bytes -= len(packet.data)
                self._cond.notify_all()
            try:
                child.conn.send_bytes(pickle.dumps(packet, protocol=pickle.HIGHEST_PROTOCOL))
                child.sent += 1
                with self._cond:
                    self.stats.packets += 1
                    self.stats.bytes += len(packet.data)
                    self.stats.video_frames += packet.kind == "video"
            except OSError:
                child.kill()  # broken pipe: the child died or was killed by the watchdog

    def _start_at_keyframe(self) -> None:
        """After a (re)connect the stream must begin with a keyframe: drop what comes before the first one."""
        while self._buffer and not (self._buffer[0].kind == "video" and self._buffer[0].is_keyframe):
            if any(p.kind == "video" and p.is_keyframe for p in self._buffer):
                self._pop_counted("disconnected")
            else:
                self._discard_all("disconnected")
                self._waiting_for_keyframe = True

    def _child_ended(self, child: _Child) -> None:
        reason = redact(child.error_text() or "connection lost")
        was_connected = child.connected or self.connected
        self._cpu_retired += child.cpu_seconds()  # read before it is reaped (the last second may be missed)
        child.kill()
        with self._cond:
            self.connected = False
            self._child = None
            if was_connected:
                self.reconnects += 1
        log.warning("%s: push ended (%s); reconnecting", self.name, reason)

    def _probe(self) -> bool:
        """Cheap check before spawning a child: is anything listening? (A socket connect releases the GIL.)"""
        try:
            with socket.create_connection((self.host, self.port), timeout=1.0):
                return True
        except OSError:
            return False

    def _sleep_backoff(self, attempt: int) -> None:
        delays = self.policy.retry_delays
        delay = delays[min(attempt - 1, len(delays) - 1)]
        with self._cond:
            self._cond.wait_for(lambda: self._stopping, timeout=delay)

    def _watch_loop(self) -> None:
        while not self._stopping:
            time.sleep(0.1)
            child = self._child
            if child is None or not child.process.is_alive():
                continue
            now = time.monotonic()
            if not child.connected:
                if now - child.started > self.policy.connect_timeout:
                    log.warning("%s: no handshake within %.0f s; restarting the push", self.name,
                                self.policy.connect_timeout)
                    with self._cond:
                        self.restarts["handshake timeout"] += 1
                    child.terminate()
                continue
            written = child.written.value
            if written != child.last_progress[0] or child.sent <= written:
                child.last_progress = (written, now)
            elif now - child.last_progress[1] > self.policy.stall_timeout:
                log.warning("%s: no progress for %.0f s; restarting the push", self.name, self.policy.stall_timeout)
                with self._cond:
                    self.restarts["stalled"] += 1
                child.terminate()
