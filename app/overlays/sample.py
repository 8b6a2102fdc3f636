"""`--overlay-demo`: a product card, a coupon countdown and a comment ticker driven by a timer thread."""

from __future__ import annotations

import random
import threading

from app.commerce.room import RoomSnapshot
from app.media.pictures import picture_bytes
from app.overlays.cards import (CommentsContent, CouponContent, DrawContent, FlashSaleContent, NoticeContent,
                                PinnedCommentContent, ProductCardContent, ReplyContent)
from app.overlays.overlay_set import OverlaySet

DEMO_COMMENTS = (
    ("小鹿", "主播好！今天有什么福利"), ("阿强", "这个杯子保温多久？"), ("Lily", "能发顺丰吗"),
    ("橘子汽水", "买了买了"), ("老王", "有没有蓝色的"), ("momo", "<b>加粗</b> 会不会被执行？"),
    ("桃子", "已下单，什么时候发货"), ("Kevin", "价格再低点吧"), ("小雨", "券怎么领"), ("大熊", "已关注"),
)


class OverlayDemo:
    """Updates the overlays once a second, like an assistant's console would; stop() ends it."""

    def __init__(self, overlays: OverlaySet, seed: int = 7) -> None:
        self.overlays = overlays
        self._random = random.Random(seed)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="overlay demo", daemon=True)

    def start(self) -> None:
        self._tick(0)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)

    def _run(self) -> None:
        second = 0
        while not self._stop.wait(1.0):
            second += 1
            self._tick(second)

    def _tick(self, second: int) -> None:
        stock = max(0, 200 - second * 3)
        self.overlays.update("product_card", ProductCardContent("【直播专享】真空保温杯 500ml", 89, 159, stock))
        self.overlays.update("coupon", CouponContent("满199减30", max(0, 300 - second), max(0, 500 - second * 7), 500))
        shown = [DEMO_COMMENTS[(second + i) % len(DEMO_COMMENTS)] for i in range(6)]
        self.overlays.update("comments", CommentsContent(tuple(shown)))


def show_layout_sample(overlays: OverlaySet, room: RoomSnapshot) -> None:
    """Before going live: every overlay with sample content from the catalogue, so the streamer sees (and drags)
    the layout the stream will have. Only the preview shows it; nothing is encoded before going live."""
    state = room.state
    products = [state.products[i] for i in state.run_sheet if i in state.products]
    if products:
        first = products[0]
        overlays.update("product_card", ProductCardContent(first.title, first.live_price_cents / 100,
                                                           first.list_price_cents / 100, first.stock, badge="示例",
                                                           image=picture_bytes(first.image)))
        sale = products[1] if len(products) > 1 else first
        overlays.update("flash_sale", FlashSaleContent(sale.title, sale.live_price_cents / 200, 20, 90))
    coupon = next(iter(state.coupons.values()), None)
    if coupon is not None:
        overlays.update("coupon", CouponContent(coupon.name, 120, coupon.total or 100, coupon.total or 100))
    overlays.update("comments", CommentsContent(tuple(DEMO_COMMENTS[:6])))
    overlays.update("pinned_comment", PinnedCommentContent(*DEMO_COMMENTS[1]))
    overlays.update("draw", DrawContent("示例福袋", "福袋来了", 60, 0))
    overlays.update("reply", ReplyContent("桃子", "已下单，什么时候发货", "付款后48小时内发货，默认中通快递"))
    overlays.update("notice", NoticeContent("示例公告：20:00 福袋，21:00 秒杀"))
