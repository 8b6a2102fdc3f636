"""复盘报告: a session's review as one HTML file a manager can mail or open on a phone (charts drawn as inline SVG,
nothing fetched from anywhere), and two or more sessions side by side (text and HTML), since a show is judged
against the last ones. Every figure comes from `app.review` (the same numbers as the window and `review N`); every
text from the session (titles, product names) is escaped.
"""

from __future__ import annotations

import html
import math
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app import __version__
from app.review import MASKED_UV, SessionReview, money, product_rows, ratio, whole, window_rows

FONTS = "Noto Sans SC, Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"
PALETTE = ["#e4393c", "#2f7ed8", "#37a169", "#d69e2e", "#805ad5", "#dd6b20"]

CSS = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#222;background:#f6f7f9}
main{max-width:980px;margin:0 auto;padding:24px 20px}@media (max-width:600px){main{padding:16px 12px}}
@page{margin:15mm}h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}.sub{color:#666;font-size:13px}
.mark{background:#d69e2e;color:#fff;border-radius:4px;padding:1px 6px;font-size:12px;white-space:nowrap}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:8px}
.kpi{background:#fff;border-radius:8px;padding:10px}.kpi b{display:block;font-size:18px}.kpi span{color:#666;font-size:12px}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;max-width:100%}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}th,td{padding:6px 8px;border-bottom:1px solid #eee;
text-align:right}th:first-child,td:first-child{text-align:left}tr.outside td{color:#666;font-style:italic}
table.figures td,table.figures th{white-space:nowrap}
table.moments th,table.moments td{text-align:left}table.moments td:first-child{width:4.5em;font-variant-numeric:tabular-nums}
svg.chart{display:block;width:100%;max-width:760px;height:auto;background:#fff;border-radius:8px}svg.narrow{display:none}
@media (max-width:600px){svg.wide{display:none}svg.narrow{display:block}}
.chart text{font-size:13px;fill:#555}
.legend span{display:inline-block;margin-right:12px;font-size:12px}.legend i{display:inline-block;width:10px;height:10px;
margin-right:4px;border-radius:2px}footer{color:#999;font-size:11px;margin-top:24px}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _clock(info, default: str = "—") -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(info.started_at)) if info.started_at else default


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{_e(title)}</title>'
            f"<style>{CSS}</style></head><body><main>{body}<footer>主播中控台 Anchor Console {_e(__version__)} · "
            f"指标定义 definitions: docs/metrics.md · {_e(time.strftime('%Y-%m-%d %H:%M'))}</footer></main></body></html>")


def nice_ticks(top: float, count: int = 5, whole: bool = False) -> list[float]:
    """Round axis ticks from 0 that reach `top`: a step of 1, 2, 2.5 or 5 × 10^k giving about `count` intervals
    (0, 250, 500, 750, 1,000 rather than 0, 239, 478, 718, 957); `whole` keeps steps of at least 1 (minutes)."""
    top = top if top > 0 else 1.0  # nothing above zero: an axis from 0 to 1
    raw = top / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    steps = (1, 2, 5, 10) if whole and power <= 1 else (1, 2, 2.5, 5, 10)  # no 2.5 minutes
    step = next(m * power for m in steps if m * power >= raw * (1 - 1e-9))
    if whole:
        step = max(1.0, step)
    n = math.ceil(top / step - 1e-9)
    return [float(f"{i * step:.12g}") for i in range(n + 1)]


def tick_label(value: float) -> str:
    """An axis tick as a person reads it: 1,000 · 2.5 · 1.5万."""
    return f"{value / 10_000:,g}万" if value >= 10_000 else f"{value:,g}"


Series = Sequence[tuple[str, str, Sequence[tuple[float, float]]]]


def _line_chart(series: Series, x_label: str, y_label: str, bands: Sequence[tuple[float, float, str]] = (),
                bars: bool = False) -> str:
    """An SVG chart: lines (or bars) of (x, y) points, optional shaded x-bands with a label (product windows), drawn
    twice: 600 units wide for a screen and 340 for a phone (fewer ticks, the same 13-unit text), the page's CSS
    showing one, so its text stays legible at 390 px without scrolling sideways."""
    if not any(values for _, _, values in series):
        return '<p class="sub">—</p>'
    legend = ""
    if len(series) > 1:
        legend = '<div class="legend">' + "".join(f'<span><i style="background:{c}"></i>{_e(n)}</span>'
                                                  for n, c, _ in series) + "</div>"
    return (_svg(series, x_label, y_label, bands, bars, 600, 270, 6, "wide")
            + _svg(series, x_label, y_label, bands, bars, 340, 230, 4, "narrow") + legend)


def _svg(series: Series, x_label: str, y_label: str, bands: Sequence[tuple[float, float, str]], bars: bool,
         width: int, height: int, x_count: int, kind: str) -> str:
    """Axes run to round ticks; bars are centred on their minute with half a bar of room at each end, so none is cut;
    the axis title sits under the ticks, clear of the plot."""
    left, right, top, bottom = 52, 14, 12, 44
    points = [p for _, _, values in series for p in values]
    x_ticks = nice_ticks(max(x for x, _ in points), x_count, whole=True)
    y_ticks = nice_ticks(max(y for _, y in points), 4)
    x_low, x_high = (-0.5, x_ticks[-1] + 0.5) if bars else (0.0, x_ticks[-1])
    plot_w, plot_h = width - left - right, height - top - bottom

    def sx(x: float) -> float:
        return left + plot_w * (x - x_low) / (x_high - x_low)

    def sy(y: float) -> float:
        return top + plot_h * (1 - y / y_ticks[-1])

    parts = [f'<svg class="chart {kind}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'role="img" font-family="{FONTS}" aria-label="{_e(y_label)}">']
    for index, (start, end, label) in enumerate(bands):  # alternate shades: one window next to the other
        parts.append(f'<rect x="{sx(start):.1f}" y="{top}" width="{max(0.5, sx(end) - sx(start)):.1f}" '
                     f'height="{plot_h}" fill="#2f7ed8" opacity="{0.06 if index % 2 else 0.14}">'
                     f"<title>{_e(label)}</title></rect>")
    for y in y_ticks:
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{sy(y):.1f}" y2="{sy(y):.1f}" stroke="#eee"/>'
                     f'<text x="{left - 6}" y="{sy(y) + 4:.1f}" text-anchor="end">{_e(tick_label(y))}</text>')
    for x in x_ticks:
        parts.append(f'<text x="{sx(x):.1f}" y="{height - bottom + 18}" text-anchor="middle">'
                     f'{_e(tick_label(x))}</text>')
    parts.append(f'<text x="{width - right}" y="{height - 6}" text-anchor="end">{_e(x_label)}</text>')
    for _name, colour, values in series:
        if bars:
            w = max(1.0, plot_w / (x_high - x_low) * 0.8)
            parts += [f'<rect x="{sx(x) - w / 2:.1f}" y="{sy(y):.1f}" width="{w:.1f}" height="{sy(0) - sy(y):.1f}" '
                      f'fill="{colour}"/>' for x, y in values if y > 0]
        else:
            path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in values)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
    parts.append("</svg>")
    return "".join(parts)


def _short(value: float) -> str:
    if value >= 10_000:
        return f"{value / 10_000:.1f}万"
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def _kpis(review: SessionReview) -> list[tuple[str, str]]:
    m = review.metrics
    return [("成交额 GMV", money(m.gmv_cents)), ("退款 Refunds", money(m.refunds_cents)),
            ("净成交 Net GMV", money(m.net_cents)), ("订单 Orders", f"{m.orders:,}"), ("买家 Buyers", f"{m.buyers:,}"),
            ("客单价 Per buyer", money(m.aov_cents)), ("笔单价 Per order", money(m.per_order_cents)),
            ("观看人次 PV", f"{m.pv:,}"), ("观看人数 UV", f"{m.uv:,}" + (MASKED_UV if m.viewers_masked else "")), ("GPM", whole(m.gpm)),
            ("UV价值 UV value", money(None if m.uv_value is None else m.uv_value * 100)),
            ("转化率 Conversion", ratio(m.conversion)), ("互动率 Interaction", ratio(m.interaction_rate)),
            ("在线峰值 Online peak", f"{m.online_peak:,}"), ("平均在线 Online avg", f"{m.online_avg:,.0f}"),
            ("最新在线 Online latest", f"{m.online_now:,}"),
            ("评论/分钟 Comments/min", f"{m.comments_per_minute:,.1f}"),
            ("点赞/分钟 Likes/min", f"{m.likes_per_minute:,.1f}"),
            ("时长 Duration", f"{m.duration_s / 60:.0f} min")]


def html_report(review: SessionReview) -> str:
    """One session's review as a self-contained HTML page (Chinese and English labels)."""
    info, m = review.info, review.metrics
    mark = '<span class="mark">演练 REHEARSAL</span> ' if info.rehearsal else ""
    body = [f"<h1>{mark}{_e(info.title)}</h1>",
            f'<div class="sub">复盘 Review · 场次 session #{info.id} · {_e(_clock(info))} · {_e(info.status)} · '
            f"{review.events:,} 条事件 events</div>",
            '<h2>核心指标 Key figures</h2><div class="kpis">'
            + "".join(f'<div class="kpi"><b>{_e(v)}</b><span>{_e(k)}</span></div>' for k, v in _kpis(review))
            + "</div>"]
    bands = [(start / 60, (end if end is not None else m.duration_s) / 60,
              review.titles.get(product, f"#{product}")) for product, start, end in m.spans]
    online = [(row.minute, row.online) for row in m.per_minute]
    body.append("<h2>在线人数（每分钟，阴影为讲解时段）Online per minute, explanation windows shaded</h2>"
                + _line_chart([("在线 online", PALETTE[1], online)], "分钟 min", "online", bands))
    gmv = [(row.minute, row.gmv_cents / 100) for row in m.per_minute]
    body.append("<h2>每分钟成交额（元）GMV per minute (yuan)</h2>"
                + _line_chart([("GMV", PALETTE[0], gmv)], "分钟 min", "GMV", bands, bars=True))
    header, table = product_rows(review)
    rows = ["<tr>" + "".join(f"<th>{_e(name)}</th>" for name in header) + "</tr>"]
    outside = ' class="outside"'
    rows += [f"<tr{'' if product is not None else outside}>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>"
             for product, cells in table]
    body.append('<h2>商品讲解 Product windows</h2><div class="scroll"><table>' + "".join(rows) + "</table></div>")
    header, windows = window_rows(review)
    if windows:
        rows = ["<tr>" + "".join(f"<th>{_e(name)}</th>" for name in header) + "</tr>"]
        rows += ["<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>" for _, cells in windows]
        body.append('<h2>每次讲解 Each explanation</h2><div class="scroll"><table>' + "".join(rows)
                    + "</table></div>")
    moments = [f"<tr><td>{int(mk.time // 60):02d}:{int(mk.time % 60):02d}</td><td>{_e(mk.label)}</td></tr>"
               for mk in review.markers[:300]]
    if moments:
        more = len(review.markers) - 300
        body.append('<h2>关键时刻 Moments</h2><table class="moments"><tr><th>时间 Time</th><th>事件 What</th></tr>'
                    + "".join(moments) + "</table>" + (f'<p class="sub">…{more} more</p>' if more > 0 else ""))
    return _page(f"复盘 {info.title}", "".join(body))


def _name(review: SessionReview) -> str:
    return f"#{review.info.id} {review.info.title}" + (" (演练 rehearsal)" if review.info.rehearsal else "")


def _cells(text: str) -> int:
    """How many terminal cells `text` takes: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, cells: int) -> str:
    return text + " " * max(0, cells - _cells(text))


@dataclass(frozen=True)
class Comparison:
    """Sessions side by side, as values for the review window (and its HTML export): each column's name, one row per
    figure (label, each session's value), each session's online and cumulative GMV per minute (name, colour,
    points)."""

    reviews: tuple[SessionReview, ...]
    names: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]
    online: Series
    gmv: Series

    @classmethod
    def of(cls, reviews: Sequence[SessionReview]) -> Comparison:
        names, rows = compare_rows(reviews)
        online, gmv = compare_curves(reviews)
        return cls(tuple(reviews), tuple(names), tuple((label, tuple(values)) for label, values in rows), online, gmv)

    def html(self) -> str:
        return compare_html(self.reviews)


def compare_rows(reviews: Sequence[SessionReview]) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Sessions side by side as values: each column's name (a rehearsal says so) and one row per figure (its
    label, then each session's value) — what the text, the HTML page and the review window's table show."""
    figures = [_kpis(r) for r in reviews]
    return [_name(r) for r in reviews], [(label, [column[index][1] for column in figures])
                                        for index, (label, _) in enumerate(figures[0])]


def compare_curves(reviews: Sequence[SessionReview]) -> tuple[Series, Series]:
    """Each session's online per minute and cumulative GMV (yuan) per minute, named and coloured alike."""
    online = [(_name(r), PALETTE[i % len(PALETTE)], [(row.minute, row.online) for row in r.metrics.per_minute])
              for i, r in enumerate(reviews)]
    gmv = [(_name(r), PALETTE[i % len(PALETTE)], _cumulative(r)) for i, r in enumerate(reviews)]
    return online, gmv


def compare_text(reviews: Sequence[SessionReview]) -> str:
    """Sessions side by side: one column each, one line per figure, aligned in a terminal (Chinese takes two
    cells); a rehearsal says so in its column's name."""
    names, rows = compare_rows(reviews)
    label_w = max(_cells(label) for label, _ in rows) + 2
    widths = [max(_cells(name), *(_cells(values[i]) for _, values in rows)) + 2 for i, name in enumerate(names)]
    lines = [_pad("", label_w) + "".join(_pad(n, w) for n, w in zip(names, widths))]
    lines += [_pad(label, label_w) + "".join(_pad(v, w) for v, w in zip(values, widths)) for label, values in rows]
    return "\n".join(line.rstrip() for line in lines)


def compare_html(reviews: Sequence[SessionReview]) -> str:
    """Sessions side by side as one HTML page: the figures in a table, the online curves on one chart."""
    mark = '<span class="mark">演练</span> '
    head = "".join(f"<th>{mark if r.info.rehearsal else ''}#{r.info.id} {_e(r.info.title)}<br>"
                   f"<span class='sub'>{_e(_clock(r.info))}</span></th>" for r in reviews)
    _, figures = compare_rows(reviews)
    rows = [f"<tr><th>指标 Figure</th>{head}</tr>"]
    rows += [f"<tr><td>{_e(label)}</td>" + "".join(f"<td>{_e(v)}</td>" for v in values) + "</tr>"
             for label, values in figures]
    curves, gmv = compare_curves(reviews)
    body = ('<h1>场次对比 Sessions compared</h1><div class="scroll"><table class="figures">' + "".join(rows)
            + "</table></div><h2>在线人数 Online per minute</h2>" + _line_chart(curves, "分钟 min", "online")
            + "<h2>累计成交额（元）Cumulative GMV (yuan)</h2>" + _line_chart(gmv, "分钟 min", "GMV"))
    return _page("场次对比 Sessions compared", body)


def _cumulative(review: SessionReview) -> list[tuple[float, float]]:
    total, out = 0, []
    for row in review.metrics.per_minute:
        total += row.gmv_cents
        out.append((row.minute, total / 100))
    return out


def write(text: str, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
