"""The program back to a 连麦 guest: the show's own sound through a ring each guest reads from its own place."""

from __future__ import annotations

import numpy as np

from app.guests.program import KEEP_S, PIECE, RATE, ProgramSound


def ramp(start: int, count: int) -> np.ndarray:
    values = (np.arange(start, start + count) % 1000) / 1000
    return np.stack([values, -values]).astype(np.float32)


def test_each_reader_reads_in_order_from_its_own_place():
    sound = ProgramSound()
    first, second = sound.reader(), sound.reader()
    sound.put(0, ramp(0, 3200))  # 15 fps: 3,200 samples a frame
    a = first(PIECE)
    assert np.allclose(a, ramp(3200 - 2 * PIECE, PIECE), atol=1e-6)  # from 40 ms behind the newest
    assert np.allclose(first(PIECE), ramp(3200 - PIECE, PIECE), atol=1e-6)  # then on, sample by sample
    assert np.allclose(second(PIECE), a, atol=1e-6)  # the other reader has its own place
    short = first(PIECE)  # nothing written yet: silence, and the reader waits there
    assert not short.any()
    sound.put(0, ramp(3200, 3200))
    assert np.allclose(first(PIECE), ramp(3200, PIECE), atol=1e-6)


def test_a_reader_that_falls_behind_jumps_to_the_newest_and_the_ring_wraps():
    sound = ProgramSound()
    take = sound.reader()
    sound.put(0, ramp(0, 960))
    take(PIECE)
    written = 0
    for _ in range(10):  # 10 frames, more than the ring: the reader is let go forward
        sound.put(0, ramp(written, 3000))
        written += 3000
    assert sound.written == 960 + 30000 > KEEP_S * RATE
    got = take(PIECE)
    newest = 30000 + 960
    assert np.allclose(got, ramp(newest - 960 - 2 * PIECE, PIECE), atol=1e-6)  # the ring's newest, 40 ms behind
    mono = ProgramSound(channels=1)
    mono.put(0, ramp(0, 20000))  # a piece longer than the ring keeps its end
    assert np.allclose(mono.reader()(PIECE), ramp(20000 - 2 * PIECE, PIECE)[:1], atol=1e-6)


def test_a_read_across_the_ring_s_end_and_one_from_the_very_start():
    sound = ProgramSound()
    sound.put(0, ramp(0, 14000))
    take = sound.reader()
    take(PIECE), take(PIECE)  # from 12,080: to 14,000
    sound.put(0, ramp(14000, 1000))  # the ring (14,400) wraps
    got = take(PIECE)
    assert got.dtype == np.float32 and np.allclose(got, ramp(14000, PIECE), atol=1e-6)
    early = ProgramSound()
    early.put(0, ramp(0, 100))  # less than 40 ms written: read from the start
    first = early.reader()(PIECE)
    assert np.allclose(first[:, :100], ramp(0, 100), atol=1e-6) and not first[:, 100:].any()
