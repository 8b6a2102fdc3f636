"""Benchmark: how long the console's UI thread stalls while the room is busy and the preview runs.

    ulimit -v 8000000; QT_QPA_PLATFORM=offscreen .venv/bin/python bench/ui_stall.py --rate 2000 --seconds 30

The real main window goes live (test pattern 1280x720 at 30 fps into a local recording, preview on) with the
simulated audience at `rate` events/s. A 5 ms QTimer in the UI thread records how late each tick fires: a tick
late by more than its period means the event loop was blocked (painting, draining events, redrawing docks).
The reference is the same measurement with the window not live yet (only its pre-live preview running), in the
same run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def measure(app, seconds: float) -> list[float]:
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

    lateness: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]
    period_ms = 5.0

    def tick() -> None:
        now = clock.nsecsElapsed()
        lateness.append(max(0.0, (now - last[0]) / 1e6 - period_ms))
        last[0] = now

    timer = QTimer()
    timer.setInterval(int(period_ms))
    timer.timeout.connect(tick)
    timer.start()
    # a real event loop (a processEvents() loop crashed PySide 6.12 after ~60k calls: a refcount bug on None), and a
    # local one: QApplication.quit() closes the windows first in Qt 6, which stopped the window's own timers
    # between the reference and the live measurement (the live preview was then never drawn)
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    timer.stop()
    return lateness


def summary(values: list[float]) -> dict:
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
    return {"ticks": len(values), "p50_ms": pick(0.5), "p99_ms": pick(0.99), "max_ms": values[-1]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=2000)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    os.environ["ANCHOR_CONSOLE_DATA"] = tempfile.mkdtemp(prefix="anchor-uibench-")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.console import ConsoleService, LiveOptions
    from app.media import qtrender
    from ui.main_window import MainWindow

    app = QApplication([])
    qtrender.ensure_qt()
    service = ConsoleService()
    window = MainWindow(service, QSettings(os.path.join(os.environ["ANCHOR_CONSOLE_DATA"], "s.ini"),
                                           QSettings.Format.IniFormat))
    window.resize(1600, 1000)
    window.show()
    idle = summary(measure(app, min(10.0, args.seconds)))  # before going live: the pre-live preview runs
    frames_before = window.preview.frames_shown
    service.go_live(LiveOptions(audience_rate=args.rate, demo_assistant=True))
    window.show_controls.live_since = time.monotonic()
    busy_raw = measure(app, args.seconds)
    stats = service.broadcast.stats
    published = service.broadcast.core.bus.last_seq
    comments = len(window.comments.model.rows)
    frames = window.preview.frames_shown - frames_before
    service.stop()
    busy = summary(busy_raw)
    result = {"rate": args.rate, "seconds": args.seconds, "idle": idle, "live": busy, "events": published,
              "preview_frames": frames, "comments_in_view": comments,
              "pipeline_dropped": stats.dropped if stats else None, "capture_fps": stats.capture_fps if stats else None}
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    (out / f"ui_stall-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(result, indent=2))
    print("| UI thread lateness of a 5 ms timer | p50 | p99 | max |\n|---|---|---|---|")
    print(f"| before going live, preview only (reference) | {idle['p50_ms']:.2f} ms | {idle['p99_ms']:.2f} ms | {idle['max_ms']:.1f} ms |")
    print(f"| live, {args.rate:.0f} events/s + 30 fps preview | {busy['p50_ms']:.2f} ms | {busy['p99_ms']:.2f} ms | "
          f"{busy['max_ms']:.1f} ms |")
    print(f"events published {published} ({published / args.seconds:.0f}/s), preview frames shown {frames} "
          f"({frames / args.seconds:.1f}/s), pipeline drops {result['pipeline_dropped']}")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
