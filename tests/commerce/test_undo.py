"""Undo of live verbs: each undo is a new event that restores what was there; the log keeps both."""

from __future__ import annotations

import pytest

from app.commerce.room import ActionRefused, CouponState, LiveRoom, ProductState
from app.commerce.undo import UndoableVerbs
from app.kernel.bus import EventBus
from app.kernel.events import Event, EventType

ACTOR = "assistant:小王"


@pytest.fixture
def verbs():
    bus = EventBus()
    bus.go_live()
    log: list[Event] = []
    bus.subscribe(log.append)
    room = LiveRoom(bus, [ProductState(1, "CUP", "保温杯", 15900, 8900, 100),
                          ProductState(2, "TEA", "龙井", 29900, 19900, 5)],
                    [CouponState(1, "满199减30", "full_reduction", 19900, 3000)])
    undoable = UndoableVerbs(room, ACTOR)
    undoable.log = log
    return undoable


def test_price_stock_and_pin_are_taken_back_in_reverse_order(verbs):
    room = verbs.room
    verbs.do("pin_product", 1)
    verbs.do("set_live_price", 1, 100)  # a typo: ￥1 instead of ￥100
    verbs.do("set_stock", 2, 0)
    verbs.do("pin_product", 2)
    assert "保温杯" in verbs.next_undo()
    assert "保温杯" in verbs.undo() and room.state.pinned_product == 1
    assert "stock back to 5" in verbs.undo() and room.state.products[2].stock == 5
    assert "￥89" in verbs.undo() and room.state.products[1].live_price_cents == 8900
    assert "unpinned" in verbs.undo() and room.state.pinned_product is None
    with pytest.raises(ActionRefused, match="nothing to undo"):
        verbs.undo()
    kinds = [e.type for e in verbs.log]
    assert kinds.count(EventType.PRICE_CHANGED) == 2 and kinds[-1] == EventType.PRODUCT_UNPINNED  # history kept
    assert all(e.actor == ACTOR for e in verbs.log)


def test_coupon_and_flash_sale_undo_and_a_step_the_room_has_moved_past(verbs):
    room = verbs.room
    verbs.do("drop_coupon", 1, 10, 60)
    verbs.do("start_flash_sale", 2, 990, 3, 30)
    verbs.undo()
    assert room.state.flash_sale is None
    room.stop_coupon(1, "assistant:another")  # someone else already stopped it
    with pytest.raises(ActionRefused, match="cannot undo"):
        verbs.undo()
    assert not verbs.can_undo  # dropped: it cannot be taken back any more
    with pytest.raises(ActionRefused):
        verbs.do("set_live_price", 1, -5)  # a refused verb leaves nothing to undo
    assert not verbs.can_undo
