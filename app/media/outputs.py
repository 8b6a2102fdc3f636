"""Outputs: each muxes the shared encode into one destination from its own thread and bounded queue."""

from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from collections import Counter, deque
from pathlib import Path
from urllib.parse import urlsplit

import av

from app.media.interfaces import Destination
from app.media.digest import GrowingFile
from app.media.encode import EncodedPacket, StreamSpec, add_streams, to_av_packet
from app.media.output_stats import DestinationError, OutputStats  # noqa: F401 - part of this module's face
from app.redaction import redact, redact_url, register_url_secrets

log = logging.getLogger(__name__)

FILE_FORMATS = {".mkv": "matroska", ".flv": "flv", ".mp4": "mp4"}
# Crash-safe recordings: after a kill -9 the file must play up to (within a second of) the kill.
_FILE_OPTIONS = {
    "matroska": {"cluster_time_limit": "1000", "flush_packets": "1"},
    "mp4": {"movflags": "frag_keyframe+empty_moov+default_base_moof", "frag_duration": "1000000",
            "flush_packets": "1"},
    "flv": {"flush_packets": "1"},
}
_STOP = object()


class Output(Destination):
    """Muxes EncodedPackets into one container from a thread of its own.

    `offer` never blocks the encoder: when the queue is full the packet is dropped and counted, and video
    stays dropped until the next keyframe so that the receiver never sees a broken reference.
    """

    def __init__(self, target: str, fmt: str, name: str, queue_size: int = 600,
                 options: dict[str, str] | None = None) -> None:
        self.target, self.format, self.options = target, fmt, options or {}
        self.stats = OutputStats(name)
        self._queue: queue.Queue = queue.Queue(maxsize=queue_size)
        self._thread: threading.Thread | None = None
        self._waiting_for_keyframe = False
        self._lock = threading.Lock()
        self._latency_ms: deque[float] = deque(maxlen=300)
        self.clock_origin: float | None = None  # MediaClock origin, set by the pipeline when the clock starts
        self.digester: GrowingFile | None = None  # a recording's digests as it is written (set before `start`)

    def start(self, specs: tuple[StreamSpec, ...]) -> None:
        """Open the destination and write its header here (for RTMP: connect and handshake), then hand the
        writing to the output's thread. Raises DestinationError when the destination cannot be opened."""
        try:
            container = av.open(self.target, "w", format=self.format, options=self.options)
            streams = add_streams(container, specs)
            container.start_encoding()
            if self.digester is not None:
                self.digester.opened()  # the header is written: the segments start after it
        except Exception as exc:
            raise DestinationError(f"cannot open {self.name}: {describe_av_error(exc)}") from None
        self._thread = threading.Thread(target=self._run, args=(container, streams), name=f"output {self.name}",
                                        daemon=True)
        self._thread.start()

    def offer(self, packet: EncodedPacket) -> None:
        if self.stats.error:
            return
        if packet.kind == "video" and self._waiting_for_keyframe:
            if not packet.is_keyframe:
                self._drop("waiting for keyframe")
                return
            self._waiting_for_keyframe = False
        try:
            self._queue.put_nowait(packet)
        except queue.Full:
            self._drop("queue full")
            if packet.kind == "video":
                self._waiting_for_keyframe = True

    def finish(self, timeout: float = 10.0) -> None:
        """Write what is queued, close the container and wait for the thread (bounded by `timeout`)."""
        if self._thread is None:
            return
        try:
            self._queue.put(_STOP, timeout=timeout)
        except queue.Full:
            self._fail("did not drain its queue in time")
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._fail("did not close in time")

    def snapshot(self) -> OutputStats:
        with self._lock:
            latency = sorted(self._latency_ms)
            return OutputStats(self.stats.name, self.stats.packets, self.stats.bytes, self.stats.video_frames,
                               self._queue.qsize(), Counter(self.stats.dropped), self.stats.error,
                               latency_ms_p95=latency[int(0.95 * (len(latency) - 1))] if latency else None)

    def _drop(self, cause: str) -> None:
        with self._lock:
            self.stats.dropped[cause] += 1

    def _fail(self, message: str) -> None:
        with self._lock:
            if not self.stats.error:
                self.stats.error = redact(message)
        log.error("output %s failed: %s", self.name, redact(message))

    def _run(self, container, streams) -> None:
        digester = self.digester
        try:
            while (packet := self._queue.get()) is not _STOP:
                container.mux(to_av_packet(packet, streams[packet.kind]))
                if digester is not None:
                    digester.wrote(packet.seconds)
                origin = self.clock_origin
                with self._lock:
                    self.stats.packets += 1
                    self.stats.bytes += len(packet.data)
                    self.stats.video_frames += packet.kind == "video"
                    if origin is not None and packet.kind == "video":
                        self._latency_ms.append((time.monotonic() - origin - packet.seconds) * 1000)
            container.close()
            container = None
            if digester is not None:
                digester.closed()
        except Exception as exc:  # any failure of one output must not take the others down
            self._fail(describe_av_error(exc))
            _drain(self._queue)
        finally:
            if container is not None:
                try:
                    container.close()
                except Exception:  # closing a broken output may fail again; the first error is the one kept
                    pass


def describe_av_error(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return redact(text)


def _drain(q: queue.Queue) -> None:
    while True:
        try:
            q.get_nowait()
        except queue.Empty:
            return


def open_destination(target: str, queue_size: int = 600) -> Output:
    """Validate a destination (an rtmp:// URL or a file path) and return its Output, not yet started.

    Raises DestinationError with a message safe to print.
    """
    if "://" in target:
        return _rtmp_output(target, queue_size)
    path = Path(target)
    fmt = FILE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DestinationError(f"unsupported recording type {path.suffix or '(none)'!r} for {target}: "
                               f"use {', '.join(FILE_FORMATS)}")
    try:
        with open(path, "ab"):
            pass
    except OSError as exc:
        raise DestinationError(f"cannot write {target}: {exc.strerror}") from None
    options = _FILE_OPTIONS.get(fmt, {})
    return Output(str(path), fmt, str(path), queue_size, options)


def _rtmp_output(url: str, queue_size: int) -> Output:
    register_url_secrets(url)
    shown = redact_url(url)
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if parts.scheme != "rtmp":
        raise DestinationError(f"unsupported URL {shown}: use rtmp://HOST[:PORT]/APP/KEY")
    if not parts.hostname or len(segments) < 2:
        raise DestinationError(f"incomplete RTMP URL {shown}: expected rtmp://HOST[:PORT]/APP/KEY")
    try:
        port = parts.port or 1935
    except ValueError:
        raise DestinationError(f"bad port in {shown}") from None
    check_reachable(parts.hostname, port, shown)
    from app.media.rtmp import RtmpOutput

    return RtmpOutput(url, shown, parts.hostname, port)


def check_reachable(host: str, port: int, shown: str, timeout: float = 3.0) -> None:
    """Fail fast with a clear message when nothing listens at host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc) or "timed out"
        raise DestinationError(f"cannot reach RTMP server for {shown}: {reason}") from None
