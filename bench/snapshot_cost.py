"""What the live figures' snapshot costs as a show's explanation windows pile up (the window takes one a second, on
its UI thread, under the metrics' lock): pins at the demo assistant's pace (4 a second, round a few products), 40
entries and 3 orders a window, a snapshot after every 4 pins. The reference in the same run: every product's row
added up again from all its windows (`summarise`, what a snapshot did before the products' totals were kept).

    ulimit -v 8000000; .venv/bin/python bench/snapshot_cost.py --windows 2400 --products 6
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.kernel.events import Event, EventType as T  # noqa: E402
from app.metrics.figures import summarise  # noqa: E402
from app.metrics.live import SessionMetrics  # noqa: E402


def every_window_again(metrics: SessionMetrics) -> list:
    """The reference: each product's row from all its windows, as a snapshot added them up before."""
    products: dict[int, list] = {}
    for window in metrics.windows:
        products.setdefault(window.product_id, []).append((window, window.views, window.audience))
    return [summarise(product_id, rows, metrics.now) for product_id, rows in products.items()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=2400)
    parser.add_argument("--products", type=int, default=6)
    args = parser.parse_args()
    rnd = random.Random(1)
    users = [f"u{i}" for i in range(200_000)]
    metrics, t = SessionMetrics(), 0.0
    samples: dict[str, list[tuple[int, float]]] = {"snapshot": [], "reference": []}
    for w in range(args.windows):
        t += 0.25
        product = 1 + w % args.products
        events = [Event(T.PRODUCT_PINNED, {"product_id": product}, stream_time=t)]
        events += [Event(T.ENTER, {"user_id": rnd.choice(users)}, stream_time=t) for _ in range(40)]
        events += [Event(T.ORDER, {"user_id": rnd.choice(users), "product_id": product, "quantity": 1,
                                   "amount_cents": 100, "order_id": f"o{w}-{k}"}, stream_time=t) for k in range(3)]
        metrics.feed(events)
        if w % 4 == 3:
            started = time.perf_counter()
            metrics.snapshot()
            measured = time.perf_counter()
            every_window_again(metrics)
            samples["snapshot"].append((w + 1, (measured - started) * 1000))
            samples["reference"].append((w + 1, (time.perf_counter() - measured) * 1000))
    print("| windows so far | snapshot, ms (median of 20) | reference: every product's row added up again, ms |")
    print("|---|---|---|")
    for upto in (args.windows // 4, args.windows // 2, args.windows):
        row = [statistics.median(ms for n, ms in samples[kind] if upto - 80 < n <= upto) for kind in samples]
        print(f"| {upto:,} | {row[0]:.2f} | {row[1]:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
