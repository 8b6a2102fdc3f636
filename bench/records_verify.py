"""Benchmark: checking a long show's log against its hash chain (issue #31, `anchor-console records verify`).

    ulimit -v 8000000; .venv/bin/python bench/records_verify.py [--events 1000000]

Writes one show of `events` simulated audience events through the real `StoreWriter` (so every row is a link), ends
it (the seal), then, three times each in the same run:
- reference: every row of the show's log read in the same slices the check reads (the database's part alone);
- ours: `app.store.chain_check.verify` (the rows and the links read side by side, each row's digests computed).
Also the check's peak memory (tracemalloc). Prints JSON and writes it to bench/out/.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from app.kernel.bus import EventBus  # noqa: E402
from app.live.simulator import AudienceSimulator, SimulatorConfig  # noqa: E402
from app.store import chain_check as chain  # noqa: E402
from app.store.db import Database  # noqa: E402
from app.store.models import EventRecord, LiveSession  # noqa: E402
from app.store.writer import StoreWriter  # noqa: E402
from bench.event_bus import seed_catalogue  # noqa: E402


def build(database: Database, n: int) -> tuple[int, float]:
    with database.sessions.begin() as db:
        show = LiveSession(studio_id=database.studio_id, title="存证 bench", status="ended", started_at=time.time())
        db.add(show)
        db.flush()
        session_id = show.id
    bus = EventBus()
    writer = StoreWriter(database, session_id)
    t0 = time.perf_counter()
    sim = AudienceSimulator(bus, None, SimulatorConfig(seed=5))
    done = 0
    while done < n:
        step = min(50_000, n - done)
        for event in sim.generate(step, done / 2000):
            writer(bus.publish(event))
        done += step
    writer.close(timeout=3600)
    writer.seal()
    return session_id, time.perf_counter() - t0


def read_all(database: Database, session_id: int) -> int:
    with database.session() as db:
        query = select(EventRecord.seq, *(getattr(EventRecord, name) for name in chain.EVENT_FIELDS)).where(
            EventRecord.session_id == session_id)
        return sum(1 for _ in chain._slices(db, query, EventRecord.seq))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{Path(tmp) / 'records.db'}")
        seed_catalogue(database)
        session_id, write_s = build(database, args.events)
        reads, checks = [], []
        for _ in range(3):
            t0 = time.perf_counter()
            rows = read_all(database, session_id)
            reads.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            verdict = chain.verify(database, session_id)
            checks.append(time.perf_counter() - t0)
            assert verdict.intact and verdict.sealed, verdict.findings[:3]
        tracemalloc.start()
        chain.verify(database, session_id)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        database.close()
    result = {"events": rows, "links": verdict.links, "write_s": write_s, "read_s": statistics.median(reads),
              "verify_s": statistics.median(checks), "verify_per_s": rows / statistics.median(checks),
              "verify_peak_mb": peak / 2**20}
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    (out / f"records_verify-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
