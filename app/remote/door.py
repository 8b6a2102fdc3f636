"""What the LAN assistants' server and the control surfaces' server share: a websockets server in its own asyncio
thread. `start()` listens and returns once it does (OSError when the port is taken), `stop()` closes it and every
connection (a peer that does not answer the closing handshake is let go after CLOSE_TIMEOUT_S) and joins the
thread. A subclass gives the handler, its `serve()` options and, if it needs one, a task that runs beside it.
"""

from __future__ import annotations

import asyncio
import threading

from app.redaction import frame_logger
from app.remote.guard import CLOSE_TIMEOUT_S

MAX_MESSAGE_BYTES = 64 * 1024  # a bigger frame closes its connection (1009): no one's verb needs more
JOIN_S = 5.0


class WebSocketDoor:
    thread_name = "websocket server"

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    # --- what a door fills in ----------------------------------------------------------------------------
    async def _handler(self, socket) -> None:
        raise NotImplementedError

    def _serve_options(self) -> dict:
        """More keyword arguments for websockets' `serve()` (TLS, subprotocols)."""
        return {}

    async def _beside(self) -> None:
        """Runs while the door is open (cancelled at stop), e.g. pushing state to the connections."""

    # --- the thread --------------------------------------------------------------------------------------
    def start(self) -> None:
        self._error = None
        self._ready.clear()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), name=self.thread_name,
                                        daemon=True)
        self._thread.start()
        self._ready.wait(5)
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            try:
                self._loop.call_soon_threadsafe(self._stop.set)
            except RuntimeError:  # the loop ended already
                pass
        if self._thread is not None:
            self._thread.join(JOIN_S)

    def _call_soon(self, callback) -> None:
        """Run `callback` on the door's loop (from any thread); nothing when it is not running."""
        if self._loop is not None:
            try:
                self._loop.call_soon_threadsafe(callback)
            except RuntimeError:  # closed meanwhile
                pass

    async def _main(self) -> None:
        from websockets.asyncio.server import serve

        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        try:
            server = await serve(self._handler, self.host, self.port, max_size=MAX_MESSAGE_BYTES,
                                 close_timeout=CLOSE_TIMEOUT_S, logger=frame_logger(), **self._serve_options())
        except OSError as exc:
            self._error = exc
            self._ready.set()
            return
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        beside = asyncio.create_task(self._beside())
        await self._stop.wait()
        beside.cancel()
        server.close()
        await server.wait_closed()
