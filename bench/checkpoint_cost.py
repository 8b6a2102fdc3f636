"""What keeping a checkpoint costs the writer's thread: the live metrics fed `--viewers` viewers entering while a
product is pinned (the open window's entrants as many) and `--orders` orders, then `state()` (what the writer asks
the metrics for) and `checkpoint.encode` (what it stores) timed, best of five — this tree against another checkout
of the code (`--reference`, e.g. a `git worktree` of an earlier commit), each in a process of its own, alternating,
in the same run; also `SessionMetrics.from_state` over the decoded state (what a killed show's first opening does)
and the longest single event while the viewers enter (the one that doubles the viewers' tables), with the size of
what each stores (about the same: each metrics keys its viewers with a salt of its own).

    git worktree add /tmp/ref 88516ad && ln -s "$PWD/.venv" /tmp/ref/.venv
    ulimit -v 8000000; .venv/bin/python bench/checkpoint_cost.py --reference /tmp/ref
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.against import alternating  # noqa: E402

_KEEP = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from app.kernel.events import Event, EventType as T
from app.metrics.live import SessionMetrics
from app.store import checkpoint

viewers, orders = int(sys.argv[2]), int(sys.argv[3])
metrics = SessionMetrics()
metrics(Event(T.PRODUCT_PINNED, {"product_id": 1}, seq=1, stream_time=1.0))
longest = 0.0  # the longest single event while they enter: the one that doubles the tables
for i in range(viewers):
    event = Event(T.ENTER, {"user_id": f"u{i}"}, seq=i + 2, stream_time=1.0 + i / 1000)
    started = time.process_time()
    metrics(event)
    longest = max(longest, time.process_time() - started)
for i in range(orders):
    metrics(Event(T.ORDER, {"user_id": f"u{i * 7 % max(viewers, 1)}", "product_id": 1, "amount_cents": 990,
                            "order_id": f"o{i}"}, seq=viewers + 2 + i, stream_time=2.0 + viewers / 1000 + i / 100))
state_ms, encode_ms = [], []
for _ in range(5):
    started = time.process_time()
    state = metrics.state()
    state_ms.append((time.process_time() - started) * 1000)
    started = time.process_time()
    blob = checkpoint.encode(state)
    encode_ms.append((time.process_time() - started) * 1000)
restore_ms = []
for _ in range(5):
    again = checkpoint.decode(blob)
    started = time.process_time()
    SessionMetrics.from_state(again)
    restore_ms.append((time.process_time() - started) * 1000)
print(json.dumps({"state_ms": min(state_ms), "encode_ms": min(encode_ms), "blob_bytes": len(blob),
                  "restore_ms": min(restore_ms), "longest_event_ms": longest * 1000}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, required=True, help="another checkout of the code")
    parser.add_argument("--viewers", type=int, default=200_000)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    ours, theirs = alternating(_KEEP, args.reference, args.rounds, args.viewers, args.orders)
    result = {"viewers": args.viewers, "orders": args.orders}
    for name in ("state_ms", "encode_ms", "restore_ms", "longest_event_ms"):
        result[name] = {"ours": round(min(r[name] for r in ours), 1),
                        "reference": round(min(r[name] for r in theirs), 1)}
    result["blob_bytes"] = {"ours": ours[0]["blob_bytes"], "reference": theirs[0]["blob_bytes"]}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
