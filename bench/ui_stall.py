"""Benchmark: how long the console's UI thread stalls while the room is busy and the preview runs.

    ulimit -v 8000000; QT_QPA_PLATFORM=offscreen .venv/bin/python bench/ui_stall.py --rate 2000 --seconds 30

The real main window goes live (test pattern 1280x720 at 30 fps into a local recording, preview on) with the
simulated audience at `rate` events/s. A 5 ms QTimer in the UI thread records how late each tick fires: a tick
late by more than its period means the event loop was blocked (painting, draining events, redrawing docks).
The reference is the same measurement with the window not live yet (only its pre-live preview running), in the
same run.

With `--feed` the room is a real feed instead: a DouyinBarrageGrab-shaped replay over a real WebSocket
(bench/feed_replay.py's tool, a process of its own, at `rate` frames a second) into a 直播 Live show — no simulated
audience, no demo assistant (a Live show takes neither).

    ulimit -v 8000000; QT_QPA_PLATFORM=offscreen .venv/bin/python bench/ui_stall.py --rate 5000 --seconds 600 --feed

The window's memory over the show: the resident size every 10 s, and with `--census-minutes N` every N minutes
the containers the objects hold (bench/state_growth.py's `held`: the room's and metrics' viewers beside the
window's lists) — a census walks every object on the UI thread and shows in the lateness, so it is off unless asked.
With `--trace` as well, tracemalloc runs from go-live and each census keeps the heap by allocating line: what the
Python heap grew by after five minutes, against the resident size (the rest is Qt's, x264's and the allocator's).
"""

from __future__ import annotations

import argparse
import json
from array import array
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


class Collections:
    """The cycle collector's passes (gen, ms) on any thread, from gc.callbacks: a stall of every thread."""

    def __init__(self) -> None:
        import gc

        self.gens, self.ms = array("b"), array("f")  # each pass's generation and length: no object a pass
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.gens.append(info["generation"])
            self.ms.append((time.perf_counter() - self._started) * 1000)

    def take(self) -> dict:
        passes = list(zip(self.gens, self.ms))
        self.gens, self.ms = array("b"), array("f")
        longest = max(passes, key=lambda p: p[1], default=(None, 0.0))
        return {"count": len(passes), "over_10_ms": sum(ms > 10 for _g, ms in passes),
                "longest_ms": longest[1], "longest_gen": longest[0]}


def census(top: int = 6) -> dict[str, int]:
    """The collector's tracked objects by type (what a gen-2 pass walks), the most numerous first."""
    import gc
    from collections import Counter

    counts = Counter(type(o).__name__ for o in gc.get_objects())
    return {"total": sum(counts.values()), **dict(counts.most_common(top))}


def by_minute(lateness: list[float], period_ms: float = 5.0) -> list[float]:
    """p99 of each minute's ticks (a tick is ~period + lateness apart): does the stall grow over the show?"""
    out, minute, elapsed = [], [], 0.0
    for late in lateness:
        minute.append(late)
        elapsed += period_ms + late
        if elapsed >= 60_000:
            out.append(round(summary(minute)["p99_ms"], 2))
            minute, elapsed = [], 0.0
    return out


def held_from(roots, least: int = 1_000) -> dict[str, int]:
    """Containers of more than `least` items held as an attribute of an object reachable from `roots` through
    attributes and small containers: "Type.attribute" → items. (The pipeline freezes the collector's objects at
    its start, so gc.get_objects(), which bench/state_growth.py walks, no longer lists them.)"""
    from collections import deque
    from types import ModuleType

    found: dict[str, int] = {}
    seen, todo = set(), deque(roots)
    while todo:
        obj = todo.popleft()
        if id(obj) in seen or isinstance(obj, (type, ModuleType, str, bytes, int, float)):
            continue
        seen.add(id(obj))
        try:
            attributes = object.__getattribute__(obj, "__dict__")
        except Exception:  # noqa: BLE001 - no __dict__, or a proxy that refuses
            attributes = None
        items = attributes.items() if isinstance(attributes, dict) else ()
        for name, value in list(items):
            if isinstance(value, (dict, list, set, deque, tuple)):
                if len(value) > least:
                    key = f"{type(obj).__qualname__}.{name}"
                    found[key] = found.get(key, 0) + len(value)
                elif len(value) <= 100:  # a small container: what it holds may hold more
                    todo.extend(value.values() if isinstance(value, dict) else value)
            else:
                todo.append(value)
    return found


class Memory:
    """The process's resident size every 10 s, and a census of held containers every `census_s` (0: none), from a
    QTimer on the UI thread while the show runs."""

    def __init__(self, census_s: float, viewers, roots=(), trace: bool = False) -> None:
        from PySide6.QtCore import QTimer

        self.rss: list[tuple[float, float]] = []  # (seconds live, MB)
        self.sqlite: list[tuple[float, float | None]] = []  # (seconds live, MB the SQLite library holds)
        self.census: list[dict] = []
        self.traced: list[tuple[float, float]] = []  # (seconds live, MB the Python heap holds: tracemalloc)
        self._snapshots: list = []  # (seconds, tracemalloc snapshot) at each census, `--trace`
        self._trace = trace
        if trace:
            import tracemalloc

            tracemalloc.start(1)
        self._started, self._census_s, self._next, self._viewers = time.monotonic(), census_s, 0.0, viewers
        self._roots = roots
        self._timer = QTimer()
        self._timer.setInterval(10_000)
        self._timer.timeout.connect(self.sample)
        self._timer.start()
        self.sample()

    def sample(self) -> None:
        from bench.memory_growth import sqlite_mb
        from bench.soak import rss_mb

        elapsed = time.monotonic() - self._started
        self.rss.append((round(elapsed), round(rss_mb(os.getpid()), 1)))
        self.sqlite.append((round(elapsed), sqlite_mb()))
        if self._census_s and elapsed >= self._next:
            self._next += self._census_s
            from bench.memory_growth import malloc_mb  # glibc's own account of the C heap

            self.census.append({"seconds": round(elapsed), "viewers": self._viewers(), "malloc_mb": malloc_mb(),
                                "held": held_from(self._roots)})
            if self._trace:
                import tracemalloc

                # filtered to lines now, so a snapshot of millions of blocks is not kept whole
                stats = tracemalloc.take_snapshot().statistics("lineno")
                self._snapshots.append((round(elapsed), {str(s.traceback): (s.size, s.count) for s in stats}))
        if self._trace:
            import tracemalloc

            self.traced.append((round(elapsed), round(tracemalloc.get_traced_memory()[0] / 2**20, 1)))

    def stop(self) -> None:
        self.sample()
        self._timer.stop()

    def result(self, after_s: float = 300.0) -> dict:
        """RSS at `after_s` and at the end, the growth per hour between them; what the census saw grow."""
        start = next(((t, mb) for t, mb in self.rss if t >= after_s), self.rss[0])
        end = self.rss[-1]
        hours = max(1e-9, (end[0] - start[0]) / 3600)
        out = {"rss_mb": {"live_start": self.rss[0][1], "at_s": start[0], "then": start[1], "end": end[1],
                          "per_hour_after": round((end[1] - start[1]) / hours, 1) if end[0] > start[0] else None},
               "rss_by_minute": [mb for t, mb in self.rss if t % 60 < 10], "rss_every_10s": self.rss,
               "sqlite_by_minute": [mb for t, mb in self.sqlite if t % 60 < 10]}
        if len(self.census) > 1:
            first = next((c for c in self.census if c["seconds"] >= after_s), self.census[0])
            last = self.census[-1]
            grew = {k: last["held"].get(k, 0) - first["held"].get(k, 0) for k in set(first["held"]) | set(last["held"])}
            out["census_by_time"] = [{"seconds": c["seconds"], "viewers": c["viewers"], "malloc_mb": c["malloc_mb"],
                                      "held": dict(sorted(c["held"].items(), key=lambda kv: -kv[1])[:12])}
                                     for c in self.census]  # what grew when: the audience arriving or after it
            out["census"] = {"from_s": first["seconds"], "to_s": last["seconds"],
                             "viewers": [first["viewers"], last["viewers"]],
                             "grew": dict(sorted(((k, v) for k, v in grew.items() if v), key=lambda kv: -kv[1])[:15]),
                             "end": dict(sorted(last["held"].items(), key=lambda kv: -kv[1])[:15])}
        if self._trace:
            out["traced_by_minute"] = [mb for t, mb in self.traced if t % 60 < 10]
        if len(self._snapshots) > 1:  # what the Python heap grew by, by the line that allocated it
            (t0, first), (t1, last) = next((s for s in self._snapshots if s[0] >= after_s), self._snapshots[0]), \
                self._snapshots[-1]
            grew = {line: (size - first.get(line, (0, 0))[0], count - first.get(line, (0, 0))[1])
                    for line, (size, count) in last.items()}
            out["heap_grew"] = {"from_s": t0, "to_s": t1, "lines": [
                {"line": line, "kb": round(size / 1024, 1), "blocks": count}
                for line, (size, count) in sorted(grew.items(), key=lambda kv: -kv[1][0])[:25]]}
        return out


def _feed_tool(rate: float, seconds: float):
    """bench/feed_replay.py's DouyinBarrageGrab-shaped tool in a process of its own: (process, port, stop)."""
    import multiprocessing

    from bench.feed_replay import _tool

    context = multiprocessing.get_context("spawn")
    ports, results, stop = context.Queue(), context.Queue(), context.Event()
    process = context.Process(target=_tool, args=(rate, seconds, ports, results, stop), daemon=True)
    process.start()
    return process, ports.get(timeout=30), stop


def measure(app, seconds: float, press=None, times: bool = False):
    """Each tick's lateness (ms) over `seconds`; with `times`, (lateness, when each tick fired: time.monotonic())."""
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

    # every tick's lateness in an array made whole before the phase starts (4 bytes a tick, its pages written now):
    # one that grew as it went was 2.9 MB an hour at 200 ticks a second — a list of floats 21 MB —, which the
    # window's resident size then counted as its own growth
    period_ms = 5.0
    capacity = int(seconds * 1000 / period_ms) + 1000  # the timer never fires more often than its period
    lateness = array("f", bytes(4 * capacity))
    at = array("d", bytes(8 * capacity)) if times else None
    count = [0]
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def tick() -> None:
        now = clock.nsecsElapsed()
        if count[0] < capacity:
            lateness[count[0]] = max(0.0, (now - last[0]) / 1e6 - period_ms)
            if at is not None:
                at[count[0]] = time.monotonic()
            count[0] += 1
        last[0] = now

    timer = QTimer()
    timer.setInterval(int(period_ms))
    timer.timeout.connect(tick)
    timer.start()
    # a real event loop (a processEvents() loop crashed PySide 6.12 after ~60k calls: a refcount bug on None), and a
    # local one: QApplication.quit() closes the windows first in Qt 6, which stopped the window's own timers
    # between the reference and the live measurement (the live preview was then never drawn)
    loop = QEventLoop()
    if press is not None:  # a button pressed half a second in: its stall is in this phase's lateness
        QTimer.singleShot(500, press)
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    timer.stop()
    return (lateness[:count[0]], at[:count[0]]) if times else lateness[:count[0]]


def during_trims(lateness: array, at: array, trims, offset: float) -> dict:
    """The UI thread while the console's heap trimmer (app/heap.py, its own thread) trimmed: for each trim, the
    largest lateness of the ticks whose wait overlapped it; the same run's reference, the same windows half an
    interval later (`offset`: no trim then)."""
    from bisect import bisect_left

    def worst(start: float, end: float) -> float | None:
        # each tick waits from the one before it: the ticks that fired from the window's start to the first one
        # after its end are the ones whose waits overlapped it
        j, late = bisect_left(at, start), None
        while j < len(at):
            late = max(late or 0.0, lateness[j])
            if at[j] >= end:
                return late
            j += 1
        return None  # the phase ended before the window did

    during = [w for t in trims if (w := worst(t.at, t.at + t.ms / 1000)) is not None]
    between = [w for t in trims if (w := worst(t.at + offset, t.at + offset + t.ms / 1000)) is not None]
    return {"trims": len(trims), "ms": summary([t.ms for t in trims]) if trims else None,
            "released_mb": summary([t.released_mb for t in trims]) if trims else None,
            "ui_late_during_trim": summary(during) if during else None,
            "ui_late_half_an_interval_later": summary(between) if between else None}


def summary(values: list[float]) -> dict:
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
    return {"ticks": len(values), "p50_ms": pick(0.5), "p99_ms": pick(0.99), "max_ms": values[-1]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=2000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--switch-ms", type=float, default=None,
                        help="the interpreter's thread switch interval (default: the window's, ui.app.SWITCH_INTERVAL_S)")
    parser.add_argument("--feed", action="store_true",
                        help="a DouyinBarrageGrab-shaped feed at --rate frames/s into a Live show (bench/feed_replay.py)")
    parser.add_argument("--census-minutes", type=float, default=0.0,
                        help="every N minutes, the containers objects hold (a pause on the UI thread; 0: none)")
    parser.add_argument("--no-freeze", action="store_true",
                        help="the window's objects left in the collector's passes (ui.app.settled not called): the "
                             "reference for what freezing them saves")
    parser.add_argument("--no-heap-trim", action="store_true",
                        help="the console's heap trimmer (app/heap.py) stopped at go-live: the memory reference")
    parser.add_argument("--trim-seconds", type=float, default=None,
                        help="the heap trimmer's interval (app.heap.INTERVAL_S; default: the console's)")
    parser.add_argument("--no-checkpoints", action="store_true",
                        help="the metrics' checkpoints not kept (app/store/checkpoint.py): what they cost in memory")
    parser.add_argument("--trace", action="store_true",
                        help="tracemalloc from go-live: what the Python heap grew by, by line, between the census "
                             "after 5 minutes and the last (slows the process: its stalls are then no figures)")
    parser.add_argument("--arena-max", type=int, default=None,
                        help="glibc's arenas at most (app.heap.tune, before any thread starts; default: glibc's)")
    parser.add_argument("--mmap-threshold", type=int, default=None,
                        help="bytes from which glibc maps a block on its own (app.heap.tune; default: glibc's moving one)")
    parser.add_argument("--heaptrack", action="store_true",
                        help="run under heaptrack: after --seconds live, its recording is stopped while the show is "
                             "still on and the process quits at once, so `heaptrack_print --print-leaks 1` lists what "
                             "was held at that moment, by the native code that allocated it")
    args = parser.parse_args()
    tuned = None
    if args.trim_seconds is not None:
        import app.heap

        app.heap.INTERVAL_S = args.trim_seconds  # read when the broadcast makes its trimmer
    if args.no_checkpoints:
        from app.store.writer import StoreWriter

        StoreWriter.keep_checkpoints = lambda self, state, every=0.0: None  # the writer is never handed the state
    if args.arena_max is not None or args.mmap_threshold is not None:
        from app.heap import tune

        tuned = tune(args.arena_max, args.mmap_threshold)
        assert all(tuned.values()), f"glibc refused {tuned}"
    os.environ["ANCHOR_CONSOLE_DATA"] = tempfile.mkdtemp(prefix="anchor-uibench-")
    from dataclasses import replace

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.console import ConsoleService
    from app.media import qtrender
    from ui.app import responsive, settled
    from ui.main_window import MainWindow

    app = QApplication([])
    qtrender.ensure_qt()
    if args.switch_ms is None:
        responsive()  # as the window's own launcher does
    else:
        sys.setswitchinterval(args.switch_ms / 1000)
    service = ConsoleService()
    window = MainWindow(service, QSettings(os.path.join(os.environ["ANCHOR_CONSOLE_DATA"], "s.ini"),
                                           QSettings.Format.IniFormat))
    window.confirm = lambda question: True
    controls = window.show_controls
    asked = controls.options  # the toolbar's options, with the bench's audience and the demo assistant
    controls.options = lambda *a, **k: replace(asked(*a, **k), audience_rate=args.rate, demo_assistant=True)
    tool = None
    if args.feed:  # the room from a real feed instead, into a Live show
        tool, port, stop_tool = _feed_tool(args.rate, args.seconds + 30)
        controls.options = lambda *a, **k: replace(asked(*a, **k), rehearsal=False, simulated_audience=False,
                                                   demo_assistant=False, feed_url=f"douyin-grab://127.0.0.1:{port}")
    window.resize(1600, 1000)
    window.show()
    if not args.no_freeze:
        settled()  # as the window's own launcher does once the window is built
    collections = Collections()
    idle = summary(measure(app, min(10.0, args.seconds)))  # before going live: the pre-live preview runs
    frames_before = window.preview.frames_shown
    going = summary(measure(app, 2.0, controls.go_live_action.trigger))  # 开播 pressed as a person does
    while window.on_air.starting:  # it opens on a thread of its own: the window's lateness meanwhile counts too
        going = max(going, summary(measure(app, 0.5)), key=lambda s: s["max_ms"])
    assert service.live, "the bench's go-live failed"
    tracked_before = census()
    cpu, first = time.process_time(), service.broadcast.core.bus.last_seq
    collections.take()
    from app.live.simulator import AudienceSimulator

    simulator = next((h for h in service.broadcast._helpers if isinstance(h, AudienceSimulator)), None)  # noqa: SLF001
    memory = Memory(args.census_minutes * 60, lambda: getattr(simulator, "came", 0), (service, window),
                    trace=args.trace)
    trimmer = service.broadcast.heap
    if args.no_heap_trim:
        trimmer.stop()
    busy_raw, busy_at = measure(app, args.seconds, times=True)
    if args.heaptrack:
        import ctypes

        from bench.memory_growth import malloc_mb, sqlite_mb
        from bench.soak import rss_mb

        print(f"heaptrack stopped live after {args.seconds:.0f} s: {getattr(simulator, 'came', 0)} viewers, "
              f"resident {rss_mb(os.getpid()):.1f} MB, C heap {json.dumps(malloc_mb())}, SQLite {sqlite_mb()} MB",
              flush=True)
        ctypes.CDLL(None).heaptrack_stop()  # what is allocated now is what the record says is held (its "leaks")
        os._exit(0)
    trims = during_trims(busy_raw, busy_at, trimmer.stats.recent, trimmer.interval_s / 2)  # RECENT: two hours of them
    memory.stop()
    cpu = (time.process_time() - cpu) / args.seconds  # the console process's cores (x264's threads included)
    core = service.broadcast.core
    collected_live = collections.take()
    tracked_after = census()
    stats = service.broadcast.stats
    published = service.broadcast.core.bus.last_seq - first  # in the measured half
    comments = len(window.comments.model.rows)
    feed = service.broadcast.feed.stats_copy() if service.broadcast.feed else None
    frames = window.preview.frames_shown - frames_before
    stopping = summary(measure(app, 3.0, controls.stop_action.trigger))  # 停播 pressed: the stop runs on its thread
    while window.on_air.stopping:
        measure(app, 0.5)
    go_live_ms, stop_ms = going["max_ms"], stopping["max_ms"]
    collected_stop = collections.take()
    lost = core.bus.last_seq - core.writer.stats.written - core.writer.stats.quarantined  # what the store never got
    busy = summary(busy_raw)
    result = {"rate": args.rate, "seconds": args.seconds, "idle": idle, "live": busy, "events": published,
              "preview_frames": frames, "go_live_ms": go_live_ms, "stop_ms": stop_ms, "comments_in_view": comments,
              "p99_by_minute": by_minute(busy_raw), "collections_live": collected_live,
              "collections_stop": collected_stop,
              "tracked_at_go_live": tracked_before, "tracked_at_the_end": tracked_after, "cpu_cores": cpu, "lost": lost, "switch_ms": sys.getswitchinterval() * 1000,
              "pipeline_dropped": stats.dropped if stats else None, "capture_fps": stats.capture_fps if stats else None,
              "memory": memory.result(), "heap_trim": trims,
              "allocator": {"arena_max": args.arena_max, "mmap_threshold": args.mmap_threshold},
              "checkpoints": {"kept": core.writer.stats.checkpoints, "last_ms": core.writer.stats.checkpoint_ms},
              "feed": None if feed is None else {"received": feed.received, "published": feed.published,
                                                 "malformed": feed.malformed, "reconnects": feed.reconnects}}
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    (out / f"ui_stall-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.json").write_text(json.dumps(result, indent=2))
    print("| UI thread lateness of a 5 ms timer | p50 | p99 | max |\n|---|---|---|---|")
    print(f"| before going live, preview only (reference) | {idle['p50_ms']:.2f} ms | {idle['p99_ms']:.2f} ms | {idle['max_ms']:.1f} ms |")
    print(f"| live, {args.rate:.0f} events/s + 30 fps preview | {busy['p50_ms']:.2f} ms | {busy['p99_ms']:.2f} ms | "
          f"{busy['max_ms']:.1f} ms |")
    print(f"cycle collections while live {collected_live}; while stopping {collected_stop}; p99 by minute "
          f"{result['p99_by_minute']}")
    print(f"tracked objects at go-live {tracked_before}; at the end {tracked_after}")
    print(f"memory {json.dumps(result['memory']['rss_mb'])}; by minute {result['memory']['rss_by_minute']}; "
          f"SQLite's by minute {result['memory']['sqlite_by_minute']}")
    if "heap_grew" in result["memory"]:
        print(f"heap grew {json.dumps(result['memory']['heap_grew'], ensure_ascii=False)}")
    if "census" in result["memory"]:
        print(f"census {json.dumps(result['memory']['census'], ensure_ascii=False)}")
    if trims["trims"]:
        print(f"heap trims {trims['trims']}: took {json.dumps(trims['ms'])} ms, gave back "
              f"{json.dumps(trims['released_mb'])} MB; the UI thread's lateness through each "
              f"{json.dumps(trims['ui_late_during_trim'])}, through the same windows half an interval later (reference) "
              f"{json.dumps(trims['ui_late_half_an_interval_later'])}")
    print(f"process CPU while live {cpu * 100:.0f}% of a core; events not stored at the stop: {lost}; "
          f"checkpoints kept {result['checkpoints']}")
    print(f"events published {published} ({published / args.seconds:.0f}/s), preview frames shown {frames} "
          f"({frames / args.seconds:.1f}/s), pipeline drops {result['pipeline_dropped']}; the UI thread's longest "
          f"stall {go_live_ms:.0f} ms while going live, {stop_ms:.0f} ms while stopping (switch interval "
          f"{sys.getswitchinterval() * 1000:.0f} ms)")
    if result["feed"]:
        print(f"feed {result['feed']}")
    if tool is not None:
        stop_tool.set()
        tool.join(10)
    window.close()
    shutil.rmtree(os.environ["ANCHOR_CONSOLE_DATA"], ignore_errors=True)  # its recording and log: ~90 MB a run
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
