"""Audio on the shared clock: a buffer placed by sample index, and silence where nothing arrived."""

from __future__ import annotations

import threading
from collections import deque

import numpy as np

from app.media.interfaces import AudioSource
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


class SilenceSource(AudioSource):
    """No microphone here: silence, with a notice the UI and stats can show."""

    notice = "no microphone: sending silence"

    def start(self, clock) -> None:
        pass

    def stop(self) -> None:
        pass

    def samples(self, first: int, count: int) -> np.ndarray:
        return np.zeros((2, count), np.float32)


class BeepSource(AudioSource):
    """The test pattern's companion: a 1 kHz beep at the start of every second."""

    notice = None

    def start(self, clock) -> None:
        pass

    def stop(self) -> None:
        pass

    def __init__(self, sample_rate: int = 48000, channels: int = 2) -> None:
        self._tone = BeepTone(sample_rate, channels)

    def samples(self, first: int, count: int) -> np.ndarray:
        return self._tone.samples(first, count)


class MicrophoneSource(AudioSource):
    """A microphone through PortAudio (sounddevice), placed on the shared clock.

    The first block is placed at the clock's time of its arrival minus its length; later blocks follow on
    sample by sample, and are re-placed when they drift more than 40 ms from the clock (a device whose crystal
    runs fast or slow, or a stall), so audio stays in sync with video over hours.
    """

    notice = None
    RESYNC_SECONDS = 0.040

    def __init__(self, device=None, sample_rate: int = 48000, channels: int = 2) -> None:
        import sounddevice  # imported here: PortAudio is optional on machines without audio

        self.sample_rate, self.channels = sample_rate, channels
        self.buffer = AudioBuffer(channels)
        self.resyncs = 0
        self._clock = None
        self._next: int | None = None
        info = sounddevice.query_devices(device, kind="input")  # raises when there is no input device
        self._stream = sounddevice.InputStream(device=device, samplerate=sample_rate,
                                               channels=min(channels, int(info["max_input_channels"])),
                                               dtype="float32", callback=self._callback)

    def start(self, clock) -> None:
        self._clock = clock
        self._stream.start()

    def stop(self) -> None:
        self._stream.stop()
        self._stream.close()

    def samples(self, first: int, count: int) -> np.ndarray:
        return self.buffer.pull(first, count)

    def _callback(self, indata: np.ndarray, frames: int, _time_info, _status) -> None:
        if self._clock is None:
            return
        arrived = int(round((self._clock.now() - frames / self.sample_rate) * self.sample_rate))
        if self._next is None or abs(arrived - self._next) > self.RESYNC_SECONDS * self.sample_rate:
            if self._next is not None:
                self.resyncs += 1
            self._next = arrived
        self.buffer.put(self._next, np.ascontiguousarray(indata.T))
        self._next += frames


def open_microphone(sample_rate: int = 48000, channels: int = 2, device: int | None = None):
    """The microphone (`device`: PortAudio's index; None: the OS's default), or silence with a notice when it
    cannot open (no sound card, no PortAudio, a device unplugged since it was chosen)."""
    try:
        return MicrophoneSource(device, sample_rate, channels)
    except Exception as exc:  # ImportError, OSError (no PortAudio), PortAudioError / ValueError (no such device)
        silence = SilenceSource()
        which = "" if device is None else f" {device}"
        silence.notice = (f"没有麦克风{which}，发送静音 / no microphone{which} ({type(exc).__name__}): "
                          "sending silence")
        return silence


class MixedAudio(AudioSource):
    """The program's sound: the show's own source (the microphone, a file, the test tone) and others beside it
    (a guest's microphone), summed sample by sample and kept within [-1, 1]; each started and stopped with it."""

    def __init__(self, main: AudioSource, others: list[AudioSource], tap=None) -> None:
        """`tap(first, samples)`: told the show's own sound before the others are added (mix-minus for a guest)."""
        self.main, self.others, self.tap = main, list(others), tap

    @property
    def notice(self) -> str | None:  # type: ignore[override]
        return self.main.notice

    def start(self, clock) -> None:
        for source in (self.main, *self.others):
            source.start(clock)

    def stop(self) -> None:
        for source in (self.main, *self.others):
            source.stop()

    def samples(self, first: int, count: int) -> np.ndarray:
        mixed = np.array(self.main.samples(first, count), np.float32)
        if self.tap is not None:
            self.tap(first, mixed)
        for source in self.others:
            mixed += source.samples(first, count)
        return np.clip(mixed, -1.0, 1.0, out=mixed)
