"""A guest's sound in the program (连麦): the seat's decoded audio placed on the show's clock as it arrives, a
little behind (`PLAYOUT_S`, so the network's jitter does not cut it), and re-placed when it drifts, as a
microphone's is. Silent unless the seat is on air and heard (`GuestFeed.heard`: a guest's by default; a phone
camera's only when asked — the host's microphone is the show's), at the seat's level (`GuestFeed.gain`)."""

from __future__ import annotations

import numpy as np

from app.guests.feed import GuestFeed
from app.media.audio import AudioBuffer
from app.media.interfaces import AudioSource

PLAYOUT_S = 0.06  # the sound is placed this far behind its arrival: WebRTC's packets come every 20 ms, give or take
RESYNC_S = 0.04  # further from where it should be than this, it is placed again (a stall, a clock that drifts)
# aiortc's audio jitter buffer lets a packet out only once it holds four of 20 ms (rtcrtpreceiver.py): a guest's
# sound arrives that much later than its pictures, which are held as long (GuestFeed.delay_s) to stay together
PICTURE_DELAY_S = 4 * 0.020


class GuestAudio(AudioSource):
    def __init__(self, feed: GuestFeed, sample_rate: int = 48000, channels: int = 2) -> None:
        self.feed, self.sample_rate, self.channels = feed, sample_rate, channels
        self.buffer = AudioBuffer(channels)
        self.resyncs = 0
        self._clock = None
        self._next: int | None = None
        self._resampler = None

    def start(self, clock) -> None:
        import av

        self._clock = clock
        self._resampler = av.AudioResampler(format="fltp", layout="stereo" if self.channels == 2 else "mono",
                                            rate=self.sample_rate)
        self.feed.listen(self._arrived)

    def stop(self) -> None:
        self.feed.stop_listening(self._arrived)

    def on_air(self) -> bool:
        state = self.feed.latest()
        return state.accepted and state.connected and self.feed.heard

    def samples(self, first: int, count: int) -> np.ndarray:
        pulled = self.buffer.pull(first, count)
        if not self.on_air():
            return np.zeros_like(pulled)
        gain = self.feed.gain
        return pulled if gain == 1.0 else pulled * np.float32(gain)

    def _arrived(self, frame) -> None:  # the door's thread
        if self._clock is None:
            return
        for piece in self._resampler.resample(frame):
            data = np.ascontiguousarray(piece.to_ndarray(), np.float32)
            length = data.shape[1]
            due = int(round((self._clock.now() + PLAYOUT_S) * self.sample_rate)) - length
            if self._next is None or abs(due - self._next) > RESYNC_S * self.sample_rate:
                if self._next is not None:
                    self.resyncs += 1
                self._next = due
            self.buffer.put(self._next, data)
            self._next += length
