"""Soak with the room at work: the console's own go-live for an hour with the audience at 2,000 events/s, a LAN
assistant working the room over a real WebSocket and the console's own verbs beside it, pushed to a real
nginx-rtmp and recorded; afterwards every event and every frame is checked.

    ulimit -v 8000000; .venv/bin/python bench/soak_room.py --minutes 60

Issue #11's "done when": no freeze (a watchdog samples the bus every 10 s and dumps every thread's stack if it
stopped moving), every event stored (the log's rows = the bus's sequence, minus any quarantined), every frame
recorded (frame codes read back from the MKV and nginx's FLV). The reference in the same run: the first minutes'
event rate and memory against the last ones. Prints JSON and writes it to bench/out/.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.soak import read_back, rss_mb  # noqa: E402
from tests.conftest import start_nginx, stop_nginx  # noqa: E402


def _assistant(url: str, token: str, stop: threading.Event, counts: dict, rate: float) -> None:
    from app.commerce.room import ActionRefused
    from app.remote.client import RemoteAssistant

    client = RemoteAssistant(url, token, name="压测场控").connect()
    rnd = random.Random(3)
    state = client.state if hasattr(client, "state") else {}
    products = [p["id"] for p in (state or {}).get("products", [])] or [1, 2, 3]
    verbs = [("pin_product", lambda: [rnd.choice(products)]), ("next_product", lambda: []),
             ("set_live_price", lambda: [rnd.choice(products), rnd.randint(990, 29900)]),
             ("set_stock", lambda: [rnd.choice(products), rnd.randint(50, 500)]),
             ("drop_coupon", lambda: [rnd.randint(1, 3), 20, rnd.uniform(5, 30)]),
             ("start_flash_sale", lambda: [rnd.choice(products), 990, 5, rnd.uniform(5, 20)]),
             ("undo", lambda: [])]
    try:
        while not stop.wait(1 / rate):
            name, args = rnd.choice(verbs)
            started = time.perf_counter()
            try:
                client.call(name, *args(), timeout=30)
                counts["ok"] += 1
            except ActionRefused:
                counts["refused"] += 1
            counts["latency_ms"].append((time.perf_counter() - started) * 1000)
    finally:
        client.close()


def _console_verbs(service, stop: threading.Event, counts: dict) -> None:
    from app.commerce.room import ActionRefused

    rnd = random.Random(5)
    while not stop.wait(0.5):
        try:
            service.act(rnd.choice(["next_product", "previous_product"]))
            counts["ok"] += 1
        except ActionRefused:
            counts["refused"] += 1


def _stacks() -> str:
    frames = sys._current_frames()
    return "\n".join(f"--- {t.name}\n" + "".join(traceback.format_stack(frames[t.ident]))
                     for t in threading.enumerate() if t.ident in frames)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--rate", type=float, default=2000, help="audience events per second")
    parser.add_argument("--verbs", type=float, default=10, help="the LAN assistant's verbs per second")
    args = parser.parse_args()
    from sqlalchemy import func, select

    from app.console import ConsoleService, LiveOptions
    from app.store.db import Database
    from app.store.models import EventRecord, QuarantinedEvent

    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}  # the garbage collector's pauses, ms, by generation
    full: list[tuple[int, float]] = []  # (seconds into the show, ms) of every full collection: do they grow?
    began: list[float] = [0.0]
    t0 = time.monotonic()

    def collector(phase: str, info: dict) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            pause = (time.perf_counter() - began[0]) * 1000
            pauses[info["generation"]].append(pause)
            if info["generation"] == 2:
                full.append((round(time.monotonic() - t0), round(pause, 1)))

    def tracked() -> dict:
        """What a full collection walks: the tracked objects by type (the frozen start-up excluded)."""
        from collections import Counter

        objects = gc.get_objects()
        counts = Counter(type(o).__qualname__ for o in objects)
        del objects
        return {"total": sum(counts.values()), "top": counts.most_common(12)}

    gc.callbacks.append(collector)
    work = Path(tempfile.mkdtemp(prefix="anchor-soak-room-"))
    server = start_nginx(work / "nginx")
    service = ConsoleService(Database(f"sqlite:///{work / 'soak.db'}"))
    mkv = work / "soak.mkv"
    seconds = args.minutes * 60
    service.go_live(LiveOptions(destinations=(server.url("soak-room-key"),), test_server_confirmed=True,
                                recording_path=str(mkv), audience_rate=args.rate, duration=seconds))
    lan = service.doors.open_assistants(host="127.0.0.1", port=0)
    stop = threading.Event()
    remote = {"ok": 0, "refused": 0, "latency_ms": []}
    own = {"ok": 0, "refused": 0}
    workers = [threading.Thread(target=_assistant, args=(f"ws://127.0.0.1:{lan.port}", lan.token, stop, remote,
                                                          args.verbs), daemon=True),
               threading.Thread(target=_console_verbs, args=(service, stop, own), daemon=True)]
    for worker in workers:
        worker.start()
    started, samples, frozen = time.monotonic(), [], None
    census = {}  # tracked objects after a minute and at the end
    last_seq, last_move = 0, time.monotonic()
    while service.live and service.broadcast.streaming:
        time.sleep(10)
        seq = service.broadcast.core.bus.last_seq
        if seq != last_seq:
            last_seq, last_move = seq, time.monotonic()
        elif time.monotonic() - last_move > 30 and frozen is None:
            frozen = _stacks()  # the bus has not moved for 30 s: that is a freeze
            print(frozen, file=sys.stderr)
        samples.append((round(time.monotonic() - started), seq, round(rss_mb(__import__("os").getpid()), 1)))
        if "after_1_min" not in census and time.monotonic() - started >= 60:
            census["after_1_min"] = tracked()
    census["end"] = tracked()
    stop.set()
    for worker in workers:
        worker.join(35)
    core = service.broadcast.core
    writer_stats = core.writer.stats
    service.stop()
    final = service.broadcast.stats  # the pipeline's last stats: frames dropped before encoding, by cause
    service.doors.close_assistants()
    time.sleep(2)
    stop_nginx(server)
    with service.database.session() as db:
        stored = db.scalar(select(func.count()).select_from(EventRecord).where(EventRecord.session_id == core.session_id))
        quarantined = db.scalar(select(func.count()).select_from(QuarantinedEvent))
    flv = sorted((work / "nginx").rglob("*.flv"))
    local, pushed = read_back(mkv), (read_back(flv[-1]) if flv else None)
    latencies = sorted(remote["latency_ms"]) or [0.0]
    first, last = samples[min(6, len(samples) - 1)], samples[-1]
    result = {
        "minutes": args.minutes, "audience_rate": args.rate, "frozen": frozen is not None,
        "events_published": core.bus.last_seq, "events_stored": stored, "quarantined": quarantined,
        "writer": {"written": writer_stats.written, "failures": writer_stats.failures,
                   "duplicates": writer_stats.duplicates},
        "event_rate_first_minute": round(first[1] / max(1, first[0]), 1),
        "event_rate_overall": round(last[1] / max(1, last[0]), 1),
        "lan_verbs": {"ok": remote["ok"], "refused": remote["refused"],
                      "median_ms": round(latencies[len(latencies) // 2], 2),
                      "p95_ms": round(latencies[int(len(latencies) * 0.95)], 2), "max_ms": round(latencies[-1], 1)},
        "console_verbs": own,
        "rss_mb": {"after_1_min": first[2], "end": last[2], "max": max(s[2] for s in samples)},
        "mkv": {k: v for k, v in local.items() if k != "offsets"},
        "flv": {k: v for k, v in pushed.items() if k != "offsets"} if pushed else None,
        "flv_files": len(flv), "pipeline_error": service.broadcast.last_error,
        "dropped_by_cause": dict(final.dropped) if final is not None else None,
        "gc_pauses_ms": {str(g): {"count": len(p), "p99": round(sorted(p)[int(len(p) * 0.99)], 2) if p else 0,
                                  "max": round(max(p), 2) if p else 0} for g, p in pauses.items()},
        "full_collections_first_last": full[:3] + full[-3:],
        "tracked_objects": census,
    }
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    kept = {**result, "samples": samples, "full_collections": full}
    (out / f"soak-room-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(kept, indent=2))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    for path in [mkv, *flv]:
        path.unlink(missing_ok=True)
    service.close()
    ok = not frozen and stored + quarantined == core.bus.last_seq and not service.broadcast.last_error
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
