"""Audio on the shared clock: a buffer placed by sample index, and silence where nothing arrived."""

from __future__ import annotations

import threading
from collections import deque

import numpy as np

from app.media.testsrc import BeepTone


class AudioBuffer:
    """Chunks of planar float audio keyed by their first sample index on the stream clock.

    `pull` returns exactly the requested span; gaps are silence (counted in `underruns`), so a stalled source
    never shifts audio against video.
    """

    def __init__(self, channels: int = 2, max_chunks: int = 2000) -> None:
        self.channels = channels
        self.underruns = 0
        self._chunks: deque[tuple[int, np.ndarray]] = deque(maxlen=max_chunks)
        self._lock = threading.Lock()

    def put(self, first: int, samples: np.ndarray) -> None:
        if samples.shape[0] != self.channels:
            samples = np.broadcast_to(samples[:1], (self.channels, samples.shape[1]))
        with self._lock:
            self._chunks.append((first, np.asarray(samples, np.float32)))

    def pull(self, first: int, count: int) -> np.ndarray:
        out = np.zeros((self.channels, count), np.float32)
        end = first + count
        covered = 0
        with self._lock:
            while self._chunks and self._chunks[0][0] + self._chunks[0][1].shape[1] <= first:
                self._chunks.popleft()  # entirely in the past
            for start, data in self._chunks:
                if start >= end:
                    break
                lo, hi = max(start, first), min(start + data.shape[1], end)
                if hi > lo:
                    out[:, lo - first : hi - first] = data[:, lo - start : hi - start]
                    covered += hi - lo
        if covered < count:
            self.underruns += 1
        return out


class SilenceSource:
    """No microphone here: silence, with a notice the UI and stats can show."""

    notice = "no microphone: sending silence"

    def samples(self, first: int, count: int) -> np.ndarray:
        return np.zeros((2, count), np.float32)


class BeepSource:
    """The test pattern's companion: a 1 kHz beep at the start of every second."""

    notice = None

    def __init__(self, sample_rate: int = 48000, channels: int = 2) -> None:
        self._tone = BeepTone(sample_rate, channels)

    def samples(self, first: int, count: int) -> np.ndarray:
        return self._tone.samples(first, count)
