"""Benchmark: opening the review of a long show (issue #14: a 4-hour session with 1,000,000 comments and 20,000
orders opens in ≤ 1.5 s).

    ulimit -v 8000000; .venv/bin/python bench/review_open.py [--comments 1000000 --orders 20000 --hours 4]

Builds one session in a fresh SQLite database (and with --postgres URL, in that database too): room stats every
second, 200,000 entries by 120,000 viewers, the comments, 300,000 likes, shares, gifts and follows, a product
pinned every five minutes, the orders (mostly the pinned product, some by viewers who never entered), 2 % of them
refunded, coupons. Then opens it both ways, several times each, in the same run:
- reference: `replay_review` (every event replayed, what the review did before);
- ours: `load_review` (the review as kept at the show's end; comments paged by time) + the text report + a page
  of comments around the middle; its first opening when nothing was kept (a show that was killed): the bulk
  counted by SQL once, then kept; and a rebuild with the counts kept but not the review (after an order import).
Prints JSON and writes it to bench/out/.
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

from sqlalchemy import func, select  # noqa: E402

from app.kernel.events import EventType as T  # noqa: E402
from app.review import format_report, load_review, replay_review  # noqa: E402
from app.store.db import Database  # noqa: E402
from app.store.models import EventRecord, LiveSession, Product  # noqa: E402

START = 1_764_590_400.0  # a show's go-live (unix time)
NAMES = ["每日坚果礼盒", "风干牛肉干", "芒果干", "蛋黄酥", "螺蛳粉", "自热火锅", "海苔脆", "麻辣小龙虾", "黑糖麻薯",
         "冻干草莓", "手撕面包", "辣条礼包", "鸭脖", "酸奶块", "燕麦片", "挂耳咖啡", "柠檬茶", "猪肉脯", "薯片", "果冻"]


def build(database: Database, hours: float, comments: int, orders: int, seed: int = 4) -> tuple[int, int]:
    """One long session; returns (session id, events)."""
    r = random.Random(seed)
    seconds = hours * 3600
    with database.sessions.begin() as db:
        if not db.scalar(select(func.count()).select_from(Product)):
            for i, name in enumerate(NAMES, start=1):
                db.add(Product(sku=f"SKU{i}", title=name, category="零食", list_price_cents=9900 + i * 100,
                               live_price_cents=5900 + i * 100, stock=10**6, image="", selling_points=[]))
        session = LiveSession(title="四小时专场 4-hour show", status="ended", started_at=START,
                              ended_at=START + seconds, kind="live")
        db.add(session)
        db.flush()
        session_id = session.id
    events: list[tuple[float, str, dict]] = []
    events += [(float(s), T.ONLINE.value, {"online": 800 + int(300 * r.random())}) for s in range(int(seconds))]
    viewers = [f"u{i}" for i in range(120_000)]
    events += [(r.uniform(0, seconds), T.ENTER.value, {"user_id": r.choice(viewers), "nickname": "观众"})
               for _ in range(200_000)]
    texts = ["几号发货？", "买了", "有大码吗", "主播好", "多少钱", "666", "链接在哪"]
    events += [(r.uniform(0, seconds), T.COMMENT.value,
                {"user_id": r.choice(viewers), "nickname": "观众", "text": r.choice(texts)}) for _ in range(comments)]
    events += [(r.uniform(0, seconds), T.LIKE.value, {"user_id": r.choice(viewers), "count": r.randint(1, 5)})
               for _ in range(300_000)]
    for kind in (T.SHARE, T.FOLLOW, T.GIFT):
        events += [(r.uniform(0, seconds), kind.value, {"user_id": r.choice(viewers)}) for _ in range(5_000)]
    pins = [(float(t), T.PRODUCT_PINNED.value, {"product_id": r.randint(1, 20)}) for t in range(0, int(seconds), 300)]
    events += pins
    for i in range(orders):
        t = r.uniform(0, seconds)
        pinned = pins[min(int(t // 300), len(pins) - 1)][2]["product_id"]
        buyer = r.choice(viewers) if r.random() < 0.98 else f"ghost{i}"
        events.append((t, T.ORDER.value, {"user_id": buyer, "product_id": pinned if r.random() < 0.8 else
                                          r.randint(1, 20), "quantity": 1, "amount_cents": r.randint(990, 29900),
                                          "order_id": f"o{i}"}))
        if r.random() < 0.02:
            events.append((min(seconds - 1, t + r.uniform(60, 600)), T.REFUND.value,
                           {"order_id": f"o{i}", "amount_cents": 990}))
    for t in range(900, int(seconds), 900):
        events.append((float(t), T.COUPON_DROPPED.value, {"coupon_id": 1, "quantity": 100}))
    switches = {T.PRODUCT_PINNED.value, T.PRODUCT_UNPINNED.value}
    events.sort(key=lambda e: (e[0], e[1] not in switches))  # seq in the review's order, as a live bus gives it
    events.append((seconds, T.SESSION_ENDED.value, {"session_id": session_id}))
    table = EventRecord.__table__
    for start in range(0, len(events), 50_000):
        rows = [{"session_id": session_id, "seq": start + i + 1, "wall_time": START + t, "stream_time": t,
                 "type": kind, "actor": "platform", "user_id": p.get("user_id"), "product_id": p.get("product_id"),
                 "amount_cents": p.get("amount_cents"), "flagged": False, "payload": p}
                for i, (t, kind, p) in enumerate(events[start:start + 50_000])]
        with database.engine.begin() as conn:
            conn.execute(table.insert(), rows)
    return session_id, len(events)


def timed(fn, repeat: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times, result


def _set_status(database: Database, session_id: int, status: str) -> None:
    from sqlalchemy import update

    with database.sessions.begin() as db:
        db.execute(update(LiveSession).where(LiveSession.id == session_id).values(status=status))


def _drop_kept(database: Database, session_id: int) -> None:
    from sqlalchemy import delete

    from app.store.models import SessionCounts

    with database.sessions.begin() as db:
        db.execute(delete(SessionCounts).where(SessionCounts.session_id == session_id))


def kill_with_checkpoint(database: Database, session_id: int, url: str, tail_s: float) -> tuple[dict, object]:
    """The show as a kill leaves it: interrupted, its last checkpoint `tail_s` seconds of events before the end (the
    live metrics fed everything up to then, as the writer keeps them). Its first opening, in this process and as
    `anchor-console review N` (a process of its own: imports, open, report), each from the checkpoint again."""
    import os
    import subprocess

    from app.metrics.live import SessionMetrics
    from app.store import checkpoint
    from app.store.eventlog import load_events

    events = load_events(database, session_id)[:-1]  # no session_ended: the show was killed
    last = events[-1].stream_time
    metrics = SessionMetrics().feed(e for e in events if e.stream_time <= last - tail_s)
    started = time.perf_counter()
    state = metrics.state()
    state_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    blob = checkpoint.encode(state)
    encode_ms = (time.perf_counter() - started) * 1000

    def keep() -> float:
        _drop_kept(database, session_id)
        _set_status(database, session_id, "interrupted")
        began = time.perf_counter()
        with database.engine.begin() as conn:
            checkpoint.save(conn, session_id, state["last_seq"], state["seen"], blob)
        return (time.perf_counter() - began) * 1000

    from sqlalchemy import delete

    with database.engine.begin() as conn:  # the kill: no session_ended in the log
        conn.execute(delete(EventRecord).where(EventRecord.session_id == session_id,
                                               EventRecord.type == T.SESSION_ENDED.value))
    save_ms = keep()
    started = time.perf_counter()
    review = load_review(database, session_id)
    format_report(review)
    in_process_s = time.perf_counter() - started
    processes = []
    for _ in range(3):
        keep()
        began = time.perf_counter()
        subprocess.run([sys.executable, "-m", "app", "review", str(session_id)], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, env={**os.environ, "ANCHOR_CONSOLE_DB_URL": url})
        processes.append(round(time.perf_counter() - began, 2))
    _drop_kept(database, session_id)
    _set_status(database, session_id, "interrupted")  # as a kill leaves it, with no checkpoint: what follows
    return {"checkpoint": {"state_ms": round(state_ms, 1), "encode_ms": round(encode_ms, 1),
                           "save_ms": round(save_ms, 1), "bytes": len(blob), "viewers": len(state["viewers"]),
                           "tail_events": len(events) - state["seen"]},
            "killed_first_open_from_checkpoint_s": round(in_process_s, 3),
            "killed_review_process_s": processes}, review


def measure(url: str, args) -> dict:
    database = Database(url)
    started = time.perf_counter()
    session_id, count = build(database, args.hours, args.comments, args.orders)
    built = time.perf_counter() - started

    def ours():
        review = load_review(database, session_id)
        format_report(review)
        review.comments_between(review.metrics.duration_s / 2 - 30, review.metrics.duration_s / 2)
        return review

    killed, resumed = kill_with_checkpoint(database, session_id, url, args.tail)  # the show killed, a checkpoint 10 s before

    first_s, _ = timed(ours, 1)  # nothing kept any more (an interrupted show without one): counted by SQL, kept

    def rebuild():  # the counts kept but not the review (after an order import): the light replay, kept again
        from app.store.models import SessionCounts

        with database.sessions.begin() as db:
            row = db.get(SessionCounts, session_id)
            row.counts = {k: v for k, v in row.counts.items() if k != "review"}
        return ours()

    rebuild_s, _ = timed(rebuild, 3)
    ours_s, fast = timed(ours, args.repeat)
    reference_s, full = timed(lambda: replay_review(database, session_id), args.reference_repeat)
    same = (fast.metrics.gmv_cents == full.metrics.gmv_cents and fast.metrics.uv == full.metrics.uv
            and fast.metrics.per_minute == full.metrics.per_minute and fast.events == full.events
            and resumed.metrics.gmv_cents == full.metrics.gmv_cents and resumed.metrics.uv == full.metrics.uv
            and resumed.metrics.per_minute == full.metrics.per_minute and resumed.events == full.events
            and sorted((p.product_id, p.orders, p.gmv_cents, p.buyers, p.views) for p in resumed.metrics.products)
            == sorted((p.product_id, p.orders, p.gmv_cents, p.buyers, p.views) for p in full.metrics.products))
    database.close()
    return {"engine": url.split(":")[0], "events": count, "build_s": round(built, 1), **killed,
            "first_open_counting_s": round(first_s[0], 2),
            "rebuild_after_import_s": [round(t, 3) for t in rebuild_s],
            "ours_s": [round(t, 3) for t in ours_s], "ours_median_s": round(statistics.median(ours_s), 3),
            "reference_s": [round(t, 2) for t in reference_s],
            "reference_median_s": round(statistics.median(reference_s), 2),
            "speedup": round(statistics.median(reference_s) / statistics.median(ours_s), 1),
            "target_s": 1.5, "met": statistics.median(ours_s) <= 1.5, "same_numbers": same,
            "gmv_cents": fast.metrics.gmv_cents, "orders": fast.metrics.orders, "comments": fast.metrics.comments}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=4)
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reference-repeat", type=int, default=2)
    parser.add_argument("--tail", type=float, default=10.0, help="seconds of events after the last checkpoint")
    parser.add_argument("--postgres", metavar="URL", help="also measure on this (empty) PostgreSQL database")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(measure(f"sqlite:///{Path(tmp) / 'review.db'}", args))
    if args.postgres:
        results.append(measure(args.postgres, args))
    print(json.dumps(results, indent=2, ensure_ascii=False))
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / f"review-open-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(results, indent=2))
    return 0 if all(r["same_numbers"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
