"""What a real room's feed leaves in memory: DouyinBarrageGrab frames (bench/feed_replay.py's shapes: every frame a
fresh JSON text, so every id a fresh string) handed to the feed's own frame handler, into the session core (room,
metrics, alerts, FAQ; no event log: its queue is bounded and its rows on disk), then the Python heap by what
allocated it (tracemalloc) and the containers the objects hold.

    ulimit -v 8000000; .venv/bin/python bench/feed_memory.py --frames 600000 --viewers 200000

The reference, in the same run, is what the ids alone take: the message ids the feed remembers and the distinct
viewers' ids, as Python strings (`sys.getsizeof`): the least any structure that keeps them can cost.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.feed_replay import MIX, _frame  # noqa: E402
from bench.state_growth import held  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=600_000)
    parser.add_argument("--viewers", type=int, default=200_000)
    parser.add_argument("--warmup", type=int, default=50_000, help="frames before the heap is traced")
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    from app.live.connectors import open_feed
    from app.live.simulator import GREETINGS, QUESTIONS, REACTIONS
    from app.session import SessionCore
    from app.store.db import Database

    work = Path(tempfile.mkdtemp(prefix="anchor-feed-memory-"))
    database = Database(f"sqlite:///{work / 'feed.db'}")
    core = SessionCore(database)
    core.start("feed memory", kind="rehearsal")
    core._unsubscribe_writer()  # noqa: SLF001 - the state without the log, as bench/state_growth.py --no-writer
    core.writer.close()
    feed = open_feed("douyin-grab://127.0.0.1:9", core.bus)  # never started: its frame handler is called here
    rnd = random.Random(7)
    kinds = [kind for kind, share in MIX for _ in range(share)]
    said = [*GREETINGS, *REACTIONS, *QUESTIONS[:8]] * 3 + QUESTIONS
    viewers = bytearray(args.viewers)  # who came (allocated before the heap is traced: not in its figures)

    def run(frames: int, first_id: int) -> None:
        for i in range(frames):
            viewer = rnd.randrange(args.viewers)
            viewers[viewer] = 1
            feed._handle(_frame(rnd.choice(kinds), first_id + i, viewer, time.monotonic(), rnd.choice(said)))  # noqa: SLF001

    run(args.warmup, 10_000)
    gc.collect()
    tracemalloc.start(4)
    started = time.monotonic()
    run(args.frames, 10_000_000)
    elapsed = time.monotonic() - started
    gc.collect()
    traced = tracemalloc.get_traced_memory()[0]
    snapshot = tracemalloc.take_snapshot()
    tracemalloc.stop()
    ids_remembered = len(feed._seen_ids)  # noqa: SLF001
    reference = {"message_ids_mb": round(ids_remembered * sys.getsizeof(f"dy:{10_000_000 + args.frames}") / 2**20, 1),
                 "viewer_ids_mb": round(sum(sys.getsizeof(str(100_000_000_000 + v)) for v, came in enumerate(viewers)
                                            if came) / 2**20, 1)}
    top = []
    for stat in snapshot.statistics("traceback")[:args.top]:
        where = next((f"{f.filename.split('/work/main/')[-1]}:{f.lineno}" for f in reversed(stat.traceback)
                      if "/app/" in f.filename), str(stat.traceback[-1]))
        top.append({"mb": round(stat.size / 2**20, 1), "blocks": stat.count, "where": where})
    del snapshot
    result = {"frames": args.frames, "viewers_seen": sum(viewers), "seconds": round(elapsed, 1),
              "heap_grew_mb": round(traced / 2**20, 1), "message_ids_remembered": ids_remembered,
              "reference_ids_alone": reference, "top": top,
              "held": dict(sorted(((k, v) for k, v in held().items() if not k.startswith("module.")),
                                  key=lambda kv: -kv[1])[:10])}
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / f"feed-memory-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    core.end()
    database.close()
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
