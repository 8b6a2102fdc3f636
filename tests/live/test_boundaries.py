"""Every boundary takes only finite numbers in range; nothing downstream raises on a value that slips through.

Issue #11: NaN, Infinity, 1e400 and 10^30 were accepted by the LAN verbs and the feed, killed the overlay
thread, made the metrics raise on every order, were stored as non-standard JSON and crashed the review.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.commerce.room import ActionRefused, CouponState, LiveRoom, ProductState
from app import values
from app.kernel.bus import EventBus
from app.kernel.events import Event, EventType
from app.live.feed import MessageError, parse_message
from app.metrics.live import SessionMetrics
from app.store.catalog_io import CatalogImportError, parse
from tests.strategies import any_text

BAD_NUMBERS = [float("nan"), float("inf"), -float("inf"), 1e400, 10**30, 2**63, -1, 0.5, True, "3", None, [1]]
numbers = st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=True, allow_infinity=True),
                    st.booleans(), st.none(), any_text(5), st.sampled_from([10**30, 2**63, 1e400]))
json_values = st.recursive(st.none() | st.booleans() | numbers | any_text(20),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text(8), inner,
                                                                                      max_size=5), max_leaves=20)


def fresh_room() -> LiveRoom:
    bus = EventBus()
    bus.go_live()
    return LiveRoom(bus, [ProductState(1, "CUP", "保温杯", 15900, 8900, 100), ProductState(2, "TEA", "龙井", 100, 90, 5)],
                    [CouponState(1, "满199减30", "full_reduction", 19900, 3000)], run_sheet=[1, 2])


def consistent(room: LiveRoom) -> None:
    """What every later reader relies on: finite whole numbers in range everywhere in the state."""
    for product in room.state.products.values():
        assert isinstance(product.live_price_cents, int) and 0 < product.live_price_cents <= values.MAX_CENTS
        assert isinstance(product.stock, int) and 0 <= product.stock <= values.MAX_COUNT
    for coupon in room.state.coupons.values():
        assert isinstance(coupon.remaining, int) and 0 <= coupon.remaining <= values.MAX_COUNT
        assert coupon.expires_at is None or math.isfinite(coupon.expires_at)
    sale = room.state.flash_sale
    assert sale is None or (isinstance(sale.price_cents, int) and math.isfinite(sale.ends_at))


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_each_verb_refuses_a_bad_number_with_a_reason(bad):
    room = fresh_room()
    calls = [lambda: room.set_live_price(1, bad, "a"), lambda: room.set_stock(1, bad, "a"),
             lambda: room.drop_coupon(1, bad, 60, "a"), lambda: room.drop_coupon(1, 10, bad, "a"),
             lambda: room.start_flash_sale(1, bad, 5, 60, "a"), lambda: room.start_flash_sale(1, 990, bad, 60, "a"),
             lambda: room.start_flash_sale(1, 990, 5, bad, "a")]
    durations = {3, 6}
    for index, call in enumerate(calls):
        if bad == 0.5 and index in durations:  # half a second is a fine duration
            continue
        with pytest.raises(ActionRefused, match=" / "):  # Chinese / English
            call()
    consistent(room)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(verb=st.sampled_from(["set_live_price", "set_stock", "drop_coupon", "start_flash_sale"]),
       args=st.lists(numbers, min_size=1, max_size=4))
def test_no_verb_raises_anything_but_a_refusal_and_the_state_stays_sound(verb, args):
    room = fresh_room()
    arity = {"set_live_price": 2, "set_stock": 2, "drop_coupon": 3, "start_flash_sale": 4}[verb]
    args = ([1] + args + [1, 1, 1])[:arity]
    try:
        getattr(room, verb)(*args, "assistant:h")
    except ActionRefused:
        pass
    consistent(room)


def _storable(event: Event) -> None:
    json.dumps(event.payload, allow_nan=False)  # the store's serializer: standard JSON only
    assert event.wall_time == 0.0 or values.MIN_WALL_TIME <= event.wall_time <= values.MAX_WALL_TIME
    for name in ("amount_cents", "value_cents", "online", "count", "quantity"):
        if name in event.payload:
            assert isinstance(event.payload[name], int) and 0 <= event.payload[name] <= values.MAX_CENTS


@settings(max_examples=400, deadline=None)
@given(kind=st.sampled_from(["order", "refund", "online", "like", "gift", "comment", "enter", "coupon_claimed"]),
       data=st.dictionaries(st.sampled_from(["user_id", "order_id", "product_id", "amount_cents", "online", "count",
                                             "quantity", "value_cents", "text", "gift", "coupon_id"]),
                            json_values, max_size=8),
       ts=numbers)
def test_any_feed_frame_yields_sound_events_or_is_refused(kind, data, ts):
    frame = json.dumps({"v": 1, "type": kind, "ts": ts, "data": data}, allow_nan=True, default=str)
    try:
        events = parse_message(frame)
    except MessageError as exc:
        assert exc.kind in ("malformed", "unknown")
        return
    metrics = SessionMetrics()
    for event in events:
        _storable(event)
        metrics(event)
    metrics.snapshot()


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_any_json_at_all_is_events_or_a_refusal(value):
    try:
        parse_message(json.dumps(value, allow_nan=True))
    except MessageError:
        pass


@pytest.mark.parametrize("raw", ['{"v":1,"type":"order","ts":1%s,"data":{}}' % ("0" * 400),
                                 '{"v":1,"type":"online","ts":Infinity,"data":{"online":5}}',
                                 '{"v":1,"type":"order","data":{"user_id":"u","order_id":"o","product_id":1,'
                                 '"amount_cents":9223372036854775808}}',
                                 '{"v":1,"type":"online","data":{"online":1e400}}'])
def test_the_feed_findings_of_the_probe(raw):
    try:
        events = parse_message(raw)
    except MessageError:
        return
    for event in events:
        _storable(event)


def test_metrics_and_replay_survive_a_bad_value_that_slipped_through():
    metrics = SessionMetrics()
    for bad in BAD_NUMBERS:
        metrics(Event(EventType.ORDER, {"user_id": "u", "product_id": 1, "amount_cents": bad}, stream_time=1.0))
        metrics(Event(EventType.ONLINE, {"online": bad}, stream_time=1.0))
        metrics(Event(EventType.LIKE, {"user_id": "u", "count": bad}, stream_time=1.0))
    metrics(Event(EventType.ORDER, {"user_id": "u", "product_id": 1, "amount_cents": 500}, stream_time=2.0))
    snap = metrics.snapshot()
    assert snap.gmv_cents == 500 and snap.online_now == 0  # only the good order counts; no bad value raised


@pytest.mark.parametrize("price", ["NaN", "Infinity", "1e400", "1" + "0" * 30, "100000000000", "-1"])
def test_csv_prices_out_of_range_are_row_errors(price):
    data = f"sku,title,list_price,live_price,stock\nA,杯子,{price},9.9,1\n".encode()
    with pytest.raises(CatalogImportError, match="not a price"):
        parse(data)


@pytest.mark.parametrize("stock", ["1" + "0" * 30, "-5", "NaN"])
def test_csv_stock_out_of_range_is_a_row_error(stock):
    with pytest.raises(CatalogImportError, match="stock"):
        parse(f"sku,title,list_price,live_price,stock\nA,杯子,10,9.9,{stock}\n".encode())
