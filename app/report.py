"""复盘报告: a session's review as one HTML file a manager can mail or open on a phone (charts drawn as inline SVG,
nothing fetched from anywhere), and two or more sessions side by side (text and HTML), since a show is judged
against the last ones. Every figure comes from `app.review` (the same numbers as the window and `review N`); every
text from the session (titles, product names) is escaped.
"""

from __future__ import annotations

import html
import time
from collections.abc import Sequence
from pathlib import Path

from app import __version__
from app.review import SessionReview, money, product_rows, ratio, whole

FONTS = "Noto Sans SC, Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"
PALETTE = ["#e4393c", "#2f7ed8", "#37a169", "#d69e2e", "#805ad5", "#dd6b20"]

CSS = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0;padding:16px;color:#222;
background:#f6f7f9}h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}.sub{color:#666;font-size:13px}
.mark{background:#d69e2e;color:#fff;border-radius:4px;padding:1px 6px;font-size:12px}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:8px}
.kpi{background:#fff;border-radius:8px;padding:10px}.kpi b{display:block;font-size:18px}.kpi span{color:#666;font-size:12px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}th,td{padding:6px 8px;border-bottom:1px solid #eee;
text-align:right}th:first-child,td:first-child{text-align:left}tr.outside td{color:#666;font-style:italic}
svg{width:100%;height:auto;background:#fff;border-radius:8px}.chart text{font-size:11px;fill:#666}
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
            f"<style>{CSS}</style></head><body>{body}<footer>主播中控台 Anchor Console {_e(__version__)} · "
            f"指标定义 definitions: docs/metrics.md · {_e(time.strftime('%Y-%m-%d %H:%M'))}</footer></body></html>")


def _line_chart(series: Sequence[tuple[str, str, Sequence[tuple[float, float]]]], x_label: str, y_label: str,
                bands: Sequence[tuple[float, float, str]] = (), bars: bool = False) -> str:
    """An SVG chart: lines (or bars) of (x, y) points, optional shaded x-bands with a label (product windows)."""
    width, height, left, bottom, top = 720, 240, 56, 28, 12
    points = [p for _, _, values in series for p in values]
    if not points:
        return '<p class="sub">—</p>'
    x_max = max(max(x for x, _ in points), 1e-9)
    y_max = max(max(y for _, y in points), 1e-9)

    def sx(x: float) -> float:
        return left + (width - left - 8) * x / x_max

    def sy(y: float) -> float:
        return top + (height - top - bottom) * (1 - y / y_max)

    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'font-family="{FONTS}" aria-label="{_e(y_label)}">']
    for index, (start, end, label) in enumerate(bands):  # alternate shades: one window next to the other
        parts.append(f'<rect x="{sx(start):.1f}" y="{top}" width="{max(0.5, sx(end) - sx(start)):.1f}" '
                     f'height="{height - top - bottom}" fill="#2f7ed8" opacity="{0.06 if index % 2 else 0.14}">'
                     f"<title>{_e(label)}</title></rect>")
    for i in range(5):
        y = y_max * i / 4
        parts.append(f'<line x1="{left}" x2="{width - 8}" y1="{sy(y):.1f}" y2="{sy(y):.1f}" stroke="#eee"/>'
                     f'<text x="{left - 4}" y="{sy(y) + 4:.1f}" text-anchor="end">{_e(_short(y))}</text>')
    for i in range(6):
        x = x_max * i / 5
        parts.append(f'<text x="{sx(x):.1f}" y="{height - 8}" text-anchor="middle">{x:.0f}</text>')
    parts.append(f'<text x="{width - 8}" y="{height - bottom - 4}" text-anchor="end">{_e(x_label)}</text>')
    for _name, colour, values in series:
        if bars:
            w = max(1.0, (width - left - 8) / max(len(values), 1) * 0.8)
            parts += [f'<rect x="{sx(x) - w / 2:.1f}" y="{sy(y):.1f}" width="{w:.1f}" height="{sy(0) - sy(y):.1f}" '
                      f'fill="{colour}"/>' for x, y in values if y > 0]
        else:
            path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in values)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
    parts.append("</svg>")
    if len(series) > 1:
        parts.append('<div class="legend">' + "".join(f'<span><i style="background:{c}"></i>{_e(n)}</span>'
                                                      for n, c, _ in series) + "</div>")
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
            ("观看人次 PV", f"{m.pv:,}"), ("观看人数 UV", f"{m.uv:,}"), ("GPM", whole(m.gpm)),
            ("UV价值 UV value", money(None if m.uv_value is None else m.uv_value * 100)),
            ("转化率 Conversion", ratio(m.conversion)), ("互动率 Interaction", ratio(m.interaction_rate)),
            ("在线峰值 Online peak", f"{m.online_peak:,}"), ("平均在线 Online avg", f"{m.online_avg:,.0f}"),
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
    body.append("<h2>商品讲解 Product windows</h2><table>" + "".join(rows) + "</table>")
    moments = [f"<tr><td>{int(mk.time // 60):02d}:{int(mk.time % 60):02d}</td><td>{_e(mk.label)}</td></tr>"
               for mk in review.markers[:300]]
    if moments:
        more = len(review.markers) - 300
        body.append("<h2>关键时刻 Moments</h2><table><tr><th>时间 Time</th><th>事件 What</th></tr>" + "".join(moments)
                    + "</table>" + (f'<p class="sub">…{more} more</p>' if more > 0 else ""))
    return _page(f"复盘 {info.title}", "".join(body))


def compare_text(reviews: Sequence[SessionReview]) -> str:
    """Sessions side by side: one column each, one line per figure."""
    names = [f"#{r.info.id} {r.info.title}" for r in reviews]
    width = max(14, *(len(n) for n in names))
    lines = ["".ljust(22) + "".join(n[:width].ljust(width + 2) for n in names)]
    for index, (label, _) in enumerate(_kpis(reviews[0])):
        lines.append(label.ljust(22) + "".join(_kpis(r)[index][1].ljust(width + 2) for r in reviews))
    return "\n".join(lines)


def compare_html(reviews: Sequence[SessionReview]) -> str:
    """Sessions side by side as one HTML page: the figures in a table, the online curves on one chart."""
    head = "".join(f"<th>#{r.info.id} {_e(r.info.title)}<br><span class='sub'>{_e(_clock(r.info))}</span></th>"
                   for r in reviews)
    rows = [f"<tr><th>指标 Figure</th>{head}</tr>"]
    for index, (label, _) in enumerate(_kpis(reviews[0])):
        rows.append(f"<tr><td>{_e(label)}</td>" + "".join(f"<td>{_e(_kpis(r)[index][1])}</td>" for r in reviews)
                    + "</tr>")
    curves = [(f"#{r.info.id} {r.info.title}", PALETTE[i % len(PALETTE)],
               [(row.minute, row.online) for row in r.metrics.per_minute]) for i, r in enumerate(reviews)]
    gmv = [(f"#{r.info.id} {r.info.title}", PALETTE[i % len(PALETTE)], _cumulative(r)) for i, r in enumerate(reviews)]
    body = ("<h1>场次对比 Sessions compared</h1><table>" + "".join(rows) + "</table>"
            "<h2>在线人数 Online per minute</h2>" + _line_chart(curves, "分钟 min", "online")
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
