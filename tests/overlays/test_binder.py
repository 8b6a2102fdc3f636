"""Room state reaches the stream's overlays: a pin shows a product card within 200 ms; hidden comments never."""

from __future__ import annotations

import time

import pytest

from app.commerce.room import CouponState, LiveRoom, ProductState
from app.kernel.bus import EventBus
from app.kernel.events import Event, EventType
from app.kernel.moderation import BannedWords, moderate
from app.media.compose import Compositor
from app.overlays.binder import OverlayBinder
from app.overlays.overlay_set import OverlaySet

pytestmark = pytest.mark.usefixtures("qapp_offscreen")


def wait(predicate, timeout=2.0) -> float | None:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.005)
    return None


def test_room_changes_appear_on_the_overlays():
    bus = EventBus()
    bus.add_transform(moderate(BannedWords(["加微信"])))
    bus.go_live()
    room = LiveRoom(bus, [ProductState(1, "CUP", "保温杯", 15900, 8900, 10)],
                    [CouponState(1, "满199减30", "full_reduction", 19900, 3000)])
    compositor = Compositor(1280, 720)
    overlays = OverlaySet(compositor)
    binder = OverlayBinder(room, overlays)
    binder.start()
    names = lambda: {layer.name for layer in compositor.layers()}  # noqa: E731
    try:
        assert names() == set()
        room.pin_product(1, "assistant:a")
        assert (delay := wait(lambda: "product_card" in names())) is not None and delay < 0.2
        room.drop_coupon(1, 10, 30, "assistant:a")
        assert wait(lambda: "coupon" in names()) is not None
        bus.publish(Event(EventType.COMMENT, {"user_id": "u", "nickname": "坏人", "text": "加微信领红包"}))
        time.sleep(0.25)
        assert "comments" not in names()  # the only comment was hidden
        bus.publish(Event(EventType.COMMENT, {"user_id": "u", "nickname": "小鹿", "text": "几号发货"}))
        assert wait(lambda: "comments" in names()) is not None
        renders = overlays.renders("product_card")
        time.sleep(0.35)
        assert overlays.renders("product_card") == renders  # nothing changed: nothing re-rendered
        room.unpin_product("assistant:a")
        assert wait(lambda: "product_card" not in names()) is not None
    finally:
        binder.stop()


def test_the_product_card_carries_the_products_picture(tmp_path):
    from app.catalogue import SAMPLE_CATALOGUE

    picture = SAMPLE_CATALOGUE.parent / "images" / "cup.png"
    bus = EventBus()
    bus.go_live()
    room = LiveRoom(bus, [ProductState(1, "CUP", "保温杯", 15900, 8900, 10, str(picture)),
                          ProductState(2, "TEA", "龙井", 29900, 19900, 5, str(tmp_path / "gone.png"))])
    compositor = Compositor(1280, 720)
    overlays = OverlaySet(compositor)
    binder = OverlayBinder(room, overlays)
    try:
        room.pin_product(1, "assistant:a")
        binder.refresh()
        card = overlays.content("product_card")
        assert card.image == picture.read_bytes()
        room.pin_product(2, "assistant:a")  # its picture vanished: the card goes on without one
        binder.refresh()
        assert overlays.content("product_card").title == "龙井" and overlays.content("product_card").image is None
        assert "product_card" in {layer.name for layer in compositor.layers()}
    finally:
        binder.stop()


def test_a_draw_shows_its_countdown_then_its_winners_then_goes():
    from app.overlays import binder as binder_module

    room, compositor, overlays, binder = bound_room()
    bus = room.bus
    try:
        room.start_draw("保温杯一个", "福袋来了", 1, 60, "anyone", "assistant:a")
        assert wait(lambda: overlays.content("draw") is not None) is not None
        card = overlays.content("draw")
        assert (card.prize, card.keyword, card.drawn) == ("保温杯一个", "福袋来了", False) and 55 <= card.seconds_left <= 60
        bus.publish(Event(EventType.COMMENT, {"user_id": "u1", "nickname": "小鹿", "text": "福袋来了"}))
        assert wait(lambda: overlays.content("draw").entrants == 1) is not None
        room.stop_draw("assistant:a")
        assert wait(lambda: overlays.content("draw").drawn) is not None
        assert overlays.content("draw").winners == ("小鹿",) and "draw" in {layer.name for layer in compositor.layers()}
        binder_module.WINNERS_SHOWN_S = 0.0  # the winners' time is up
        assert wait(lambda: overlays.content("draw") is None) is not None
    finally:
        binder_module.WINNERS_SHOWN_S = 60.0
        binder.stop()


def test_the_draw_card_renders_open_and_drawn():
    from app.overlays.cards import DrawContent, render_draw

    open_card = render_draw(DrawContent("保温杯一个", "福袋来了", 42, 17))
    drawn = render_draw(DrawContent("保温杯一个", "福袋来了", 0, 17, ("小鹿", "阿杰"), drawn=True))
    assert open_card.shape == drawn.shape and open_card.shape[2] == 4
    assert (open_card[..., 3] > 0).mean() > 0.9 and not (open_card == drawn).all()


def bound_room():
    """A live room on its own bus, bound to the overlays of a 720p canvas (the binder started)."""
    bus = EventBus()
    bus.go_live()
    room = LiveRoom(bus, [ProductState(1, "CUP", "保温杯", 15900, 8900, 10)])
    compositor = Compositor(1280, 720)
    overlays = OverlaySet(compositor)
    binder = OverlayBinder(room, overlays)
    binder.start()
    return room, compositor, overlays, binder


def test_a_reply_shows_for_its_seconds_and_a_notice_until_taken_off():
    room, compositor, overlays, binder = bound_room()
    try:
        room.reply_comment(7, "小鹿", "什么时候发货", "48 小时内发货", "assistant:a", shown_s=0.5)
        room.pin_notice("20:00 福袋", "assistant:a")
        assert wait(lambda: overlays.content("reply") is not None and overlays.content("notice") is not None)
        assert (overlays.content("reply").nickname, overlays.content("reply").answer) == ("小鹿", "48 小时内发货")
        assert overlays.content("notice").text == "20:00 福袋"
        assert wait(lambda: overlays.content("reply") is None, 3) is not None  # its half second is over
        assert overlays.content("notice") is not None
        room.unpin_notice("assistant:a")
        assert wait(lambda: overlays.content("notice") is None) is not None
        assert not {"reply", "notice"} & {layer.name for layer in compositor.layers()}
    finally:
        binder.stop()


def test_the_reply_and_notice_cards_render_and_fit():
    from app.overlays.cards import NoticeContent, ReplyContent, render_notice, render_reply

    short = render_reply(ReplyContent("小鹿", "发货？", "48 小时内发货"))
    long = render_reply(ReplyContent("小鹿" * 20, "问" * 100, "答" * 200))  # cut to two lines, never larger
    assert short.shape == long.shape and short.shape[2] == 4 and (short[..., 3] > 0).mean() > 0.9
    small, wide = render_notice(NoticeContent("福袋")), render_notice(NoticeContent("公" * 60))
    assert small.shape[1] < wide.shape[1] <= 900 and small.shape[0] == wide.shape[0]
    assert render_notice(NoticeContent("福袋"), scale=1.5).shape[0] == int(48 * 1.5)


def test_a_flash_sale_on_the_pinned_product_is_one_price_on_stream():
    """Issue #26: the flash-sale card said ¥9.9 while the product card beside it still said ¥89 / 仅剩 294 件."""
    bus = EventBus()
    bus.go_live()
    room = LiveRoom(bus, [ProductState(1, "CUP", "保温杯", 15900, 8900, 294), ProductState(2, "TEA", "龙井", 100, 90, 5)],
                    [])
    overlays = OverlaySet(Compositor(1280, 720))
    binder = OverlayBinder(room, overlays)
    room.pin_product(1, "assistant:a")
    binder.refresh()
    assert (overlays.content("product_card").live_price, overlays.content("product_card").stock_left) == (89, 294)
    room.start_flash_sale(1, 990, 50, 60, "assistant:a")
    binder.refresh()
    card, sale = overlays.content("product_card"), overlays.content("flash_sale")
    assert (card.live_price, card.stock_left, card.badge) == (9.9, 50, "秒杀中")
    assert (sale.price, sale.stock_left) == (card.live_price, card.stock_left)
    room.stop_flash_sale("assistant:a")
    binder.refresh()
    assert (overlays.content("product_card").live_price, overlays.content("product_card").badge) == (89, "讲解中")
    room.start_flash_sale(2, 50, 3, 60, "assistant:a")  # a sale on another product: the pinned card is unchanged
    binder.refresh()
    assert overlays.content("product_card").live_price == 89
