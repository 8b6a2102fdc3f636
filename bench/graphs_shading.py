"""The graphs' once-a-second redraw with 20 explanation windows shaded, on the UI thread: ours (the shading's items
kept and moved) beside the same run's reference (every item removed and made again, as the dock did before).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/graphs_shading.py --seconds 300
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def remade(dock, spans, now_s: float) -> None:
    """The reference: the shading removed and made again."""
    import pyqtgraph as pg

    for item in dock._regions:
        dock.gmv.removeItem(item)
    dock._regions = []
    for _product, start, end in spans:
        end = end if end is not None else now_s
        region = pg.LinearRegionItem((start / 60, end / 60), movable=False, brush=pg.mkBrush(224, 36, 94, 30))
        dock.gmv.addItem(region)
        dock._regions.append(region)


def run(seconds: int, reference: bool) -> list[float]:
    from ui.docks.graphs import GraphsDock

    dock = GraphsDock()
    dock.resize(420, 600)
    dock.show()
    if reference:
        dock._shade = lambda spans, now_s: remade(dock, spans, now_s)
    rows = [SimpleNamespace(minute=m, orders=m % 9) for m in range(seconds // 60 + 1)]
    spans = [(1 + n % 6, 15.0 * n, 15.0 * n + 12) for n in range(seconds // 15)]
    took = []
    for second in range(1, seconds):
        shown = [s for s in spans if s[1] < second][-20:]
        snapshot = SimpleNamespace(duration_s=float(second), gmv_cents=100 * second, online_now=800,
                                   per_minute=rows[:second // 60 + 1], spans=shown)
        started = time.perf_counter()
        dock.update_metrics(snapshot)
        took.append((time.perf_counter() - started) * 1000)
    dock.close()
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=300)
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    app = QApplication([])  # the widgets need it
    for name, reference in (("reference: remade", True), ("ours: kept and moved", False),
                            ("reference again", True), ("ours again", False)):
        took = sorted(run(args.seconds, reference))
        print(f"{name:24} median {statistics.median(took):.2f} ms, p95 {took[int(len(took) * 0.95)]:.2f} ms")
    app.quit()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
