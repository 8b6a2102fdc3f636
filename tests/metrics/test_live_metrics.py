"""Metrics against numbers worked out by hand (docs/metrics.md has the formulas)."""

from __future__ import annotations

import pytest

from app.kernel.events import Event, EventType as T
from app.metrics.live import SessionMetrics


def ev(t: float, kind: T, **payload) -> Event:
    return Event(kind, payload, stream_time=t)


SCRIPT = [
    ev(0, T.ONLINE, online=100),
    ev(0, T.ENTER, user_id="u1"), ev(1, T.ENTER, user_id="u2"), ev(2, T.ENTER, user_id="u3"),
    ev(3, T.ENTER, user_id="u1"),
    ev(10, T.PRODUCT_PINNED, product_id=1),
    ev(12, T.ENTER, user_id="u4"),
    ev(15, T.ORDER, user_id="u1", product_id=1, quantity=1, amount_cents=8900),
    ev(20, T.ONLINE, online=300),
    ev(25, T.ORDER, user_id="u2", product_id=1, quantity=2, amount_cents=17800),
    ev(30, T.ORDER, user_id="u2", product_id=2, quantity=1, amount_cents=19900),
    ev(40, T.PRODUCT_PINNED, product_id=2),
    ev(45, T.COMMENT, user_id="u3", text="几号发货"), ev(45, T.LIKE, user_id="u4", count=5),
    ev(50, T.PRODUCT_UNPINNED, product_id=2),
    ev(60, T.REFUND, order_id="o1", amount_cents=8900),
]


def test_session_metrics_by_hand():
    m = SessionMetrics().feed(SCRIPT).snapshot(now=60)
    assert (m.pv, m.uv) == (5, 4)
    assert (m.online_now, m.online_peak) == (300, 300)
    assert m.online_avg == pytest.approx((100 * 20 + 300 * 40) / 60)
    assert (m.gmv_cents, m.orders, m.buyers, m.refunds_cents) == (46600, 3, 2, 8900)  # refunds not subtracted
    assert m.aov_cents == pytest.approx(23300)  # 客单价: per buyer
    assert m.per_order_cents == pytest.approx(46600 / 3)  # 笔单价: per order
    assert m.net_cents == 46600 - 8900
    assert m.gpm == pytest.approx(466.00 / 5 * 1000)
    assert m.uv_value == pytest.approx(466.00 / 4)
    assert m.conversion == pytest.approx(2 / 4)
    assert m.interaction_rate == pytest.approx(2 / 4)  # u3 commented, u4 liked
    assert (m.comments, m.likes) == (1, 5)
    assert m.comments_per_minute == pytest.approx(1.0) and m.likes_per_minute == pytest.approx(5.0)


def test_product_windows_by_hand():
    m = SessionMetrics().feed(SCRIPT).snapshot(now=60)
    cup, tea = sorted(m.products, key=lambda p: p.product_id)
    assert cup.explanation_seconds == pytest.approx(30)
    assert (cup.orders, cup.gmv_cents, cup.buyers, cup.views) == (2, 26700, 2, 1)
    # audience: 100 online when the cup was pinned + u4 who entered during it; u1 and u2 bought, both viewers
    assert cup.audience == 101
    assert cup.gpm == pytest.approx(267.00 / 101 * 1000)
    assert cup.online_avg == pytest.approx((100 * 10 + 300 * 20) / 30)
    assert cup.conversion == pytest.approx(2 / 101)
    assert tea.explanation_seconds == pytest.approx(10)
    assert (tea.orders, tea.gmv_cents, tea.views, tea.audience) == (0, 0, 0, 300)  # its order came before its pin
    assert tea.gpm == 0 and tea.conversion == 0  # explained to 300 people, nothing sold: 0, not "no value"
    # the tea ordered while the cup was pinned, and the refund of an order the log does not know: outside
    assert (m.outside.orders, m.outside.gmv_cents, m.outside.refunds_cents) == (1, 19900, 8900)


def test_rows_add_up_to_the_session():
    m = SessionMetrics().feed(SCRIPT).snapshot(now=60)
    assert sum(p.gmv_cents for p in m.products) + m.outside.gmv_cents == m.gmv_cents
    assert sum(p.orders for p in m.products) + m.outside.orders == m.orders
    assert sum(p.refunds_cents for p in m.products) + m.outside.refunds_cents == m.refunds_cents


def test_a_refund_counts_where_its_order_did():
    m = SessionMetrics().feed([
        ev(0, T.ONLINE, online=10), ev(1, T.ENTER, user_id="a"), ev(2, T.PRODUCT_PINNED, product_id=7),
        ev(3, T.ORDER, user_id="a", product_id=7, amount_cents=5000, order_id="x1"),
        ev(4, T.ORDER, user_id="a", product_id=8, amount_cents=3000, order_id="x2"),
        ev(5, T.PRODUCT_PINNED, product_id=8),
        ev(9, T.REFUND, order_id="x1", amount_cents=2000), ev(9, T.REFUND, order_id="x2", amount_cents=3000),
    ]).snapshot(now=10)
    (seven,) = [p for p in m.products if p.product_id == 7]
    assert (seven.gmv_cents, seven.refunds_cents, seven.net_cents) == (5000, 2000, 3000)
    assert (m.outside.gmv_cents, m.outside.refunds_cents, m.outside.net_cents) == (3000, 3000, 0)


def test_a_buyer_who_never_entered_is_not_a_converted_viewer():
    m = SessionMetrics().feed([
        ev(0, T.ONLINE, online=0), ev(1, T.PRODUCT_PINNED, product_id=1), ev(2, T.ENTER, user_id="v"),
        ev(3, T.ORDER, user_id="ghost", product_id=1, amount_cents=100),
        ev(4, T.ORDER, user_id="v", product_id=1, amount_cents=100),
    ]).snapshot(now=5)
    (product,) = m.products
    assert product.audience == 1 and product.conversion == 1.0 and product.buyers == 2
    assert m.conversion == 1.0 and m.buyers == 2  # buyers among viewers ÷ UV: the ghost is a buyer, not a viewer


def test_stats_that_lag_never_push_conversion_past_one():
    # the room says 0 online (its stats lag) but three viewers who entered earlier buy during the window
    events = [ev(0, T.ONLINE, online=0)] + [ev(1, T.ENTER, user_id=u) for u in "abc"]
    events += [ev(2, T.PRODUCT_PINNED, product_id=1)]
    events += [ev(3, T.ORDER, user_id=u, product_id=1, amount_cents=100) for u in "abc"]
    (product,) = SessionMetrics().feed(events).snapshot(now=4).products
    assert product.audience == 3 and product.conversion == 1.0


def test_per_minute_series_carry_the_online_count():
    m = SessionMetrics().feed(SCRIPT).snapshot(now=60)
    first, second = m.per_minute
    assert (first.minute, first.online, first.gmv_cents, first.orders, first.comments, first.likes) == \
        (0, 300, 46600, 3, 1, 5)
    assert (second.minute, second.online, second.orders) == (1, 300, 0)


def test_a_minute_without_events_is_a_row():
    m = SessionMetrics().feed([ev(5, T.ONLINE, online=50), ev(70, T.ONLINE, online=60),
                               ev(250, T.COMMENT, user_id="u", text="还在吗")]).snapshot(now=250)
    assert [(r.minute, r.online, r.comments) for r in m.per_minute] == [(0, 50, 0), (1, 60, 0), (2, 60, 0),
                                                                         (3, 60, 0), (4, 60, 1)]


def test_the_last_minute_is_the_one_holding_now():
    m = SessionMetrics().feed([ev(5, T.ONLINE, online=50)])
    assert [r.minute for r in m.snapshot(now=60).per_minute] == [0]  # t = 60.0 ends minute 0
    assert [r.minute for r in m.snapshot(now=130).per_minute] == [0, 1, 2]


def test_empty_session_has_no_division_by_zero():
    m = SessionMetrics().snapshot()
    assert m.gpm is None and m.aov_cents is None and m.conversion is None and m.products == ()


def test_at_a_switch_the_review_counts_an_order_for_the_product_pinned_then():
    from app.review import replay_order

    events = [Event(T.ORDER, {"user_id": "a", "product_id": 2, "amount_cents": 900}, stream_time=10.0, seq=1),
              Event(T.PRODUCT_PINNED, {"product_id": 2}, stream_time=10.0, seq=2),
              Event(T.PRODUCT_PINNED, {"product_id": 1}, stream_time=0.0, seq=0),
              Event(T.SESSION_ENDED, {}, stream_time=20.0, seq=3),
              Event(T.ORDER, {"user_id": "b", "product_id": 2, "amount_cents": 700}, stream_time=20.0, seq=4)]
    m = SessionMetrics().feed(sorted(events, key=replay_order)).snapshot()
    (two,) = [p for p in m.products if p.product_id == 2]
    assert two.gmv_cents == 900  # at the pin's moment: the new product's
    assert m.outside.gmv_cents == 700  # at the end's moment: after the last window


def test_ratios_are_bounded_and_rows_add_up_whatever_the_events():
    from hypothesis import given, settings, strategies as st

    users = st.sampled_from(["a", "b", "c", "d", None])
    event = st.one_of(
        st.builds(lambda t, n: ev(t, T.ONLINE, online=n), st.floats(0, 600), st.integers(0, 50)),
        st.builds(lambda t, u: ev(t, T.ENTER, user_id=u), st.floats(0, 600), users),
        st.builds(lambda t, u, p, c, o: ev(t, T.ORDER, user_id=u, product_id=p, amount_cents=c, order_id=o),
                  st.floats(0, 600), users, st.integers(1, 3), st.integers(0, 10**6),
                  st.sampled_from(["o1", "o2", "o3", None])),
        st.builds(lambda t, c, o: ev(t, T.REFUND, order_id=o, amount_cents=c), st.floats(0, 600),
                  st.integers(0, 10**6), st.sampled_from(["o1", "o2", "o9"])),
        st.builds(lambda t, p: ev(t, T.PRODUCT_PINNED, product_id=p), st.floats(0, 600), st.integers(1, 3)),
        st.builds(lambda t: ev(t, T.PRODUCT_UNPINNED), st.floats(0, 600)))

    @settings(max_examples=300, deadline=None)
    @given(st.lists(event, max_size=60))
    def check(events):
        m = SessionMetrics().feed(sorted(events, key=lambda e: e.stream_time)).snapshot()
        assert sum(p.gmv_cents for p in m.products) + m.outside.gmv_cents == m.gmv_cents
        assert sum(p.refunds_cents for p in m.products) + m.outside.refunds_cents == m.refunds_cents
        for ratio in [m.conversion, m.interaction_rate] + [p.conversion for p in m.products]:
            assert ratio is None or 0 <= ratio <= 1
        minutes = [r.minute for r in m.per_minute]
        assert minutes == list(range(minutes[0], minutes[-1] + 1)) if minutes else True

    check()


def test_counts_over_many_events_of_each_kind():
    """Counting, not just noticing: several of each kind, a missing like count, an event with no stream time, an
    online count out of range, and the bulk counts the review keeps (`room_counts`)."""
    m = SessionMetrics().feed([
        Event(T.ENTER, {"user_id": "early"}),  # no stream time: counted at 0
        ev(0, T.ONLINE, online=5_000_000_000),  # out of range: not a count
        ev(1, T.ONLINE, online=40),
        ev(2, T.PRODUCT_PINNED, product_id=1),
        ev(3, T.ENTER, user_id="a"), ev(4, T.ENTER, user_id="b"), ev(5, T.ENTER, user_id="a"),
        ev(6, T.COMMENT, user_id="a", text="1"), ev(7, T.COMMENT, user_id="b", text="2"),
        ev(8, T.COMMENT, user_id="x", text="3"), ev(9, T.LIKE, user_id="a"), ev(9, T.LIKE, user_id="b", count=4),
        ev(10, T.ORDER, user_id="a", product_id=2, amount_cents=100), ev(11, T.ORDER, user_id="b", amount_cents=50),
        ev(12, T.ORDER, user_id="a", product_id=1, amount_cents=300),
        ev(70, T.SHARE, user_id="early"),
    ])
    s = m.snapshot()
    assert (s.pv, s.uv, s.comments, s.likes) == (4, 3, 3, 5)
    assert s.online_peak == 40 and s.per_minute[0].online == 40
    (window,) = s.products
    assert (window.views, window.audience, window.orders, window.gmv_cents) == (3, 40 + 2, 1, 300)
    assert (s.outside.orders, s.outside.gmv_cents) == (2, 150)
    assert m.bulk_seen == 4 + 3 + 2 + 1 and s.interaction_rate == 1.0
    counts = m.room_counts()
    assert (counts.pv, counts.uv, counts.interacting_viewers, counts.comments, counts.likes) == (4, 3, 3, 3, 5)
    assert counts.minutes == {0: (3, 5), 1: (0, 0)} and counts.windows == ((3, 2),) and counts.last_time == 70
    same = SessionMetrics().feed([e for e in [ev(1, T.ONLINE, online=40), ev(2, T.PRODUCT_PINNED, product_id=1),
                                              ev(12, T.ORDER, user_id="a", product_id=1, amount_cents=300)]])
    assert same.snapshot(counts=counts).pv == 4 and same.snapshot(counts=counts).products[0].views == 3


def test_viewers_are_kept_where_the_collector_does_not_walk_them():
    """Issue #11: every viewer id in sets made each full collection walk them all (0.3 s pauses an hour into a
    show, frames lost). Kept as dict keys they are invisible to the collector — as long as only ids are in them; the
    whole audience's tables (app/kernel/viewers.py) hold two flat arrays and their salt, nothing it walks."""
    import gc

    from app.commerce.room import LiveRoom, ProductState
    from app.kernel.bus import EventBus

    bus = EventBus()
    bus.go_live()
    room = LiveRoom(bus, [ProductState(1, "CUP", "保温杯", 100, 90, 10**6)])
    metrics = SessionMetrics()
    bus.subscribe(metrics)
    room.pin_product(1, "assistant:a")
    for n in range(2000):
        user = f"u{n}"
        for kind, payload in ((T.ENTER, {}), (T.COMMENT, {"text": "hi"}), (T.FOLLOW, {}),
                              (T.ORDER, {"product_id": 1, "amount_cents": 90, "order_id": f"o{n}"})):
            bus.publish(Event(kind, {"user_id": user, **payload}))
    gc.collect()
    window = metrics.windows[0]
    containers = [window.buyers]
    tables = [metrics._users, window.entrants, room._entries.audience]
    assert all(len(c) == 2000 for c in containers + tables)
    assert not any(gc.is_tracked(c) for c in containers)

    def walked(table) -> list:  # what a collection reaches from the table and from what it tracks, classes aside
        near = [r for r in gc.get_referents(table) if not isinstance(r, type)]
        return near + [r for n in near if gc.is_tracked(n) for r in gc.get_referents(n) if not isinstance(r, type)]

    # two arrays, their salt, the type code, two counts and the latest ids' keys (a dict of text and ints: untracked)
    assert all(len(walked(t)) == 7 for t in tables)
    room.start_draw("杯", "冲", 1, 60, "entered_before", "assistant:a")
    assert len(room._entries.audience) == 2000 and len(walked(room._entries.audience)) == 7
    assert not gc.is_tracked(metrics._users._recent) and len(metrics._users._recent) == 2000
    assert metrics.snapshot().conversion == 1.0 and metrics.room_counts().interacting_viewers == 2000


def test_questions_counted_for_the_show_and_for_the_product_explained_then():
    """常问: each FAQ_ASKED counted by its topic (cut at 40 characters) for the show, and for the window open when it
    came; most asked first, ties by topic; none outside a window goes to a product."""
    long_topic = "尺码" * 30
    script = [ev(0, T.FAQ_ASKED, topic="发货"),  # before any pin: the show's only
              ev(5, T.PRODUCT_PINNED, product_id=1),
              ev(6, T.FAQ_ASKED, topic="发货"), ev(7, T.FAQ_ASKED, topic="尺码"), ev(8, T.FAQ_ASKED, topic="发货"),
              ev(9, T.FAQ_ASKED, topic=long_topic),
              ev(10, T.PRODUCT_PINNED, product_id=2), ev(11, T.FAQ_ASKED, topic="包邮"),
              ev(12, T.PRODUCT_UNPINNED, product_id=2), ev(13, T.FAQ_ASKED)]  # no topic: ""
    m = SessionMetrics().feed(script).snapshot(now=20)
    assert m.questions == (("发货", 3), ("", 1), ("包邮", 1), ("尺码", 1), (long_topic[:40], 1))
    by_product = {p.product_id: p.questions for p in m.products}
    assert by_product == {1: (("发货", 2), ("尺码", 1), (long_topic[:40], 1)), 2: (("包邮", 1),)}


def test_snapshots_taken_along_the_way_change_nothing_and_kept_counts_match_the_sets():
    """The live figures keep the viewers who interacted or bought as counts, and closed windows' rows between
    snapshots (issue #32: an intersection of the whole audience and every window's row, summed again each second,
    grew with the show). Snapshots taken at any points give what one snapshot at the end gives, a refund reaching
    a closed window included; a restored state counts the same."""
    from hypothesis import given, settings, strategies as st

    users = st.sampled_from(["a", "b", "c", "d", None])
    t = st.floats(0, 600)
    event = st.one_of(
        st.builds(lambda t, n: ev(t, T.ONLINE, online=n), t, st.integers(0, 50)),
        st.builds(lambda t, u: ev(t, T.ENTER, user_id=u), t, users),
        st.builds(lambda t, u, k: ev(t, k, user_id=u, text="?"), t, users, st.sampled_from([T.COMMENT, T.LIKE,
                                                                                            T.SHARE, T.FOLLOW])),
        st.builds(lambda t, u, p, c, o: ev(t, T.ORDER, user_id=u, product_id=p, amount_cents=c, order_id=o),
                  t, users, st.integers(1, 3), st.integers(0, 10**6), st.sampled_from(["o1", "o2", "o3", None])),
        st.builds(lambda t, c, o: ev(t, T.REFUND, order_id=o, amount_cents=c), t, st.integers(0, 10**6),
                  st.sampled_from(["o1", "o2", "o9"])),
        st.builds(lambda t, p: ev(t, T.PRODUCT_PINNED, product_id=p), t, st.integers(1, 3)),
        st.builds(lambda t: ev(t, T.PRODUCT_UNPINNED), t))

    @settings(max_examples=300, deadline=None)
    @given(st.lists(event, max_size=60), st.lists(st.booleans(), min_size=60, max_size=60))
    def check(events, looks):
        events = sorted(events, key=lambda e: e.stream_time)
        watched, once = SessionMetrics(), SessionMetrics().feed(events)
        for event, look in zip(events, looks):
            watched(event)
            if look:
                watched.snapshot()
        end = once.snapshot(now=600)
        assert watched.snapshot(now=600) == end
        did = [watched._users.get(u, 0) for u in "abcd"]  # what each did, against what the events say
        entered = {e.payload.get("user_id") for e in events if e.type == T.ENTER} - {None}
        interacted = {e.payload.get("user_id") for e in events if e.type in (T.COMMENT, T.LIKE, T.SHARE)} - {None}
        bought = {e.payload.get("user_id") for e in events if e.type == T.ORDER} - {None}
        assert did == [(u in entered) | (u in interacted) << 1 | (u in bought) << 2 for u in "abcd"]
        assert watched._interacting_viewers == len(interacted & entered)
        assert watched._buying_viewers == len(bought & entered) and watched._buyer_count == len(bought)
        assert watched.room_counts().uv == len(entered)
        assert SessionMetrics.from_state(watched.state()).snapshot(now=600) == end

    check()


def test_a_closed_windows_row_follows_a_refund_that_reaches_it_after_a_snapshot():
    m = SessionMetrics().feed([
        ev(0, T.ONLINE, online=10), ev(1, T.ENTER, user_id="a"), ev(2, T.PRODUCT_PINNED, product_id=7),
        ev(3, T.ORDER, user_id="a", product_id=7, amount_cents=5000, order_id="x1"),
        ev(5, T.PRODUCT_PINNED, product_id=8)])
    before = m.snapshot(now=6).window_rows[0]
    assert m.snapshot(now=7).window_rows[0] is before  # a closed window's row is not summed again
    m(ev(8, T.REFUND, order_id="x1", amount_cents=2000))
    after = m.snapshot(now=9).window_rows[0]
    assert (before.refunds_cents, after.refunds_cents, after.net_cents) == (0, 2000, 3000)
    assert m.snapshot(now=9).window_rows[1].explanation_seconds == 4  # the open one goes on counting


def test_a_products_closed_windows_are_added_up_once_until_what_they_count_changes():
    events = [ev(0, T.ONLINE, online=10), ev(1, T.ENTER, user_id="a"), ev(2, T.PRODUCT_PINNED, product_id=7),
              ev(2.5, T.ENTER, user_id="c"),
              ev(3, T.ORDER, user_id="a", product_id=7, amount_cents=5000, order_id="x1"),
              ev(5, T.PRODUCT_PINNED, product_id=8), ev(6, T.ENTER, user_id="b"),
              ev(7, T.PRODUCT_PINNED, product_id=7), ev(7.5, T.ENTER, user_id="d"),
              ev(8, T.ORDER, user_id="b", product_id=7, amount_cents=1000, order_id="x2")]
    m = SessionMetrics().feed(events)
    first = m.snapshot(now=9)
    kept = m._closed[7][1]
    assert [p.product_id for p in first.products] == [7, 8]
    seven = first.products[0]
    assert (seven.orders, seven.gmv_cents, seven.buyers, seven.explanation_seconds) == (2, 6000, 2, 3 + 2)
    # both windows add up: one entry each (c, d), 10 online at each start plus who entered, 10 online throughout
    assert (seven.views, seven.audience, seven.online_avg) == (2, (10 + 1) + (10 + 1), 10.0)
    assert m.snapshot(now=10).products[0].explanation_seconds == 3 + 3  # the open window goes on counting
    assert m._closed[7][1] is kept  # nothing a closed window counts changed: not added up again
    later = [ev(11, T.REFUND, order_id="x1", amount_cents=2000), ev(13, T.PRODUCT_PINNED, product_id=8)]
    m(later[0])  # a refund reaches the closed window
    assert m.snapshot(now=12).products[0].refunds_cents == 2000 and m._closed[7][1] is not kept  # added up again
    rebuilt = m._closed[7][1]
    m(later[1])  # the second window of 7 closes
    assert m.snapshot(now=14) == SessionMetrics().feed(events + later).snapshot(now=14)
    assert m._closed[7][1] is rebuilt and m._closed[7][0][0] == 2  # the window closed since added to what was kept


def test_a_like_counts_what_it_says_and_one_when_it_says_nothing_usable():
    """A like's count as the platform sends it (a tap may carry many); none, not a number, or beyond MAX_COUNT
    (10^7) counts one: never zero, never a stray figure."""
    from app.values import MAX_COUNT

    likes = [ev(1, T.LIKE, user_id="a", count=5), ev(2, T.LIKE, user_id="a"), ev(3, T.LIKE, user_id="a", count="9"),
             ev(4, T.LIKE, user_id="a", count=MAX_COUNT), ev(5, T.LIKE, user_id="a", count=MAX_COUNT + 1),
             ev(6, T.LIKE, user_id="a", count=None)]
    m = SessionMetrics().feed(likes)
    assert m.likes == 5 + 1 + 1 + MAX_COUNT + 1 + 1
    assert m.snapshot(now=60).per_minute[0].likes == m.likes


def test_an_order_a_refund_or_an_online_count_without_its_number_counts_none():
    """A platform's order or refund without an amount, an online count without its number: the order is counted,
    no money moves, the online count is 0 — never a cent or a viewer made up."""
    metrics = SessionMetrics().feed([
        Event(T.ONLINE, {"online": 7}, seq=1, stream_time=1.0),
        Event(T.ONLINE, {}, seq=2, stream_time=2.0),
        Event(T.PRODUCT_PINNED, {"product_id": 1}, seq=3, stream_time=3.0),
        Event(T.ORDER, {"user_id": "a", "product_id": 1, "order_id": "o1"}, seq=4, stream_time=4.0),
        Event(T.REFUND, {"order_id": "o1"}, seq=5, stream_time=5.0),
        Event(T.ORDER, {"user_id": "b", "product_id": 2, "order_id": "o2"}, seq=6, stream_time=6.0),
        Event(T.REFUND, {"order_id": "o2"}, seq=7, stream_time=7.0),
    ])
    snapshot = metrics.snapshot()
    assert metrics.online_now == 0
    assert (metrics.orders, metrics.gmv_cents, metrics.refunds_cents) == (2, 0, 0)
    (window,) = metrics.windows
    assert (window.orders, window.gmv_cents, window.refunds_cents) == (1, 0, 0)
    assert (snapshot.outside.orders, snapshot.outside.gmv_cents, snapshot.outside.refunds_cents) == (1, 0, 0)


def test_events_alike_in_the_reviews_order_keep_the_metrics_in_it_and_one_earlier_does_not():
    """Two events at one moment without a seq sort as they came (the review's sort is stable): still in order, a
    state to go on from; one from before them is not."""
    metrics = SessionMetrics()
    for _ in range(2):
        metrics(Event(T.LIKE, {"user_id": "a"}, seq=None, stream_time=1.0))
    assert metrics.ordered and metrics.last_key == (1.0, 1, 0)
    metrics(Event(T.LIKE, {"user_id": "a"}, seq=None, stream_time=0.5))
    assert metrics.ordered is False and metrics.last_key == (0.5, 1, 0)
    pinned_at_once = SessionMetrics()
    pinned_at_once(Event(T.PRODUCT_PINNED, {"product_id": 1}, seq=None, stream_time=0.0))  # a switch: first at 0
    assert pinned_at_once.ordered and pinned_at_once.last_key == (0.0, 0, 0)


def test_the_first_seconds_and_minutes_are_worked_from_the_shows_own_times():
    """The online average over the time since the count was first known (not since zero), even over half a
    second; per minute over less than a minute as over more, and nothing per minute at the show's first instant;
    the minute rows from the first minute with an event to the one holding now."""
    late = SessionMetrics().feed([Event(T.ONLINE, {"online": 100}, seq=1, stream_time=10.0),
                                  Event(T.ONLINE, {"online": 300}, seq=2, stream_time=20.0)])
    assert late.snapshot(now=30.0).online_avg == pytest.approx(200.0)  # (100·10 s + 300·10 s) / 20 s
    brief = SessionMetrics().feed([Event(T.ONLINE, {"online": 100}, seq=1, stream_time=1.0),
                                   Event(T.ONLINE, {"online": 300}, seq=2, stream_time=1.5)])
    assert brief.snapshot().online_avg == pytest.approx(100.0)  # half a second at 100
    first = SessionMetrics().feed([Event(T.COMMENT, {"user_id": "a", "text": "在吗"}, seq=1, stream_time=0.0),
                                   Event(T.LIKE, {"user_id": "a", "count": 3}, seq=2, stream_time=0.0)])
    at_once = first.snapshot()
    assert (at_once.comments, at_once.comments_per_minute, at_once.likes_per_minute) == (1, 0.0, 0.0)
    assert first.snapshot(now=0.5).comments_per_minute == pytest.approx(120.0)  # one in half a second
    half = first.snapshot(now=30.0)
    assert half.comments_per_minute == pytest.approx(2.0) and half.likes_per_minute == pytest.approx(2 * half.likes)
    started = SessionMetrics().feed([Event(T.COMMENT, {"user_id": "a", "text": "来了"}, seq=1, stream_time=130.0)])
    assert [row.minute for row in started.snapshot().per_minute] == [2]
    early = SessionMetrics().feed([Event(T.COMMENT, {"user_id": "a", "text": "来了"}, seq=1, stream_time=10.0)])
    assert [row.minute for row in early.snapshot(now=121.0).per_minute] == [0, 1, 2]
