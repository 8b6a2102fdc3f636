"""Audio on the one clock: buffer placement, the microphone's drift handling, silence when there is none."""

from __future__ import annotations

import numpy as np

from app.media.audio import AudioBuffer, MicrophoneSource, SilenceSource, open_microphone
from tests.conftest import run_cli


def test_buffer_places_by_index_and_fills_gaps_with_silence():
    buffer = AudioBuffer(2)
    buffer.put(100, np.ones((2, 50), np.float32))
    out = buffer.pull(80, 100)
    assert out[:, :20].max() == 0 and out[:, 20:70].min() == 1 and out[:, 70:].max() == 0
    assert buffer.underruns == 1


def test_no_microphone_here_means_silence_with_a_notice():
    source = open_microphone()
    assert isinstance(source, SilenceSource)  # this machine has no sound card
    assert "no microphone" in source.notice
    assert source.samples(0, 480).shape == (2, 480)


class _Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t


def test_microphone_blocks_follow_on_and_resync_after_drift():
    """No device exists here, so the callback PortAudio would call is driven directly with real blocks."""
    mic = MicrophoneSource.__new__(MicrophoneSource)
    mic.sample_rate, mic.channels, mic.buffer, mic.resyncs, mic._next = 48000, 2, AudioBuffer(2), 0, None
    mic._clock = clock = _Clock()
    block = np.full((480, 2), 0.5, np.float32)  # 10 ms, frames × channels as PortAudio delivers
    clock.t = 1.010
    mic._callback(block, 480, None, None)  # first block: arrived at 1.010, so it started at 1.000
    assert mic._next == 48000 + 480
    clock.t = 1.021  # 1 ms of jitter: follows on, no resync
    mic._callback(block, 480, None, None)
    assert mic._next == 48000 + 960 and mic.resyncs == 0
    clock.t = 1.200  # a stall of ~170 ms: re-placed on the clock
    mic._callback(block, 480, None, None)
    assert mic.resyncs == 1 and mic._next == round((1.200 - 0.010) * 48000) + 480
    assert mic.samples(48000, 960).min() == 0.5


def test_cli_audio_mic_without_a_device_streams_silence_and_says_so(tmp_path):
    result = run_cli("stream", "--audio", "mic", "--to", str(tmp_path / "m.mkv"), "--duration", "1")
    assert result.returncode == 0, result.output
    assert "no microphone" in result.stderr
