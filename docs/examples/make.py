"""Make the example review report and comparison (docs/examples/*.html) and a picture of their charts
(docs/screenshots/07-report.png) from two generated one-hour shows (bench/review_open.py's generator: room stats
every second, entries, comments, likes, a product pinned every five minutes, orders, refunds, coupons).

    ulimit -v 8000000; QT_QPA_PLATFORM=offscreen .venv/bin/python docs/examples/make.py

There is no web browser on the build machine: the picture is the report's own SVG charts drawn by QtSvg, and the
HTML files are here to open in any browser.
"""

from __future__ import annotations

import re
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
    charts = re.findall(r"<svg.*?</svg>", report, re.S) + re.findall(r"<svg.*?</svg>", compare_html(reviews), re.S)
    from PySide6.QtCore import QByteArray, QRectF
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    from app.media import qtrender

    qtrender.ensure_qt()
    image = QImage(1460, 500, QImage.Format.Format_ARGB32)
    image.fill(QColor("#f6f7f9"))
    painter = QPainter(image)
    for index, svg in enumerate(charts[:4]):  # the report's two charts, then the comparison's two
        QSvgRenderer(QByteArray(svg.encode())).render(painter, QRectF(10 + 725 * (index // 2), 10 + 245 * (index % 2),
                                                                      715, 237))
    painter.end()
    image.save(str(ROOT / "docs" / "screenshots" / "07-report.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
