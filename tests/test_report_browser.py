"""复盘报告 as a person opens it: in headless Chromium (Debian's), at a desktop's 1400 px and a phone's 390 px, the
report and the comparison measured as laid out — nothing scrolls the page sideways, the charts' text is drawn at a
legible size and overlaps neither other text nor a bar, the Moments' times sit beside their events — and the axes
use round ticks. The screenshots in docs/screenshots (report-1400.png, report-390.png) come from
docs/examples/make.py through the same browser."""

from __future__ import annotations

import math
import os
import random
import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.kernel.events import EventType as T
from app.report import compare_html, compare_text, html_report, nice_ticks
from app.review import load_review
from app.store.models import LiveSession, Product
from tests import browser
from tests.test_review_fast import store


@pytest.fixture
def store_url(tmp_path):  # SQLite only: the report reads what load_review gives, tested on both engines elsewhere
    return f"sqlite:///{tmp_path / 'anchor.db'}"


def show(database, minutes: int, seed: int, title: str, rehearsal: bool = False) -> int:
    """A show of `minutes` with a changing audience, orders, a product pinned every few minutes, coupons and a
    refund — enough to fill both charts, the product table and the Moments."""
    r = random.Random(seed)
    script = [(T.ONLINE, float(s), {"online": 600 + int(500 * math.sin(s / 600)) + r.randint(0, 90)})
              for s in range(0, minutes * 60, 20)]
    script += [(T.PRODUCT_PINNED, float(t), {"product_id": 1 + (t // 240) % 6}) for t in range(0, minutes * 60, 240)]
    script += [(T.ORDER, r.uniform(0, minutes * 60), {"user_id": f"u{i % 700}", "product_id": r.randint(1, 6),
                                                      "amount_cents": r.choice([990, 8900, 15900]), "order_id": f"o{i}"})
               for i in range(900)]
    script += [(T.COUPON_DEFINED, 1.0, {"coupon_id": 1, "name": "满299减50", "kind": "threshold",
                                        "threshold_cents": 29900, "discount_cents": 5000, "quantity": 100})]
    script += [(T.COUPON_DROPPED, float(t), {"coupon_id": 1, "quantity": 100}) for t in range(300, minutes * 60, 900)]
    script += [(T.FLASH_SALE_STARTED, 400.0, {"product_id": 2, "price_cents": 990, "stock": 50, "ends_at": 460.0}),
               (T.FLASH_SALE_ENDED, 460.0, {"product_id": 2, "reason": "time"})]
    script += [(T.REFUND, 600.0, {"order_id": "o1", "amount_cents": 8900})]
    script.sort(key=lambda row: row[1])
    session_id = store(database, script, end=True)
    with database.sessions.begin() as db:
        session = db.get(LiveSession, session_id)
        session.title = title
        session.kind = "rehearsal" if rehearsal else "live"
    return session_id


def overlapping(a, b) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


def check_layout(measured: dict, width: int) -> None:
    assert measured["window_width"] == width
    assert measured["page_width"] <= width, "the page scrolls sideways"
    assert measured["charts"], "no chart shown"
    for chart in measured["charts"]:
        assert chart["width"] <= chart["room"] + 0.5, "a chart is wider than its place"
        assert chart["font_px"] >= 11, f"chart text drawn at {chart['font_px']:.1f} px"
        texts = chart["texts"]
        for i, one in enumerate(texts):
            for other in texts[i + 1:]:
                assert not overlapping(one["box"], other["box"]), (one["text"], other["text"])
            assert not any(overlapping(one["box"], bar) for bar in chart["bars"]), f"{one['text']!r} on a bar"


@pytest.fixture(scope="module")
def chromium():
    if not browser.chromium():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing: packaging/bootstrap.sh test installs it")
        pytest.skip("Debian's chromium is not installed (packaging/bootstrap.sh test installs it)")
    with browser.Browser() as opened:
        yield opened


def test_the_report_reads_on_a_desktop_and_on_a_phone(database, chromium):
    with database.sessions.begin() as db:
        for i in range(1, 7):
            db.add(Product(id=i, sku=f"S{i}", title=f"保温杯 500ml 第{i}款 很长的商品名称", list_price_cents=15900,
                           live_price_cents=8900))
    review = load_review(database, show(database, 47, 1, "周三 保温杯专场"))
    page = html_report(review)
    for width in (1400, 390):
        chromium.open(page, width, 900)
        measured = chromium.measure()
        check_layout(measured, width)
        for time_cell, what_cell in measured["moments"]:
            assert 0 <= what_cell[0] - time_cell[2] <= 64, "a moment's event is written far from its time"
    compared = compare_html([review, load_review(database, show(database, 31, 2, "周四 演练", rehearsal=True))])
    assert compared.count("演练</span>") == 1  # the rehearsal keeps its mark beside the other
    for width in (1400, 390):
        chromium.open(compared, width, 900)
        check_layout(chromium.measure(), width)


def test_comparison_text_lines_up_in_a_terminal_and_names_each_figure_once(database):
    with database.sessions.begin() as db:
        db.add(Product(id=1, sku="S1", title="杯", list_price_cents=100, live_price_cents=90))
    reviews = [load_review(database, show(database, 12, 3, "周一 专场")),
               load_review(database, show(database, 9, 4, "Tuesday rehearsal", rehearsal=True))]
    lines = compare_text(reviews).splitlines()
    assert "(演练 rehearsal)" in lines[0] and lines[0].count("演练") == 1
    labels = [re.split(r"\s{2,}", line.strip())[0] for line in lines[1:]]
    assert len(labels) == len(set(labels)) and labels.count("时长 Duration") == 1

    def cells(text):  # terminal cells: Chinese takes two
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    header = lines[0]
    second_name = f"#{reviews[1].info.id} "
    for line in lines[1:]:  # every figure's second column starts where the second session's name does
        second_value = line.rindex(re.split(r"\s{2,}", line.strip())[-1])
        assert cells(line[:second_value]) == cells(header[:header.index(second_name)]), line


@given(st.floats(min_value=1e-6, max_value=1e9, allow_nan=False), st.integers(min_value=2, max_value=8),
       st.booleans())
def test_axis_ticks_are_round_and_cover_the_data(top, count, whole):
    ticks = nice_ticks(top, count, whole)
    assert ticks[0] == 0 and ticks[-1] >= top * (1 - 1e-9)
    step = ticks[1] - ticks[0]
    assert all(math.isclose(b - a, step, rel_tol=1e-6) for a, b in zip(ticks, ticks[1:]))
    mantissa = step / 10 ** math.floor(math.log10(step) + 1e-12)
    assert any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 2.5, 5, 10)), step
    assert len(ticks) - 1 <= 2 * count + 1 or whole  # about `count` intervals
    if whole:
        assert step >= 1 and step == int(step)


def test_ticks_for_the_figures_the_issue_saw():
    assert nice_ticks(957, 4) == [0, 250, 500, 750, 1000]
    assert nice_ticks(7, 6, whole=True) == [0, 2, 4, 6, 8]
    assert nice_ticks(47, 6, whole=True) == [0, 10, 20, 30, 40, 50]
    assert nice_ticks(0, 4) == [0, 0.25, 0.5, 0.75, 1]  # a show that sold nothing still gets an axis
    assert nice_ticks(5, 2, whole=True) == [0, 5]  # minutes step 1, 2, 5, 10: never 2.5
    assert nice_ticks(3, 3, whole=True) == [0, 1, 2, 3]  # a whole step of one minute
    assert nice_ticks(100, 1) == [0, 100] and nice_ticks(0.5, 1) == [0, 0.5]  # one interval; below one too
    assert nice_ticks(1000, 4) == [0, 250, 500, 750, 1000]  # 2.5 × 10^k where it is round
