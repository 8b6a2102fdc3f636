"""A phone for the guests' door written with aiortc (the console's own WebRTC library, used here from the other
side): it joins with a token or a rejoin key and sends frames of one colour, so a test knows what must arrive."""

from __future__ import annotations

import asyncio
import fractions
import json

import av
import numpy as np
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.remote.tls import client_context

YUV_GREEN = (145, 54, 34)  # BT.601 limited-range Y, U, V of a strong green


class ColourTrack(VideoStreamTrack):
    def __init__(self, width: int = 640, height: int = 360, yuv=YUV_GREEN) -> None:
        super().__init__()
        self.size, self.yuv, self._n = (width, height), yuv, 0

    async def recv(self):
        await asyncio.sleep(1 / 30)
        width, height = self.size
        planes = np.empty((height * 3 // 2, width), np.uint8)
        planes[:height] = self.yuv[0]
        chroma = planes[height:].reshape(-1)
        chroma[: chroma.size // 2] = self.yuv[1]
        chroma[chroma.size // 2:] = self.yuv[2]
        frame = av.VideoFrame.from_ndarray(planes, format="yuv420p")
        frame.pts, frame.time_base = self._n * 3000, fractions.Fraction(1, 90000)
        self._n += 1
        return frame


class ToneTrack(MediaStreamTrack):
    """A guest's microphone: a steady sine at `hertz`, 20 ms pieces of 48 kHz stereo s16 as a browser sends."""

    kind = "audio"

    def __init__(self, hertz: float = 440.0, level: float = 0.5) -> None:
        super().__init__()
        self.hertz, self.level, self._n = hertz, level, 0

    async def recv(self):
        await asyncio.sleep(0.02)
        t = (self._n * 960 + np.arange(960)) / 48000
        wave = (np.sin(2 * np.pi * self.hertz * t) * self.level * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(np.repeat(wave, 2)[None, :], format="s16", layout="stereo")
        frame.sample_rate, frame.pts, frame.time_base = 48000, self._n * 960, fractions.Fraction(1, 48000)
        self._n += 1
        return frame


def tls():
    """The console's own client context (no authority vouches for a console on the LAN; the assistant pins)."""
    return client_context()


class Phone:
    """`await phone.join(token=…)` → the answer frame (or the error frame); `await phone.hang_up()`."""

    def __init__(self, port: int, track: ColourTrack | None = None, audio: ToneTrack | None = None) -> None:
        self.url, self.track, self.audio = f"wss://127.0.0.1:{port}/signal", track or ColourTrack(), audio
        self.pc = self.socket = None
        self.messages: list[dict] = []
        self.pictures: list[np.ndarray] = []  # what the console sent back (a guest's): BGR, the last 30
        self.sound: list[np.ndarray] = []  # and its sound, mono float pieces

    def _receive(self, track) -> None:
        async def pull():
            from aiortc.mediastreams import MediaStreamError

            while True:
                try:
                    frame = await track.recv()
                except MediaStreamError:
                    return
                if track.kind == "video":
                    self.pictures = [*self.pictures[-29:], frame.to_ndarray(format="bgr24")]
                else:
                    pcm = frame.to_ndarray().reshape(-1, len(frame.layout.channels))[:, 0] / 32768
                    self.sound.append(pcm.astype(np.float32))

        asyncio.ensure_future(pull())

    async def join(self, token: str | None = None, key: str | None = None) -> dict:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.pc.on("track", self._receive)
        self.pc.addTrack(self.track)
        if self.audio is not None:
            self.pc.addTrack(self.audio)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        self.socket = await connect(self.url, ssl=tls())
        # the secret first: a library logging only the start of a frame at debug would show it (masked)
        join = {"type": "join", **({"key": key} if key else {"token": token}), "sdp": self.pc.localDescription.sdp}
        try:
            await self.socket.send(json.dumps(join))
        except ConnectionClosed:  # a door that refuses at once (a locked-out address) says why first
            pass
        reply = json.loads(await self.socket.recv())
        if reply["type"] == "answer":
            await self.pc.setRemoteDescription(RTCSessionDescription(reply["sdp"], "answer"))
        return reply

    async def next_message(self, timeout: float = 5.0) -> dict:
        return json.loads(await asyncio.wait_for(self.socket.recv(), timeout))

    async def hang_up(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        if self.pc is not None:
            await self.pc.close()


class PhoneThread:
    """A phone on a loop of its own thread, for a test whose own thread must keep Qt's events flowing:
    `run(coroutine)` waits for its result."""

    def __init__(self) -> None:
        import threading

        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="test phone", daemon=True)
        self._thread.start()

    def run(self, coroutine, timeout: float = 20.0):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.run(self.loop.shutdown_default_executor(), 5)  # aiortc's blocking work ran on the loop's executor
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
