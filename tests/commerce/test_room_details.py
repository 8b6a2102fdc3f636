"""The room's details a mutation run found unguarded: every refusal's reason, what each event carries, and what
the timers and orders change (and what they must leave alone)."""

from __future__ import annotations

import pytest

from app.commerce.room import ActionRefused, CouponState, LiveRoom, ProductState, check_coupon
from app.kernel.bus import EventBus
from app.kernel.events import SYSTEM, Event, EventType
from tests.commerce.test_room import ASSISTANT, room  # noqa: F401 - the fixture


def test_every_refusal_says_why_in_both_languages(room):  # noqa: F811
    cases = [
        (lambda: room.unpin_product(ASSISTANT), "没有讲解中的商品", "no product is pinned"),
        (lambda: room.pin_product(99, ASSISTANT), "没有这个商品", "unknown product 99"),
        (lambda: room.stop_coupon(1, ASSISTANT), "优惠券未在发放", "coupon 1 is not live"),
        (lambda: room.stop_coupon(9, ASSISTANT), "优惠券未在发放", "coupon 9 is not live"),
        (lambda: room.drop_coupon(9, 1, 60, ASSISTANT), "没有这张券", "unknown coupon 9"),
        (lambda: room.stop_flash_sale(ASSISTANT), "没有进行中的秒杀", "no flash sale is running"),
        (lambda: room.start_flash_sale(3, 990, 1, 60, ASSISTANT), "库存为 0", "has no stock for a flash sale"),
        (lambda: room.start_flash_sale(2, 990, 6, 60, ASSISTANT), "秒杀库存须在 1–5", "flash-sale stock must be 1..5"),
        (lambda: room.unpin_comment(ASSISTANT), "没有置顶的评论", "no comment is pinned"),
        (lambda: room.pin_comment(Event(EventType.LIKE, {}), ASSISTANT), "只能置顶评论", "only comments can be pinned"),
        (lambda: room.pin_comment(Event(EventType.COMMENT, {"text": "x"}, flagged=True), ASSISTANT), "屏蔽词",
         "hidden by the banned-word list"),
        (lambda: room.set_live_price(1, 0, ASSISTANT), "直播价须在", "live price must be between 1 and"),
        (lambda: room.set_stock(1, -1, ASSISTANT), "库存须在", "stock must be between 0 and"),
    ]
    for call, chinese, english in cases:
        with pytest.raises(ActionRefused) as refused:
            call()
        zh, _, en = str(refused.value).partition(" / ")
        assert chinese in zh and english in en, str(refused.value)
    assert len(room.log) == 0  # no refusal published anything


def test_the_run_sheet_ends_and_an_empty_one_is_refused(room):  # noqa: F811
    room.previous_product(ASSISTANT)  # nothing pinned: previous starts from the end
    assert room.state.pinned_product == 3
    with pytest.raises(ActionRefused, match="已到排品表尽头 / no more products in that direction"):
        room.next_product(ASSISTANT)
    room.unpin_product(ASSISTANT)
    room.next_product(ASSISTANT)
    assert room.state.pinned_product == 1
    empty = LiveRoom(EventBus(), [], run_sheet=[])
    empty.state.run_sheet.clear()
    with pytest.raises(ActionRefused, match="排品表为空 / the run sheet is empty"):
        empty.next_product(ASSISTANT)


def test_pinned_comment_carries_who_and_what(room):  # noqa: F811
    comment = room.bus.publish(Event(EventType.COMMENT, {"user_id": "u1", "nickname": "小鹿", "text": "几号发货？"}))
    event = room.pin_comment(comment, ASSISTANT)
    assert event.type == EventType.COMMENT_PINNED and event.actor == ASSISTANT
    assert event.payload == {"comment_seq": comment.seq, "nickname": "小鹿", "text": "几号发货？"}
    pinned = room.state.pinned_comment
    assert (pinned.seq, pinned.nickname, pinned.text) == (comment.seq, "小鹿", "几号发货？")
    bare = room.bus.publish(Event(EventType.COMMENT, {"user_id": "u2"}))
    assert room.pin_comment(bare, ASSISTANT).payload == {"comment_seq": bare.seq, "nickname": "", "text": ""}
    unpinned = room.unpin_comment(ASSISTANT)
    assert unpinned.type == EventType.COMMENT_UNPINNED and unpinned.actor == ASSISTANT
    assert room.state.pinned_comment is None


def test_tick_ends_only_live_coupons_whose_time_is_up_and_the_sale_with_its_product():
    bus = EventBus()
    bus.go_live(at_monotonic=0.0)  # stream time is now large: every expires_at below is in the past
    coupons = [CouponState(1, "a", "no_threshold", discount_cents=1, expires_at=1.0, live=False),  # set live below
               CouponState(2, "b", "no_threshold", discount_cents=1, expires_at=1.0, live=False),  # not live
               CouponState(3, "c", "no_threshold", discount_cents=1, expires_at=None, live=True),  # no end
               CouponState(4, "d", "no_threshold", discount_cents=1, expires_at=1e12, live=True)]  # not yet
    room = LiveRoom(bus, [ProductState(7, "S", "包", 100, 90, 10)], coupons)
    log = []
    bus.subscribe(log.append)
    assert room.tick() == []
    room.start_flash_sale(7, 50, 2, 60, ASSISTANT)
    assert room.tick() == []  # a minute to go
    room.state.flash_sale.ends_at = 1.0  # now it is over
    room.state.coupons[1].live = True
    ended = room.tick()
    assert [(e.type, e.payload, e.actor) for e in ended] == [
        (EventType.COUPON_ENDED, {"coupon_id": 1, "reason": "expired"}, SYSTEM),
        (EventType.FLASH_SALE_ENDED, {"product_id": 7, "reason": "time"}, SYSTEM)]
    assert [c.live for c in room.state.coupons.values()] == [False, False, True, True]
    assert room.state.flash_sale is None


def test_orders_count_stock_and_the_sale_down_and_sell_it_out(room):  # noqa: F811
    room.start_flash_sale(1, 990, 3, 60, ASSISTANT)
    room.bus.publish(Event(EventType.ORDER, {"user_id": "u", "product_id": 1}))  # no quantity: one
    assert (room.state.products[1].stock, room.state.flash_sale.stock) == (99, 2)
    room.bus.publish(Event(EventType.ORDER, {"user_id": "u", "product_id": 1, "quantity": 0}))  # zero: nothing
    assert (room.state.products[1].stock, room.state.flash_sale.stock) == (99, 2)
    room.bus.publish(Event(EventType.ORDER, {"user_id": "u", "product_id": 2, "quantity": 1}))  # another product
    assert (room.state.products[2].stock, room.state.flash_sale.stock) == (4, 2)
    room.bus.publish(Event(EventType.ORDER, {"user_id": "u", "product_id": 1, "quantity": 5}))  # more than left
    assert room.state.products[1].stock == 94 and room.state.flash_sale is None
    ended = [e for e in room.log if e.type == EventType.FLASH_SALE_ENDED]
    assert [(e.payload, e.actor) for e in ended] == [({"product_id": 1, "reason": "sold out"}, SYSTEM)]
    room.bus.publish(Event(EventType.ORDER, {"user_id": "u", "product_id": 404, "quantity": 1}))  # unknown: ignored
    room.bus.publish(Event(EventType.ORDER, {"user_id": "u", "product_id": 3, "quantity": 2}))  # never below 0
    assert room.state.products[3].stock == 0


def test_claims_count_a_live_coupon_down_and_nothing_else(room):  # noqa: F811
    room.bus.publish(Event(EventType.COUPON_CLAIMED, {"user_id": "u", "coupon_id": 1}))  # not live: no change
    assert room.state.coupons[1].remaining == 0 and not room.state.coupons[1].live
    room.drop_coupon(1, 2, 60, ASSISTANT)
    room.bus.publish(Event(EventType.COUPON_CLAIMED, {"user_id": "u", "coupon_id": 404}))
    room.bus.publish(Event(EventType.COUPON_CLAIMED, {"user_id": "u", "coupon_id": 1}))
    assert room.state.coupons[1].remaining == 1 and room.state.coupons[1].live


def test_a_defined_coupon_is_in_the_room_as_defined(room):  # noqa: F811
    room.define_coupon(5, {"name": "满300减40", "kind": "full_reduction", "threshold_cents": 30000,
                           "discount_cents": 4000, "quantity": 30}, ASSISTANT)
    c = room.state.coupons[5]
    assert (c.id, c.name, c.kind, c.threshold_cents, c.discount_cents, c.rate, c.remaining, c.total, c.live) == \
        (5, "满300减40", "full_reduction", 30000, 4000, 1.0, 30, 30, False)


@pytest.mark.parametrize(("definition", "expected"), [
    (dict(name="满199减30", kind="full_reduction", threshold_cents=19900, discount_cents=3000, rate=0.5, quantity=5),
     dict(threshold_cents=19900, discount_cents=3000, rate=1.0)),
    (dict(name="9折", kind="discount", threshold_cents=19900, discount_cents=3000, rate=0.9, quantity=5),
     dict(threshold_cents=0, discount_cents=0, rate=0.9)),
    (dict(name="5元", kind="no_threshold", threshold_cents=19900, discount_cents=500, rate=0.9, quantity=5),
     dict(threshold_cents=0, discount_cents=500, rate=1.0)),
])
def test_check_coupon_keeps_only_what_the_kind_uses(definition, expected):
    checked = check_coupon(**definition)
    assert checked == {"name": definition["name"], "kind": definition["kind"], "quantity": 5, **expected}


def test_check_coupon_defaults_and_reasons():
    assert check_coupon("券", "no_threshold", discount_cents=1, quantity=1) == {
        "name": "券", "kind": "no_threshold", "threshold_cents": 0, "discount_cents": 1, "rate": 1.0, "quantity": 1}
    reasons = [
        (dict(name=" ", kind="discount", rate=0.5, quantity=1), "券名须为 1–100 个字", "1..100 characters"),
        (dict(name="x" * 101, kind="discount", rate=0.5, quantity=1), "券名须为", "1..100 characters"),
        (dict(name=5, kind="discount", rate=0.5, quantity=1), "券名", "coupon name"),
        (dict(name="x", kind="cash", quantity=1), "未知券类型", "unknown coupon kind 'cash'"),
        (dict(name="x", kind="discount", rate=float("nan"), quantity=1), "折扣须为数字", "must be a number"),
        (dict(name="x", kind="discount", rate=0.0, quantity=1), "折扣须在", "between 0 and 1"),
        (dict(name="x", kind="full_reduction", threshold_cents=100, discount_cents=0, quantity=1), "满减",
         "0 < discount < threshold"),
        (dict(name="x", kind="no_threshold", discount_cents=0, quantity=1), "无门槛券", "discount above 0"),
        (dict(name="x", kind="no_threshold", discount_cents=1, quantity=0), "发放数量须在", "quantity must be between"),
        (dict(name="x", kind="full_reduction", threshold_cents=-1, discount_cents=1, quantity=1), "门槛须在",
         "threshold must be between"),
        (dict(name="x", kind="no_threshold", discount_cents=-1, quantity=1), "减额须在", "discount must be between"),
    ]
    for definition, chinese, english in reasons:
        with pytest.raises(ActionRefused) as refused:
            check_coupon(**definition)
        zh, _, en = str(refused.value).partition(" / ")
        assert chinese in zh and english in en, (definition, str(refused.value))


def test_readers_get_a_private_snapshot_not_the_live_state(room):  # noqa: F811
    room.pin_product(1, ASSISTANT)
    snapshot = room.snapshot()
    room.set_live_price(1, 100, ASSISTANT)
    room.define_coupon(7, {"name": "新券", "kind": "no_threshold", "discount_cents": 100, "quantity": 1}, ASSISTANT)
    assert snapshot.state.products[1].live_price_cents == 8900 and 7 not in snapshot.state.coupons
    snapshot.state.products[1].stock = -5  # a reader scribbling on its copy changes nothing in the room
    assert room.state.products[1].stock == 100
    assert snapshot.stream_time() is not None and snapshot.state.pinned_product == 1


def test_stopping_says_stopped_and_a_flash_sale_may_take_the_whole_stock(room):  # noqa: F811
    room.drop_coupon(1, 5, 60, ASSISTANT)
    stopped = room.stop_coupon(1, ASSISTANT)
    assert (stopped.type, stopped.payload, stopped.actor) == (EventType.COUPON_ENDED,
                                                              {"coupon_id": 1, "reason": "stopped"}, ASSISTANT)
    room.set_stock(2, 1, ASSISTANT)
    sale = room.start_flash_sale(2, 990, 1, 60, ASSISTANT)  # the last piece: stock 1 of 1 is allowed
    assert sale.payload["stock"] == 1 and sale.payload["price_cents"] == 990
    with pytest.raises(ActionRefused, match="已有进行中的秒杀 / a flash sale is already running"):
        room.start_flash_sale(1, 990, 1, 60, ASSISTANT)
    ended = room.stop_flash_sale(ASSISTANT)
    assert (ended.type, ended.payload, ended.actor) == (EventType.FLASH_SALE_ENDED,
                                                        {"product_id": 2, "reason": "stopped"}, ASSISTANT)
    with pytest.raises(ActionRefused, match="没有进行中的秒杀 / no flash sale is running"):
        room.stop_flash_sale(ASSISTANT)


@pytest.mark.parametrize(("call", "chinese", "english"), [
    (lambda r: r.start_flash_sale(1, 0, 1, 60, ASSISTANT), "秒杀价须在", "flash-sale price must be"),
    (lambda r: r.start_flash_sale(1, 990, 1, 0, ASSISTANT), "秒杀时长须在", "flash-sale duration must be"),
    (lambda r: r.start_flash_sale(1, 990, 0, 60, ASSISTANT), "秒杀库存须在 1–", "flash-sale stock must be between 1"),
    (lambda r: r.drop_coupon(2, 0, 60, ASSISTANT), "发券数量须在 1–", "coupon quantity must be between 1"),
    (lambda r: r.drop_coupon(2, 1, -1, ASSISTANT), "发券时长须在", "coupon duration must be"),
])
def test_a_bad_number_names_its_field_in_both_languages(room, call, chinese, english):  # noqa: F811
    with pytest.raises(ActionRefused) as refused:
        call(room)
    zh, _, en = str(refused.value).partition(" / ")
    assert zh.startswith(chinese) and en.startswith(english), str(refused.value)


def test_an_order_with_a_quantity_that_makes_no_sense_counts_as_one(room):  # noqa: F811
    for quantity in ("two", 10**8, float("nan"), None):
        room.bus.publish(Event(EventType.ORDER, {"user_id": "u", "product_id": 1, "quantity": quantity}))
    assert room.state.products[1].stock == 96  # four orders of one each


def test_coupon_edges_the_reasons_rest_on():
    with pytest.raises(ActionRefused, match="quantity must be between 1"):
        check_coupon("券", "no_threshold", discount_cents=1)  # no quantity given: none to hand out
    assert check_coupon("好" * 100, "no_threshold", discount_cents=1, quantity=1)["name"] == "好" * 100  # 100 fits
    assert check_coupon("满", "full_reduction", threshold_cents=2, discount_cents=1, quantity=1)["discount_cents"] == 1
    with pytest.raises(ActionRefused, match="the discount rate must be a number"):
        check_coupon("折", "discount", rate=True, quantity=1)


def test_who_did_it_and_what_was_unpinned_are_in_the_events(room):  # noqa: F811
    first = room.previous_product(ASSISTANT)
    assert first.actor == ASSISTANT and first.payload == {"product_id": 3}
    with pytest.raises(ActionRefused, match="商品已在讲解中 / product 3 is already pinned"):
        room.pin_product(3, ASSISTANT)
    unpinned = room.unpin_product(ASSISTANT)
    assert (unpinned.type, unpinned.payload, unpinned.actor) == (EventType.PRODUCT_UNPINNED, {"product_id": 3},
                                                                 ASSISTANT)
    comment = room.bus.publish(Event(EventType.COMMENT, {"user_id": "u", "text": "hi"}))
    room.pin_comment(comment, ASSISTANT)
    assert room.unpin_comment(ASSISTANT).payload == {}
    room.bus.publish(Event(EventType.COUPON_CLAIMED, {"user_id": "u", "coupon_id": 404}))
    assert room.bus.subscriber_errors == 0  # an unknown coupon is ignored, not a failure


def test_what_a_sale_and_a_reply_put_on_stream_is_what_their_events_carry(room):  # noqa: F811
    room.start_flash_sale(1, 990, 3, 60, ASSISTANT)
    assert (room.state.flash_sale.product_id, room.state.flash_sale.price_cents) == (1, 990)
    room.reply_comment(7, "小红", "有优惠吗", "关注领券", ASSISTANT)
    reply = room.state.reply
    assert (reply.comment_seq, reply.nickname, reply.question, reply.answer) == (7, "小红", "有优惠吗", "关注领券")
