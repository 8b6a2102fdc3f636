"""What the live metrics cost an event: the simulated audience's events (2,000 a second for `--seconds`, a product
pinned) fed to `SessionMetrics` one by one, the process's CPU time per event, best of three — this tree against
another checkout of the code (`--reference`, e.g. a `git worktree` of an earlier commit), each in a process of its
own, alternating, in the same run.

    git worktree add /tmp/ref 3bb65e3 && ln -s "$PWD/.venv" /tmp/ref/.venv
    ulimit -v 8000000; .venv/bin/python bench/metrics_cost.py --reference /tmp/ref
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.against import alternating  # noqa: E402

_FEED = r"""
import dataclasses, json, sys, time
sys.path.insert(0, sys.argv[1])
from app.commerce.room import LiveRoom, ProductState
from app.kernel.bus import EventBus
from app.live.simulator import AudienceSimulator, SimulatorConfig
from app.metrics.live import SessionMetrics

bus = EventBus()
room = LiveRoom(bus, [ProductState(1, "A", "保温杯", 15900, 8900, 10**9)])
room.pin_product(1, "assistant:a")
sim = AudienceSimulator(bus, room, SimulatorConfig(seed=3, events_per_second=2000))
seconds = int(sys.argv[2])
events = [dataclasses.replace(e, stream_time=float(t)) for t in range(seconds) for e in sim.generate(2000, float(t))]
times = []
for _ in range(3):
    metrics = SessionMetrics()
    started = time.process_time()
    for event in events:
        metrics(event)
    times.append(time.process_time() - started)
print(json.dumps({"events": len(events), "us_per_event": min(times) / len(events) * 1e6, "uv": metrics.snapshot().uv}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, required=True, help="another checkout of the code")
    parser.add_argument("--seconds", type=int, default=150, help="simulated seconds of events (2,000 each)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    ours, theirs = alternating(_FEED, args.reference, args.rounds, args.seconds)
    best = min(r["us_per_event"] for r in ours)
    reference = min(r["us_per_event"] for r in theirs)
    print(json.dumps({"events": ours[0]["events"], "uv": [ours[0]["uv"], theirs[0]["uv"]],
                      "us_per_event": {"ours": round(best, 2), "reference": round(reference, 2)},
                      "ratio": round(best / reference, 2)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
