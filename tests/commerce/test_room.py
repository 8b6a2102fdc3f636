"""The assistant's verbs: each valid one becomes an event with its actor; invalid ones are refused clearly."""

from __future__ import annotations

import time

import pytest

from app.commerce.room import ActionRefused, CouponState, LiveRoom, ProductState
from app.kernel.bus import EventBus
from app.kernel.events import SYSTEM, Event, EventType

ASSISTANT = "assistant:小李"


@pytest.fixture
def room():
    bus = EventBus()
    bus.go_live()
    log: list[Event] = []
    bus.subscribe(log.append)
    products = [ProductState(1, "CUP", "保温杯", 15900, 8900, 100), ProductState(2, "TEA", "龙井", 29900, 19900, 5),
                ProductState(3, "BAG", "帆布包", 9900, 5900, 0)]
    coupons = [CouponState(1, "满199减30", "full_reduction", 19900, 3000), CouponState(2, "无门槛5元", "no_threshold")]
    live_room = LiveRoom(bus, products, coupons, run_sheet=[1, 2, 3])
    live_room.log = log
    return live_room


def test_pin_unpin_next_previous(room):
    event = room.pin_product(2, ASSISTANT)
    assert event.type == EventType.PRODUCT_PINNED and event.actor == ASSISTANT
    assert room.state.pinned_product == 2
    room.next_product(ASSISTANT)
    assert room.state.pinned_product == 3
    with pytest.raises(ActionRefused, match="no more products"):
        room.next_product(ASSISTANT)
    room.previous_product(ASSISTANT)
    assert room.state.pinned_product == 2
    room.unpin_product(ASSISTANT)
    assert room.state.pinned_product is None
    with pytest.raises(ActionRefused, match="no product is pinned"):
        room.unpin_product(ASSISTANT)
    with pytest.raises(ActionRefused, match="unknown product 99"):
        room.pin_product(99, ASSISTANT)


def test_price_and_stock_and_orders_count_stock_down(room):
    room.set_live_price(1, 7900, ASSISTANT)
    room.set_stock(1, 10, ASSISTANT)
    assert (room.state.products[1].live_price_cents, room.state.products[1].stock) == (7900, 10)
    room.bus.publish(Event(EventType.ORDER, {"user_id": "u1", "product_id": 1, "quantity": 3, "amount_cents": 23700}))
    assert room.state.products[1].stock == 7
    with pytest.raises(ActionRefused):
        room.set_live_price(1, 0, ASSISTANT)
    with pytest.raises(ActionRefused):
        room.set_stock(1, -1, ASSISTANT)


def test_coupon_counts_down_with_claims_and_ends_when_gone(room):
    room.drop_coupon(1, quantity=2, duration_s=60, actor=ASSISTANT)
    coupon = room.state.coupons[1]
    assert coupon.live and coupon.remaining == 2
    with pytest.raises(ActionRefused, match="already live"):
        room.drop_coupon(1, 5, 60, ASSISTANT)
    room.bus.publish(Event(EventType.COUPON_CLAIMED, {"user_id": "u1", "coupon_id": 1}))
    assert coupon.remaining == 1
    room.bus.publish(Event(EventType.COUPON_CLAIMED, {"user_id": "u2", "coupon_id": 1}))
    assert not coupon.live
    ended = [e for e in room.log if e.type == EventType.COUPON_ENDED]
    assert ended[0].payload["reason"] == "sold out" and ended[0].actor == SYSTEM
    with pytest.raises(ActionRefused, match="quantity must be between 1 and"):
        room.drop_coupon(2, 0, 60, ASSISTANT)
    with pytest.raises(ActionRefused, match="unknown coupon"):
        room.drop_coupon(9, 1, 60, ASSISTANT)


def test_coupon_expires_on_tick(room):
    room.drop_coupon(1, quantity=50, duration_s=0.05, actor=ASSISTANT)
    time.sleep(0.06)
    ended = room.tick()
    assert [e.payload["reason"] for e in ended] == ["expired"]
    assert not room.state.coupons[1].live


def test_flash_sale_stock_countdown_and_refusals(room):
    with pytest.raises(ActionRefused, match="no stock"):
        room.start_flash_sale(3, 100, 1, 60, ASSISTANT)
    with pytest.raises(ActionRefused, match="1..5"):
        room.start_flash_sale(2, 9900, 6, 60, ASSISTANT)
    room.start_flash_sale(2, 9900, 2, 60, ASSISTANT)
    with pytest.raises(ActionRefused, match="already running"):
        room.start_flash_sale(1, 100, 1, 60, ASSISTANT)
    room.bus.publish(Event(EventType.ORDER, {"user_id": "u1", "product_id": 2, "quantity": 1, "amount_cents": 9900}))
    assert room.state.flash_sale.stock == 1
    room.bus.publish(Event(EventType.ORDER, {"user_id": "u2", "product_id": 2, "quantity": 1, "amount_cents": 9900}))
    assert room.state.flash_sale is None
    assert room.log[-1].type == EventType.FLASH_SALE_ENDED and room.log[-1].payload["reason"] == "sold out"
    with pytest.raises(ActionRefused, match="no flash sale"):
        room.stop_flash_sale(ASSISTANT)


def test_pin_comment_refuses_flagged(room):
    comment = room.bus.publish(Event(EventType.COMMENT, {"user_id": "u1", "nickname": "小鹿", "text": "几号发货"}))
    room.pin_comment(comment, ASSISTANT)
    assert room.state.pinned_comment.text == "几号发货"
    flagged = Event(EventType.COMMENT, {"text": "加微信"}, flagged=True)
    with pytest.raises(ActionRefused, match="banned-word"):
        room.pin_comment(flagged, ASSISTANT)
    room.unpin_comment(ASSISTANT)
    assert room.state.pinned_comment is None


def test_define_coupon_adds_or_changes_one_and_refuses_bad_numbers(room):
    event = room.define_coupon(3, {"name": " 全场8折 ", "kind": "discount", "rate": 0.8, "quantity": 50}, ASSISTANT)
    assert event.type == EventType.COUPON_DEFINED and event.actor == ASSISTANT
    added = room.state.coupons[3]
    assert (added.name, added.kind, added.rate, added.total, added.live) == ("全场8折", "discount", 0.8, 50, False)
    room.define_coupon(1, {"name": "满299减50", "kind": "full_reduction", "threshold_cents": 29900,
                           "discount_cents": 5000, "quantity": 10}, ASSISTANT)
    assert (room.state.coupons[1].name, room.state.coupons[1].threshold_cents) == ("满299减50", 29900)
    bad = [({"name": "", "kind": "discount", "rate": 0.8, "quantity": 1}, "1..100 characters"),
           ({"name": "x", "kind": "cashback", "quantity": 1}, "unknown coupon kind"),
           ({"name": "x", "kind": "discount", "rate": 1.0, "quantity": 1}, "between 0 and 1"),
           ({"name": "x", "kind": "full_reduction", "threshold_cents": 1000, "discount_cents": 1000, "quantity": 1},
            "discount < threshold"),
           ({"name": "x", "kind": "no_threshold", "discount_cents": 0, "quantity": 1}, "above 0"),
           ({"name": "x", "kind": "no_threshold", "discount_cents": 500, "quantity": 0}, "quantity must be between 1 and")]
    count = len(room.log)
    for definition, reason in bad:
        with pytest.raises(ActionRefused, match=reason):
            room.define_coupon(4, definition, ASSISTANT)
    assert len(room.log) == count and 4 not in room.state.coupons  # nothing published for a refusal
    room.drop_coupon(3, 20, 60, ASSISTANT)
    with pytest.raises(ActionRefused, match="stop it first"):
        room.define_coupon(3, {"name": "全场7折", "kind": "discount", "rate": 0.7, "quantity": 5}, ASSISTANT)
    assert room.state.coupons[3].remaining == 20
