"""What grows while a show runs: the console's own rehearsal (the demo's options), its heap measured by line and by
type after a warm-up, against its resident memory.

    ulimit -v 8000000; .venv/bin/python bench/memory_growth.py --minutes 10 [--rate 20] [--trace]

After `--warmup` seconds (default 60) the script takes a census of the objects the collector tracks and, with
`--trace`, starts tracemalloc (it then sees only what is allocated from there on, so what is still alive at the end
is the growth). At the end it prints the resident memory's growth per hour over the steady part, the Python heap's
growth (tracemalloc's traced total), the census's difference by type and the lines whose allocations are still
alive, largest first. The reference in the same run is the process's own first minute.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter, deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.soak import rss_mb  # noqa: E402


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


def malloc_mb() -> dict:
    """glibc's heap, MB: in use (uordblks + mmapped blocks), free inside the arenas (fordblks: resident growth that is
    free is the allocator keeping pages — fragmentation —, growth in use is something held) and the arenas' size."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        info = libc.mallinfo2()
    except (OSError, AttributeError):
        return {}
    return {"in_use": round((info.uordblks + info.hblkhd) / 2**20, 1), "free": round(info.fordblks / 2**20, 1),
            "arena": round(info.arena / 2**20, 1)}


def sqlite_mb() -> float | None:
    """What the SQLite library holds, MB (`sqlite3_memory_used`: its page caches, prepared statements and the values
    bound to them, every connection of the process), or None where the library is not at hand."""
    try:
        import ctypes.util

        library = ctypes.CDLL(ctypes.util.find_library("sqlite3") or "libsqlite3.so.0")
        library.sqlite3_memory_used.restype = ctypes.c_int64
        return round(library.sqlite3_memory_used() / 2**20, 1)
    except (OSError, AttributeError):
        return None


def census() -> Counter:
    objects = gc.get_objects()
    counts = Counter(type(o).__qualname__ for o in objects)
    del objects
    return counts


def _slope(points: list[tuple[float, float]]) -> float:
    """Least squares: MB per hour over the steady samples."""
    n = len(points)
    if n < 2:
        return 0.0
    mx, my = sum(x for x, _ in points) / n, sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / var if var else 0.0


def big_containers(least: int = 5_000) -> dict[str, int]:
    """The containers holding more than `least` items, named by what holds them (an object's attribute, or the
    container's type): the state that grows with the show."""
    found: dict[str, int] = {}
    for obj in gc.get_objects():
        if isinstance(obj, (dict, list, set, deque)) and len(obj) > least:
            name = type(obj).__name__
            for holder in gc.get_referrers(obj):
                if isinstance(holder, dict) and holder is not obj:
                    owner = next((o for o in gc.get_referrers(holder) if getattr(o, "__dict__", None) is holder),
                                 None)
                    key = next((k for k, v in holder.items() if v is obj), None)
                    if owner is not None and key is not None:
                        name = f"{type(owner).__qualname__}.{key}"
                        break
            found[name] = found.get(name, 0) + len(obj)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=60)
    parser.add_argument("--rate", type=float, default=20.0, help="the simulated audience's events per second")
    parser.add_argument("--trace", action="store_true", help="tracemalloc from the warm-up on (slows the show)")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--headless", action="store_true",
                        help="as `anchor-console demo`: no window drains the events (by default a thread drains them "
                             "ten times a second, as the window's timer does)")
    args = parser.parse_args()
    from app.console import ConsoleService, LiveOptions
    from app.store.db import Database

    work = Path(tempfile.mkdtemp(prefix="anchor-memory-"))
    service = ConsoleService(Database(f"sqlite:///{work / 'memory.db'}"), view=not args.headless)
    seconds = args.minutes * 60
    service.go_live(LiveOptions(recording_path=str(work / "memory.mkv"), duration=seconds, demo_assistant=True,
                                audience_rate=args.rate))
    started, samples, before, held_before = time.monotonic(), [], None, {}
    drained = [0]
    stop = threading.Event()

    def drain() -> None:  # what the window's timer does with them is the window's (bench/ui_stall.py)
        while not stop.wait(0.1):
            drained[0] += len(service.drain_events())

    drainer = threading.Thread(target=drain, daemon=True)
    if not args.headless:
        drainer.start()
    while service.live and service.broadcast.streaming:
        time.sleep(5)
        elapsed = time.monotonic() - started
        samples.append((round(elapsed), round(rss_mb(os.getpid()), 1), service.broadcast.core.bus.last_seq,
                        malloc_mb(), round(tracemalloc.get_traced_memory()[0] / 2**20, 1)
                        if tracemalloc.is_tracing() else None))
        if before is None and elapsed >= args.warmup:
            before, held_before = census(), big_containers()
            if args.trace:
                tracemalloc.start(12)
    snapshot = tracemalloc.take_snapshot() if tracemalloc.is_tracing() else None
    after, held_after = census(), big_containers()
    stop.set()
    stats = service.broadcast.stats
    service.stop()
    service.close()
    steady = [s for s in samples if args.warmup <= s[0] <= seconds - 5] or samples  # not the stop's samples
    first, last = steady[0], steady[-1]
    hours = max(1e-9, (last[0] - first[0]) / 3600)
    slope = _slope([(s[0] / 3600, s[1]) for s in steady])
    grown = {k: after[k] - before.get(k, 0) for k in after} if before else {}
    result = {
        "minutes": args.minutes, "audience_rate": args.rate, "trace": args.trace, "headless": args.headless,
        "drained": drained[0],
        "events": samples[-1][2] if samples else 0,
        "dropped": dict(stats.dropped) if stats is not None else None,
        "rss_mb": {"after_warmup": first[1], "end": last[1], "per_hour": round((last[1] - first[1]) / hours, 1),
                   "per_hour_fit": round(slope, 1), "max": max(s[1] for s in samples)},
        "held": {"after_warmup": held_before if before else None, "end": held_after},
        "malloc_mb": {"after_warmup": first[3], "end": last[3]},
        "traced_mb_end": last[4],
        "tracked_objects": {"after_warmup": sum(before.values()) if before else None, "end": sum(after.values()),
                            "grown_by_type": sorted(((k, v) for k, v in grown.items() if v), key=lambda kv: -kv[1])
                            [: args.top]},
    }
    if snapshot is not None:
        lines = []
        for stat in snapshot.statistics("traceback")[: args.top]:
            frames = [f"{Path(f.filename).name}:{f.lineno}" for f in stat.traceback
                      if "/anchor" in f.filename or "/app/" in f.filename or "/ui/" in f.filename][-4:]
            lines.append({"kb": round(stat.size / 1024, 1), "count": stat.count,
                          "where": " ← ".join(reversed(frames)) or str(stat.traceback[-1])})
        result["alive_since_warmup"] = lines
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / f"memory-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(
        json.dumps({**result, "samples": samples}, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
