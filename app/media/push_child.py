"""The child-process side of an RTMP push: connect, handshake and write, where a hang cannot freeze the app.

PyAV holds the GIL through the RTMP connect and handshake and has no timeout for them (field notes), so this
runs in a process of its own. The parent sends pickled EncodedPackets through a pipe and watches `progress`.
"""

from __future__ import annotations

import pickle
from multiprocessing.connection import Connection

STATE_CONNECTING, STATE_CONNECTED, STATE_FAILED = 0, 1, 2


def limit_send_buffer(size: int) -> int:
    """Shrink the kernel send buffer of this process's TCP socket(s); return how many were changed.

    The push process owns exactly one TCP connection (PyAV's RTMP). With the kernel's default autotuned
    buffers a frozen server silently absorbs tens of seconds of video before a write blocks; a buffer of about
    half a second makes congestion show up in our own send buffer, where the drop policy and watchdog act.
    """
    import os
    import socket

    changed = 0
    try:
        fds = [int(fd) for fd in os.listdir("/proc/self/fd")]
    except OSError:
        return 0  # not Linux: keep the defaults
    for fd in fds:
        try:
            if not os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                continue
            sock = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        with sock:
            if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)
                changed += 1
    return changed


def push_main(url: str, specs, conn: Connection, state, written, error_out, send_buffer: int = 0) -> None:
    """Entry point of the push process. `state`, `written` are shared integers; `error_out` a shared byte array."""
    import av

    from app.media.encode import add_streams, to_av_packet

    container = None
    try:
        container = av.open(url, "w", format="flv")
        streams = add_streams(container, specs)
        container.start_encoding()  # RTMP connect + handshake + publish happen here
        if send_buffer:
            limit_send_buffer(send_buffer)
        state.value = STATE_CONNECTED
        while True:
            try:
                blob = conn.recv_bytes()
            except EOFError:
                break
            if not blob:
                break
            packet = pickle.loads(blob)
            container.mux(to_av_packet(packet, streams[packet.kind]))
            written.value += 1
        container.close()
        container = None
    except Exception as exc:  # report and exit; the parent decides about reconnecting
        message = (getattr(exc, "strerror", None) or str(exc) or type(exc).__name__).encode("utf-8", "replace")
        error_out[: min(len(message), len(error_out))] = message[: len(error_out)]
        state.value = STATE_FAILED
    finally:
        if container is not None:
            try:
                container.close()
            except Exception:  # the connection is already broken; the first error was reported
                pass
