"""A guest's sound: placed on the show's clock a little behind its arrival, re-placed when it drifts, heard only
while the seat is on air and is a guest's; mixed beside the show's own sound and kept within [-1, 1]."""

from __future__ import annotations

import av
import numpy as np
import pytest

from app.guests.audio import PLAYOUT_S, GuestAudio
from app.guests.feed import GuestFeed
from app.media.audio import MixedAudio
from app.media.interfaces import AudioSource

RATE = 48000


class Clock:
    def __init__(self) -> None:
        self.t = 10.0

    def now(self) -> float:
        return self.t


def piece(value: float, samples: int = 960, rate: int = RATE):
    """20 ms of stereo s16 as Opus decodes it, every sample `value`."""
    data = np.full((1, samples * 2), int(value * 32767), np.int16)
    frame = av.AudioFrame.from_ndarray(data, format="s16", layout="stereo")
    frame.sample_rate = rate
    return frame


def guest_feed(heard: bool = True) -> GuestFeed:
    feed = GuestFeed("嘉宾")
    feed.heard = heard
    feed.set_connected(True)
    feed.set_accepted(True)
    return feed


def test_a_guest_s_sound_is_placed_behind_its_arrival_and_follows_on():
    clock, feed = Clock(), guest_feed()
    audio = GuestAudio(feed, RATE, 2)
    audio.start(clock)
    feed.put_audio(piece(0.5))
    first = int(round((clock.t + PLAYOUT_S) * RATE)) - 960
    assert np.allclose(audio.samples(first, 960), 0.5, atol=1e-3)
    assert not audio.samples(first - 960, 960).any()  # nothing before it
    clock.t += 0.02
    feed.put_audio(piece(-0.25))  # on time: follows sample by sample
    assert np.allclose(audio.samples(first + 960, 960), -0.25, atol=1e-3) and audio.resyncs == 0
    clock.t += 0.5  # a stall: placed again from its arrival
    feed.put_audio(piece(0.1))
    again = int(round((clock.t + PLAYOUT_S) * RATE)) - 960
    assert audio.resyncs == 1 and np.allclose(audio.samples(again, 960), 0.1, atol=1e-3)
    feed.gain = 0.5
    assert np.allclose(audio.samples(again, 960), 0.05, atol=1e-3)  # the seat's level in the mix
    audio.stop()
    feed.put_audio(piece(0.9))  # no longer listening
    assert not audio.buffer.pull(again + 960, 960).any()


def test_the_seat_s_meter_holds_the_loudest_sample_of_the_last_second():
    clock = Clock()
    feed = GuestFeed("嘉宾", clock.now)
    assert feed.latest().peak == 0.0
    feed.put_audio(piece(0.5))
    clock.t += 0.5
    feed.put_audio(piece(0.25))
    assert feed.latest().peak == pytest.approx(0.5, abs=1e-3)
    clock.t += 1.01
    assert feed.latest().peak == 0.0  # quiet for a second: the meter falls
    feed.put_audio(piece(0.25))
    assert feed.latest().peak == pytest.approx(0.25, abs=1e-3)


@pytest.mark.parametrize("heard, accepted, connected", [(False, True, True), (True, False, True),
                                                        (True, True, False)])
def test_silent_unless_heard_on_air_and_there(heard, accepted, connected):
    clock, feed = Clock(), guest_feed(heard)
    feed.set_accepted(accepted)
    feed.set_connected(connected)
    audio = GuestAudio(feed, RATE, 2)
    audio.start(clock)
    feed.put_audio(piece(0.5))
    first = int(round((clock.t + PLAYOUT_S) * RATE)) - 960
    assert not audio.samples(first, 960).any()
    assert feed.latest().peak > 0.4  # the meter shows it all the same: the streamer sees the phone hears


def test_another_rate_is_resampled_to_the_show_s():
    clock, feed = Clock(), guest_feed()
    audio = GuestAudio(feed, RATE, 2)
    audio.start(clock)
    for _ in range(5):
        feed.put_audio(piece(0.3, samples=320, rate=16000))
        clock.t += 0.02
    first = int(round((clock.t - 0.02 + PLAYOUT_S) * RATE)) - 960
    assert np.allclose(audio.samples(first - 1920, 960), 0.3, atol=0.02)


class Constant(AudioSource):
    def __init__(self, value: float) -> None:
        self.value, self.started, self.stopped = value, 0, 0

    def start(self, clock) -> None:
        self.started += 1

    def stop(self) -> None:
        self.stopped += 1

    def samples(self, first: int, count: int) -> np.ndarray:
        return np.full((2, count), self.value, np.float32)


def test_the_mix_sums_the_sources_within_full_scale_and_starts_and_stops_each():
    host, guest, loud = Constant(0.25), Constant(0.5), Constant(0.75)
    mix = MixedAudio(host, [guest])
    mix.start(Clock())
    assert np.allclose(mix.samples(0, 4), 0.75) and host.samples(0, 1)[0, 0] == 0.25  # the host's not changed
    assert np.allclose(MixedAudio(loud, [guest]).samples(0, 4), 1.0)  # clipped, never past full scale
    assert np.allclose(MixedAudio(Constant(-0.75), [Constant(-0.5)]).samples(0, 4), -1.0)
    mix.stop()
    assert (host.started, guest.started, host.stopped, guest.stopped) == (1, 1, 1, 1)


def test_drift_within_40_ms_follows_on_each_stall_past_it_counts_and_mono_works():
    clock, feed = Clock(), guest_feed()
    audio = GuestAudio(feed, RATE, 2)
    feed.put_audio(piece(0.5))  # before the show starts: nothing placed, nothing raised
    audio.start(clock)
    feed.put_audio(piece(0.5))
    first = int(round((clock.t + PLAYOUT_S) * RATE)) - 960
    clock.t += 0.02 + 0.005  # 5 ms late: still follows on sample by sample
    feed.put_audio(piece(0.25))
    assert audio.resyncs == 0 and np.allclose(audio.samples(first + 960, 960), 0.25, atol=1e-3)
    for _ in range(2):
        clock.t += 0.5
        feed.put_audio(piece(0.1))
    assert audio.resyncs == 2
    quiet = guest_feed()
    quiet.set_accepted(False)
    off = GuestAudio(quiet, RATE, 2)
    off.start(clock)
    quiet.put_audio(piece(0.5))
    silence = off.samples(0, 960)
    assert silence.shape == (2, 960) and silence.dtype == np.float32 and not silence.any()
    mono_feed = guest_feed()
    mono = GuestAudio(mono_feed, RATE, 1)
    mono.start(clock)
    mono_feed.put_audio(piece(0.5))
    at = int(round((clock.t + PLAYOUT_S) * RATE)) - 960
    down = mono.samples(at, 960)  # both channels of 0.5 mixed down as libswresample does (-3 dB each)
    assert down.shape == (1, 960) and np.allclose(down, 0.5 * 2 ** 0.5, atol=2e-3)
