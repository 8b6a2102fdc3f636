"""What a 连麦 guest sees and hears: the program coming back to their browser, so they can talk with the host.
The picture is the window's newest program picture (small: the preview's) at 15 a second; the sound is the show's
own without the guests' (mix-minus: nobody hears themselves come back late), handed from the pipeline's thread
through `ProgramSound`, a ring of 0.3 s each guest reads from its own place (late: it jumps to the newest)."""

from __future__ import annotations

import asyncio
import fractions
import threading
import time
from collections.abc import Callable

import numpy as np

RATE = 48000
PIECE = 960  # 20 ms: what a browser expects per Opus packet
KEEP_S = 0.3  # at most this much sound waits for the guest: more is let go from the front (latency over history)
PICTURES_PER_S = 15
BLACK = np.zeros((360, 640, 3), np.uint8)


class ProgramSound:
    """The show's own sound, written by the pipeline (each frame's worth) into a ring of KEEP_S, read by each
    guest's return track (20 ms at a time) from its own place: a reader that falls KEEP_S behind jumps to the
    newest; one that reaches what was written gets silence for what is missing and reads it next time."""

    def __init__(self, channels: int = 2) -> None:
        self.channels = channels
        self._ring = np.zeros((channels, int(KEEP_S * RATE)), np.float32)
        self.written = 0  # samples written since the start (the ring holds the last len(ring))
        self._lock = threading.Lock()

    def put(self, first: int, samples: np.ndarray) -> None:  # the pipeline's thread; `first` unused: in order
        size = self._ring.shape[1]
        piece = np.asarray(samples[: self.channels], np.float32)[:, -size:]
        with self._lock:
            at = self.written % size
            head = min(piece.shape[1], size - at)
            self._ring[:, at:at + head] = piece[:, :head]
            self._ring[:, : piece.shape[1] - head] = piece[:, head:]
            self.written += piece.shape[1]

    def reader(self) -> Callable[[int], np.ndarray]:
        """A reader's `take(count)`: the next `count` samples from where it is, starting from the newest."""
        place = [None]

        def take(count: int) -> np.ndarray:
            size = self._ring.shape[1]
            out = np.zeros((self.channels, count), np.float32)
            with self._lock:
                if place[0] is None or place[0] < self.written - size:
                    place[0] = max(0, self.written - 2 * PIECE)  # at the newest, 40 ms behind (jitter room)
                have = max(0, min(count, self.written - place[0]))
                at = place[0] % size
                head = min(have, size - at)
                out[:, :head] = self._ring[:, at:at + head]
                out[:, head:have] = self._ring[:, : have - head]
                place[0] += have  # short of sound: silence now, the rest later (a little later than before)
            return out

        return take


def program_tracks(picture: Callable[[], np.ndarray | None], sound: ProgramSound) -> list:
    """The two tracks aiortc sends a guest (made on the door's loop)."""
    import av
    from aiortc import MediaStreamTrack

    class ProgramPicture(MediaStreamTrack):
        kind = "video"

        def __init__(self) -> None:
            super().__init__()
            self._start, self._n = None, 0

        async def recv(self):
            self._start = self._start or time.monotonic()
            await asyncio.sleep(max(0.0, self._start + self._n / PICTURES_PER_S - time.monotonic()))
            bgr = picture()
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(bgr if bgr is not None else BLACK),
                                               format="bgr24")
            frame.pts, frame.time_base = self._n * (90000 // PICTURES_PER_S), fractions.Fraction(1, 90000)
            self._n += 1
            return frame

    class ProgramVoice(MediaStreamTrack):
        kind = "audio"

        def __init__(self) -> None:
            super().__init__()
            self._start, self._n, self._take = None, 0, sound.reader()

        async def recv(self):
            self._start = self._start or time.monotonic()
            await asyncio.sleep(max(0.0, self._start + self._n * PIECE / RATE - time.monotonic()))
            samples = self._take(PIECE)
            pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16)
            stereo = pcm if pcm.shape[0] == 2 else np.repeat(pcm[:1], 2, axis=0)
            frame = av.AudioFrame.from_ndarray(stereo.T.reshape(1, -1), format="s16", layout="stereo")
            frame.sample_rate, frame.pts = RATE, self._n * PIECE
            frame.time_base = fractions.Fraction(1, RATE)
            self._n += 1
            return frame

    return [ProgramPicture(), ProgramVoice()]
