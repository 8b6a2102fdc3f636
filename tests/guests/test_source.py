"""A seat as a scene source: its slate says why it shows no phone (waiting, to be accepted, signal lost) and the
phone's picture takes its place as soon as it is there and accepted, in BGR or straight in I420."""

from __future__ import annotations

import av
import numpy as np
import pytest

from app.guests.feed import FeedShelf, GuestFeed
from app.guests.source import STALE_S, GuestSource
from tests.conftest import ManualClock


def frame(y: int = 81, u: int = 90, v: int = 240, width: int = 64, height: int = 36):
    planes = np.empty((height * 3 // 2, width), np.uint8)
    planes[:height] = y
    chroma = planes[height:].reshape(-1)
    chroma[: chroma.size // 2], chroma[chroma.size // 2:] = u, v
    return av.VideoFrame.from_ndarray(planes, format="yuv420p")


def test_the_slate_says_why_until_the_phone_is_there_and_accepted(qapp_offscreen):
    clock = ManualClock(50.0)
    feed = GuestFeed("手机1", clock)
    source = GuestSource(feed, 320, 180)
    waiting = source.frame_at(0.0)
    assert source.state() == "waiting" and "等待手机连接" in source.notice and waiting.shape == (180, 320, 3)
    assert source.i420_at(0.0, 320, 180) is None  # a slate is drawn in BGR
    feed.set_connected(True)
    feed.put(frame())
    assert source.state() == "pending" and "等待主播接受" in source.notice
    assert not np.array_equal(source.frame_at(0.0), waiting)
    feed.set_accepted(True)
    assert source.state() == "live" and source.notice is None
    blue, green, red = source.frame_at(0.0)[18, 32].astype(int)
    assert red > 180 and green < 80 and blue < 80  # the phone's red
    i420 = source.i420_at(0.0, 320, 180)
    assert i420.shape == (270, 320) and abs(int(i420[90, 160]) - 81) <= 2
    assert source.i420_at(0.0, 320, 180) is not i420  # a new array each frame: the compositor draws into it
    clock.now += STALE_S + 0.01
    assert source.state() == "lost" and "信号中断" in source.notice
    feed.put(frame())
    assert source.state() == "live"
    feed.set_connected(False)
    assert source.state() == "lost"


def test_a_picture_is_converted_once_however_often_it_is_drawn(qapp_offscreen):
    feed = GuestFeed("手机1")
    feed.set_connected(True)
    feed.set_accepted(True)
    feed.put(frame())
    source = GuestSource(feed, 320, 180)
    first = source.frame_at(0.0)
    assert source.frame_at(1 / 30) is first
    feed.put(frame(y=145, u=54, v=34))
    second = source.frame_at(2 / 30)
    assert second is not first and second[18, 32, 1] > 150 and first[18, 32, 2] > 180  # green now; red before


def test_a_seat_is_one_feed_for_the_door_and_every_scene():
    shelf = FeedShelf()
    assert shelf.feed("手机1") is shelf.feed("手机1") and shelf.feed("手机2") is not shelf.feed("手机1")
    state = shelf.feed("手机1").latest()
    assert (state.frame, state.count, state.age, state.connected, state.accepted) == (None, 0, float("inf"), False,
                                                                                     False)


def test_a_guest_s_pictures_are_held_to_meet_its_sound_and_at_most_a_second_of_them():
    from app.guests.feed import MAX_HELD

    clock = ManualClock(50.0)
    feed = GuestFeed("嘉宾", clock)
    feed.delay_s = 0.08
    first = frame()
    feed.put(first)
    clock.now += 0.05
    assert feed.latest().frame is None and feed.latest().count == 1  # arrived, not yet shown
    clock.now += 0.03
    shown = feed.latest()
    assert shown.frame is first and shown.age == pytest.approx(0.0, abs=1e-9)  # its age counts from when shown
    clock.now += 0.5
    assert feed.latest().age == pytest.approx(0.5)
    for n in range(MAX_HELD + 5):  # a burst while nothing reads: the oldest let go
        feed.put(frame(y=100 + n))
    clock.now += 0.08
    state = feed.latest()
    assert state.count == MAX_HELD + 6 and state.frame.to_ndarray()[0, 0] == 100 + MAX_HELD + 4  # the newest


def test_i420_only_for_the_canvas_s_shape_within_one_percent_and_the_slates_say_which_seat(qapp_offscreen):
    from app.guests.source import _SLATES
    from app.media.slate import render_slate

    feed = GuestFeed("手机1")
    source = GuestSource(feed, 320, 180)
    title, subtitle = _SLATES["waiting"]
    assert np.array_equal(source.frame_at(0.0), render_slate(320, 180, f"手机1：{title}", subtitle))
    feed.set_connected(True)
    feed.set_accepted(True)
    feed.put(frame())  # 64×36
    assert source.i420_at(0.0, 320, 180).shape == (270, 320)
    assert source.i420_at(0.0, 322, 180).shape == (270, 322)  # 0.6 % off: scaled in YUV all the same
    assert source.i420_at(0.0, 320, 184) is None  # 2 % off: fitted in BGR (bars or a crop) instead


def test_the_held_pictures_are_bounded_from_the_oldest():
    from app.guests.feed import MAX_HELD

    clock = ManualClock(50.0)
    feed = GuestFeed("嘉宾", clock)
    feed.delay_s = 1.0
    for n in range(MAX_HELD + 5):
        clock.now += 0.001
        feed.put(frame(y=20 + n))
    clock.now += 1.0 - (MAX_HELD + 5) * 0.001 + 0.0015  # the first two are due; the first five were let go
    assert feed.latest().frame is None
    clock.now += 0.0052
    assert feed.latest().frame.to_ndarray()[0, 0] == 25  # the oldest kept


def test_a_seat_s_meter_reads_silence_as_zero_and_float_sound_at_full_scale():
    import av as _av

    feed = GuestFeed("嘉宾")
    silent = _av.AudioFrame.from_ndarray(np.zeros((1, 1920), np.int16), format="s16", layout="stereo")
    silent.sample_rate = 48000
    feed.put_audio(silent)
    assert feed.latest().peak == 0.0
    loud = _av.AudioFrame.from_ndarray(np.full((2, 960), 0.75, np.float32), format="fltp", layout="stereo")
    loud.sample_rate = 48000
    feed.put_audio(loud)
    assert feed.latest().peak == 0.75
    half = _av.AudioFrame.from_ndarray(np.full((1, 1920), 16384, np.int16), format="s16", layout="stereo")
    half.sample_rate = 48000
    other = GuestFeed("x")
    other.put_audio(half)
    assert other.latest().peak == 0.5  # 16,384 of 32,768


def test_the_shelf_names_its_feeds_and_hands_the_program_to_guests():
    from app.guests.program import ProgramSound

    shelf = FeedShelf()
    assert shelf.feed("手机1").seat == "手机1"
    assert shelf.program_picture() is None and isinstance(shelf.program_sound, ProgramSound)
