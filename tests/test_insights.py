"""多场分析 (app/insights.py) checked against a computation of its own, straight from generated shows' scripts, on
SQLite and PostgreSQL: the shows' figures, weeks, hosts, slots, products across shows, the audience per show (new,
returning, buyers, followers who came back), cohort retention and repeat buyers. Each example is a new studio on
the same database, so the examples never see each other's shows (and the studio filter is tested on the way)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from app.insights import load_insights, monday, week_number
from app.insights_report import export_csv, format_text, insights_html, tables
from app.kernel.events import Event, EventType as T
from app.store.db import Database
from app.store.models import EventRecord, LiveSession
from app.store.writer import event_row

ZONE = dt.timezone(dt.timedelta(hours=8))
BASE = 1_700_000_000.0  # 2023-11-15
DAY = 86400.0
USERS = ["a", "b", "c", "d", "e", "order:o7"]
_studios = itertools.count()


def _show():
    step = st.one_of(
        st.tuples(st.just(T.ENTER), st.sampled_from(USERS[:5])),
        st.tuples(st.just(T.ORDER), st.sampled_from(USERS), st.sampled_from([1, 2, 3]), st.integers(0, 50_000)),
        st.tuples(st.just(T.FOLLOW), st.sampled_from(USERS[:5])),
        st.tuples(st.just(T.PRODUCT_PINNED), st.sampled_from([1, 2, 3])),
        st.tuples(st.just(T.PRODUCT_UNPINNED)))
    return st.fixed_dictionaries({
        "day": st.integers(0, 80), "hour": st.integers(0, 23), "platform": st.sampled_from(["douyin", "bilibili"]),
        "host": st.sampled_from(["甲", "乙", ""]), "steps": st.lists(step, max_size=25)})


def _payload(step, n: int) -> dict:
    kind = step[0]
    if kind in (T.ENTER, T.FOLLOW):
        return {"user_id": step[1]}
    if kind == T.ORDER:
        return {"user_id": step[1], "product_id": step[2], "amount_cents": step[3], "order_id": f"o{n}"}
    if kind == T.PRODUCT_PINNED:
        return {"product_id": step[1]}
    return {}


def store(database: Database, shows: list[dict]) -> list[int]:
    """Each show as a session of the database's studio, its steps ten seconds apart, then its end."""
    ids = []
    for show in shows:
        started = BASE + show["day"] * DAY + show["hour"] * 3600
        show["started_at"] = started
        with database.sessions.begin() as db:
            row = LiveSession(studio_id=database.studio_id, title=f"第{len(ids) + 1}场", status="ended",
                              started_at=started, ended_at=started + 10 * (len(show["steps"]) + 1),
                              host=show["host"], platform=show["platform"])
            db.add(row)
            db.flush()
            ids.append(row.id)
        events = [Event(step[0], _payload(step, n), "platform", started + 10 * n, 10.0 * n, n)
                  for n, step in enumerate(show["steps"], start=1)]
        end = 10.0 * (len(events) + 1)
        events.append(Event(T.SESSION_ENDED, {}, "console", started + end, end, len(events) + 1))
        with database.engine.begin() as conn:
            conn.execute(EventRecord.__table__.insert(), [event_row(row.id, e) for e in events])
    return ids


def expected(shows: list[dict], ids: list[int], since: float, until: float):
    """The figures computed here from the scripts alone (no store, no metrics)."""
    rows, windows = {}, defaultdict(list)
    for sid, show in zip(ids, shows):
        steps = show["steps"]
        entered = {s[1] for s in steps if s[0] == T.ENTER}
        orders = [s for s in steps if s[0] == T.ORDER]
        buyers = {s[1] for s in orders}
        followed = {s[1] for s in steps if s[0] == T.FOLLOW}
        pinned = None
        for n, step in enumerate(steps + [(T.SESSION_ENDED,)], start=1):  # windows: pin → unpin / next pin / end
            if step[0] in (T.PRODUCT_PINNED, T.PRODUCT_UNPINNED, T.SESSION_ENDED):
                pinned = None
            if step[0] == T.PRODUCT_PINNED:
                pinned = step[1]
                windows[pinned].append([sid, 0, 0])  # orders, GMV while it is pinned, filled below
            if step[0] == T.ORDER and pinned == step[2]:
                windows[pinned][-1][1] += 1
                windows[pinned][-1][2] += step[3]
        rows[sid] = {"gmv": sum(s[3] for s in orders), "orders": len(orders), "pv": sum(s[0] == T.ENTER for s in steps),
                     "uv": len(entered), "viewer_buyers": len(buyers & entered), "entered": entered,
                     "buyers": buyers, "followed": followed, "orders_by": defaultdict(int),
                     "started_at": show["started_at"], "platform": show["platform"], "host": show["host"]}
        for s in orders:
            rows[sid]["orders_by"][s[1]] += 1
    return rows, windows


def check(database: Database, shows: list[dict]) -> None:
    ids = store(database, shows)
    since, until = BASE + 7 * DAY, BASE + 70 * DAY
    ins = load_insights(database, since, until, zone=ZONE)
    rows, windows = expected(shows, ids, since, until)
    inside = [sid for sid in ids if since <= rows[sid]["started_at"] < until]
    assert [s.session_id for s in ins.shows] == sorted(inside, key=lambda i: (rows[i]["started_at"], i))
    for show in ins.shows:
        r = rows[show.session_id]
        assert (show.gmv_cents, show.orders, show.pv, show.uv, show.viewer_buyers, show.host, show.platform) == \
               (r["gmv"], r["orders"], r["pv"], r["uv"], r["viewer_buyers"], r["host"], r["platform"])
    # weeks, hosts and slots: the shows' sums
    for groups, key in ((ins.weeks, lambda r: monday(week_number(r["started_at"], ZONE)).isoformat()),
                        (ins.hosts, lambda r: r["host"] or "（未填主播） / (no host given)"),
                        (ins.slots, lambda r: f"{dt.datetime.fromtimestamp(r['started_at'], ZONE).hour:02d}:00")):
        want = defaultdict(lambda: [0, 0, 0])
        for sid in inside:
            want[key(rows[sid])][0] += 1
            want[key(rows[sid])][1] += rows[sid]["gmv"]
            want[key(rows[sid])][2] += rows[sid]["uv"]
        assert {g.name: [g.shows, g.gmv_cents, g.uv] for g in groups} == dict(want)
    # products across shows: explanations, shows, orders and GMV while pinned
    got = {p.product_id: (p.windows, p.shows, p.orders, p.gmv_cents) for p in ins.products}
    want_products = {}
    for pid, ws in windows.items():
        ws = [w for w in ws if w[0] in inside]
        if ws:
            want_products[pid] = (len(ws), len({w[0] for w in ws}), sum(w[1] for w in ws), sum(w[2] for w in ws))
    assert got == want_products
    # the audience per show: returning = the account entered an earlier show on the same platform (any time)
    for a in ins.audience:
        r = rows[a.session_id]
        earlier = {u for sid in ids for u in rows[sid]["entered"]
                   if rows[sid]["platform"] == r["platform"] and rows[sid]["started_at"] < r["started_at"]}
        later = {u for sid in ids for u in rows[sid]["entered"]
                 if rows[sid]["platform"] == r["platform"] and rows[sid]["started_at"] > r["started_at"]}
        viewers, followers = r["entered"], r["followed"] & r["entered"]
        assert (a.viewers, a.returning, a.buyers, a.returning_buyers, a.followers, a.followers_back) == (
            len(viewers), len(viewers & earlier), len(viewers & r["buyers"]), len(viewers & earlier & r["buyers"]),
            len(followers), len(followers & later))
    assert {a.session_id for a in ins.audience} == {sid for sid in inside if rows[sid]["entered"]}
    # cohorts: accounts by the week they first entered (ever), seen again k weeks later, up to the period's end
    seen = defaultdict(set)
    for sid in ids:
        for u in rows[sid]["entered"]:
            seen[(rows[sid]["platform"], u)].add(week_number(rows[sid]["started_at"], ZONE))
    first, last = week_number(since, ZONE), week_number(until - 1e-6, ZONE)
    want_cohorts = {}
    for weeks in seen.values():
        w0 = min(weeks)
        if first <= w0 <= last:
            entry = want_cohorts.setdefault(w0, [0] + [0] * 8)
            entry[0] += 1
            for k in range(1, 9):
                entry[k] += (w0 + k) in weeks
    assert {(c.week, c.size) for c in ins.cohorts} == {(monday(w), v[0]) for w, v in want_cohorts.items()}
    for c in ins.cohorts:
        w0 = (c.week - monday(0)).days // 7
        assert c.shares == tuple(want_cohorts[w0][k] / want_cohorts[w0][0] if w0 + k <= last else None
                                 for k in range(1, 9))
    # repeat buyers over the last 30 and 90 days of the period, by platform account, stand-in ids left out
    for r in ins.repeat:
        per = defaultdict(lambda: [0, set()])
        for sid in ids:
            if until - r.days * DAY <= rows[sid]["started_at"] < until:
                for u, n in rows[sid]["orders_by"].items():
                    if not u.startswith("order:"):
                        per[(rows[sid]["platform"], u)][0] += n
                        per[(rows[sid]["platform"], u)][1].add(sid)
        assert (r.buyers, r.repeat_buyers, r.returned_buyers) == (
            len(per), sum(n >= 2 for n, _ in per.values()), sum(len(s) >= 2 for _, s in per.values()))
    # the tables the CSV files and the HTML hold are the same figures
    t = tables(ins)
    assert [row[0] for row in t["shows"][1]] == [s.session_id for s in ins.shows]
    assert len(t["windows"][1]) == sum(len(s.windows) for s in ins.shows)
    assert format_text(ins) and insights_html(ins).startswith("<!doctype html>")


@pytest.fixture
def studio_maker(store_url):
    opened = []

    def make() -> Database:
        opened.append(Database(store_url, studio=f"工作室{next(_studios)}"))
        return opened[-1]

    yield make
    for database in opened:
        database.close()


def test_insights_equal_a_computation_from_the_scripts(studio_maker):
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(_show(), min_size=1, max_size=6))
    def run(shows):
        check(studio_maker(), shows)

    run()


def test_what_is_kept_is_read_the_second_time_and_an_import_forgets_it(database, tmp_path):
    """The first reading keeps each show; the second reads what was kept (no review built); an order import into a
    show forgets what was kept of it, and the next reading has the imported order."""
    shows = [{"day": 10, "hour": 20, "platform": "douyin", "host": "甲",
              "steps": [(T.ENTER, "a"), (T.PRODUCT_PINNED, 1), (T.ORDER, "a", 1, 990)]}]
    (sid,) = store(database, shows)
    first = load_insights(database, BASE, BASE + 40 * DAY, zone=ZONE)
    assert first.totals.gmv_cents == 990

    import app.insights as insights

    calls = []
    original = insights.keep
    insights.keep = lambda *a: calls.append(a) or original(*a)
    try:
        again = load_insights(database, BASE, BASE + 40 * DAY, zone=ZONE)
        assert calls == [] and again.shows == first.shows
        export = tmp_path / "orders.csv"
        export.write_text("订单编号,商品ID,商品名称,商品数量,订单应付金额,订单提交时间,订单状态,买家昵称\n"
                          f"X1,,杯子,1,12.00,{dt.datetime.fromtimestamp(BASE + 10 * DAY + 72000 + 15, ZONE):%Y-%m-%d %H:%M:%S},"
                          "已支付,b\n", encoding="utf-8")
        from app.orders import import_orders

        report = import_orders(database, sid, export, tz=ZONE)
        assert report.imported == 1
        after = load_insights(database, BASE, BASE + 40 * DAY, zone=ZONE)
        assert len(calls) == 1 and after.totals.gmv_cents == 990 + 1200
    finally:
        insights.keep = original


def test_masked_rooms_and_shows_on_air_are_left_out_and_said(database):
    (masked, plain) = store(database, [
        {"day": 3, "hour": 9, "platform": "bilibili", "host": "", "steps": [(T.ENTER, "0"), (T.ENTER, "0")]},
        {"day": 4, "hour": 9, "platform": "bilibili", "host": "", "steps": [(T.ENTER, "a")]}])
    with database.engine.begin() as conn:
        conn.execute(EventRecord.__table__.insert(), [event_row(masked, Event(T.VIEWERS_MASKED, {}, "console",
                                                                               BASE, 0.5, 99))])
    with database.sessions.begin() as db:
        db.add(LiveSession(studio_id=database.studio_id, title="on air", status="live", started_at=BASE + 5 * DAY,
                           host="", platform="douyin"))
    ins = load_insights(database, BASE, BASE + 10 * DAY, zone=ZONE)
    assert [s.masked for s in ins.shows] == [True, False]
    assert [a.session_id for a in ins.audience] == [plain]
    assert ins.shows[0].conversion is None and ins.shows[0].uv_value is None
    assert any(str(masked) in note and "without login" in note for note in ins.left_out)
    assert any("still on air" in note for note in ins.left_out)


def test_the_csv_files_are_one_per_table(database, tmp_path):
    store(database, [{"day": 1, "hour": 20, "platform": "douyin", "host": "=cmd|' /C calc'!A0",
                      "steps": [(T.ENTER, "a"), (T.PRODUCT_PINNED, 2), (T.ORDER, "a", 2, 500)]}])
    ins = load_insights(database, BASE, BASE + 9 * DAY, zone=ZONE)
    names = [p.name for p in export_csv(ins, tmp_path)]
    assert names == [f"insights-{n}.csv" for n in ("shows", "windows", "products", "audience", "cohorts",
                                                    "repeat_buyers", "weeks", "hosts", "slots")]
    shows = (tmp_path / "insights-shows.csv").read_text(encoding="utf-8-sig")
    assert "'=cmd" in shows  # a host's name never runs as a formula


def test_the_history_hands_the_insights_to_the_window(database, tmp_path):
    from app.history import History

    store(database, [{"day": 2, "hour": 21, "platform": "douyin", "host": "乙",
                      "steps": [(T.ENTER, "a"), (T.ORDER, "a", 1, 700)]}])
    history = History(database)
    try:
        ins = history.insights(BASE, BASE + 9 * DAY, zone=ZONE)
        assert [h.name for h in ins.hosts] == ["乙"] and ins.totals.gmv_cents == 700
        written = history.export_insights(ins, str(tmp_path / "csv"), str(tmp_path / "insights.html"))
        assert len(written) == 10 and "乙" in (tmp_path / "insights.html").read_text(encoding="utf-8")
    finally:
        history.close()


def test_the_command_line_tags_shows_and_compares_two_groups(tmp_path, monkeypatch):
    from tests.conftest import run_cli

    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    database = Database()
    ids = store(database, [{"day": d, "hour": 20, "platform": "douyin", "host": "甲",
                            "steps": [(T.ENTER, "a"), (T.ENTER, f"u{d}"), (T.ORDER, "a", 1, 500 + d)]}
                           for d in range(1, 9)])
    database.close()
    assert run_cli("tag", str(ids[-1]), "新话术", " 新话术 ", "晚场").stdout.strip().endswith("新话术, 晚场")
    for number in ids[4:-1]:
        assert run_cli("tag", str(number), "新话术").returncode == 0
    refused = run_cli("tag", str(ids[0]), "a=b")
    assert refused.returncode == 2 and "without , & or =" in refused.stderr
    assert run_cli("tag", "999", "x").returncode == 2
    result = run_cli("insights", "--since", "2023-11-01", "--until", "2023-12-31", "--ab",
                     f"ids={','.join(map(str, ids[:4]))}", "tag=新话术", "--csv", str(tmp_path / "csv"),
                     "--html", str(tmp_path / "ab.html"))
    assert result.returncode == 0, result.output
    assert "A/B: A = ids=" in result.stdout and "结论 verdict:" in result.stdout and "8 场 shows" in result.stdout
    ab = (tmp_path / "csv" / "insights-ab.csv").read_text(encoding="utf-8-sig").splitlines()
    assert ab[1].split(",")[1:3] == ["4", "4"]  # four shows a group
    assert "A/B: A = ids=" in (tmp_path / "ab.html").read_text(encoding="utf-8")
    bad = run_cli("insights", "--ab", "who=甲", "host=甲")
    assert bad.returncode == 2 and "KEY=VALUE" in bad.stderr


def test_any_labels_typed_are_kept_clean_or_refused_in_both_languages(database):
    """Labels from the window or the command line (anything: lone surrogates, controls, commas, 40 of them): kept
    as clean one-line labels a filter can name, or a ValueError saying why in Chinese and English — nothing else."""
    from app.insights import MAX_TAG, MAX_TAGS, set_tags

    (sid,) = store(database, [{"day": 1, "hour": 20, "platform": "douyin", "host": "", "steps": []}])

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.text(st.characters(blacklist_categories=()), max_size=30), max_size=14))
    def run(labels):
        try:
            kept = set_tags(database, sid, labels)
        except ValueError as exc:
            assert "/" in str(exc) and any("\u4e00" <= c <= "\u9fff" for c in str(exc))
            return
        assert len(kept) <= MAX_TAGS and len(set(kept)) == len(kept)
        for label in kept:
            assert 0 < len(label) <= MAX_TAG and not set(label) & set(",&=") and label == label.strip()
            label.encode("utf-8")
        with database.session() as db:
            assert tuple(db.get(LiveSession, sid).tags) == kept

    run()


def test_the_script_version_that_sold_best_is_named_with_the_day_it_was_first_used(database):
    """A show records each product's script version at its start; across shows the version whose explanations
    together had the highest GPM is named (with the day it was first used), and only where two were used."""
    shows = [{"day": d, "hour": 20, "platform": "douyin", "host": "甲",
              "steps": [(T.ENTER, u) for u in ("a", "b", "c", "d")] + [(T.PRODUCT_PINNED, 1), (T.PRODUCT_PINNED, 2)]
              + [(T.ORDER, "a", 2, 100)] + ([(T.ORDER, "b", 2, gmv)] if gmv else [])}
             for d, gmv in ((1, 0), (2, 0), (9, 5000))]
    ids = store(database, shows)
    versions = {ids[0]: "0a0a0a0a", ids[1]: "0a0a0a0a", ids[2]: "1b1b1b1b"}  # product 2: a new script from day 9
    with database.engine.begin() as conn:
        conn.execute(EventRecord.__table__.insert(), [
            event_row(sid, Event(T.SESSION_STARTED, {"scripts": {"2": v, "1": "cccccccc"}}, "console",
                                 BASE, 0.0, 0)) for sid, v in versions.items()])
    ins = load_insights(database, BASE, BASE + 40 * DAY, zone=ZONE)
    scarf = next(p for p in ins.products if p.product_id == 2)
    assert scarf.scripts == 2
    first_used = dt.datetime.fromtimestamp(shows[2]["started_at"], ZONE)
    assert scarf.best_script == f"1b1b1b1b ({first_used:%m-%d} 起 from)"
    cup = next(p for p in ins.products if p.product_id == 1)
    assert (cup.scripts, cup.best_script) == (1, "")  # one version: nothing to compare
    assert [w.script for s in ins.shows for w in s.windows if w.product_id == 2] == ["0a0a0a0a", "0a0a0a0a",
                                                                                    "1b1b1b1b"]
    assert "最好话术 best script 1b1b1b1b" in format_text(ins)
    header, rows = tables(ins)["products"]
    assert rows[[r[0] for r in rows].index(2)][header.index("最好话术 best_script")].startswith("1b1b1b1b")


def test_a_show_records_its_script_versions_at_its_start(database, catalogue):
    from app.catalogue import Catalogue
    from app.session import SessionCore
    from app.store.eventlog import load_events

    books = Catalogue(database)
    products = [pid for pid, _title in books.products()]
    books.save_script(products[0], [("开场", "家人们看这个杯子"), ("卖点", "12小时保温")])
    core = SessionCore(database)
    sid = core.start("话术版本")
    core.end()
    started = next(e for e in load_events(database, sid) if e.type == T.SESSION_STARTED)
    version = started.payload["scripts"][str(products[0])]
    assert len(version) == 8 and set(version) <= set("0123456789abcdef") and len(started.payload["scripts"]) == 1
    books.save_script(products[0], [("开场", "家人们看这个杯子！")])
    from app.catalogue import script_versions

    assert script_versions(database, products)[products[0]] != version  # any edit: another version
