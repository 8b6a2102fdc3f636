"""复盘报告: one HTML file per session (figures, SVG charts, product windows incl. the outside row, moments), and
sessions compared side by side; names from the session are escaped; the command line writes both."""

from __future__ import annotations

import re

import pytest

from app.kernel.events import EventType as T
from app.report import compare_html, compare_text, html_report
from app.review import load_review
from app.store.models import LiveSession, Product
from tests.conftest import run_cli
from tests.test_review_fast import store

SCRIPT = [(T.ONLINE, 0.0, {"online": 100}), (T.ENTER, 1.0, {"user_id": "a"}),
          (T.PRODUCT_PINNED, 10.0, {"product_id": 1}), (T.ONLINE, 70.0, {"online": 240}),
          (T.ORDER, 80.0, {"user_id": "a", "product_id": 1, "amount_cents": 8900, "order_id": "o1"}),
          (T.ORDER, 90.0, {"user_id": "a", "product_id": 2, "amount_cents": 1000, "order_id": "o2"}),
          (T.REFUND, 200.0, {"order_id": "o1", "amount_cents": 8900}), (T.COMMENT, 130.0, {"user_id": "a", "text": "好"})]


def sessions(database, titles):
    with database.sessions.begin() as db:
        db.add(Product(id=1, sku="CUP", title="保温杯 <b>500ml</b>", list_price_cents=15900, live_price_cents=8900))
    ids = []
    for title in titles:
        session_id = store(database, SCRIPT, end=True)
        with database.sessions.begin() as db:
            db.get(LiveSession, session_id).title = title
        ids.append(session_id)
    return ids


def test_the_html_report_has_the_figures_and_escapes_names(database):
    (session_id,) = sessions(database, ['双11 <script>alert("x")</script>'])
    review = load_review(database, session_id)
    page = html_report(review)
    assert page.startswith("<!doctype html>") and 'name="viewport"' in page  # opens on a phone
    assert "<script>" not in page and "&lt;script&gt;" in page and "<b>500ml</b>" not in page
    for label in ("成交额 GMV", "净成交 Net GMV", "客单价 Per buyer", "笔单价 Per order", "UV价值 UV value", "GPM"):
        assert label in page
    assert "￥99.00" in page and "￥89.00" in page and "￥10.00" in page  # GMV, refunds, net… and the outside row
    assert page.count("<svg") == 4 and "<polyline" in page  # online curve; GMV bars (each for a screen and a phone)
    assert "讲解外" in page and "保温杯 &lt;b&gt;500ml&lt;/b&gt;" in page
    assert not re.search(r"""(src|href)=["']?https?:|url\(["']?https?:|@import""", page)  # nothing fetched: offline


def test_sessions_compared_side_by_side(database):
    ids = sessions(database, ["周一 专场", "周二 专场"])
    reviews = [load_review(database, i) for i in ids]
    page = compare_html(reviews)
    assert "周一 专场" in page and "周二 专场" in page and page.count("<polyline") == 8  # online + cumulative GMV, screen + phone
    text = compare_text(reviews).splitlines()
    gmv = next(line for line in text if line.startswith("成交额 GMV"))
    assert gmv.count("￥99.00") == 2


def test_review_html_and_compare_on_the_command_line(tmp_path, monkeypatch):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    from app.store.db import Database

    database = Database()
    sessions(database, ["一", "二"])
    database.close()
    done = run_cli("review", "1", "--html", str(tmp_path / "r.html"))
    assert done.returncode == 0 and (tmp_path / "r.html").read_text(encoding="utf-8").count("<svg") == 4
    both = run_cli("review", "1", "--compare", "2", "--html", str(tmp_path / "c.html"))
    assert both.returncode == 0 and re.search(r"#1 一\s+#2 二", both.stdout)
    assert "场次对比" in (tmp_path / "c.html").read_text(encoding="utf-8")
    refused = run_cli("review", "--compare", "2")
    assert refused.returncode == 2 and "give a session first" in refused.stderr
    missing = run_cli("review", "1", "--compare", "7")
    assert missing.returncode == 2 and "no session 7" in missing.stderr


@pytest.fixture
def store_url(tmp_path):  # SQLite only here: the report reads what load_review gives, tested on both engines
    return f"sqlite:///{tmp_path / 'anchor.db'}"
