"""Benchmark: the manager's views across shows at a studio's scale (issue #29: 1,000 shows on PostgreSQL, the
across-shows and audience views open in ≤ 2 s from kept per-show aggregates; the same on SQLite for a studio's
year).

    ulimit -v 8000000; .venv/bin/python bench/insights_scale.py [--shows 1000 --viewers 3000] [--postgres URL|auto]
        [--keep-events 100000]

What the views read is what is kept per ended show — its figures (`show_figures`) and one row per account it saw
(`show_viewers`) — never its events, so the views' cost is shows × viewers, whatever each show's event count. This
writes `--shows` shows of `--viewers` accounts each straight into those tables (a pool of accounts of which about
half come back, orders and follows among them), then opens `load_insights` for the whole period several times and
reports the median. Apart, `--keep-events N` times keeping one show of N events (what a show costs once, at its
end: its review is built there anyway; the part the insights add is the accounts' query and insert).

Reference, same run: reading every kept show's figures row by row and counting returning viewers in Python from
all account rows (what a report without the SQL grouping would do).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from app.insights import load_insights  # noqa: E402
from app.store.db import Database  # noqa: E402
from app.store.models import LiveSession, ShowFigures, ShowViewer  # noqa: E402

START = 1_735_689_600.0  # 2025-01-01


def build(database: Database, shows: int, viewers: int, seed: int = 29) -> float:
    """The kept shows: returns the period's end."""
    rng = random.Random(seed)
    pool = viewers * 8
    day = 365 * 86400 / max(shows, 1)
    for n in range(shows):
        started = START + n * day
        with database.sessions.begin() as db:
            row = LiveSession(title=f"第{n + 1}场", status="ended", started_at=started, ended_at=started + 10800,
                              kind="live", host=rng.choice(["小雅", "阿杰", "小北"]), platform="douyin",
                              studio_id=database.studio_id)
            db.add(row)
            db.flush()
            windows = [[rng.randint(1, 40), w * 900.0, (w + 1) * 900.0, 900.0, rng.randint(0, 80),
                        rng.randint(0, 800_000), 0, rng.randint(0, 70), rng.randint(0, 60), rng.randint(100, 900),
                        rng.randint(300, 2000)] for w in range(12)]
            db.add(ShowFigures(session_id=row.id, studio_id=database.studio_id, through_seq=100_000, saved_at=started,
                               figures={"duration_s": 10800.0, "gmv_cents": sum(w[5] for w in windows),
                                        "refunds_cents": 0, "orders": sum(w[4] for w in windows),
                                        "buyers": sum(w[7] for w in windows), "pv": viewers * 2, "uv": viewers,
                                        "viewer_buyers": sum(w[8] for w in windows), "online_peak": 900,
                                        "masked": False, "windows": windows, "alerts": 0}))
            seen = rng.sample(range(pool), viewers)
            rows = [{"session_id": row.id, "user_id": f"7{u:012d}", "studio_id": database.studio_id,
                     "platform": "douyin", "started_at": started, "entered": True,
                     "orders": 1 if rng.random() < 0.03 else 0, "paid_cents": 9900, "followed": rng.random() < 0.04}
                    for u in seen]
        with database.engine.begin() as conn:
            conn.execute(ShowViewer.__table__.insert(), rows)
    return START + shows * day + 1


def reference(database: Database) -> float:
    """Every kept show's figures read, every account row read, returning viewers counted in Python."""
    t0 = time.perf_counter()
    with database.session() as db:
        figures = [(r.session_id, r.figures) for r in db.scalars(select(ShowFigures))]
        starts = dict(db.execute(select(LiveSession.id, LiveSession.started_at)).all())
    first: dict[str, float] = {}
    with database.engine.connect() as conn:
        accounts = conn.execute(select(ShowViewer.session_id, ShowViewer.user_id)).all()
    for session_id, user in accounts:
        at = starts[session_id]
        if user not in first or at < first[user]:
            first[user] = at
    returning = sum(first[user] < starts[sid] for sid, user in accounts)
    assert figures and returning >= 0
    return time.perf_counter() - t0


def keep_one(database: Database, events: int) -> dict:
    """Keeping one ended show of `events` events: the review (as at the show's end) and the insights' part."""
    from bench.make_shows import generate
    from app import insights

    (session_id,) = generate(database, shows=1, viewers=max(10, events // 20), seed=7, events_per_show=events)
    t0 = time.perf_counter()
    from app.review import load_review

    load_review(database, session_id)
    review_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    insights.keep(database, session_id)
    return {"events": events, "review_s": round(review_s, 2), "insights_keep_s": round(time.perf_counter() - t1, 2)}


def run(url: str, shows: int, viewers: int, repeats: int, keep_events: int) -> dict:
    database = Database(url)
    try:
        t0 = time.perf_counter()
        until = build(database, shows, viewers)
        built = time.perf_counter() - t0
        times, ref = [], []
        for _ in range(repeats):
            t = time.perf_counter()
            result = load_insights(database, START, until)
            times.append(time.perf_counter() - t)
            ref.append(reference(database))
        out = {"engine": database.engine.dialect.name, "shows": len(result.shows), "viewers_per_show": viewers,
               "account_rows": shows * viewers, "built_s": round(built, 1),
               "insights_open_s": round(statistics.median(times), 3),
               "insights_open_runs": [round(t, 3) for t in times],
               "reference_s": round(statistics.median(ref), 3), "cohorts": len(result.cohorts),
               "returning_first_show": result.audience[0].returning if result.audience else None}
        if keep_events:
            out["keep"] = keep_one(database, keep_events)
        return out
    finally:
        database.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shows", type=int, default=1000)
    parser.add_argument("--viewers", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--postgres", metavar="URL", help="also on this (empty) PostgreSQL database; auto: on a "
                                                          "throwaway cluster started here (Debian's PostgreSQL)")
    parser.add_argument("--keep-events", type=int, default=0)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        results.append(run(f"sqlite:///{folder}/insights.db", args.shows, args.viewers, args.repeats,
                           args.keep_events))
    if args.postgres == "auto":  # a throwaway cluster on loopback, as the tests make one, stopped by its pid
        from tests.conftest import PostgresServer

        server = PostgresServer()
        try:
            results.append(run(server.url(), args.shows, args.viewers, args.repeats, args.keep_events))
        finally:
            server.stop()
    elif args.postgres:
        results.append(run(args.postgres, args.shows, args.viewers, args.repeats, args.keep_events))
    text = json.dumps(results, ensure_ascii=False, indent=2)
    print(text)
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "insights_scale.json").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
