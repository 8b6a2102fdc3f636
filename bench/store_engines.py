"""Benchmark: the event log writer on SQLite and on PostgreSQL (a studio's shared database), each beside its own
driver doing the same inserts raw, in the same run.

    ulimit -v 8000000; .venv/bin/python bench/store_engines.py --events 120000 --seconds 60

For each engine:
1. capacity: `events` simulated audience events through `StoreWriter` as fast as it takes them (batches of 512,
   one transaction each, each row a link of the show's hash chain), through the same writer without the chain (as
   it was before issue #31), and the engine's own driver inserting the same rows in the same batches
   (sqlite3 `executemany`; psycopg 3 `executemany`) into a table of the same shape — the reference;
2. beside a busy thread: `busy_events` events through `StoreWriter` while another Python thread computes without
   pause (as the feed's thread does at thousands of frames a second), against the same writer inserting with the
   driver's `executemany` (a step per row, each giving the GIL up: as it did before `app/store/bulk.py`);
3. on PostgreSQL, the same writer with its batches as statements of many VALUES rows, alone and beside the busy
   thread, as it wrote before its COPY (the reference for COPY);
4. live: the session core at the show's rate (2,000 events/s, the simulated audience) for `seconds`: every
   event stored? how long the queue took to drain at the end?

PostgreSQL is Debian's server started here on loopback in a temporary folder (as the tests start it: fsync off,
so both engines are measured without waiting for the disk) and stopped by its pid.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select  # noqa: E402

from app.kernel.bus import EventBus  # noqa: E402
from app.live.simulator import AudienceSimulator, SimulatorConfig  # noqa: E402
from app.session import SessionCore  # noqa: E402
from app.store.chain import Chain  # noqa: E402
from app.store.db import Database  # noqa: E402
from app.store.models import ChainLink, EventRecord  # noqa: E402
from app.store.bulk import binds_per_statement, insert_rows, uses_copy  # noqa: E402
from app.store.writer import StoreWriter, event_row  # noqa: E402
from bench.event_bus import live_run, seed_catalogue  # noqa: E402

COLUMNS = ("session_id", "seq", "wall_time", "stream_time", "type", "actor", "user_id", "product_id",
           "amount_cents", "flagged", "payload")
BATCH = 512  # the writer's own batch (app/store/writer.py)


def events_for(database: Database, n: int) -> tuple[int, list]:
    """A session and n simulated events numbered after its own."""
    core = SessionCore(database)
    session_id = core.start("capacity")
    core.end()
    bus = EventBus()
    bus.resume_seq(core.bus.last_seq)
    sim = AudienceSimulator(bus, None, SimulatorConfig(seed=3))
    return session_id, [bus.publish(e) for e in sim.generate(n, 0)]


class Unchained(StoreWriter):
    """The writer as it was before each show's log was chained (app/store/chain.py): the rows alone. The same-run
    reference for what the chain costs; here only, never in the console."""

    def _begin_chain(self) -> Chain:
        return Chain(self.session_id, "")

    def _insert(self, rows: list[dict]) -> None:
        with self.database.engine.begin() as connection:
            connection.execute(insert(EventRecord), rows)


class ExecuteMany(StoreWriter):
    """The writer inserting each batch with the driver's `executemany` (a step per row), as before
    `app/store/bulk.py`: the same-run reference beside a busy thread."""

    def _insert(self, rows: list[dict]) -> None:
        links = self.chain.events(rows)
        with self.database.engine.begin() as connection:
            connection.execute(insert(EventRecord), rows)
            connection.execute(insert(ChainLink), links)
        self.chain.keep()
        self.chained["event"] += len(rows)
        self._stored += len(rows)


class ManyValues(StoreWriter):
    """The writer with each batch as statements of many VALUES rows on PostgreSQL too, as before its COPY
    (`app/store/bulk.py`): PostgreSQL's same-run reference."""

    def _insert(self, rows: list[dict]) -> None:
        links = self.chain.events(rows)
        with self.database.engine.begin() as connection:
            binds = binds_per_statement(connection.dialect)
            insert_rows(connection, EventRecord, rows, max_binds=binds)
            insert_rows(connection, ChainLink, links, max_binds=binds)
        self.chain.keep()
        self.chained["event"] += len(rows)
        self._stored += len(rows)


def beside_busy(database: Database, n: int, kind) -> float:
    """Events a second `kind` stores while another Python thread computes without pause."""
    session_id, events = events_for(database, n)
    stop = threading.Event()

    def busy() -> None:
        total = 0
        while not stop.is_set():
            for i in range(1000):
                total += i

    thread = threading.Thread(target=busy, daemon=True)
    thread.start()
    try:
        return n / writer_time(database, session_id, events, kind)
    finally:
        stop.set()
        thread.join()


def writer_time(database: Database, session_id: int, events: list, kind=StoreWriter) -> float:
    writer = kind(database, session_id)
    t0 = time.perf_counter()
    for event in events:
        writer(event)
    writer.close(timeout=600)
    elapsed = time.perf_counter() - t0
    with database.session() as db:
        stored = db.scalar(select(func.count()).select_from(EventRecord).where(EventRecord.session_id == session_id))
    assert stored >= len(events), f"the writer stored {stored} of {len(events)}"
    return elapsed


def raw_sqlite(path: Path, rows: list[dict]) -> float:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, session_id INT, seq INT, wall_time REAL, stream_time"
                 " REAL, type TEXT, actor TEXT, user_id TEXT, product_id INT, amount_cents INT, flagged INT,"
                 " payload TEXT)")
    conn.execute("CREATE UNIQUE INDEX a ON events(session_id, seq)")
    conn.execute("CREATE INDEX b ON events(session_id, type, stream_time, user_id)")
    sql = f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    t0 = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        with conn:
            conn.executemany(sql, [_values(r) for r in rows[i:i + BATCH]])
    elapsed = time.perf_counter() - t0
    conn.close()
    return elapsed


def raw_postgres(dsn: str, rows: list[dict]) -> float:
    import psycopg

    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE raw_events (id SERIAL PRIMARY KEY, session_id INT, seq INT, wall_time DOUBLE "
                     "PRECISION, stream_time DOUBLE PRECISION, type VARCHAR(32), actor VARCHAR(64), user_id "
                     "VARCHAR(64), product_id INT, amount_cents BIGINT, flagged BOOLEAN, payload JSON)")
        conn.execute("CREATE UNIQUE INDEX ra ON raw_events(session_id, seq)")
        conn.execute("CREATE INDEX rb ON raw_events(session_id, type, stream_time, user_id)")
        conn.commit()
        sql = f"INSERT INTO raw_events ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
        t0 = time.perf_counter()
        for i in range(0, len(rows), BATCH):
            with conn.cursor() as cursor:
                cursor.executemany(sql, [_values(r, flag=bool) for r in rows[i:i + BATCH]])
            conn.commit()
        return time.perf_counter() - t0


def _values(row: dict, flag=int) -> tuple:
    return tuple(flag(row[c]) if c == "flagged" else json.dumps(row[c], ensure_ascii=False) if c == "payload"
                 else row[c] for c in COLUMNS)


def measure(name: str, url: str, raw, n: int, seconds: float, busy_n: int) -> dict:
    database = Database(url)
    seed_catalogue(database)
    before_id, before_events = events_for(database, n)
    before = writer_time(database, before_id, before_events, Unchained)
    session_id, events = events_for(database, n)
    ours = writer_time(database, session_id, events)
    rows = [event_row(session_id, e) for e in events]
    reference = raw(rows)
    busy = {"ours_per_s": beside_busy(database, busy_n, StoreWriter),
            "executemany_per_s": beside_busy(database, max(1000, busy_n // 10), ExecuteMany)} if busy_n else None
    values = None
    if uses_copy(database.engine.dialect):  # the writer before COPY, alone and beside a busy thread
        values_id, values_events = events_for(database, n)
        values = {"alone_per_s": n / writer_time(database, values_id, values_events, ManyValues),
                  "busy_per_s": beside_busy(database, busy_n, ManyValues) if busy_n else None}
    live = live_run(database, 2000, seconds) if seconds > 0 else None
    database.close()
    return {"engine": name, "events": n, "writer_s": ours, "writer_per_s": n / ours, "unchained_s": before,
            "unchained_per_s": n / before, "raw_s": reference,
            "raw_per_s": n / reference, "ratio": ours / reference, "busy": busy, "live": live,
            "many_values": values}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=120_000)
    parser.add_argument("--seconds", type=float, default=60, help="the live run at 2,000/s (0: none)")
    parser.add_argument("--busy-events", type=int, default=40_000,
                        help="events beside a busy thread (the executemany reference takes a tenth: it is that slow)")
    args = parser.parse_args()
    from tests.conftest import PostgresServer

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        results.append(measure("SQLite", f"sqlite:///{tmp / 'writer.db'}", lambda rows: raw_sqlite(tmp / "raw.db", rows),
                               args.events, args.seconds, args.busy_events))
        server = PostgresServer()
        try:
            url = server.url()
            dsn = url.replace("postgresql+psycopg://", "postgresql://")
            results.append(measure("PostgreSQL", url, lambda rows: raw_postgres(dsn, rows), args.events, args.seconds,
                                   args.busy_events))
        finally:
            server.stop()
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    (out / f"store_engines-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(results, indent=2))
    print("| engine | StoreWriter (chained) | without the chain | raw driver (reference) | ratio | live 2,000/s: "
          "published / stored, drain |")
    print("|---|---|---|---|---|---|")
    for r in results:
        live = r["live"]
        shown = (f"{live['published']} / {live['persisted']}, {live['drain_s']:.2f} s" if live else "—")
        print(f"| {r['engine']} | {r['writer_per_s']:,.0f}/s | {r['unchained_per_s']:,.0f}/s | {r['raw_per_s']:,.0f}/s"
              f" | {r['ratio']:.2f}× the time | {shown} |")
    print("\n| beside a busy Python thread | StoreWriter (a statement per batch) "
          "| executemany (a step per row: reference) |")
    print("|---|---|---|")
    for r in results:
        if r["busy"]:
            print(f"| {r['engine']} | {r['busy']['ours_per_s']:,.0f}/s | {r['busy']['executemany_per_s']:,.0f}/s |")
    for r in results:
        if r["many_values"]:
            v = r["many_values"]
            busy_values = f"{v['busy_per_s']:,.0f}/s" if v["busy_per_s"] else "—"
            print(f"\n{r['engine']}: the writer by COPY {r['writer_per_s']:,.0f}/s alone, "
                  f"{r['busy']['ours_per_s'] if r['busy'] else float('nan'):,.0f}/s beside a busy thread; by statements "
                  f"of many VALUES rows (reference) {v['alone_per_s']:,.0f}/s alone, {busy_values} beside it")
    sqlite_rate, pg_rate = results[0]["writer_per_s"], results[1]["writer_per_s"]
    print(f"\nPostgreSQL / SQLite, StoreWriter: {pg_rate / sqlite_rate:.2f}× the rate")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
