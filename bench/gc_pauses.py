"""The collector's pauses during a go-live: the console's own go-live (test pattern, the simulated audience at
2,000 events/s, recording) for a while, with and without moving what exists at go-live out of the collector's
way (`gc.freeze()`, what `Broadcast.start` does). The reference is the same run in the same process kind without
it. Prints JSON: pauses by generation, how many objects the collector tracks, frames skipped.

    ulimit -v 8000000; .venv/bin/python bench/gc_pauses.py --seconds 60 [--no-freeze]
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--no-freeze", action="store_true", help="the reference: leave everything to the collector")
    args = parser.parse_args()
    import os

    os.environ["ANCHOR_CONSOLE_DATA"] = tempfile.mkdtemp(prefix="anchor-gc-")
    if args.no_freeze:
        import app.broadcast

        app.broadcast.FREEZE_AT_GO_LIVE = False
    from app.console import ConsoleService, LiveOptions
    from app.store.db import Database

    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    began = [0.0]

    def collector(phase: str, info: dict) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            pauses[info["generation"]].append((time.perf_counter() - began[0]) * 1000)

    work = Path(os.environ["ANCHOR_CONSOLE_DATA"])
    service = ConsoleService(Database(f"sqlite:///{work / 'gc.db'}"))
    service.go_live(LiveOptions(recording_path=str(work / "gc.mkv"), audience_rate=2000, duration=args.seconds))
    gc.callbacks.append(collector)
    service.wait()
    stats = service.broadcast.stats
    tracked, frozen = len(gc.get_objects()), gc.get_freeze_count()
    service.close()
    gc.callbacks.remove(collector)
    out = {"seconds": args.seconds, "freeze": not args.no_freeze, "tracked_objects": tracked, "frozen_objects": frozen,
           "dropped": dict(stats.dropped) if stats else None,
           "gc_pauses_ms": {str(g): {"count": len(p), "median": round(sorted(p)[len(p) // 2], 2) if p else 0,
                                     "max": round(max(p), 2) if p else 0} for g, p in pauses.items()}}
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
