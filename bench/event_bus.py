"""Benchmark: the session core's event path (bus → moderation → metrics + room + batched SQLite writer).

    .venv/bin/python bench/event_bus.py --rate 2000 --seconds 60 --summary-events 1000000

1. live: the audience simulator's events published at `rate`/s for `seconds` in real time; every publish timed
   (enqueue latency: what the publishing connector or UI thread pays); then `end()` and a count of the rows.
   Twice: 预警 off (the alert watch a no-op: the reference) and on (its default rules, as a show runs it).
2. write capacity: the same number of events through StoreWriter as fast as possible, against raw sqlite3
   executemany of the same rows (the reference) — as a ratio.
3. summary query over a session of `summary-events` events (indexed SQL), and a full replay through the
   metrics for comparison.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select  # noqa: E402

from app.commerce.room import LiveRoom, ProductState  # noqa: E402
from app.kernel.bus import EventBus  # noqa: E402
from app.session import SessionCore
from app.store.eventlog import load_events, session_summary  # noqa: E402
from app.live.simulator import AudienceSimulator, SimulatorConfig  # noqa: E402
from app.metrics.live import SessionMetrics  # noqa: E402
from app.store.db import Database  # noqa: E402
from app.store.models import EventRecord, Product  # noqa: E402
from app.store.writer import event_row  # noqa: E402


def seed_catalogue(database: Database) -> None:
    with database.sessions.begin() as db:
        for i in range(1, 6):
            db.add(Product(sku=f"P{i}", title=f"商品{i}", category="", list_price_cents=9900 + i,
                           live_price_cents=5900 + i, stock=1_000_000, image="", selling_points=[]))


@contextmanager
def alerts_off():
    """The session core with its alert watch doing nothing: what the event path cost before 预警."""
    from app.metrics.alerts import AlertWatch

    call, tick = AlertWatch.__call__, AlertWatch.tick
    AlertWatch.__call__, AlertWatch.tick = (lambda self, event: None), (lambda self, now: None)
    try:
        yield
    finally:
        AlertWatch.__call__, AlertWatch.tick = call, tick


def live_run(database: Database, rate: int, seconds: float) -> dict:
    core = SessionCore(database, banned_words=["加微信"])
    session_id = core.start("bench")
    core.room.pin_product(1, "assistant:bench")
    sim = AudienceSimulator(core.bus, core.room, SimulatorConfig(events_per_second=min(rate, 5000), seed=11))
    latencies: list[float] = []
    tick, published = 0.02, 0
    start = time.monotonic()
    while (elapsed := time.monotonic() - start) < seconds:
        target = int(elapsed * rate) + int(rate * tick)
        for event in sim.generate(max(0, target - published), elapsed):
            t0 = time.perf_counter()
            core.bus.publish(event)
            latencies.append((time.perf_counter() - t0) * 1e6)
            published += 1
        time.sleep(max(0.0, tick - (time.monotonic() - start - elapsed)))
    wall = time.monotonic() - start
    queued_at_end = core.writer._queue.qsize()
    t0 = time.monotonic()
    core.end()
    drain = time.monotonic() - t0
    with database.session() as db:
        persisted = db.scalar(select(func.count()).select_from(EventRecord).where(EventRecord.session_id == session_id))
        fired = db.scalar(select(func.count()).select_from(EventRecord).where(EventRecord.session_id == session_id,
                                                                               EventRecord.type == "alert"))
    latencies.sort()
    return {"session_id": session_id, "published": core.bus.last_seq, "persisted": persisted,
            "lost": core.bus.last_seq - persisted, "rate_achieved": published / wall,
            "enqueue_us_p50": latencies[len(latencies) // 2], "enqueue_us_p99": latencies[int(len(latencies) * 0.99)],
            "enqueue_us_max": latencies[-1], "queued_at_end": queued_at_end, "drain_s": drain,
            "batches": core.writer.stats.batches, "alerts_fired": fired}


def write_capacity(tmp: Path, n: int) -> dict:
    """StoreWriter vs raw sqlite3 executemany, same rows, same pragmas."""
    from app.store.writer import StoreWriter

    database = Database(f"sqlite:///{tmp / 'capacity.db'}")
    seed_catalogue(database)
    core = SessionCore(database)
    session_id = core.start("capacity")
    core.end()
    bus = EventBus()
    bus.resume_seq(core.bus.last_seq)  # continue the session's numbering
    sim = AudienceSimulator(bus, None, SimulatorConfig(seed=3))
    events = [bus.publish(e) for e in sim.generate(n, 0)]
    writer = StoreWriter(database, session_id)
    t0 = time.perf_counter()
    for event in events:
        writer(event)
    writer.close()
    ours = time.perf_counter() - t0
    rows = [event_row(session_id, e) for e in events]
    conn = sqlite3.connect(tmp / "raw.db")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, session_id INT, seq INT, wall_time REAL, stream_time"
                 " REAL, type TEXT, actor TEXT, user_id TEXT, product_id INT, amount_cents INT, flagged INT,"
                 " payload TEXT)")
    conn.execute("CREATE UNIQUE INDEX a ON events(session_id, seq)")
    conn.execute("CREATE INDEX b ON events(session_id, type)")
    t0 = time.perf_counter()
    for i in range(0, len(rows), 500):
        with conn:
            conn.executemany("INSERT INTO events (session_id, seq, wall_time, stream_time, type, actor, user_id,"
                             " product_id, amount_cents, flagged, payload) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                             [(r["session_id"], r["seq"], r["wall_time"], r["stream_time"], r["type"], r["actor"],
                               r["user_id"], r["product_id"], r["amount_cents"], int(r["flagged"]),
                               json.dumps(r["payload"], ensure_ascii=False)) for r in rows[i:i + 500]])
    raw = time.perf_counter() - t0
    conn.close()
    database.close()
    return {"events": n, "ours_s": ours, "raw_sqlite3_s": raw, "ours_per_s": n / ours, "raw_per_s": n / raw,
            "ratio": ours / raw}


def summary_run(tmp: Path, n: int) -> dict:
    database = Database(f"sqlite:///{tmp / 'big.db'}")
    seed_catalogue(database)
    core = SessionCore(database)
    session_id = core.start("million")
    core.end()
    bus = EventBus()
    bus.resume_seq(core.bus.last_seq)
    room = LiveRoom(bus, [ProductState(i, f"P{i}", f"商品{i}", 9900, 5900, 10**9) for i in range(1, 6)])
    room.pin_product(1, "bench")
    sim = AudienceSimulator(bus, room, SimulatorConfig(seed=21))
    t0 = time.perf_counter()
    chunk, second = 50_000, 0
    while bus.last_seq < n:
        events = []
        while len(events) < chunk and bus.last_seq + len(events) < n:
            events += [e for e in sim.generate(2000, second)]
            second += 1
        rows = [event_row(session_id, bus.publish(e)) for e in events]
        with database.engine.begin() as conn:
            conn.execute(insert(EventRecord), rows)
    fill = time.perf_counter() - t0
    timings = []
    for _ in range(3):
        t0 = time.perf_counter()
        summary = session_summary(database, session_id)
        timings.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    events = load_events(database, session_id)
    loaded = time.perf_counter() - t0
    t0 = time.perf_counter()
    replay = SessionMetrics().feed(events).snapshot()
    replayed = time.perf_counter() - t0
    assert replay.gmv_cents == summary["gmv_cents"] and replay.orders == summary["orders"]
    database.close()
    return {"events": summary["events"], "fill_s": fill, "summary_s_median": statistics.median(timings),
            "summary_s_all": timings, "load_events_s": loaded, "metrics_replay_s": replayed,
            "gmv_cents": summary["gmv_cents"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--capacity-events", type=int, default=120_000)
    parser.add_argument("--summary-events", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        database = Database(f"sqlite:///{tmp / 'live.db'}")
        seed_catalogue(database)
        with alerts_off():
            quiet = live_run(database, args.rate, args.seconds)
        live = live_run(database, args.rate, args.seconds)
        database.close()
        capacity = write_capacity(tmp, args.capacity_events)
        summary = summary_run(tmp, args.summary_events)
    result = {"live_alerts_off": quiet, "live": live, "capacity": capacity, "summary": summary, "when": time.strftime("%Y-%m-%d %H:%M:%S")}
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    (out / f"event_bus-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(result, indent=2))
    print("| metric | value |\n|---|---|")
    for name, run in (("预警 off (reference)", quiet), ("预警 on", live)):
        print(f"| live, {name}: {args.rate}/s × {args.seconds:g} s published / persisted / lost | "
              f"{run['published']} / {run['persisted']} / {run['lost']} |")
        print(f"| live, {name}: achieved rate, alerts fired | {run['rate_achieved']:.0f}/s, {run['alerts_fired']} |")
        print(f"| live, {name}: publish (enqueue) µs p50 / p99 / max | {run['enqueue_us_p50']:.1f} / "
              f"{run['enqueue_us_p99']:.1f} / {run['enqueue_us_max']:.0f} |")
        print(f"| live, {name}: queued at stop, drain time | {run['queued_at_end']} events, {run['drain_s']:.2f} s |")
    print(f"| write capacity: StoreWriter vs raw sqlite3 ({capacity['events']} events) | "
          f"{capacity['ours_per_s']:.0f}/s vs {capacity['raw_per_s']:.0f}/s = {capacity['ratio']:.2f}× the time |")
    print(f"| summary SQL over {summary['events']} events, median of 3 | {summary['summary_s_median']:.3f} s |")
    print(f"| full replay: load events / metrics | {summary['load_events_s']:.1f} s / {summary['metrics_replay_s']:.1f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
