"""预警 (app/metrics/alerts.py): each rule fires when it should and once per cause per cooldown (no storms); a show
watched live — events arriving with the room's clock ticking between them — fires exactly the alerts its replay
fires, at the same moments (hypothesis); through a real session the alerts are logged, their replay from the
log equals them, and the review lists them; the health's problems are worded for alerts."""

from __future__ import annotations

import time

from dataclasses import fields

from hypothesis import given, settings, strategies as st

from app.health import FeedHealth, HealthReport, health_problems
from app.kernel.events import Event, EventType as T
from app.metrics.alerts import AlertRules, AlertWatch, armed_event, replay_alerts

RULES = AlertRules()


def ev(kind, t, **payload) -> Event:
    return Event(kind, payload, "platform", 1.7e9 + t, t)


def watch(events, rules=RULES, stock=None) -> list:
    w = AlertWatch(rules, stock)
    for e in events:
        w(e)
    return [(a.rule, a.key, a.at) for a in w.fired]


def test_online_falling_fast_fires_once_per_cooldown_at_the_first_second_it_is_true():
    events = [ev(T.ONLINE, 0.5, online=200), ev(T.ONLINE, 30.2, online=180), ev(T.ONLINE, 70.4, online=139),
              ev(T.ONLINE, 80.0, online=120), ev(T.COMMENT, 200.0, text="hi"), ev(T.ONLINE, 260.0, online=100),
              ev(T.COMMENT, 400.0, text="hi")]
    # 139 ≤ 200 × 0.7 = 140 from second 71 (the first whole second after the event at 70.4); then 180 s quiet;
    # at 251 the window (120 s back) holds 120 and 100 … no fall from 120 to 100 of 30 %: nothing more
    assert watch(events) == [("online_drop", "online", 71.0)]
    small = [ev(T.ONLINE, 0.5, online=40), ev(T.ONLINE, 10.0, online=10), ev(T.COMMENT, 20.0, text="x")]
    assert watch(small) == []  # under online_min: noise


def test_conversion_far_below_the_shows_median_after_enough_viewers():
    def window(start, product, online, buyers):
        return ([ev(T.ONLINE, start, online=online), ev(T.PRODUCT_PINNED, start + 0.1, product_id=product)]
                + [ev(T.ORDER, start + 1 + i, user_id=f"u{product}-{i}", product_id=product, amount_cents=100)
                   for i in range(buyers)])

    events = window(0, 1, 200, 20) + window(100, 2, 200, 20) + window(200, 3, 200, 1)
    events.append(ev(T.COMMENT, 400.0, text="hi"))
    # windows 1 and 2 convert 10 %; window 3 converts 0.5 % < 5 %: read from 60 s after its start
    assert watch(events) == [("conversion", "conversion:3:200.100", 261.0)]
    assert watch(window(0, 1, 200, 20) + window(100, 3, 200, 1) + [ev(T.COMMENT, 400.0, text="x")]) == []  # one
    # finished window is no median yet


def test_stock_complaints_coupons_and_flash_sales():
    events = [ev(T.ORDER, 1.0, user_id="a", product_id=7, quantity=2), ev(T.ORDER, 2.0, user_id="b", product_id=7,
                                                                           quantity=2),
              ev(T.ORDER, 3.0, user_id="c", product_id=7), ev(T.STOCK_CHANGED, 4.0, product_id=7, stock=50),
              ev(T.STOCK_CHANGED, 5.0, product_id=7, stock=3)]
    assert watch(events, stock={7: 9}) == [("stock", "stock:7", 2.0)]  # 9 → 7 → 5: once; again within 180 s: no
    later = events + [ev(T.STOCK_CHANGED, 300.0, product_id=7, stock=50), ev(T.ORDER, 301.0, user_id="d",
                                                                               product_id=7, quantity=45)]
    assert watch(later, stock={7: 9})[-1] == ("stock", "stock:7", 301.0)
    complaints = [ev(T.COMMENT, float(t), text=text) for t, text in
                  ((1, "主播好"), (2, "卡了"), (3, "怎么退款"), (4, "没声音啊"), (5, "假货吧"), (6, "质量差"), (7, "卡了卡了"),
                   (70, "听不清"), (90, "卡了"), (100, "卡了"), (110, "卡了"), (120, "卡了"))]
    assert watch(complaints) == [("complaints", "complaints", 6.0)]  # the storm after it: in the cooldown
    coupons = [ev(T.COUPON_DROPPED, 1.0, coupon_id=3, quantity=3), ev(T.COUPON_CLAIMED, 2.0, coupon_id=3),
               ev(T.COUPON_ENDED, 60.0, coupon_id=3, reason="expired"),
               ev(T.COUPON_DROPPED, 61.0, coupon_id=4, quantity=1), ev(T.COUPON_CLAIMED, 62.0, coupon_id=4),
               ev(T.COUPON_ENDED, 62.0, coupon_id=4, reason="sold out"),
               ev(T.FLASH_SALE_STARTED, 70.0, product_id=5, price_cents=990, stock=10, ends_at=130.0),
               ev(T.ORDER, 80.0, user_id="a", product_id=5, quantity=4),
               ev(T.FLASH_SALE_ENDED, 130.0, product_id=5, reason="time"),
               ev(T.FLASH_SALE_STARTED, 140.0, product_id=6, price_cents=990, stock=1, ends_at=200.0),
               ev(T.FLASH_SALE_ENDED, 141.0, product_id=6, reason="stopped")]
    assert watch(coupons) == [("coupon_left", "coupon:3", 60.0), ("flash_left", "flash:5", 130.0)]


def test_a_time_no_show_has_is_not_read_second_by_second():
    """(Read one by one, 1.7e9 seconds would hang the show: the run's timeout is the check.)"""
    w = AlertWatch(RULES, {1: 9})
    w(ev(T.ORDER, 1.7e9, user_id="a", product_id=1, quantity=8))  # a wall-clock time where a stream time goes
    w(ev(T.ONLINE, float("nan"), online=5))
    w.tick(1e12)
    assert w.fired == []
    w(ev(T.ORDER, 3.0, user_id="a", product_id=1, quantity=8))  # the show's own times are read as ever
    assert [(a.rule, a.at) for a in w.fired] == [("stock", 3.0)]


def test_rules_from_json_keep_defaults_for_what_cannot_be_read():
    rules = AlertRules.from_json({"online_drop": 0.5, "stock_at_most": -1, "cooldown_s": "x", "complaints": True,
                                  "complaint_words": ["  差评 ", 5, ""], "quiet_s": 1e9, "unknown": 1})
    assert rules.online_drop == 0.5 and rules.stock_at_most == 5 and rules.cooldown_s == 180.0
    assert rules.complaints == 5 and rules.complaint_words == ("差评",) and rules.quiet_s == 30.0
    assert AlertRules.from_json(rules.to_json()) == rules and AlertRules.from_json([1]) == AlertRules()
    assert AlertRules.from_json({"online_drop": 1.0}).online_drop == 0.3


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(st.characters(
    blacklist_categories=())), lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner,
                                                                                       max_size=5), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.one_of(JSONISH, st.dictionaries(st.sampled_from([f.name for f in fields(AlertRules)]), JSONISH,
                                          max_size=12)))
def test_rules_from_any_json_are_rules_in_range_that_go_back_to_json(data):
    """What the settings file or a log hands in (anything: lone surrogates, NaN, huge numbers, nesting) becomes
    rules within their ranges, never an exception, and their JSON is plain text any encoder takes."""
    import json

    rules = AlertRules.from_json(data)
    assert 0 < rules.online_drop < 1 and all(0 <= getattr(rules, f.name) <= 10**9 for f in fields(rules)
                                             if f.name != "complaint_words")
    assert all(0 < len(w) <= 20 and w == w.strip() for w in rules.complaint_words) and rules.complaint_words
    text = json.dumps(rules.to_json(), ensure_ascii=False, allow_nan=False)
    text.encode("utf-8")
    assert AlertRules.from_json(json.loads(text)) == rules


def _script():
    kinds = st.one_of(
        st.builds(lambda n: (T.ONLINE, {"online": n}), st.integers(0, 400)),
        st.builds(lambda p: (T.PRODUCT_PINNED, {"product_id": p}), st.integers(1, 3)),
        st.just((T.PRODUCT_UNPINNED, {})),
        st.builds(lambda u: (T.ENTER, {"user_id": u}), st.sampled_from("abcdefgh")),
        st.builds(lambda u, p, q: (T.ORDER, {"user_id": u, "product_id": p, "quantity": q}),
                  st.sampled_from("abcdefgh"), st.integers(1, 3), st.integers(1, 3)),
        st.builds(lambda text: (T.COMMENT, {"text": text}), st.sampled_from(["卡了", "好", "退款", "听不清"])),
        st.builds(lambda c, q: (T.COUPON_DROPPED, {"coupon_id": c, "quantity": q}), st.integers(1, 2),
                  st.integers(1, 3)),
        st.builds(lambda c: (T.COUPON_CLAIMED, {"coupon_id": c}), st.integers(1, 2)),
        st.builds(lambda c, r: (T.COUPON_ENDED, {"coupon_id": c, "reason": r}), st.integers(1, 2),
                  st.sampled_from(["expired", "sold out"])),
        st.builds(lambda s: (T.STOCK_CHANGED, {"product_id": 1, "stock": s}), st.integers(0, 12)))
    gaps = st.one_of(st.floats(0.0, 3.0), st.floats(0.0, 40.0))  # seconds apart, and minutes
    return st.lists(st.tuples(gaps, kinds, st.booleans()), max_size=60)


@settings(max_examples=400, deadline=None)
@given(_script())
def test_watched_live_with_the_clock_between_events_is_the_replay(script):
    """Live: each event arrives at its time; the clock ticks (when `tick` is true) at a moment before the next
    event, as the room's clock does. Replay: the same events, no clock. Same alerts, same moments."""
    rules = AlertRules(online_min=10, online_window_s=30.0, conversion_audience=2, conversion_seconds=5.0,
                       complaints=2, complaint_window_s=20.0, cooldown_s=25.0, stock_at_most=4)
    stock = {1: 10, 2: 3}
    live = AlertWatch(rules, stock)
    events, t = [armed_event(rules, stock)], 0.0
    for gap, (kind, payload), tick in script:
        if tick:
            live.tick(t + gap * 0.999)  # the clock, somewhere before the next event
        t += gap
        e = Event(kind, payload, "platform", 1.7e9 + t, t)
        events.append(e)
        live(e)
    live.tick(t + 0.5)
    end = Event(T.SESSION_ENDED, {}, "console", 1.7e9 + t + 1, t + 1)
    live(end)
    events.append(end)
    assert [(a.rule, a.key, a.at) for a in live.fired] == [(a.rule, a.key, a.at) for a in replay_alerts(events)]


def test_a_real_session_logs_its_alerts_and_its_replay_and_review_have_them(catalogue):
    from app.review import load_review
    from app.session import SessionCore
    from app.store.eventlog import load_events

    rules = AlertRules(online_min=10, online_window_s=20.0, complaints=2, complaint_window_s=30.0, cooldown_s=60.0)
    core = SessionCore(catalogue, alert_rules=rules)
    session_id = core.start("预警")
    try:
        core.bus.publish(Event(T.ONLINE, {"online": 100}, "platform"))
        core.bus.publish(Event(T.COMMENT, {"user_id": "a", "nickname": "甲", "text": "卡了"}, "platform"))
        core.bus.publish(Event(T.COMMENT, {"user_id": "b", "nickname": "乙", "text": "没声音"}, "platform"))
        core.bus.publish(Event(T.ONLINE, {"online": 20}, "platform"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(core.alerts.fired) < 2:  # the fall: from the clock, a second on
            time.sleep(0.1)
    finally:
        core.end()
    events = load_events(catalogue, session_id)
    logged = [(e.payload["rule"], e.payload["key"], e.payload["at"]) for e in events if e.type == T.ALERT]
    assert [r for r, _, _ in logged] == ["complaints", "online_drop"], logged
    assert logged == [(a.rule, a.key, round(a.at, 3)) for a in replay_alerts(events)]
    review = load_review(catalogue, session_id)
    assert [m.label[:2] for m in review.markers if m.kind == "alert"] == ["预警", "预警"]


def test_health_problems_are_worded_for_alerts():
    report = HealthReport(12.0, 30.0, 5.0, 8.0, 50.0, 3.0, 360, (("encoder", 4), ("network", 2)), (),
                          FeedHealth(True, 0, 10, 0, 45.0), ())
    problems = health_problems(report, dropped_before=1, quiet_alert_s=30.0)
    assert [key for key, _, _ in problems] == ["dropped", "feed"]
    assert "5 frames dropped" in problems[0][1] and "45 s" in problems[1][1]
    assert health_problems(report, dropped_before=6, quiet_alert_s=60.0) == []
    w = AlertWatch(AlertRules(cooldown_s=60.0))
    w.health(12.0, problems)
    w.health(30.0, problems)  # the same causes within the cooldown: nothing more
    assert [(a.rule, a.key) for a in w.fired] == [("health", "dropped"), ("health", "feed")]
