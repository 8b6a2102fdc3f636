"""Make the example review report and comparison (docs/examples/*.html) and screenshots of them as a browser draws
them (docs/screenshots/report-1400.png, report-390.png, compare-1400.png: headless Chromium at a desktop's and a
phone's width, through tests/browser.py) from two generated one-hour shows (bench/review_open.py's generator: room
stats every second, entries, comments, likes, a product pinned every five minutes, orders, refunds, coupons).

    ulimit -S -v 8000000; .venv/bin/python docs/examples/make.py

Needs Debian's chromium (packaging/bootstrap.sh test installs it); Chromium cannot start under a hard `ulimit -v`.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from bench.review_open import build  # noqa: E402
from app.report import compare_html, html_report, write  # noqa: E402
from app.review import load_review  # noqa: E402
from app.store.db import Database  # noqa: E402
from app.store.models import LiveSession  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{Path(tmp) / 'examples.db'}")
        ids = []
        for seed, (title, orders) in enumerate([("周一 零食专场 Monday snacks", 900), ("周二 零食专场 Tuesday snacks",
                                                                                    1400)], start=1):
            session_id, _ = build(database, 1, 30_000, orders, seed=seed)
            with database.sessions.begin() as db:
                db.get(LiveSession, session_id).title = title
            ids.append(session_id)
        reviews = [load_review(database, i) for i in ids]
        report = html_report(reviews[1])
        write(report, HERE / "report.html")
        write(compare_html(reviews), HERE / "compare.html")
        database.close()
    from tests.browser import Browser

    shots = ROOT / "docs" / "screenshots"
    with Browser() as browser:
        for page, name, width in ((report, "report-1400", 1400), (report, "report-390", 390),
                                  (compare_html(reviews), "compare-1400", 1400)):
            browser.open(page, width, 900)
            browser.screenshot(shots / f"{name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
