"""The review that opens at once (`load_review`: bulk counted by the database) gives the same review as replaying
every event (`replay_review`), on SQLite and PostgreSQL, over sessions hypothesis makes tricky: orders on window
boundaries, buyers who never entered, viewers entering twice, refunds of unknown orders, events with no stream
time, minutes without events, a session that ends without an unpin."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from app.kernel.events import Event, EventType as T
from app.review import load_review, replay_review
from app.store.models import EventRecord, LiveSession
from app.store.writer import event_row

USERS = st.sampled_from(["a", "b", "c", "d", "e", "", None])
TIMES = st.one_of(st.sampled_from([0.0, 30.0, 60.0, 90.0, 120.0]), st.floats(0, 400), st.none())


def _events():
    def make(kind, **fields):
        return st.builds(lambda t, **p: (kind, t, {k: v for k, v in p.items() if v is not None}), TIMES, **fields)

    return st.lists(st.one_of(
        make(T.ONLINE, online=st.integers(0, 40)),
        make(T.ENTER, user_id=USERS),
        make(T.COMMENT, user_id=USERS, text=st.sampled_from(["几号发货", "买了", ""])),
        make(T.LIKE, user_id=USERS, count=st.one_of(st.integers(0, 5), st.none())),
        make(T.SHARE, user_id=USERS), make(T.GIFT, user_id=USERS), make(T.FOLLOW, user_id=USERS),
        make(T.ORDER, user_id=USERS, product_id=st.sampled_from([1, 2, 3, None]), amount_cents=st.integers(0, 10**5),
             order_id=st.sampled_from(["o1", "o2", "o3", None])),
        make(T.REFUND, order_id=st.sampled_from(["o1", "o2", "o9"]), amount_cents=st.integers(0, 10**5)),
        make(T.PRODUCT_PINNED, product_id=st.sampled_from([1, 2, 3])),
        make(T.PRODUCT_UNPINNED),
        make(T.COUPON_DROPPED, coupon_id=st.sampled_from([1, 2]), quantity=st.integers(1, 9)),
        make(T.FAQ_ASKED, topic=st.sampled_from(["尺码", "发货", "保质期"]), product_id=st.sampled_from([1, 2, None]),
             suggested=st.booleans()),
    ), max_size=80)


def store(database, script, end: bool) -> int:
    with database.sessions.begin() as db:
        session = LiveSession(title="t", status="ended", started_at=1.7e9, ended_at=1.7e9 + 500)
        db.add(session)
        db.flush()
        session_id = session.id
    rows = [event_row(session_id, Event(kind, payload, "platform", 1.7e9 + (t or 0.0), t, seq))
            for seq, (kind, t, payload) in enumerate(script, start=1)]
    if end:
        last = max([t for _, t, _ in script if t is not None], default=0.0)
        rows.append(event_row(session_id, Event(T.SESSION_ENDED, {}, "console", 1.7e9 + last + 1, last + 1,
                                                len(rows) + 1)))
    if rows:
        with database.engine.begin() as conn:
            conn.execute(EventRecord.__table__.insert(), rows)
    return session_id


def same(a, b) -> None:
    """Two values equal, floats within rounding (the order of additions differs)."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b)
        for f in dataclasses.fields(a):
            same(getattr(a, f.name), getattr(b, f.name))
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            same(x, y)
    elif isinstance(a, float) or isinstance(b, float):
        assert a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6), (a, b)
    else:
        assert a == b


def by_product(m):
    return dataclasses.replace(m, products=tuple(sorted(m.products, key=lambda p: p.product_id)))


def check(database, script, end: bool) -> None:
    session_id = store(database, script, end)
    full = replay_review(database, session_id)
    fast = load_review(database, session_id)  # counted by SQL, then kept
    assert kept_source(database, session_id) == "sql"
    same(by_product(fast.metrics), by_product(full.metrics))
    from app.store.aggregates import kept_review

    assert kept_review(database, session_id) is not None  # the whole review was kept too
    again = load_review(database, session_id)  # from the kept review
    same(by_product(again.metrics), by_product(full.metrics))
    assert again.events == fast.events == full.events
    assert again.markers == full.markers and again.online == full.online
    assert [(w.product_id, w.start, w.end) for w in again.windows] == [(w.product_id, w.start, w.end)
                                                                       for w in full.windows]
    assert again.comments_between(0.0, 1e9) == full.comments_between(0.0, 1e9)[-500:]
    assert fast.markers == full.markers and fast.online == full.online
    assert [(w.product_id, w.start, w.end) for w in fast.windows] == [(w.product_id, w.start, w.end)
                                                                      for w in full.windows]
    for start, end in ((0.0, 60.0), (30.0, 30.0), (0.0, 1e9), (100.0, 250.5)):
        assert fast.comments_between(start, end) == full.comments_between(start, end)[-500:]


def test_the_fast_review_is_the_full_replay(database):
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_events(), st.booleans())
    def run(script, end):
        check(database, script, end)

    run()


def kept_source(database, session_id):
    from app.store.models import SessionCounts

    with database.session() as db:
        row = db.get(SessionCounts, session_id)
        return None if row is None else row.source


def test_a_hand_made_session_reviews_the_same(database):
    script = [(T.ONLINE, 0.0, {"online": 10}), (T.ENTER, 1.0, {"user_id": "a"}), (T.ENTER, None, {"user_id": "b"}),
              (T.PRODUCT_PINNED, 60.0, {"product_id": 1}), (T.ENTER, 60.0, {"user_id": "c"}),
              (T.ORDER, 60.0, {"user_id": "c", "product_id": 1, "amount_cents": 900, "order_id": "o1"}),
              (T.ORDER, 61.0, {"user_id": "a", "product_id": 1, "amount_cents": 900, "order_id": "o2"}),
              (T.LIKE, 200.0, {"user_id": "b", "count": 4}), (T.COMMENT, 250.0, {"user_id": "z", "text": "在吗"}),
              (T.REFUND, 300.0, {"order_id": "o2", "amount_cents": 900})]
    check(database, script, end=True)
    review = load_review(database, 1)
    (cup,) = review.metrics.products
    assert (cup.views, cup.audience, cup.orders, cup.refunds_cents) == (1, 11, 2, 900)
    assert [r.minute for r in review.metrics.per_minute] == [0, 1, 2, 3, 4, 5]  # minutes 2 and 3 hold no light event
    assert review.metrics.likes == 4 and review.metrics.interaction_rate == pytest.approx(1 / 3)


def test_a_product_explained_twice_has_a_row_per_explanation_in_every_form(database, tmp_path):
    """Section 5 of the manager's desk: each explanation window its own row beside the per-product sum (text,
    HTML, CSV), likes per minute beside comments and the latest online count."""
    import csv

    from app.report import html_report
    from app.review import export_csv, format_report, money, window_rows

    order = (lambda t, oid, pid, cents:
             (T.ORDER, t, {"user_id": oid, "product_id": pid, "amount_cents": cents, "order_id": oid}))
    script = [(T.ONLINE, 0.0, {"online": 10}), (T.PRODUCT_PINNED, 10.0, {"product_id": 1}), order(20.0, "o1", 1, 500),
              (T.PRODUCT_PINNED, 70.0, {"product_id": 2}), order(80.0, "o2", 2, 700),
              (T.PRODUCT_PINNED, 130.0, {"product_id": 1}), order(140.0, "o3", 1, 300), order(141.0, "o4", 1, 300),
              (T.LIKE, 150.0, {"user_id": "b", "count": 60}), (T.COMMENT, 151.0, {"user_id": "z", "text": "在吗"}),
              (T.ONLINE, 170.0, {"online": 7}), (T.PRODUCT_UNPINNED, 190.0, {})]
    check(database, script, end=True)
    review = load_review(database, 1)
    review = dataclasses.replace(review, titles={1: "保温杯", 2: "围巾"})
    header, rows = window_rows(review)
    assert [(start, cells[1], cells[4], cells[5]) for start, cells in rows] == [
        (10.0, "保温杯", "1", money(500)), (70.0, "围巾", "1", money(700)), (130.0, "保温杯", "2", money(600))]
    assert [cells[0] for _, cells in rows] == ["0:00:10", "0:01:10", "0:02:10"] and len(header) == len(rows[0][1])
    cup = next(p for p in review.metrics.products if p.product_id == 1)
    windows = [w for (pid, _, _), w in zip(review.metrics.spans, review.metrics.window_rows) if pid == 1]
    assert sum(w.orders for w in windows) == cup.orders == 3
    assert sum(w.gmv_cents for w in windows) == cup.gmv_cents == 1100
    text = format_report(review)
    assert "每次讲解 each explanation" in text and text.count("保温杯") == 3  # one product row, two windows
    m = review.metrics
    assert f"latest {m.online_now}" in text and m.online_now == 7
    assert f"likes/min {m.likes_per_minute:.1f}" in text and m.likes_per_minute > 0
    page = html_report(review)
    assert "每次讲解 Each explanation" in page and "0:02:10" in page and "点赞/分钟 Likes/min" in page
    products, windows_csv, minutes = export_csv(review, tmp_path / "out")
    table = list(csv.reader(windows_csv.open(encoding="utf-8-sig")))
    assert [(r[0], r[2], r[5], r[6]) for r in table[1:]] == [("10.0", "1", "1", "5.00"), ("70.0", "2", "1", "7.00"),
                                                             ("130.0", "1", "2", "6.00")]
    assert table[3][1] == "190.0" and products.exists() and minutes.exists()


def test_a_real_show_keeps_its_counts_at_the_end_and_they_stay_true(database, catalogue, tmp_path):
    """A show through the session core (simulated audience at 2,000 events/s, pins, a refund): at its end the live
    metrics' counts are kept; the review from them equals the full replay; orders imported afterwards keep them
    (not bulk); a bulk event added afterwards makes the review count again."""
    from datetime import datetime

    from app.live.simulator import SimulatorConfig
    from app.media.sources import wait_until
    from app.orders import import_orders
    from app.session import SessionCore
    from app.store.order_io import CHINA

    core = SessionCore(database)
    session_id = core.start("专场", kind="rehearsal")
    room = core.room
    simulator = core.simulated_audience(SimulatorConfig(events_per_second=2000, seed=8))
    simulator.start()
    first, second = room.state.run_sheet[:2]
    room.pin_product(first, "assistant:a")
    assert wait_until(lambda: core.bus.last_seq > 1500, 20)
    room.pin_product(second, "assistant:a")
    assert wait_until(lambda: core.bus.last_seq > 3000, 20)
    simulator.stop()
    core.end()
    assert kept_source(database, session_id) == "live"
    from app.store.aggregates import kept_review

    assert kept_review(database, session_id) is not None  # built and kept at the end: the first opening reads it
    full = replay_review(database, session_id)
    fast = load_review(database, session_id)
    assert full.metrics.comments > 500 and len(full.metrics.products) == 2
    same(by_product(fast.metrics), by_product(full.metrics))
    assert fast.events == full.events

    with database.session() as db:
        started = db.get(LiveSession, session_id).started_at
        last = db.scalar(select(func.max(EventRecord.wall_time)).where(EventRecord.session_id == session_id))
    # the export says whole seconds: the last event's second lies within the show (it lasted over 1.5 s), where
    # the start's second + 1 fell before the stream's first moment once (a start late in its second, a slow go-live)
    moment = datetime.fromtimestamp(last, CHINA).strftime("%Y-%m-%d %H:%M:%S")
    export = tmp_path / "orders.csv"
    export.write_text(f"子订单编号,订单应付金额,订单提交时间,售后状态\nX-1,88.00,{moment},退款成功\n",
                      encoding="utf-8-sig")
    assert import_orders(database, session_id, export).imported == 1
    assert kept_review(database, session_id) is None  # the log grew: the kept review is stale
    full, fast = replay_review(database, session_id), load_review(database, session_id)
    assert kept_source(database, session_id) == "live" and fast.metrics.refunds_cents == full.metrics.refunds_cents
    same(by_product(fast.metrics), by_product(full.metrics))
    assert fast.events == full.events

    with database.engine.begin() as conn:  # a late comment (say, merged from another log): the counts are stale
        conn.execute(EventRecord.__table__.insert(), [event_row(session_id, Event(
            T.COMMENT, {"user_id": "late", "text": "补录"}, "platform", started + 2, 2.0, full.events + 10))])
    fast = load_review(database, session_id)
    assert kept_source(database, session_id) == "sql" and fast.metrics.comments == full.metrics.comments + 1
    same(by_product(fast.metrics), by_product(replay_review(database, session_id).metrics))
