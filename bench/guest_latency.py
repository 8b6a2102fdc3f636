"""手机机位 / 连麦 latency and sync: from a phone's picture being made to the program frame that shows it, and its
sound against its picture in the recorded program, over the guests' door on loopback. The phone is aiortc (the
browser's part stood in for: it draws the time it made each picture as a frame code, flashes white and clicks at
the start of each second, encodes VP8 and Opus and sends them as a 连麦 guest); the console's door decodes them into
the seat's feed, and a pipeline (the render thread, as a show's) draws the seat full frame with the seat's sound
mixed in and records the program. Each program frame's code is read back at render time (latency); in the
recording each second's flash and click are found (sync: the click's start minus the flash frame's time).
The reference in the same run: a local source drawing the same frame code (the render path alone, no network, no
codec). Not measured here: a real camera's capture and a phone's hardware encoder, and what the encoder and an
RTMP push add after the program frame (docs/benchmarks.md says what each adds).

    ulimit -v 8000000; .venv/bin/python bench/guest_latency.py --seconds 30 --size 1280x720 --kind guest
    ulimit -v 8000000; .venv/bin/python bench/guest_latency.py --seconds 30 --size 1280x720 --kind camera
"""

from __future__ import annotations

import argparse
import asyncio
import fractions
import json
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.guests.door import GuestDoor  # noqa: E402
from app.guests.source import GuestSource  # noqa: E402
from app.media import framecode, yuv  # noqa: E402
from app.guests.audio import GuestAudio  # noqa: E402
from app.media.audio import MixedAudio, SilenceSource  # noqa: E402
from app.media.encode import EncoderSettings  # noqa: E402
from app.media.interfaces import VideoSource  # noqa: E402
from app.media.outputs import open_destination  # noqa: E402
from app.media.pipeline import Pipeline  # noqa: E402

MASK = 2 ** framecode.BITS - 1


def now_ms() -> int:
    return int(time.monotonic() * 1000) & MASK


def flashing() -> bool:
    return time.monotonic() % 1.0 < 1 / 30


def stamped(width: int, height: int, flash: bool = False) -> np.ndarray:
    picture = np.full((height, width, 3), 235 if flash and flashing() else 90, np.uint8)
    framecode.draw(picture, now_ms())
    return picture


class Stamped(VideoSource):
    """The reference: the frame code of the moment it is drawn, in the render thread itself."""

    def __init__(self, width: int, height: int) -> None:
        self.size = (width, height)

    def frame_at(self, stream_time: float):
        return stamped(*self.size)


def run_pipeline(source, width: int, height: int, seconds: float, sound=None, record: Path | None = None
                 ) -> list[int]:
    latencies: list[int] = []

    def sink(i420) -> None:
        y, _u, _v = yuv.planes(i420)
        latencies.append((now_ms() - framecode.read(y)) & MASK)

    outputs = [open_destination(str(record))] if record else []
    pipeline = Pipeline(EncoderSettings(width=width, height=height, fps=30), outputs, duration=seconds,
                        video_source=source, audio_source=sound or SilenceSource())
    pipeline.preview_sink = sink
    pipeline.run()
    return latencies


async def phone(port: int, token: str, width: int, height: int, stop: threading.Event) -> None:
    import av
    from aiortc import (MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription,
                        VideoStreamTrack)
    from websockets.asyncio.client import connect

    from app.remote.tls import client_context

    class Camera(VideoStreamTrack):
        async def recv(self):
            pts, time_base = await self.next_timestamp()
            frame = av.VideoFrame.from_ndarray(stamped(width, height, flash=True), format="bgr24")
            frame.pts, frame.time_base = pts, time_base
            return frame

    class Microphone(MediaStreamTrack):
        """20 ms of 48 kHz stereo each (one format throughout: aiortc's encoder keeps the first it saw), silent
        but for a 1 kHz click in the first 20 ms of each second of the phone's clock."""

        kind = "audio"

        def __init__(self) -> None:
            super().__init__()
            self._start, self._n = None, 0

        async def recv(self):
            self._start = self._start or time.monotonic()
            await asyncio.sleep(max(0.0, self._start + self._n * 0.02 - time.monotonic()))
            made = time.monotonic() - 0.02  # the piece is the 20 ms just heard
            phase = (made + np.arange(960) / 48000) % 1.0
            click = (np.sin(2 * np.pi * 1000 * phase) * 16000 * (phase < 0.02)).astype(np.int16)
            frame = av.AudioFrame.from_ndarray(np.repeat(click, 2)[None, :], format="s16", layout="stereo")
            frame.sample_rate, frame.pts, frame.time_base = 48000, self._n * 960, fractions.Fraction(1, 48000)
            self._n += 1
            return frame

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTrack(Camera())
    pc.addTrack(Microphone())
    await pc.setLocalDescription(await pc.createOffer())
    async with connect(f"wss://127.0.0.1:{port}/signal", ssl=client_context()) as socket:
        await socket.send(json.dumps({"type": "join", "token": token, "sdp": pc.localDescription.sdp}))
        answer = json.loads(await socket.recv())
        await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
        while not stop.is_set():
            await asyncio.sleep(0.1)
    await pc.close()


def sync_offsets(recording: Path) -> list[float]:
    """Each second's click start minus its flash frame's time in the recorded program, ms (positive: sound late)."""
    import av

    with av.open(str(recording)) as container:
        flashes = [float(frame.time) for frame in container.decode(video=0)
                   if frame.to_ndarray()[: frame.height].mean() > 180]
    with av.open(str(recording)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=48000)
        pieces = [(float(frame.time), piece.to_ndarray().reshape(-1)) for frame in container.decode(audio=0)
                  for piece in resampler.resample(frame)]
    first = pieces[0][0]
    mono = np.concatenate([p for _t, p in pieces])
    loud = np.flatnonzero(np.abs(mono) > 0.1)
    clicks = [first + i / 48000 for n, i in enumerate(loud) if n == 0 or i - loud[n - 1] > 24000]
    print(f"(the recording: {len(flashes)} flash frames, {len(clicks)} clicks)")
    offsets = []
    for flash in flashes:
        near = [c for c in clicks if abs(c - flash) < 0.4]
        if near:
            offsets.append((near[0] - flash) * 1000)
    return offsets


def summary(name: str, values: list[int]) -> str:
    values = sorted(values)
    p95 = values[int(0.95 * (len(values) - 1))]
    return (f"| {name} | {len(values)} | {statistics.median(values):.0f} | {p95} | {values[-1]} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--kind", choices=("guest", "camera"), default="guest",
                        help="a 连麦 guest (its picture held to meet its sound) or a phone camera (no sound on air)")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    reference = run_pipeline(Stamped(width, height), width, height, min(10.0, args.seconds))
    with tempfile.TemporaryDirectory() as folder:
        door = GuestDoor(host="127.0.0.1", port=0, folder=Path(folder))
        door.start()
        invitation = door.invite("手机1", args.kind)
        door.accept("手机1")
        stop = threading.Event()
        sender = threading.Thread(target=lambda: asyncio.run(phone(door.port, invitation.token, width, height, stop)))
        sender.start()
        feed = door.feed("手机1")
        deadline = time.monotonic() + 20
        while feed.latest().count < 30 and time.monotonic() < deadline:
            time.sleep(0.1)
        warm = feed.latest()
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        counted = warm.count
        recording = Path(folder) / "program.mkv"
        sound = MixedAudio(SilenceSource(), [GuestAudio(feed)])
        latencies = run_pipeline(GuestSource(feed, width, height), width, height, args.seconds, sound, recording)
        offsets = sync_offsets(recording)
        after = resource.getrusage(resource.RUSAGE_SELF)
        received = feed.latest().count - counted
        size = (feed.latest().frame.width, feed.latest().frame.height) if feed.latest().frame else None
        stop.set()
        sender.join(10)
        door.stop()
    print(f"a {args.kind} seat, {args.seconds:g} s at {width}x{height}, sent at 30/s; received {received / args.seconds:.1f}/s at {size}; "
          f"CPU of the whole process (phone's encoder too) {after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime:.1f} s")
    print("| path | program frames | median ms | p95 ms | max ms |")
    print("|---|---|---|---|---|")
    print(summary("phone (aiortc) → door → seat → program frame", latencies))
    print(summary("reference: the code drawn in the render thread", reference))
    if args.kind == "camera":
        print("sync: a phone camera's sound is not in the program")
    elif offsets:
        print(f"sync in the recorded program (click start - flash frame), {len(offsets)} seconds: median "
              f"{statistics.median(offsets):+.0f} ms, range {min(offsets):+.0f} to {max(offsets):+.0f} ms "
              f"(one frame: {1000 / 30:.0f} ms)")
    else:
        print("sync: no flash found with its click in the recording")
    return 0


if __name__ == "__main__":
    sys.exit(main())
