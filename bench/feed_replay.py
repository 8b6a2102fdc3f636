"""A real room's feed at 5,000 events a second: a DouyinBarrageGrab-shaped replay over a real WebSocket into the
console's own go-live (Live mode, recorded), for minutes; afterwards every frame the tool sent is accounted for.

    ulimit -v 8000000; .venv/bin/python bench/feed_replay.py --rate 5000 --minutes 10

The tool is a process of its own (as DouyinBarrageGrab is a program of its own): it sends the shapes it sends today
(tests/live/test_connectors.py) — comments (what the simulated audience says: greetings, reactions, questions,
some of which the FAQ answers), entries, likes, gifts, follows, shares, online counts — from an audience of 200,000
viewers, every frame a fresh JSON text, so every id the console keeps is a fresh string as a
real feed's are. Issue #32: 0 lost (every frame sent is an event on the bus and a row in the log), how late the
comments reach the bus (the tool writes its send time into each comment, from CLOCK_MONOTONIC: one clock for
every process on Linux, which no clock adjustment steps) overall and minute by minute, and the memory: the first
minute against the end, in the same run. Prints JSON and writes it to bench/out/.
"""

from __future__ import annotations

import argparse
import atexit
import json
import multiprocessing
import os
import sys
import tempfile
import time
from array import array
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VIEWERS = 200_000
MIX = ((1, 70), (3, 12), (2, 10), (5, 3), (4, 2), (8, 2), (6, 1))  # (DouyinBarrageGrab Type, share in 100)


def _user(n: int) -> dict:
    return {"Id": 100_000_000_000 + n, "ShortId": n, "DisplayId": f"dy{n}", "Nickname": f"观众{n % 9973}",
            "Level": n % 40, "PayLevel": 0, "Gender": n % 3, "HeadImgUrl": "https://p3.example/a.jpg",
            "SecUid": f"MS4w{n}", "FansClub": {"ClubName": "", "Level": 0}, "FollowerCount": n % 500,
            "FollowStatus": 0}


def _frame(kind: int, msg_id: int, viewer: int, now: float, said: str) -> str:
    user = _user(viewer)
    data = {1: {"Content": f"{said}@{now:.6f}"}, 3: {"Content": "来了", "CurrentCount": 5000},
            2: {"Content": "为主播点赞了", "Count": 3, "Total": 300}, 4: {"Content": "关注了主播"},
            5: {"Content": "送出了 小心心", "GiftId": 5655, "GiftName": "小心心", "GroupId": msg_id, "GiftCount": 1,
                "RepeatCount": 1, "DiamondCount": 1},
            8: {"Content": "分享了直播间", "ShareType": 1},
            6: {"OnlineUserCount": 5000, "TotalUserCount": 80000, "OnlineUserCountStr": "5000"}}[kind]
    return json.dumps({"Type": kind, "ProcessName": "直播伴侣",
                       "Data": json.dumps({"MsgId": msg_id, "User": user, **data}, ensure_ascii=False)},
                      ensure_ascii=False)


def _tool(rate: float, seconds: float, ports, results, stop) -> None:
    """The tool's process: one connection, `rate` frames a second in 10 ms ticks, then it waits to be stopped."""
    import asyncio
    import random

    from websockets.asyncio.server import serve
    from websockets.exceptions import ConnectionClosed

    from app.live.simulator import GREETINGS, QUESTIONS, REACTIONS  # what a room says (4 in 10 asking something)
    said = [*GREETINGS, *REACTIONS, *QUESTIONS[:8]] * 3 + QUESTIONS

    async def main() -> None:
        done = asyncio.Event()
        sent = {"frames": 0, "by_type": {}}

        async def handler(socket) -> None:
            rnd = random.Random(7)
            kinds = [kind for kind, share in MIX for _ in range(share)]
            started, msg_id = time.monotonic(), 10_000
            while sent["frames"] < rate * seconds:
                due = int((time.monotonic() - started) * rate)
                while sent["frames"] < min(due, rate * seconds):
                    kind = rnd.choice(kinds)
                    msg_id += 1
                    try:
                        await socket.send(_frame(kind, msg_id, rnd.randrange(VIEWERS), time.monotonic(),
                                                 rnd.choice(said)))
                    except ConnectionClosed:  # the console stopped first (ui_stall.py stops it while the tool sends)
                        results.put(sent)
                        return
                    sent["frames"] += 1
                    sent["by_type"][kind] = sent["by_type"].get(kind, 0) + 1
                await asyncio.sleep(0.01)
            results.put(sent)
            await done.wait()

        # DouyinBarrageGrab serves with Fleck, whose handshake offers no extension: its frames are not compressed
        async with serve(handler, "127.0.0.1", 0, max_size=2**20, compression=None) as server:
            ports.put(server.sockets[0].getsockname()[1])
            await asyncio.get_running_loop().run_in_executor(None, stop.wait)  # until the bench is done
            done.set()

    asyncio.run(main())


def _p99_by_minute(arrived, lags) -> list[float]:
    """Each minute's p99 of the comments' lag (ms), by when they reached the bus: is a high p99 the whole show's
    or a few minutes'?"""
    minutes: dict[int, list[float]] = {}
    for when, lag in zip(arrived, lags):
        minutes.setdefault(int((when - arrived[0]) // 60), []).append(lag)
    return [round(sorted(v)[min(len(v) - 1, int(len(v) * 0.99))] * 1000, 1) for _m, v in sorted(minutes.items())]


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=5000, help="frames the tool sends a second")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--postgres", action="store_true",
                        help="the store on a throwaway PostgreSQL cluster on loopback (tests/conftest.py) instead of SQLite")
    args = parser.parse_args()
    from sqlalchemy import func, select

    from app.console import ConsoleService, LiveOptions
    from app.kernel.events import PLATFORM, EventType
    from app.store.db import Database
    from app.store.models import EventRecord, QuarantinedEvent

    seconds = args.minutes * 60
    context = multiprocessing.get_context("spawn")
    ports, results, stop = context.Queue(), context.Queue(), context.Event()
    tool = context.Process(target=_tool, args=(args.rate, seconds, ports, results, stop), daemon=True)
    tool.start()
    port = ports.get(timeout=30)
    work = Path(tempfile.mkdtemp(prefix="anchor-feed-replay-"))
    server = None
    if args.postgres:
        from tests.conftest import PostgresServer

        server = PostgresServer()
        atexit.register(server.stop)  # stopped by its pid however the bench ends
    url = server.url() if server else f"sqlite:///{work / 'feed.db'}"
    service = ConsoleService(Database(url), view=False)
    lags, arrived = array("d"), array("d")  # how late, and when (8 bytes each: the bench's own memory stays small)

    def timed(event) -> None:  # the bus's subscriber: one comment in ten, how late it reached the bus
        if event.type == EventType.COMMENT and event.seq % 10 == 0:
            text = str(event.payload.get("text", ""))
            if "@" in text:
                now = time.monotonic()
                lags.append(now - float(text.rsplit("@", 1)[1]))
                arrived.append(now)

    cpu0 = time.process_time()
    service.go_live(LiveOptions(rehearsal=False, simulated_audience=False,
                                feed_url=f"douyin-grab://127.0.0.1:{port}", recording_path=str(work / "feed.mkv"),
                                duration=seconds + 20))
    core = service.broadcast.core
    core.bus.subscribe(timed)
    started, samples = time.monotonic(), []
    sent = None
    while sent is None:
        time.sleep(5)
        samples.append((round(time.monotonic() - started), core.bus.last_seq, round(_rss_mb(), 1),
                        core.writer.backlog))
        if not results.empty():
            sent = results.get()
        if time.monotonic() - started > seconds + 120:
            break
    feed = service.broadcast.feed
    deadline = time.monotonic() + 60
    while sent is not None and feed.stats.received < sent["frames"] and time.monotonic() < deadline:
        time.sleep(0.2)  # the last frames still on their way
    time.sleep(1)
    stats = feed.stats_copy()
    cpu = time.process_time() - cpu0
    wall = time.monotonic() - started
    service.stop()
    stop.set()
    tool.join(10)
    with service.database.session() as db:
        stored = db.scalar(select(func.count()).select_from(EventRecord).where(
            EventRecord.session_id == core.session_id, EventRecord.actor == PLATFORM))
        quarantined = db.scalar(select(func.count()).select_from(QuarantinedEvent))
    by_minute = _p99_by_minute(arrived, lags)
    lags = sorted(lags)
    pick = (lambda q: round(lags[min(len(lags) - 1, int(len(lags) * q))] * 1000, 1)) if lags else (lambda q: None)
    minute = next((s for s in samples if s[0] >= 60), samples[-1])
    result = {
        "rate": args.rate, "minutes": args.minutes, "engine": "PostgreSQL" if server else "SQLite",
        "tool_sent": sent, "feed_received": stats.received, "feed_published": stats.published,
        "malformed": stats.malformed, "unknown": stats.unknown, "unmapped": stats.unmapped,
        "duplicates": stats.duplicates, "reconnects": stats.reconnects,
        "platform_events_stored": stored, "quarantined": quarantined,
        "lost": (sent["frames"] - stored) if sent else None,
        "events_per_s": round(stats.published / max(wall, 1e-9), 1),
        "comment_lag_ms": {"p50": pick(0.5), "p95": pick(0.95), "p99": pick(0.99), "max": pick(1.0),
                           "measured": len(lags), "p99_by_minute": by_minute},
        "rss_mb": {"after_1_min": minute[2], "end": samples[-1][2], "max": max(s[2] for s in samples)},
        "writer_backlog_max": max(s[3] for s in samples),
        "checkpoints": {"kept": core.writer.stats.checkpoints, "last_ms": core.writer.stats.checkpoint_ms},
        "process_cpu_percent": round(100 * cpu / wall, 1),
        "pipeline_error": service.broadcast.last_error,
    }
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / f"feed-replay-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(
        json.dumps({**result, "samples": samples}, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    service.close()
    (work / "feed.mkv").unlink(missing_ok=True)
    return 0 if sent and result["lost"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
