"""RecentIds, the feed's memory of a source's message ids (a resend published once): what it must recognise, what it
may forget, against a model that keeps every id with when it came."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.live.feed import RecentIds
from tests.conftest import ManualClock


def test_an_id_is_recognised_and_a_new_one_is_not():
    ids = RecentIds(ids=5, seconds=60, clock=ManualClock())
    assert ids.seen("dy:1") is False
    assert ids.seen("dy:1") is True
    assert ids.seen("dy:2") is False
    assert len(ids) == 2


def test_the_last_ids_are_recognised_and_no_more_than_twice_as_many_kept():
    ids = RecentIds(ids=5, seconds=60, clock=ManualClock())
    for n in range(100):
        assert ids.seen(f"id{n}") is False
        assert len(ids) <= 10
        assert all(ids.seen(f"id{k}") for k in range(max(0, n - 4), n + 1))  # the last 5, each still known
    assert ids.seen("id0") is False  # 99 came after it


def test_a_quiet_rooms_ids_are_forgotten_after_the_time_not_kept_for_hours():
    clock = ManualClock()
    ids = RecentIds(ids=1_000, seconds=300, clock=clock)
    ids.seen("dy:early")
    clock.now = 299.0
    assert ids.seen("dy:early") is True  # younger than the time: always known
    ids.seen("dy:later")
    clock.now = 900.0  # the newer generation began 900 s ago: both go
    assert ids.seen("dy:early") is False and ids.seen("dy:later") is False
    assert len(ids) == 2  # those two again, as new


def test_one_rotation_keeps_the_previous_generation():
    clock = ManualClock()
    ids = RecentIds(ids=1_000, seconds=300, clock=clock)
    ids.seen("a")
    clock.now = 400.0  # past the time, under twice it: "a" moves to the older generation
    assert ids.seen("a") is True
    ids.seen("b")
    clock.now = 750.0  # "b"'s generation began 350 s ago: it becomes the older, "a" (750 s old) is forgotten
    assert (ids.seen("a"), ids.seen("b")) == (False, True)


@settings(max_examples=300, deadline=None)
@given(keep=st.integers(1, 20), seconds=st.floats(1, 100),
       steps=st.lists(st.tuples(st.integers(0, 30), st.floats(0, 40)), max_size=300))
def test_against_a_model_nothing_recent_is_forgotten_and_nothing_old_or_beyond_the_bound_kept(keep, seconds, steps):
    clock = ManualClock()
    ids = RecentIds(ids=keep, seconds=seconds, clock=clock)
    came: dict[int, tuple[float, int]] = {}  # id → (when it was last remembered as new, how many new ids then)
    order = 0
    for key, wait in steps:
        clock.now += wait
        known = ids.seen(str(key))
        if key in came:
            when, place = came[key]
            if clock.now - when < seconds and order - place < keep:  # among the last `keep`, younger than the time
                assert known, (key, came[key], clock.now, order)
            if clock.now - when >= 3 * seconds or order - place >= 2 * keep:
                assert not known, (key, came[key], clock.now, order)
        if not known:
            order += 1
            came[key] = (clock.now, order)
        assert len(ids) <= 2 * keep


def test_the_bounds_are_inclusive_at_exactly_the_time_and_twice_it():
    clock = ManualClock()
    ids = RecentIds(ids=1_000, seconds=300, clock=clock)
    ids.seen("a")
    clock.now = 600.0  # the newer generation began exactly twice the time ago: nothing of it is kept
    assert ids.seen("a") is False
    clock.now = 900.0  # "a" again began a generation at 600: exactly the time ago, it becomes the older
    assert ids.seen("b") is False
    clock.now = 1200.0  # "b"'s generation began exactly the time ago: the older now, "a"'s forgotten
    assert (ids.seen("b"), ids.seen("a")) == (True, False)
