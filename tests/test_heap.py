"""The C heap handed back while a show runs (app/heap.py): glibc's malloc_trim on a thread of its own, once a
minute, timed and counted; nothing where the C library has none; a show starts it and its stop ends it."""

from __future__ import annotations

import sys
import threading
import time
import traceback

import pytest

from app import heap
from app.console import ConsoleService, LiveOptions
from app.heap import HeapTrimmer, Trim, TrimStats, glibc_trim, resident_mb
from app.store.db import Database


def _wait(predicate, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return predicate()


def _trimmers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "heap trim"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_glibc_trim_gives_back_what_the_arena_keeps_free():
    trim = glibc_trim()
    assert trim is not None
    held = [bytearray(100_000) for _ in range(1500)]  # ~143 MB from malloc (above pymalloc, below mmap's threshold)
    for block in held:
        block[::4096] = b"\1" * len(block[::4096])  # every page touched: resident
    pin = bytearray(100_000)  # above them: the arena's top cannot shrink by itself when they are freed
    del held
    trimmer = HeapTrimmer(trim=trim)
    done = trimmer.trim_now()
    assert done.released_mb > 50  # the freed blocks' pages went back to the system
    assert done.ms >= 0 and trimmer.stats.count == 1 and trimmer.stats.recent == (done,)
    del pin


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
def test_resident_size_is_the_kernels_account():
    with open("/proc/self/status") as status:
        kernel = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024
    assert abs(resident_mb() - kernel) < 5  # MB either way: the two reads are a moment apart


def test_resident_size_is_nothing_where_there_is_no_proc(monkeypatch):
    def refuse(*args, **kwargs):
        raise FileNotFoundError("/proc/self/statm")

    monkeypatch.setattr(heap, "open", refuse, raising=False)
    assert resident_mb() == 0.0


def test_each_trim_is_timed_and_what_it_gave_back_is_added_up(monkeypatch):
    sizes = iter([100.0, 90.0, 90.0, 95.0, 95.0, 80.5])  # before / after of three trims
    calls = []
    trimmer = HeapTrimmer(trim=lambda: calls.append(1) or 1, resident=lambda: next(sizes))
    first, second, third = trimmer.trim_now(), trimmer.trim_now(), trimmer.trim_now()
    assert [first.released_mb, second.released_mb, third.released_mb] == [10.0, -5.0, 14.5]
    assert len(calls) == 3
    stats = trimmer.stats
    assert stats.count == 3 and stats.released_mb == 19.5
    assert stats.recent == (first, second, third)
    assert stats.longest_ms == max(first.ms, second.ms, third.ms)
    assert first.at <= second.at <= third.at


def test_a_trim_is_timed_to_the_microsecond_and_what_it_gave_back_to_ten_kilobytes(monkeypatch):
    clock = iter([10.0, 10.0123456, 20.0, 20.5])
    monkeypatch.setattr(heap, "time", type("Clock", (), {"perf_counter": staticmethod(lambda: next(clock)),
                                                         "monotonic": staticmethod(lambda: 5.0)}))
    sizes = iter([100.0, 89.9951, 50.0, 49.9949])
    trimmer = HeapTrimmer(trim=lambda: 1, resident=lambda: next(sizes))
    first, second = trimmer.trim_now(), trimmer.trim_now()
    assert (first.at, first.ms, first.released_mb) == (5.0, 12.346, 10.0)
    assert (second.ms, second.released_mb) == (500.0, 0.01)
    assert trimmer.stats.released_mb == 10.01 and trimmer.stats.longest_ms == 500.0


def test_the_longest_trim_is_kept(monkeypatch):
    durations = iter([0.0, 0.004, 0.0, 0.0])
    trimmer = HeapTrimmer(trim=lambda: time.sleep(next(durations)), resident=lambda: 1.0)
    trimmer.trim_now(), trimmer.trim_now(), trimmer.trim_now()
    assert trimmer.stats.longest_ms >= 4.0 and trimmer.stats.longest_ms == trimmer.stats.recent[1].ms


def test_only_the_newest_trims_are_kept(monkeypatch):
    monkeypatch.setattr(heap, "RECENT", 3)
    trimmer = HeapTrimmer(trim=lambda: 1, resident=lambda: 1.0)
    made = [trimmer.trim_now() for _ in range(5)]
    assert trimmer.stats.count == 5 and trimmer.stats.recent == tuple(made[2:])


def test_the_thread_trims_every_interval_and_stops_when_told():
    calls = []
    trimmer = HeapTrimmer(interval_s=0.02, trim=lambda: calls.append(time.monotonic()), resident=lambda: 1.0)
    assert trimmer.stats == TrimStats()
    started = time.monotonic()
    trimmer.start()
    assert _wait(lambda: trimmer.stats.count >= 3)
    assert calls[0] - started >= 0.02  # the first a whole interval after the start, not at once
    assert trimmer._thread.daemon  # noqa: SLF001 - a process that ends without a stop does not wait for it
    with pytest.raises(RuntimeError, match="HeapTrimmer started twice"):
        trimmer.start()
    trimmer.stop()
    assert not trimmer._thread.is_alive()  # noqa: SLF001
    count = len(calls)
    time.sleep(0.1)
    assert len(calls) == count  # none after the stop
    trimmer.stop()  # twice: nothing


def test_a_stop_waits_for_a_trim_in_progress_no_longer_than_it_is_told():
    entered, release = threading.Event(), threading.Event()
    trimmer = HeapTrimmer(interval_s=0.01, trim=lambda: entered.set() or release.wait(30), resident=lambda: 1.0)
    trimmer.start()
    try:
        assert entered.wait(10)
        stopping = threading.Thread(target=trimmer.stop, kwargs={"timeout": 0.05}, daemon=True)
        stopping.start()
        stopping.join(10)
        assert not stopping.is_alive()  # returned while the trim still runs
        assert trimmer._thread.is_alive()  # noqa: SLF001
    finally:
        release.set()
    trimmer._thread.join(10)  # noqa: SLF001
    assert not trimmer._thread.is_alive() and trimmer.stats.count == 1  # noqa: SLF001 - it ended after that trim


def test_a_trim_that_fails_is_logged_and_the_next_one_runs(caplog):
    calls = []

    def trim():
        calls.append(1)
        if len(calls) == 1:
            raise OSError("no")
        return 1

    trimmer = HeapTrimmer(interval_s=0.01, trim=trim, resident=lambda: 1.0)
    trimmer.start()
    try:
        assert _wait(lambda: trimmer.stats.count >= 1)
    finally:
        trimmer.stop()
    assert len(calls) >= 2 and "heap trim failed" in caplog.text


def test_where_the_c_library_has_no_malloc_trim_nothing_runs(monkeypatch, caplog):
    caplog.set_level("INFO", logger="app.heap")
    monkeypatch.setattr(heap, "glibc_trim", lambda: None)
    trimmer = HeapTrimmer()
    assert not trimmer.available
    before = len(_trimmers())
    trimmer.start()
    assert trimmer._thread is None and len(_trimmers()) == before  # noqa: SLF001
    assert "malloc_trim is not in this C library: the heap is not trimmed" in caplog.text
    trimmer.stop()


def test_glibc_trim_is_none_without_glibc(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("libc.so.6: cannot open shared object file")

    monkeypatch.setattr(heap.ctypes, "CDLL", refuse)
    assert glibc_trim() is None


@pytest.mark.parametrize("interval", [0, -1, float("nan")])
def test_an_interval_that_is_not_positive_is_refused(interval):
    with pytest.raises(ValueError, match="interval_s"):
        HeapTrimmer(interval_s=interval, trim=lambda: 1)


def test_readers_always_get_a_whole_account_while_the_thread_trims():
    """Stress under a watchdog: the thread trims as fast as it can while readers take `stats`; every account they
    get is whole (its count and sum agree with its trims) — one immutable value replaced, no lock."""
    trimmer = HeapTrimmer(interval_s=0.0005, trim=lambda: 1, resident=lambda: 2.0)
    problems: list[str] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            stats = trimmer.stats
            if stats.count <= heap.RECENT and (stats.count != len(stats.recent)
                                               or stats.released_mb != round(sum(t.released_mb for t in stats.recent), 2)):
                problems.append(f"torn account {stats}")
                return

    readers = [threading.Thread(target=read, name=f"reader {n}", daemon=True) for n in range(3)]
    trimmer.start()
    for reader in readers:
        reader.start()
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline and not problems and trimmer.stats.count < heap.RECENT:
        time.sleep(0.01)
    stop.set()
    trimmer.stop()
    for thread in [*readers, trimmer._thread]:  # noqa: SLF001
        thread.join(5)
        if thread.is_alive():  # the watchdog: a thread that does not end is a hang, with every stack
            stacks = "".join(f"\n{t.name}:\n{''.join(traceback.format_stack(sys._current_frames()[t.ident]))}"
                             for t in threading.enumerate() if t.ident in sys._current_frames())
            pytest.fail(f"{thread.name} did not end{stacks}")
    assert not problems, problems[0]
    assert trimmer.stats.count > 10


def test_a_show_trims_the_heap_while_it_runs_and_its_stop_ends_the_thread(tmp_path, monkeypatch, qapp_offscreen):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    monkeypatch.setattr(heap, "INTERVAL_S", 0.2)
    console = ConsoleService(Database(f"sqlite:///{tmp_path / 'console.db'}"), view=False)
    try:
        before = len(_trimmers())
        console.go_live(LiveOptions(recording_path=str(tmp_path / "show.mkv"), duration=30, audience_rate=50))
        trimmer = console.broadcast.heap
        assert trimmer is not None and len(_trimmers()) == before + 1
        assert _wait(lambda: trimmer.stats.count >= 2, 20)
        assert all(isinstance(t, Trim) and t.ms >= 0 for t in trimmer.stats.recent)
        console.stop()
        assert _wait(lambda: len(_trimmers()) == before, 5)
    finally:
        console.close()


# --- the allocator's settings (heap.tune): each in a process of its own, so this one's allocator stays as it is ---

_ALLOCATE = r"""
import ctypes, json, sys, threading
from app import heap

class Info(ctypes.Structure):  # glibc's struct mallinfo2
    _fields_ = [(n, ctypes.c_size_t) for n in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = Info
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
asked = json.loads(sys.argv[1])
took = heap.tune(**asked) if asked else {}
libc.free(libc.malloc(4 << 20))  # glibc's own threshold moves up to the largest mapped block freed: 4 MB
frame = libc.malloc(2 << 20)  # a frame's buffer
mapped = libc.mallinfo2().hblkhd
libc.free(frame)
blocks, go = [], threading.Barrier(8)
def worker():
    go.wait()  # all eight at once: each asks for an arena while the others hold theirs
    blocks.append(libc.malloc(1000))
    go.wait()
threads = [threading.Thread(target=worker) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
libc.malloc_stats()  # "Arena N:" a line each, on stderr
print(json.dumps({"took": took, "frame_mapped": mapped >= 2 << 20}))
"""


def _allocate(**asked) -> tuple[dict, int]:
    import json
    import os
    import subprocess

    done = subprocess.run([sys.executable, "-c", _ALLOCATE, json.dumps(asked)], capture_output=True, text=True,
                          timeout=60, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr.count("Arena ")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_glibcs_own_threshold_keeps_a_frame_in_the_arena_and_eight_threads_get_arenas_of_their_own():
    seen, arenas = _allocate()
    assert seen == {"took": {}, "frame_mapped": False}
    assert arenas > 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_a_fixed_threshold_maps_every_frame_and_arena_max_caps_the_arenas():
    seen, arenas = _allocate(arena_max=2, mmap_threshold=1 << 20)
    assert seen == {"took": {"arena_max": True, "mmap_threshold": True}, "frame_mapped": True}
    assert arenas == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_each_setting_is_set_alone():
    seen, arenas = _allocate(mmap_threshold=1 << 20)
    assert seen == {"took": {"mmap_threshold": True}, "frame_mapped": True} and arenas > 2
    seen, arenas = _allocate(arena_max=1)
    assert seen == {"took": {"arena_max": True}, "frame_mapped": False} and arenas == 1


@pytest.mark.parametrize("asked", [{"arena_max": 0}, {"arena_max": -1}, {"mmap_threshold": 2**31},
                                   {"mmap_threshold": 1.5}, {"arena_max": True}])
def test_a_setting_out_of_range_is_refused_before_glibc_is_asked(asked, monkeypatch):
    monkeypatch.setattr(heap.ctypes, "CDLL", lambda *a: pytest.fail("glibc asked"))
    with pytest.raises(ValueError, match=next(iter(asked))):
        heap.tune(**asked)


def test_without_glibc_nothing_is_set(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("libc.so.6: cannot open shared object file")

    monkeypatch.setattr(heap.ctypes, "CDLL", refuse)
    assert heap.tune(arena_max=2, mmap_threshold=1 << 20) == {"arena_max": False, "mmap_threshold": False}
    assert heap.tune() == {}
