"""The state a long show holds, simulated faster than real time: the session core (room, metrics, alerts, FAQ, and
the event writer into SQLite unless --no-writer) fed by the simulated audience on a simulated clock.

    ulimit -v 8000000; .venv/bin/python bench/state_growth.py --hours 1 --rate 2000
    ulimit -v 8000000; .venv/bin/python bench/state_growth.py --hours 10 --rate 2000 --no-writer   # 72 M events

Each simulated second the bus's clock is set to it and the simulator's events for that second are published; a
product is pinned every five simulated minutes. Every `--every` simulated minutes it samples the resident memory,
the Python heap (tracemalloc's total, with --trace) and the size of each container the state keeps (found by
walking the objects' attributes: dicts of ids are not tracked by the collector). The reference in the same run is
the show's own first `--after` minutes: what grows after them, and by what, is the figure; the distinct viewers
who came are counted beside it (what a UV must remember).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.memory_growth import malloc_mb  # noqa: E402
from bench.soak import rss_mb  # noqa: E402


def held(least: int = 1_000) -> dict[str, int]:
    """Containers of more than `least` items held as an attribute of an object: "Type.attribute" → items."""
    found: dict[str, int] = {}
    for obj in gc.get_objects():
        try:
            attributes = object.__getattribute__(obj, "__dict__")
        except Exception:  # noqa: BLE001 - no __dict__, or a proxy that refuses
            continue
        if not isinstance(attributes, dict) or isinstance(obj, type):
            continue
        for name, value in list(attributes.items()):
            if isinstance(value, (dict, list, set, deque)) and len(value) > least:  # a live thread may change it
                key = f"{type(obj).__qualname__}.{name}"
                found[key] = found.get(key, 0) + len(value)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--rate", type=int, default=2000, help="audience events per simulated second")
    parser.add_argument("--viewers", type=int, default=200_000, help="the simulated audience's size")
    parser.add_argument("--every", type=float, default=5.0, help="simulated minutes between samples")
    parser.add_argument("--after", type=float, default=5.0, help="simulated minutes before the reference sample")
    parser.add_argument("--no-writer", action="store_true", help="no event log (the state alone, faster)")
    parser.add_argument("--trace", action="store_true", help="tracemalloc's total at each sample (slower)")
    args = parser.parse_args()
    from app.live.simulator import SimulatorConfig
    from app.session import SessionCore
    from app.store.db import Database
    from app.store.models import Product

    work = Path(tempfile.mkdtemp(prefix="anchor-state-"))
    database = Database(f"sqlite:///{work / 'state.db'}")
    with database.sessions.begin() as db:
        db.add_all([Product(sku=f"SKU-{i}", title=f"商品 {i}", category="零食", list_price_cents=9900, live_price_cents=5900,
                            stock=10**7, image="", selling_points=[]) for i in range(20)])
    core = SessionCore(database)
    core.start("状态增长 state growth", kind="rehearsal")
    if args.no_writer:
        core._unsubscribe_writer()  # noqa: SLF001 - the bench's option: the state without the log
        core.writer.close()
    simulator = core.simulated_audience(SimulatorConfig(events_per_second=min(5000, args.rate), seed=3,
                                                        max_users=args.viewers))
    sheet = core.room.snapshot().state.run_sheet
    if args.trace:
        tracemalloc.start(1)
    seconds, samples = int(args.hours * 3600), []
    started = time.monotonic()
    for second in range(seconds):
        core.bus.go_live(time.monotonic() - second)  # the bus's clock says this simulated second
        if second % 300 == 0:
            core.room.pin_product(sheet[(second // 300) % len(sheet)], "assistant:bench")
        for event in simulator.generate(args.rate, float(second)):
            core.bus.publish(event)
        if not args.no_writer and core.writer.backlog > 20_000:  # the log's pace: its queue is not the state
            while core.writer.backlog > 2_000:
                time.sleep(0.01)
        if second % int(args.every * 60) == 0 or second == seconds - 1:
            gc.collect()
            samples.append({"minute": round(second / 60, 1), "events": core.bus.last_seq,
                            "rss_mb": round(rss_mb(os.getpid()), 1), "malloc": malloc_mb(),
                            "traced_mb": round(tracemalloc.get_traced_memory()[0] / 2**20, 1) if args.trace else None,
                            "viewers": simulator.came, "held": held(),
                            "writer_backlog": None if args.no_writer else core.writer.backlog,
                            "wall_s": round(time.monotonic() - started, 1)})
            print(json.dumps({k: v for k, v in samples[-1].items() if k != "held"}), flush=True)
    elapsed = time.monotonic() - started
    core.end()
    reference = next((s for s in samples if s["minute"] >= args.after), samples[0])
    last = samples[-1]
    hours_after = max(1e-9, (last["minute"] - reference["minute"]) / 60)
    grew = {k: last["held"].get(k, 0) - reference["held"].get(k, 0)
            for k in set(last["held"]) | set(reference["held"])}
    result = {
        "hours": args.hours, "rate": args.rate, "writer": not args.no_writer, "events": core.bus.last_seq,
        "events_per_wall_s": round(core.bus.last_seq / elapsed), "viewers_max": args.viewers,
        "rss_mb": {"at_reference": reference["rss_mb"], "end": last["rss_mb"],
                   "per_hour_after": round((last["rss_mb"] - reference["rss_mb"]) / hours_after, 1)},
        "viewers": {"at_reference": reference["viewers"], "end": last["viewers"]},
        "held_grew": dict(sorted(((k, v) for k, v in grew.items() if v), key=lambda kv: -kv[1])),
        "held_end": dict(sorted(last["held"].items(), key=lambda kv: -kv[1])[:15]),
    }
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / f"state-growth-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(
        json.dumps({**result, "samples": samples}, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    database.close()
    shutil.rmtree(work, ignore_errors=True)  # the log of a simulated hour is gigabytes: the numbers are kept
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
