"""复盘报告: one HTML file per session (figures, SVG charts, product windows incl. the outside row, moments), and
sessions compared side by side; names from the session are escaped; the command line writes both."""

from __future__ import annotations

import re
from html.parser import HTMLParser

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


class _Page(HTMLParser):
    """The report's elements as (tag, class, text) in document order, text whole (children's included)."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.elements: list[list] = []
        self._open: list[list] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "meta", "line", "polyline", "rect", "i"):
            return
        element = [tag, dict(attrs).get("class", ""), ""]
        self.elements.append(element)
        self._open.append(element)

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                return

    def handle_data(self, data):
        for element in self._open:
            element[2] += data

    def texts(self, tag: str, cls: str | None = None) -> list[str]:
        return [text for t, c, text in self.elements if t == tag and (cls is None or cls in c.split())]


FIGURES = {"成交额 GMV": "￥99.00", "退款 Refunds": "￥89.00", "净成交 Net GMV": "￥10.00", "订单 Orders": "2",
           "买家 Buyers": "1", "客单价 Per buyer": "￥99.00", "笔单价 Per order": "￥49.50", "观看人次 PV": "1",
           "观看人数 UV": "1", "GPM": "99,000", "UV价值 UV value": "￥99.00", "转化率 Conversion": "100.0%",
           "互动率 Interaction": "100.0%", "在线峰值 Online peak": "240", "平均在线 Online avg": "191",
           "最新在线 Online latest": "240", "评论/分钟 Comments/min": "0.3", "点赞/分钟 Likes/min": "0.0",
           "时长 Duration": "3 min"}  # SCRIPT's show, worked out by hand: 2 orders by one buyer, one refunded; one
# comment in its 201 s (3.35 min), no like


def test_every_part_of_the_report_says_what_it_should(database):
    """The page read as a person reads it: the title and its line, the headings, each figure under its own label,
    the product rows, the moments with their times, the footer — a change to any of them is seen."""
    from app.review import product_rows, window_rows

    (session_id,) = sessions(database, ["周五 <专场>"])
    review = load_review(database, session_id)
    page = _Page(html_report(review))
    assert page.texts("h1") == ["周五 <专场>"] and page.texts("title")[0] == "复盘 周五 <专场>"
    (sub,) = page.texts("div", "sub")
    assert sub.startswith(f"复盘 Review · 场次 session #{session_id} · ") and sub.endswith(" · ended · 9 条事件 events")
    assert page.texts("h2") == ["核心指标 Key figures", "在线人数（每分钟，阴影为讲解时段）Online per minute, explanation "
                                "windows shaded", "每分钟成交额（元）GMV per minute (yuan)", "商品讲解 Product windows",
                                "每次讲解 Each explanation", "关键时刻 Moments"]
    assert dict(zip([t for t in page.texts("span") if t in FIGURES], page.texts("b"))) == FIGURES
    header, rows = product_rows(review)
    cells = page.texts("td")
    assert page.texts("th")[:len(header)] == list(header)
    assert cells[:len(rows) * len(header)] == [c for _, row in rows for c in row]
    cells = cells[len(rows) * len(header):]
    columns, windows = window_rows(review)  # each explanation its own row, then the moments
    assert len(windows) == 1 and windows[0][1][0] == "0:00:10" and windows[0][1][4:6] == ["1", "￥89.00"]  # its product's
    assert cells[:len(windows) * len(columns)] == [c for _, row in windows for c in row]
    moments = cells[len(windows) * len(columns):]
    assert moments == [x for mk in review.markers for x in (f"{int(mk.time // 60):02d}:{int(mk.time % 60):02d}",
                                                            mk.label)]
    assert [c for t, c, _ in page.elements if t == "svg"] == ["chart wide", "chart narrow"] * 2
    (footer,) = page.texts("footer")
    assert footer.startswith("主播中控台 Anchor Console ") and "指标定义 definitions: docs/metrics.md" in footer
    from dataclasses import replace

    marked = _Page(html_report(replace(review, info=replace(review.info, kind="rehearsal"))))
    assert marked.texts("h1") == ["演练 REHEARSAL 周五 <专场>"] and marked.texts("span", "mark") == ["演练 REHEARSAL"]


def test_the_comparison_page_sets_each_figure_beside_the_other(database):
    ids = sessions(database, ["周一", "周二"])
    reviews = [load_review(database, i) for i in ids]
    page = _Page(compare_html(reviews))
    assert page.texts("h1") == ["场次对比 Sessions compared"]
    assert page.texts("h2") == ["在线人数 Online per minute", "累计成交额（元）Cumulative GMV (yuan)"]
    heads = page.texts("th")
    assert heads[0] == "指标 Figure" and [h.split(" ")[0] for h in heads[1:]] == [f"#{i}" for i in ids]
    assert all(f"#{i} 周" in h for i, h in zip(ids, heads[1:]))
    cells = page.texts("td")
    assert [cells[i:i + 3] for i in range(0, len(cells), 3)] == [[k, v, v] for k, v in FIGURES.items()]
    legend = [t for t in page.texts("span") if t.startswith("#")]
    assert legend == [f"#{i} 周一" if n == 0 else f"#{i} 周二" for n, i in enumerate(ids)] * 2
    text = compare_text(reviews).splitlines()
    assert [line.split("  ")[0] for line in text[1:]] == list(FIGURES)


def _elements(svg: str) -> list[tuple[str, dict, str]]:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(svg)
    return [(el.tag.split("}")[1], dict(el.attrib), (el.text or "")) for el in root.iter()]


def test_a_chart_places_every_point_band_and_tick_where_its_value_says():
    """The screen's chart (600 × 270, margins 52 / 14 / 12 / 44: a plot 534 × 214 from (52, 12)) worked by hand:
    minutes 0–20 on round ticks of 5, online 0–100 on ticks of 25; a point (x, y) at 52 + 534·x/20, 12 + 214·(1 − y/100)."""
    from app.report import _svg

    svg = _svg([("在线", "#e4393c", [(0, 0), (10, 50), (20, 100)])], "分钟 min", "在线 online",
               [(2, 6, "A <b>"), (8, 9, "B")], False, 600, 270, 6, "wide")
    elements = _elements(svg)
    root = elements[0][1]
    assert root["viewBox"] == "0 0 600 270" and root["class"] == "chart wide" and root["aria-label"] == "在线 online"
    line = next(a for tag, a, _ in elements if tag == "polyline")
    assert line["points"] == "52.0,226.0 319.0,119.0 586.0,12.0" and line["stroke"] == "#e4393c"
    bands = [a for tag, a, _ in elements if tag == "rect"]
    assert [(b["x"], b["y"], b["width"], b["height"], b["opacity"]) for b in bands] == [
        ("105.4", "12", "106.8", "214", "0.14"), ("265.6", "12", "26.7", "214", "0.06")]  # minute 2–6, 8–9
    assert [t for tag, _, t in elements if tag == "title"] == ["A <b>", "B"]
    grid = [(a["x1"], a["x2"], a["y1"]) for tag, a, _ in elements if tag == "line"]
    assert grid == [("52", "586", y) for y in ("226.0", "172.5", "119.0", "65.5", "12.0")]
    texts = [(a["x"], a["y"], a["text-anchor"], t) for tag, a, t in elements if tag == "text"]
    assert texts == [("46", "230.0", "end", "0"), ("46", "176.5", "end", "25"), ("46", "123.0", "end", "50"),
                     ("46", "69.5", "end", "75"), ("46", "16.0", "end", "100"),
                     ("52.0", "244", "middle", "0"), ("185.5", "244", "middle", "5"), ("319.0", "244", "middle", "10"),
                     ("452.5", "244", "middle", "15"), ("586.0", "244", "middle", "20"),
                     ("586", "264", "end", "分钟 min")]


def test_bars_are_centred_on_their_minute_with_half_a_bar_of_room_at_each_end():
    """The phone's chart (340 × 230: a plot 274 × 174): minutes −0.5 to 2.5, orders 0–8 on ticks of 2; a bar 0.8 of
    a minute wide (73.1), centred on its minute; a minute without orders draws nothing."""
    from app.report import _svg

    elements = _elements(_svg([("单", "#2f7ed8", [(0, 3), (1, 0), (2, 7)])], "分钟", "订单", [], True, 340, 230, 4,
                              "narrow"))
    bars = [(a["x"], a["y"], a["width"], a["height"], a["fill"]) for tag, a, _ in elements if tag == "rect"]
    assert bars == [("61.1", "120.8", "73.1", "65.2", "#2f7ed8"), ("243.8", "33.8", "73.1", "152.2", "#2f7ed8")]
    ticks = [(a["x"], t) for tag, a, t in elements if tag == "text" and a["y"] == "204"]
    assert ticks == [("97.7", "0"), ("189.0", "1"), ("280.3", "2")]
    assert [(a["x"], a["y"], t) for tag, a, t in elements if tag == "text"][-1] == ("326", "224", "分钟")
    assert [a["y1"] for tag, a, _ in elements if tag == "line"] == ["186.0", "142.5", "99.0", "55.5", "12.0"]


def test_a_chart_is_drawn_for_a_screen_and_for_a_phone_with_a_legend_for_two_lines():
    from app.report import _line_chart

    one = _line_chart([("在线", "#e4393c", [(0, 1), (5, 2)])], "分钟", "在线")
    assert one.count("<svg") == 2 and 'viewBox="0 0 600 270"' in one and 'viewBox="0 0 340 230"' in one
    assert "legend" not in one
    two = _line_chart([("A <i>", "#e4393c", [(0, 1)]), ("B", "#2f7ed8", [(1, 2)])], "分钟", "在线")
    assert two.endswith('<div class="legend"><span><i style="background:#e4393c"></i>A &lt;i&gt;</span>'
                        '<span><i style="background:#2f7ed8"></i>B</span></div>')
    assert _line_chart([("在线", "#e4393c", [])], "分钟", "在线") == '<p class="sub">—</p>'
