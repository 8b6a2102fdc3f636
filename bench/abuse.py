"""The assistant server's door under abuse, measured: verbs held per assistant under a flood, the legitimate
assistant's verb latency with and without the flood (the reference, same run), and wrong tokens allowed per second.

    ulimit -v 8000000; .venv/bin/python bench/abuse.py --seconds 10

A real session core (SQLite in a temp folder, the simulated audience at 200 events/s), the real AssistantServer on
loopback (ws://), real RemoteAssistant clients. Prints JSON; the figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _legit(url: str, token: str, seconds: float) -> list[float]:
    """A busy human: a verb every 150 ms; returns each verb's round trip in ms."""
    from app.commerce.room import ActionRefused
    from app.remote.client import RemoteAssistant

    client = RemoteAssistant(url, token, name="小李").connect()
    latencies, end = [], time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            started = time.perf_counter()
            try:
                client.call("next_product" if len(latencies) % 2 else "previous_product", timeout=30)
            except ActionRefused:
                pass
            latencies.append((time.perf_counter() - started) * 1000)
            time.sleep(0.15)
    finally:
        client.close()
    return latencies


def _flood(url: str, token: str, seconds: float, product: int, out: dict) -> None:
    from app.commerce.room import ActionRefused
    from app.remote.client import RemoteAssistant

    client = RemoteAssistant(url, token, name="刷").connect()
    end, sent, accepted = time.monotonic() + seconds, 0, 0
    try:
        while time.monotonic() < end:
            sent += 1
            try:
                client.call("set_stock", product, 5, timeout=30)
                accepted += 1
            except ActionRefused:
                pass
    finally:
        client.close()
    out.update(sent=sent, accepted=accepted)


def _summary(latencies: list[float]) -> dict:
    ordered = sorted(latencies) or [0.0]
    return {"verbs": len(latencies), "median_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[int(len(ordered) * 0.95)], 2), "max_ms": round(ordered[-1], 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    from app.session import SessionCore
    from app.live.simulator import SimulatorConfig
    from app.remote.client import RemoteAssistant, RemoteError
    from app.remote.server import AssistantServer
    from app.store.db import Database
    from app.store.models import SessionKind

    work = Path(tempfile.mkdtemp(prefix="anchor-abuse-"))
    database = Database(f"sqlite:///{work / 'abuse.db'}")
    from app.catalogue import ensure_sample_catalogue

    ensure_sample_catalogue(database)
    core = SessionCore(database)
    core.start("abuse bench", kind=SessionKind.REHEARSAL)
    audience = core.simulated_audience(SimulatorConfig(events_per_second=200))
    audience.start()
    server = AssistantServer(lambda: core.room, core.bus.stream_time, token="bench-token")
    server.start()
    core.bus.subscribe(server.on_event)
    url = f"ws://127.0.0.1:{server.port}"
    try:
        reference = _legit(url, "bench-token", args.seconds)  # no abuse: the reference
        flood: dict = {}
        flooder = threading.Thread(target=_flood, args=(url, "bench-token", args.seconds,
                                                         core.room.state.run_sheet[0], flood))
        flooder.start()
        under_flood = _legit(url, "bench-token", args.seconds)
        flooder.join()
        started, wrong = time.monotonic(), 0
        while True:  # sequential guesses from one address until the lockout answers
            try:
                RemoteAssistant(url, f"guess-{wrong}", name="猜").connect(timeout=15)
            except RemoteError as exc:
                if "too many" in str(exc):
                    break
                wrong += 1
        guessing_s = time.monotonic() - started
    finally:
        audience.stop()
        server.stop()
        core.end()
        database.close()
    result = {
        "seconds": args.seconds,
        "legit_reference": _summary(reference),
        "legit_under_flood": _summary(under_flood),
        "flood": {**flood, "sent_per_s": round(flood["sent"] / args.seconds, 1),
                  "accepted_per_s": round(flood["accepted"] / args.seconds, 2)},
        "guessing": {"wrong_tokens_before_lockout": wrong, "seconds": round(guessing_s, 2),
                     "guesses_per_s": round(wrong / guessing_s, 2), "lockout_s": server.guard.lockout_s},
    }
    result["latency_ratio_median"] = round(result["legit_under_flood"]["median_ms"]
                                           / max(0.01, result["legit_reference"]["median_ms"]), 2)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / f"abuse-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
