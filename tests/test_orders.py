"""An order export round-trips into a session's review: every order placed by its own time, matched to its
product by the platform's item id or reported, counted once however often it is imported; refunds, unpaid and
out-of-session lines told apart; a bad file refused whole with its line numbers. Files are written here in the
platforms' layouts (GBK CSV as 抖店 saves it, XLSX as 千牛 does) — with openpyxl, not by the code under test."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.strategies import any_text
from sqlalchemy import func, select

from app.kernel.events import EventType
from app.orders import import_orders
from app.review import load_review
from app.store.catalog_io import import_csv
from app.store.models import EventRecord, LiveSession, Product, SessionKind, SessionStatus
from app.store.order_io import CHINA, OrderImportError, parse_orders

START = datetime(2026, 12, 1, 20, 0, 0, tzinfo=CHINA)  # the show: 20:00–20:15 Beijing time
W0 = START.timestamp() + 0.5  # go-live: stream time 0 (a little after the row's start)
DOUYIN = ["主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "商品ID", "商家编码", "商品单价",
          "订单应付金额", "运费", "订单提交时间", "支付完成时间", "订单状态", "售后状态"]


def at(minutes: float) -> str:
    return (START + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture
def session(database, tmp_path):
    """A finished 15-minute show: product A explained from 1:00, B from 5:00 to 10:00."""
    catalogue = tmp_path / "catalogue.csv"
    catalogue.write_text("sku,title,list_price,live_price,stock,商品ID\n"
                         "A-1,保温杯,159,89,100,3612345678901\nB-2,龙井茶,299,199,50,3612345678902\n",
                         encoding="utf-8")
    import_csv(database, catalogue)
    with database.sessions.begin() as db:
        a, b = (db.scalar(select(Product.id).where(Product.sku == sku)) for sku in ("A-1", "B-2"))
        row = LiveSession(title="直播 Live", run_sheet=[a, b], destinations=[], recording_path="",
                          started_at=START.timestamp(), ended_at=W0 + 900, status=SessionStatus.ENDED,
                          kind=SessionKind.LIVE)
        db.add(row)
        db.flush()
        events = [(0, "session_started", {"session_id": row.id}), (1, "online", {"online": 500}),
                  (60, "product_pinned", {"product_id": a}), (299.5, "product_pinned", {"product_id": b}),  # 20:05:00
                  (600, "product_unpinned", {"product_id": b}), (900, "session_ended", {"session_id": row.id})]
        db.add_all(EventRecord(session_id=row.id, seq=n + 1, wall_time=W0 + t, stream_time=t, type=kind,
                               actor="system", payload=payload) for n, (t, kind, payload) in enumerate(events))
        session_id = row.id
    return session_id, a, b


def douyin_csv(path, rows) -> None:
    """As 抖店's standard report saves it: GBK, every column, ids as text."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(DOUYIN)
    for sub, item, title, quantity, amount, placed, paid, status, after_sale in rows:
        writer.writerow([f"69{sub[:-1]}", sub, title, "默认", quantity, item, "", amount, amount, "0.00", placed,
                         paid, status, after_sale])
    path.write_bytes(text.getvalue().encode("gbk"))


ROWS = [
    ("A1", "3612345678901", "保温杯", 1, "89.00", at(1.5), at(1.6), "已完成", ""),  # in A's window
    ("A2", "3612345678902", "龙井茶", 1, "199.00", at(5), at(5.2), "已发货", ""),  # exactly at the switch to B
    ("A3", "3612345678901", "保温杯", 2, "178.00", at(6), at(6.1), "已完成", ""),  # A while B is explained
    ("A4", "3612345678902", "龙井茶", 1, "199.00", at(7), at(7.1), "已完成", "退款成功"),  # refunded
    ("A5", "3699999999999", "赠品链接", 1, "9.90", at(8), at(8.1), "已完成", ""),  # no such product
    ("A6", "3612345678901", "保温杯", 1, "89.00", at(8.5), "", "已取消", ""),  # never paid
    ("A7", "3612345678901", "保温杯", 1, "89.00", at(-30), at(-29), "已完成", ""),  # before the show
    ("A8", "3612345678901", "保温杯", 1, "89.00", at(20), at(20.5), "已完成", ""),  # after it
    ("A1", "3612345678901", "保温杯", 1, "89.00", at(1.5), at(1.6), "已完成", ""),  # the same line again
    ("A10", "3612345678901", "保温杯", 1, "￥1,089.00", "", at(2), "已完成", ""),  # no order time: the pay time
]


def test_a_douyin_export_lands_on_the_timeline_by_order_time(database, session, tmp_path):
    session_id, a, b = session
    export = tmp_path / "抖店订单.csv"
    douyin_csv(export, ROWS)
    report = import_orders(database, session_id, export)
    assert (report.imported, report.duplicates, report.unpaid, report.outside, report.refunds) == (6, 1, 1, 2, 1)
    assert report.unmatched == [(6, "3699999999999", "赠品链接")]  # line 6 of the file (the header is line 1)
    assert report.gmv_cents == 8900 + 19900 + 17800 + 19900 + 990 + 108900 and report.refund_cents == 19900
    review = load_review(database, session_id)
    m = review.metrics
    assert m.orders == 6 and m.gmv_cents == report.gmv_cents and m.refunds_cents == 19900
    windows = {w.product_id: w for w in review.windows}
    assert (windows[a].orders, windows[a].gmv_cents) == (2, 8900 + 108900)  # A1 and A10 (by its pay time)
    assert (windows[b].orders, windows[b].gmv_cents) == (2, 19900 + 19900)  # A2 at the switch counts for B; A4
    again = import_orders(database, session_id, export)  # a re-import adds nothing
    assert (again.imported, again.duplicates) == (0, 7)
    assert load_review(database, session_id).metrics.gmv_cents == m.gmv_cents
    assert "3699999999999" in report.summary() and "imported 6 orders" in report.summary()


def test_placing_by_pay_time_moves_an_order_into_the_window_it_was_paid_in(database, session, tmp_path):
    session_id, a, b = session
    export = tmp_path / "late.csv"
    douyin_csv(export, [("P1", "3612345678902", "龙井茶", 1, "199", at(4.5), at(5.5), "已完成", "")])
    import_orders(database, session_id, export, place_by="pay")
    windows = {w.product_id: w for w in load_review(database, session_id).windows}
    assert windows[b].orders == 1 and windows[a].orders == 0


def test_a_taobao_xlsx_with_buyers_and_typed_cells(database, session, tmp_path):
    from openpyxl import Workbook

    session_id, a, _b = session
    book = Workbook()
    sheet = book.active
    sheet.append(["订单编号", "买家会员名", "宝贝标题", "宝贝ID", "宝贝数量", "买家实际支付金额", "订单状态",
                  "订单创建时间", "订单付款时间", "退款金额"])
    local = START.replace(tzinfo=None)  # Excel keeps no zone: the shop's clock (Beijing)
    sheet.append([3312345678901234, "tb_小鹿", "保温杯", "3612345678901", 2, 178, "交易成功",
                  local + timedelta(minutes=2), local + timedelta(minutes=2.1), None])
    sheet.append(["3312345678901235", "tb_小鹿", "保温杯", "3612345678901", 1, 89.5, "交易成功",
                  local + timedelta(minutes=3), local + timedelta(minutes=3.1), 20])
    sheet.append(["3312345678901236", "tb_阿强", "保温杯", "3612345678901", 1, 89, "等待买家付款",
                  local + timedelta(minutes=4), None, None])
    path = tmp_path / "千牛订单.xlsx"
    book.save(path)
    report = import_orders(database, session_id, path)
    assert (report.imported, report.unpaid, report.refunds, report.refund_cents) == (2, 1, 1, 2000)
    review = load_review(database, session_id)
    assert review.metrics.buyers == 1 and review.metrics.gmv_cents == 17800 + 8950  # one buyer, two orders
    orders = [e for e in _events(database, session_id) if e.type == EventType.ORDER.value]
    assert {o.payload["order_id"] for o in orders} == {"3312345678901234", "3312345678901235"}  # ids as text
    assert [o.stream_time for o in orders] == [120 - 0.5, 180 - 0.5]  # the order times on the show's clock


def test_a_bad_file_is_refused_whole_with_its_lines(database, session, tmp_path):
    session_id, *_ = session
    export = tmp_path / "bad.csv"
    douyin_csv(export, [ROWS[0], ("B2", "1", "x", 1, "八十九", at(2), at(2), "已完成", ""),
                        ("B3", "1", "x", 0, "1.00", "昨天晚上", "", "已完成", ""), ROWS[1]])
    before = _count(database, session_id)
    with pytest.raises(OrderImportError) as caught:
        import_orders(database, session_id, export)
    assert [e.line for e in caught.value.errors] == [3, 4]
    assert "amount '八十九'" in str(caught.value) and "'昨天晚上'" in str(caught.value)
    assert "quantity" in str(caught.value)
    assert _count(database, session_id) == before  # nothing half-imported


def test_columns_are_found_by_the_known_headers_or_the_users_mapping(tmp_path):
    rows = [["单号", "实收", "成交时间"], ["X1", "10", "2026-12-01 20:01:00"]]
    with pytest.raises(OrderImportError, match="missing column.*order_id.*amount.*order_time or pay_time"):
        parse_orders(rows)
    lines = parse_orders(rows, {"order_id": "单号", "amount": "实收", "order_time": "成交时间"})
    assert (lines[0].order_id, lines[0].amount_cents, lines[0].quantity) == ("X1", 1000, 1)
    assert lines[0].order_time == datetime(2026, 12, 1, 20, 1, tzinfo=CHINA).timestamp()
    with pytest.raises(OrderImportError, match="unknown field"):
        parse_orders(rows, {"colour": "单号"})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), any_text(12), st.integers(), st.floats()), min_size=3,
                         max_size=3), max_size=6))
def test_no_cell_raises_past_the_parser(cells):
    """Whatever the export holds, the parser returns lines or names the bad ones; it never raises anything else."""
    try:
        lines = parse_orders([["订单编号", "支付金额", "下单时间"], *cells])
    except OrderImportError as exc:
        assert exc.errors and all(e.line >= 1 for e in exc.errors)
    else:
        assert all(line.amount_cents >= 0 and line.order_id for line in lines)
        for line in lines:  # what becomes an event's payload encodes (no lone surrogate, NUL or bidi control)
            (line.order_id + line.title + line.buyer + line.item_id).encode()


def _events(database, session_id):
    with database.session() as db:
        return list(db.scalars(select(EventRecord).where(EventRecord.session_id == session_id)
                               .order_by(EventRecord.seq)))


def _count(database, session_id) -> int:
    with database.session() as db:
        return db.scalar(select(func.count()).select_from(EventRecord).where(EventRecord.session_id == session_id))


def test_import_orders_on_the_command_line(tmp_path, monkeypatch):
    from tests.conftest import run_cli

    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    assert run_cli("demo", "--duration", "3", "--out", str(tmp_path / "d.mkv"),
                   "--title", "双11 零食专场\x1b").returncode == 0
    from app.store.db import Database

    database = Database()
    with database.session() as db:
        started, title = db.execute(select(LiveSession.started_at, LiveSession.title)
                                    .where(LiveSession.id == 1)).one()
    database.close()
    assert title == "双11 零食专场"  # the title given at go-live, cleaned
    moment = datetime.fromtimestamp(started + 1.5, CHINA).strftime("%Y-%m-%d %H:%M:%S")
    export = tmp_path / "orders.csv"
    export.write_text(f"单号,实收,成交时间\nCLI-1,66.60,{moment}\n", encoding="utf-8-sig")
    refused = run_cli("import-orders", "1", str(export))
    assert refused.returncode == 2 and "missing column" in refused.stderr and "Traceback" not in refused.output
    done = run_cli("import-orders", "1", str(export), "--map", "order_id=单号", "--map", "amount=实收",
                   "--map", "order_time=成交时间")
    assert done.returncode == 0 and "imported 1 orders (¥66.60)" in done.stdout
    assert run_cli("import-orders", "9", str(export)).returncode == 2
    assert "expected FIELD=HEADER" in run_cli("import-orders", "1", str(export), "--map", "x").stderr
    utc = tmp_path / "orders-utc.csv"  # a shop whose export keeps UTC: 8 hours behind Beijing
    utc.write_text("单号,实收,成交时间\nCLI-2,10.00,"
                   f"{datetime.fromtimestamp(started + 2.0, ZoneInfo('UTC')):%Y-%m-%d %H:%M:%S}\n", encoding="utf-8-sig")
    mapped = ("--map", "order_id=单号", "--map", "amount=实收", "--map", "order_time=成交时间")
    assert "1 outside this session" in run_cli("import-orders", "1", str(utc), *mapped).stdout  # read as Beijing
    for zone in ("UTC", "+00:00", "+0000"):
        again = run_cli("import-orders", "1", str(utc), *mapped, "--tz", zone)
        assert again.returncode == 0, again.stderr
    assert "imported 0 orders" in again.stdout and "1 duplicates" in again.stdout  # the first --tz took it
    bad = run_cli("import-orders", "1", str(utc), "--tz", "Mars/Olympus")
    assert bad.returncode == 2 and "unknown time zone" in bad.stderr and "Traceback" not in bad.output


def test_the_report_reads_the_same_in_both_languages(database, session, tmp_path):
    session_id, *_ = session
    export = tmp_path / "o.csv"
    douyin_csv(export, ROWS[:5])
    report = import_orders(database, session_id, export)
    assert report.summary() == (
        "导入 5 单（￥674.90），退款 1 单（￥199.00）；重复 0，未支付 0，不在本场 0，未匹配商品 1 / imported 5 orders "
        "(¥674.90), 1 refunded (¥199.00); 0 duplicates, 0 unpaid, 0 outside this session, 1 without a product "
        "(line 6: 3699999999999 赠品链接)")


def test_an_import_into_a_show_on_air_is_refused_and_every_live_event_is_stored_once(tmp_path, monkeypatch,
                                                                                      qapp_offscreen):
    """Issue #25 (2): the import took sequence numbers the live writer then also used, and a few hundred comments
    and orders were lost. An import into a session whose console is on air is refused, nothing written; after the
    stop it goes in, and every live event and every imported order is stored once."""
    from app.console import ConsoleService, LiveOptions
    from app.media.sources import wait_until
    from app.orders import SessionLive
    from app.store.db import Database

    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    service = ConsoleService(Database())
    try:
        service.go_live(LiveOptions(recording_path=str(tmp_path / "s.mkv"), audience_rate=1500))
        core = service.broadcast.core
        assert wait_until(lambda: (core.bus.stream_time() or 0) > 2.5, 15)
        session_id = core.session_id
        with service.database.session() as db:
            started = db.get(LiveSession, session_id).started_at
        moment = datetime.fromtimestamp(int(started) + 2, CHINA).strftime("%Y-%m-%d %H:%M:%S")
        export = tmp_path / "orders.csv"
        douyin_csv(export, [(f"L{n}", "3612345678901", "保温杯", 1, "89.00", moment, moment, "已完成", "")
                            for n in range(1, 4)])
        with pytest.raises(SessionLive, match="still live.*nothing was imported"):
            service.history.import_orders(session_id, str(export))
        assert wait_until(lambda: core.bus.last_seq > 500, 15)  # the audience went on meanwhile
        service.stop()
        stats = core.writer.stats
        assert (stats.duplicates, stats.quarantined) == (0, 0)
        with service.database.session() as db:
            seqs = list(db.scalars(select(EventRecord.seq).where(EventRecord.session_id == session_id)))
        assert sorted(seqs) == list(range(1, core.bus.last_seq + 1))  # every live event, once
        report = service.history.import_orders(session_id, str(export))  # after the show: it goes in
        assert report.imported == 3
        with service.database.session() as db:
            seqs = list(db.scalars(select(EventRecord.seq).where(EventRecord.session_id == session_id)))
            imported = db.scalar(select(func.count()).select_from(EventRecord).where(
                EventRecord.session_id == session_id, EventRecord.actor == "import"))
        assert len(seqs) == len(set(seqs)) == core.bus.last_seq + 3 and imported == 3
    finally:
        service.close()


def test_an_export_settles_refunds_of_orders_the_feed_already_brought(database, session, tmp_path):
    """Issue #28: a line repeating an order the feed brought, now 退款成功, was skipped whole as a duplicate and its
    refund lost. The export is the source of truth for refunds: the difference is refunded once, at the order's
    moment, as its own event; a re-import settles nothing more."""
    session_id, a, b = session
    with database.sessions.begin() as db:  # the feed brought A1 and A4 during the show (A4 partly refunded live)
        for seq, (t, kind, payload) in enumerate([
                (90.0, "order", {"user_id": "u1", "order_id": "A1", "product_id": a, "quantity": 1,
                                 "amount_cents": 8900}),
                (420.0, "order", {"user_id": "u4", "order_id": "A4", "product_id": b, "quantity": 1,
                                  "amount_cents": 19900}),
                (430.0, "refund", {"order_id": "A4", "amount_cents": 5000})], start=100):
            db.add(EventRecord(session_id=session_id, seq=seq, wall_time=W0 + t, stream_time=t, type=kind,
                               actor="platform", payload=payload))
    before = load_review(database, session_id).metrics
    assert (before.orders, before.refunds_cents) == (2, 5000)
    export = tmp_path / "抖店订单-售后.csv"
    douyin_csv(export, [ROWS[0], ROWS[3]])  # A1 as it was; A4 now 退款成功: all ¥199 of it
    report = import_orders(database, session_id, export)
    assert (report.imported, report.duplicates, report.settled, report.settled_cents) == (0, 2, 1, 14900)
    assert "已有订单补记退款 1 单" in report.summary() and "refunds settled for 1 orders" in report.summary()
    with database.sessions() as db:
        settle = db.scalars(select(EventRecord).where(EventRecord.session_id == session_id,
                                                      EventRecord.actor == "import")).one()
    assert (settle.type, settle.stream_time, settle.payload["amount_cents"], settle.payload["settles"]) == \
        ("refund", 420.0, 14900, True)  # at the order's own moment: the review puts it in B's window
    after = load_review(database, session_id).metrics
    assert (after.orders, after.gmv_cents, after.refunds_cents) == (2, before.gmv_cents, 19900)
    again = import_orders(database, session_id, export)
    assert (again.settled, again.duplicates) == (0, 2)
    assert load_review(database, session_id).metrics.refunds_cents == 19900
    closed = tmp_path / "抖店订单-关闭.csv"  # A1, paid during the show, closed since (交易关闭, no refund amount)
    douyin_csv(closed, [(*ROWS[0][:7], "交易关闭", "")])
    report = import_orders(database, session_id, closed)
    assert (report.settled, report.settled_cents, report.unpaid) == (1, 8900, 0)  # all of it, as a refund
    assert load_review(database, session_id).metrics.refunds_cents == 19900 + 8900
    assert import_orders(database, session_id, closed).settled == 0


@settings(max_examples=300, deadline=None)
@given(any_text(40))
def test_any_time_zone_text_is_a_zone_or_a_clear_refusal(text):
    """`import-orders --tz` is read from the command line: any text is a zone or argparse's error, never a crash."""
    import argparse

    from app.cli import _time_zone

    try:
        zone = _time_zone(text)
    except argparse.ArgumentTypeError as exc:
        assert "time zone" in str(exc) or "UTC offset" in str(exc)
    else:
        assert datetime(2026, 12, 1, tzinfo=zone).utcoffset() is not None


def test_orders_imported_after_a_chained_show_extend_its_chain_and_it_still_verifies(database, session, tmp_path):
    """存证: the show written by the console's writer (chained, sealed); the export's orders go in as `import`
    links after the seal, never rewriting it; the whole still verifies, and an imported order changed is named."""
    from sqlalchemy import delete, update

    from app.kernel.events import Event
    from app.store.chain_check import verify
    from app.store.models import ChainLink
    from app.store.writer import StoreWriter

    session_id, _a, _b = session
    with database.sessions.begin() as db:
        events = [Event(EventType(r.type), r.payload, r.actor, r.wall_time, r.stream_time, r.seq) for r in db.scalars(
            select(EventRecord).where(EventRecord.session_id == session_id).order_by(EventRecord.seq))]
        db.execute(delete(EventRecord).where(EventRecord.session_id == session_id))
    writer = StoreWriter(database, session_id)
    for event in events:
        writer(event)
    writer.close()
    writer.seal()
    assert verify(database, session_id).intact
    export = tmp_path / "抖店订单.csv"
    douyin_csv(export, ROWS)
    report = import_orders(database, session_id, export)
    verdict = verify(database, session_id)
    assert verdict.intact and verdict.sealed and verdict.findings == ()
    with database.session() as db:
        kinds = db.scalars(select(ChainLink.kind).where(ChainLink.session_id == session_id)
                           .order_by(ChainLink.position)).all()
        imported = db.scalars(select(EventRecord.seq).where(EventRecord.session_id == session_id,
                                                            EventRecord.seq > len(events))).all()
    assert kinds == ["genesis"] + ["event"] * len(events) + ["seal"] + ["import"] * len(imported)
    assert len(imported) == report.imported + report.refunds + report.settled
    with database.sessions.begin() as db:
        db.execute(update(EventRecord).where(EventRecord.session_id == session_id, EventRecord.seq == imported[0])
                   .values(amount_cents=1))
    assert [(f.kind, f.seq) for f in verify(database, session_id).findings] == [("changed", imported[0])]
