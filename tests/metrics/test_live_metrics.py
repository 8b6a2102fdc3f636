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
    assert m.aov_cents == pytest.approx(23300)
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
    assert cup.gpm == pytest.approx(267.00 / 1 * 1000)
    assert cup.online_avg == pytest.approx((100 * 10 + 300 * 20) / 30)
    assert cup.conversion == pytest.approx(2 / ((100 * 10 + 300 * 20) / 30))
    assert tea.explanation_seconds == pytest.approx(10)
    assert (tea.orders, tea.gmv_cents, tea.views) == (0, 0, 0)  # its order came before it was pinned
    assert tea.gpm is None


def test_per_minute_series_carry_the_online_count():
    m = SessionMetrics().feed(SCRIPT).snapshot(now=60)
    first, second = m.per_minute
    assert (first.minute, first.online, first.gmv_cents, first.orders, first.comments, first.likes) == \
        (0, 300, 46600, 3, 1, 5)
    assert (second.minute, second.online, second.orders) == (1, 300, 0)


def test_empty_session_has_no_division_by_zero():
    m = SessionMetrics().snapshot()
    assert m.gpm is None and m.aov_cents is None and m.conversion is None and m.products == ()
