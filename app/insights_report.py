"""多场分析 as a manager takes it away: plain text (the CLI), CSV files Excel opens as they are (one per table:
shows, windows, products, audience per show, cohorts, repeat buyers, weeks, hosts, slots) and one self-contained
HTML file (tables, a weekly GMV chart and the cohorts as a heat map; every text escaped). The figures are
`app.insights.Insights`' own; the definitions are docs/metrics.md's (多场分析).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from app.abtest import ABReport
from app.insights import COHORT_WEEKS, Insights, Totals
from app.report import _e, _page, nice_ticks
from app.review import money, ratio, whole

DEFINITIONS = {
    "GPM": "千次观看成交金额 = GMV ÷ 观看人次 × 1000 / GMV per 1,000 views (PV)",
    "conversion": "观看-成交转化率 = 看过的成交人数 ÷ 观看人数 / buyers who entered ÷ UV",
    "uv_value": "UV 价值 = GMV ÷ 观看人数 / GMV per unique viewer",
    "returning": "回访观众：本工作室同一平台更早的场次里进过直播间的账号 / an account that entered an earlier show of the "
                 "studio on the same platform",
    "cohort": f"留存：某周首次进房的观众，之后第 1…{COHORT_WEEKS} 周再次进房的比例 / viewers first seen in week W: the "
              f"share seen again in W+1 … W+{COHORT_WEEKS}",
    "repeat": "复购率 = 付款 ≥ 2 单的买家 ÷ 买家（按平台买家 ID）/ buyers with ≥ 2 paid orders ÷ buyers (platform ids)",
    "falling": "转化下滑：≥ 4 次讲解，逐次转化率的趋势向下且后一半低于前一半 / conversion per explanation trending down "
               "over ≥ 4 explanations, the later half below the earlier",
    "script": "最好话术：开播时记录的话术版本中，讲解合计 GPM 最高的一版（至少两版才比较）/ of the script versions a "
              "show recorded at its start, the one whose explanations together had the highest GPM (two or more)",
}


def _local(ins: Insights, ts: float, form: str = "%Y-%m-%d %H:%M") -> str:
    return dt.datetime.fromtimestamp(ts, ins.zone).strftime(form)


def _span(ins: Insights) -> str:
    since = "…" if ins.since <= 0 else _local(ins, ins.since, "%Y-%m-%d")
    return f"{since} – {_local(ins, ins.until - 1, '%Y-%m-%d')} ({ins.zone})"


def _totals_line(t: Totals) -> str:
    return (f"{t.name or '合计 total'}: {t.shows} 场 shows, {t.hours:.1f} h, GMV {money(t.gmv_cents)}, "
            f"净 net {money(t.net_cents)}, GPM {whole(t.gpm)}, UV {t.uv:,}, 转化 conv. {ratio(t.conversion)}, "
            f"UV 价值 {money(None if t.uv_value is None else t.uv_value * 100)}")


def summary(ins: Insights) -> str:
    """A few lines for the top of a view: the period, its totals, the best and worst show, what was left out."""
    lines = [f"{', '.join(ins.studios)} · {_span(ins)}", _totals_line(ins.totals)]
    for label, show in (("最好 best", ins.best), ("最差 worst", ins.worst)):
        if show is not None:
            why = ", ".join(f"{ins.titles.get(w.product_id, f'#{w.product_id}')} GPM {whole(w.gpm)} "
                            f"(平时 usual {whole(usual)})" for w, usual in ins.why(show, 2))
            lines.append(f"{label}: #{show.session_id} {show.title} · GMV {money(show.gmv_cents)} · {why}")
    return "\n".join(lines + [f"未计入 left out: {note}" for note in ins.left_out])


def ab_table(report: ABReport) -> tuple[list[str], list[list]]:
    """The A/B report as a table: the sample sizes, then each figure with B − A, its interval and the verdict."""
    head = ["指标 figure", "A", "B", "差 B−A", "区间低 low", "区间高 high", "p 值 p_value", "可检测 detectable"]
    rows: list[list] = [["场次 shows", len(report.a_shows), len(report.b_shows), "", "", "", "", ""],
                        ["观看人数 UV", report.a_uv, report.b_uv, "", "", "", "", ""]]
    for e in (report.conversion, report.gpm, report.uv_value):
        rows.append([e.name, _num(e.a), _num(e.b), _num(e.difference), _num(e.low), _num(e.high), _num(e.p_value),
                     int(e.detectable)])
    return head, rows


def format_ab(report: ABReport) -> str:
    head, rows = ab_table(report)
    lines = [f"A/B: A = {report.a_name} · B = {report.b_name} (置信水平 level {1 - report.level:.0%})",
             " | ".join(head)] + [" | ".join("—" if v == "" else str(v) for v in row) for row in rows]
    return "\n".join(lines + [f"结论 verdict: {report.verdict}"] + [f"注意 note: {n}" for n in report.notes])


def format_text(ins: Insights) -> str:
    """The views across shows as plain text."""
    lines = [f"多场分析 insights · {', '.join(ins.studios)} · {_span(ins)}", _totals_line(ins.totals), ""]
    if not ins.shows:
        lines.append("这段时间没有场次 / no shows in this period")
    lines += ["周 weeks:"] + [f"  {_totals_line(w)}" for w in ins.weeks]
    for label, show in (("最好 best", ins.best), ("最差 worst", ins.worst)):
        if show is None:
            continue
        lines.append(f"{label}: #{show.session_id} {show.title} · {show.host or '—'} · GMV {money(show.gmv_cents)} · "
                     f"GPM {whole(show.gpm)}")
        for window, usual in ins.why(show):
            lines.append(f"    {ins.titles.get(window.product_id, f'#{window.product_id}')} 第 {window.position} 段 "
                         f"window {window.position}: GPM {whole(window.gpm)} (平时 usual {whole(usual)}), GMV "
                         f"{money(window.gmv_cents)}")
    lines += ["", "主播 hosts:"] + [f"  {_totals_line(h)}" for h in ins.hosts]
    lines += ["时段 slots (开播时刻 start hour):"] + [f"  {_totals_line(s)}" for s in ins.slots]
    lines += ["", "商品 products:"]
    for p in ins.products:
        lines.append(f"  {p.title or f'#{p.product_id}'}: {p.windows} 次讲解 explanations in {p.shows} shows, "
                     f"GMV {money(p.gmv_cents)}, GPM {whole(p.gpm)}, 转化 {ratio(p.conversion)}, 最好时段 best hour "
                     f"{'—' if p.best_hour is None else f'{p.best_hour:02d}:00'}, 最好位置 best place "
                     f"{p.best_position or '—'}"
                     + (f", 最好话术 best script {p.best_script} of {p.scripts}" if p.best_script else "")
                     + (" ↘ 转化下滑 falling" if p.falling else ""))
    lines += ["", "观众 audience (每场 per show): 观众 viewers / 新 new / 回访 returning / 回访买家 returning buyers"]
    for a in ins.audience:
        lines.append(f"  #{a.session_id}: {a.viewers} / {a.new} ({ratio(a.new_share)}) / {a.returning} / "
                     f"{a.returning_buyers}; 关注 followers {a.followers}, 回来 came back {a.followers_back}")
    lines += [f"留存 retention (W+1 … W+{COHORT_WEEKS}):"]
    for c in ins.cohorts:
        lines.append(f"  {c.week.isoformat()} ({c.size}): "
                     + " ".join("·" if s is None else f"{s:.0%}" for s in c.shares))
    for r in ins.repeat:
        lines.append(f"复购 repeat, {r.days} 天 days: {r.repeat_buyers}/{r.buyers} = {ratio(r.rate)}; "
                     f"在 ≥ 2 场付款 paid in ≥ 2 shows: {r.returned_buyers}")
    lines += [f"未计入 left out: {note}" for note in ins.left_out]
    return "\n".join(lines)


def _num(value: float | None, digits: int = 4):
    return "" if value is None else round(value, digits)


def _yuan(cents: float | None):
    return "" if cents is None else round(cents / 100, 2)


def tables(ins: Insights, ab: ABReport | None = None) -> dict[str, tuple[list[str], list[list]]]:
    """Every table of the insights (and of an A/B report): name → (header, rows), what the CSV files hold."""
    totals_head = ["名称 name", "场次 shows", "时长 hours", "成交额 gmv_yuan", "净成交 net_yuan", "观看人次 pv", "观看人数 uv",
                   "GPM", "转化率 conversion", "UV价值 uv_value_yuan", "每小时成交 gmv_per_hour_yuan"]

    def totals(rows: tuple[Totals, ...]) -> list[list]:
        return [[t.name, t.shows, round(t.hours, 3), _yuan(t.gmv_cents), _yuan(t.net_cents), t.pv, t.uv, _num(t.gpm, 2),
                 _num(t.conversion), _num(t.uv_value, 2), _yuan(t.gmv_per_hour_cents)] for t in rows]

    out = {
        "shows": (["场次 session", "标题 title", "工作室 studio", "主播 host", "平台 platform", "开播 started", "时长 minutes",
                   "成交额 gmv_yuan", "退款 refunds_yuan", "净成交 net_yuan", "订单 orders", "成交人数 buyers", "观看人次 pv",
                   "观看人数 uv", "GPM", "转化率 conversion", "UV价值 uv_value_yuan", "最高在线 online_peak", "观众ID隐藏 masked", "预警 alerts"],
                  [[s.session_id, s.title, s.studio, s.host, s.platform, _local(ins, s.started_at), round(s.duration_s / 60, 1),
                    _yuan(s.gmv_cents), _yuan(s.refunds_cents), _yuan(s.net_cents), s.orders, s.buyers, s.pv, s.uv,
                    _num(s.gpm, 2), _num(s.conversion), _num(s.uv_value, 2), s.online_peak, int(s.masked), s.alerts]
                   for s in ins.shows]),
        "windows": (["场次 session", "位置 position", "商品ID product_id", "商品 product", "开始秒 start_s", "讲解秒 seconds",
                     "时刻 hour", "订单 orders", "成交额 gmv_yuan", "退款 refunds_yuan", "买家 buyers", "讲解观众 audience",
                     "GPM", "转化率 conversion"],
                    [[w.session_id, w.position, w.product_id, ins.titles.get(w.product_id, ""), round(w.start, 1),
                      round(w.seconds, 1), w.hour, w.orders, _yuan(w.gmv_cents), _yuan(w.refunds_cents), w.buyers,
                      w.audience, _num(w.gpm, 2), _num(w.conversion)] for s in ins.shows for w in s.windows]),
        "products": (["商品ID product_id", "商品 product", "场次 shows", "讲解次数 explanations", "讲解秒 seconds",
                      "订单 orders", "成交额 gmv_yuan", "讲解观众 audience", "GPM", "转化率 conversion", "最好时刻 best_hour",
                      "最好位置 best_position", "转化下滑 falling", "话术版本 script_versions", "最好话术 best_script"],
                     [[p.product_id, p.title, p.shows, p.windows, round(p.seconds, 1), p.orders, _yuan(p.gmv_cents),
                       p.audience, _num(p.gpm, 2), _num(p.conversion), "" if p.best_hour is None else p.best_hour,
                       p.best_position or "", int(p.falling), p.scripts, p.best_script] for p in ins.products]),
        "audience": (["场次 session", "观众 viewers", "新观众 new", "回访 returning", "新观众占比 new_share", "买家 buyers",
                      "回访买家 returning_buyers", "关注 followers", "关注后回来 followers_back"],
                     [[a.session_id, a.viewers, a.new, a.returning, _num(a.new_share), a.buyers, a.returning_buyers,
                       a.followers, a.followers_back] for a in ins.audience]),
        "cohorts": (["首次周 first_week", "人数 size"] + [f"W+{k}" for k in range(1, COHORT_WEEKS + 1)],
                    [[c.week.isoformat(), c.size, *[_num(s) for s in c.shares]] for c in ins.cohorts]),
        "repeat_buyers": (["天数 days", "买家 buyers", "复购买家 repeat_buyers", "复购率 repeat_rate", "多场买家 returned_buyers"],
                          [[r.days, r.buyers, r.repeat_buyers, _num(r.rate), r.returned_buyers] for r in ins.repeat]),
        "weeks": (totals_head, totals(ins.weeks)),
        "hosts": (totals_head, totals(ins.hosts)),
        "slots": (totals_head, totals(ins.slots)),
    }
    if ab is not None:
        out["ab"] = ab_table(ab)
    return out


def export_csv(ins: Insights, folder: str | Path, ab: ABReport | None = None) -> list[Path]:
    """One CSV file per table (UTF-8 with BOM, text never run as a formula); returns the files written."""
    from app.files import SafeCsvWriter

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (head, rows) in tables(ins, ab).items():
        path = folder / f"insights-{name}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = SafeCsvWriter(out)
            writer.writerow(head)
            for row in rows:
                writer.writerow(row)
        written.append(path)
    return written


def _table(head: list[str], rows: list[list], tips: dict[int, str] | None = None) -> str:
    tips = tips or {}
    cells = "".join(f'<th title="{_e(tips[i])}">{_e(h)}</th>' if i in tips else f"<th>{_e(h)}</th>"
                    for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f'<div class="scroll"><table><tr>{cells}</tr>{body}</table></div>'


def _weekly_chart(weeks: tuple[Totals, ...]) -> str:
    if not weeks:
        return ""
    top = max(w.gmv_cents for w in weeks) / 100
    ticks = nice_ticks(top or 1)
    height, width, left = 180, 720, 70
    bar = (width - left - 10) / len(weeks)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height + 30}" role="img" aria-label="每周成交额 GMV per week">']
    for tick in ticks:
        y = height - tick / ticks[-1] * (height - 10)
        parts.append(f'<line x1="{left}" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:,.0f}</text>')
    for i, w in enumerate(weeks):
        h = w.gmv_cents / 100 / ticks[-1] * (height - 10)
        x = left + i * bar
        parts.append(f'<rect x="{x + 2:.1f}" y="{height - h:.1f}" width="{max(bar - 4, 1):.1f}" height="{h:.1f}" '
                     f'fill="#e4393c"><title>{_e(w.name)}: {_e(money(w.gmv_cents))}</title></rect>')
        if len(weeks) <= 16 or i % (len(weeks) // 8 + 1) == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height + 18}" text-anchor="middle">{_e(w.name[5:])}</text>')
    return "".join(parts) + "</svg>"


def _heat(ins: Insights) -> str:
    head = "".join(f"<th>W+{k}</th>" for k in range(1, COHORT_WEEKS + 1))
    rows = []
    for c in ins.cohorts:
        cells = "".join('<td class="none">·</td>' if s is None else
                        f'<td style="background:rgba(228,57,60,{0.1 + 0.9 * s:.2f})">{s:.0%}</td>' for s in c.shares)
        rows.append(f"<tr><td>{_e(c.week.isoformat())}</td><td>{c.size}</td>{cells}</tr>")
    return (f'<div class="scroll"><table class="heat" title="{_e(DEFINITIONS["cohort"])}"><tr><th>首次周 first week</th>'
            f"<th>人数 size</th>{head}</tr>{''.join(rows)}</table></div>")


def insights_html(ins: Insights, ab: ABReport | None = None) -> str:
    """The insights as one HTML file: what the text says, with the tables, the weekly chart and the heat map."""
    t = tables(ins, ab)
    tips = {14: DEFINITIONS["GPM"], 15: DEFINITIONS["conversion"], 16: DEFINITIONS["uv_value"]}
    body = [f"<h1>多场分析 Insights</h1><p class=sub>{_e(', '.join(ins.studios))} · {_e(_span(ins))}</p>",
            f"<p>{_e(_totals_line(ins.totals))}</p>", "<h2>每周成交额 GMV per week</h2>", _weekly_chart(ins.weeks),
            "<h2>周 Weeks</h2>", _table(*t["weeks"]), "<h2>场次 Shows</h2>", _table(*t["shows"], tips)]
    for label, show in (("最好的一场 Best show", ins.best), ("最差的一场 Worst show", ins.worst)):
        if show is not None:
            why = "".join(f"<li>{_e(ins.titles.get(w.product_id, w.product_id))} · 第 {w.position} 段: GPM "
                          f"{_e(whole(w.gpm))}（平时 usual {_e(whole(usual))}）</li>" for w, usual in ins.why(show))
            body.append(f"<h2>{label}: #{show.session_id} {_e(show.title)}</h2><ul>{why}</ul>")
    body += ["<h2>主播 Hosts</h2>", _table(*t["hosts"]), "<h2>时段 Slots</h2>", _table(*t["slots"]),
             "<h2>商品 Products</h2>", _table(*t["products"], {8: DEFINITIONS["GPM"], 12: DEFINITIONS["falling"],
                                                                14: DEFINITIONS["script"]}),
             "<h2>讲解 Explanations</h2>", _table(*t["windows"]),
             "<h2>观众 Audience</h2>", _table(*t["audience"], {3: DEFINITIONS["returning"]}),
             "<h2>留存 Retention</h2>", _heat(ins),
             "<h2>复购 Repeat buyers</h2>", _table(*t["repeat_buyers"], {3: DEFINITIONS["repeat"]})]
    if ab is not None:
        body += [f"<h2>A/B: A = {_e(ab.a_name)} · B = {_e(ab.b_name)}</h2>", _table(*t["ab"]),
                 f"<p><b>{_e(ab.verdict)}</b></p>"] + [f"<p class=sub>{_e(n)}</p>" for n in ab.notes]
    body += [f"<p class=sub>未计入 left out: {_e(note)}</p>" for note in ins.left_out]
    return _page("多场分析 Insights", "".join(body))


__all__ = ["DEFINITIONS", "ab_table", "export_csv", "format_ab", "format_text", "insights_html", "summary", "tables"]
