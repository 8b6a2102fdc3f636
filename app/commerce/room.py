"""The live room and the assistant's verbs (场控操作); its state as values is `app.commerce.room_state`.

Every verb validates against the current state and raises `ActionRefused` with a reason the assistant can act
on; a valid verb becomes an event on the bus. The state itself changes only by consuming events from the bus
(`apply`), so platform orders, an assistant on another machine and the replay all go through one path.
"""

from __future__ import annotations

import copy
import threading

from app import values
from app.commerce import draw as lucky
from app.commerce import faq
from app.commerce.room_state import (MAX_NOTICE, MAX_SEQ, ActionRefused, CouponState, DrawState, FlashSaleState,
                                     PinnedComment, ProductState, ReplyState, RoomSnapshot, RoomState, check_cents,
                                     check_count, check_coupon, check_duration)
from app.kernel.bus import EventBus
from app.kernel.events import SYSTEM, Event, EventType
from app.kernel.moderation import clean_text
from app.text import cut

__all__ = ["ActionRefused", "CouponState", "DrawState", "FlashSaleState", "LiveRoom", "PinnedComment",
           "ProductState", "ReplyState", "RoomSnapshot", "RoomState", "check_cents", "check_count",
           "check_coupon", "check_duration", "MAX_NOTICE", "MAX_SEQ"]


class LiveRoom:
    """Owns `state`; verbs publish, `apply` (a bus subscriber) mutates. `tick()` expires timed things.

    Two locks, always taken in this order: the verb lock (one verb at a time, held from its check until its
    event has been dispatched, so two assistants cannot both start a flash sale) → the bus (which waits for
    the dispatcher) → the state lock (a leaf: held only to read or change `state`, never across a publish).
    `apply` runs in the bus's dispatcher and takes the state lock only; the events it causes (sold out) are
    published after it is released. Verbs must not be called from a bus subscriber.
    """

    def __init__(self, bus: EventBus, products: list[ProductState], coupons: list[CouponState] | None = None,
                 run_sheet: list[int] | None = None) -> None:
        self.bus = bus
        self.state = RoomState({p.id: p for p in products}, {c.id: c for c in coupons or []},
                               list(run_sheet) if run_sheet else [p.id for p in products])
        self._verb_lock = threading.RLock()  # outermost; re-entrant because next_product calls pin_product
        self._state_lock = threading.Lock()  # innermost; never held while calling out
        # the draw's private parts, never in `state` (snapshots go to overlays and assistants): the open draw's
        # seed until it is revealed and the draws started (the verbs'), who may enter and who did (the log's)
        self._draw_seed: bytes | None = None
        self._draws = 0
        self._entries = lucky.Entries()
        self._unsubscribe = bus.subscribe(self.apply)

    def close(self) -> None:
        self._unsubscribe()

    def snapshot(self) -> RoomSnapshot:
        """A private copy of the state now (cheap: a catalogue of dozens of products)."""
        now = self.bus.stream_time()
        with self._state_lock:
            return RoomSnapshot(copy.deepcopy(self.state), now)

    def view(self, build):
        """`build(state)` under the room's state lock: a consistent read from another thread. `build` must be
        quick and must not publish or call a verb."""
        with self._state_lock:
            return build(self.state)

    # --- verbs -------------------------------------------------------------------------------------------
    # Each verb: under the verb lock, check against the state (under the state lock), then publish with the
    # state lock released. The verb lock is still held while the bus dispatches, so the next verb sees this one.

    def pin_product(self, product_id: int, actor: str) -> Event:
        """讲解: pin the product being explained (unpins the previous one)."""
        with self._verb_lock:
            with self._state_lock:
                self._product(product_id)
                if self.state.pinned_product == product_id:
                    raise ActionRefused(f"商品已在讲解中 / product {product_id} is already pinned")
            return self._publish(EventType.PRODUCT_PINNED, {"product_id": product_id}, actor)

    def unpin_product(self, actor: str) -> Event:
        with self._verb_lock:
            with self._state_lock:
                pinned = self.state.pinned_product
            if pinned is None:
                raise ActionRefused("没有讲解中的商品 / no product is pinned")
            return self._publish(EventType.PRODUCT_UNPINNED, {"product_id": pinned}, actor)

    def next_product(self, actor: str, step: int = 1) -> Event:
        """Next (or, with step=-1, previous) product on the run sheet."""
        with self._verb_lock:
            with self._state_lock:
                sheet, current = list(self.state.run_sheet), self.state.pinned_product
            if not sheet:
                raise ActionRefused("排品表为空 / the run sheet is empty")
            index = sheet.index(current) + step if current in sheet else (0 if step > 0 else len(sheet) - 1)
            if not 0 <= index < len(sheet):
                raise ActionRefused("已到排品表尽头 / no more products in that direction")
            return self.pin_product(sheet[index], actor)

    def previous_product(self, actor: str) -> Event:
        return self.next_product(actor, step=-1)

    def set_live_price(self, product_id: int, live_price_cents: int, actor: str) -> Event:
        with self._verb_lock:
            price = check_cents(live_price_cents, ("直播价", "live price"))
            with self._state_lock:
                self._product(product_id)
            return self._publish(EventType.PRICE_CHANGED,
                                 {"product_id": product_id, "live_price_cents": price}, actor)

    def set_stock(self, product_id: int, stock: int, actor: str) -> Event:
        with self._verb_lock:
            stock = check_count(stock, ("库存", "stock"), minimum=0)
            with self._state_lock:
                self._product(product_id)
            return self._publish(EventType.STOCK_CHANGED, {"product_id": product_id, "stock": stock}, actor)

    def drop_coupon(self, coupon_id: int, quantity: int, duration_s: float, actor: str) -> Event:
        """发券: make a coupon claimable for `duration_s` seconds, `quantity` pieces."""
        with self._verb_lock:
            quantity = check_count(quantity, ("发券数量", "coupon quantity"), minimum=1)
            duration_s = check_duration(duration_s, ("发券时长", "coupon duration"))
            with self._state_lock:
                coupon = self.state.coupons.get(coupon_id)
                if coupon is None:
                    raise ActionRefused(f"没有这张券 / unknown coupon {coupon_id}")
                if coupon.live:
                    raise ActionRefused(f"优惠券已在发放中 / coupon {coupon.name} is already live")
            return self._publish(EventType.COUPON_DROPPED, {"coupon_id": coupon_id, "quantity": quantity,
                                                            "expires_at": self._now() + duration_s}, actor)

    def define_coupon(self, coupon_id: int, definition: dict, actor: str) -> Event:
        """新建/编辑券: add a coupon to the room or change one that is not being dropped now."""
        with self._verb_lock:
            payload = check_coupon(**definition)
            with self._state_lock:
                coupon = self.state.coupons.get(coupon_id)
                if coupon is not None and coupon.live:
                    raise ActionRefused(f"发放中的券不能修改 / coupon {coupon.name} is live: stop it first")
            return self._publish(EventType.COUPON_DEFINED, {"coupon_id": coupon_id, **payload}, actor)

    def stop_coupon(self, coupon_id: int, actor: str) -> Event:
        with self._verb_lock:
            with self._state_lock:
                coupon = self.state.coupons.get(coupon_id)
                if coupon is None or not coupon.live:
                    raise ActionRefused(f"优惠券未在发放 / coupon {coupon_id} is not live")
            return self._publish(EventType.COUPON_ENDED, {"coupon_id": coupon_id, "reason": "stopped"}, actor)

    def start_flash_sale(self, product_id: int, price_cents: int, stock: int, duration_s: float,
                         actor: str) -> Event:
        """秒杀: limited stock at a sale price until the stock or the time runs out."""
        with self._verb_lock:
            price_cents = check_cents(price_cents, ("秒杀价", "flash-sale price"))
            duration_s = check_duration(duration_s, ("秒杀时长", "flash-sale duration"))
            stock = check_count(stock, ("秒杀库存", "flash-sale stock"), minimum=1)
            with self._state_lock:
                product = self._product(product_id)
                if self.state.flash_sale is not None:
                    raise ActionRefused("已有进行中的秒杀 / a flash sale is already running")
                if product.stock <= 0:
                    raise ActionRefused(f"商品库存为 0，不能秒杀 / {product.title} has no stock for a flash sale")
                if stock > product.stock:
                    raise ActionRefused(f"秒杀库存须在 1–{product.stock} 之间 / "
                                        f"flash-sale stock must be 1..{product.stock}")
            return self._publish(EventType.FLASH_SALE_STARTED,
                                 {"product_id": product_id, "price_cents": price_cents, "stock": stock,
                                  "ends_at": self._now() + duration_s}, actor)

    def stop_flash_sale(self, actor: str) -> Event:
        with self._verb_lock:
            with self._state_lock:
                sale = self.state.flash_sale
            if sale is None:
                raise ActionRefused("没有进行中的秒杀 / no flash sale is running")
            return self._publish(EventType.FLASH_SALE_ENDED, {"product_id": sale.product_id, "reason": "stopped"},
                                 actor)

    def pin_comment(self, comment: Event, actor: str) -> Event:
        if comment.type != EventType.COMMENT:
            raise ActionRefused("只能置顶评论 / only comments can be pinned")
        if comment.flagged:
            raise ActionRefused("该评论含屏蔽词 / that comment is hidden by the banned-word list")
        with self._verb_lock:
            return self._publish(EventType.COMMENT_PINNED, {"comment_seq": comment.seq,
                                                            "nickname": comment.payload.get("nickname", ""),
                                                            "text": comment.payload.get("text", "")}, actor)

    def unpin_comment(self, actor: str) -> Event:
        with self._verb_lock:
            with self._state_lock:
                pinned = self.state.pinned_comment
            if pinned is None:
                raise ActionRefused("没有置顶的评论 / no comment is pinned")
            return self._publish(EventType.COMMENT_UNPINNED, {}, actor)

    def reply_comment(self, comment_seq: int, nickname: str, question: str, answer: str, actor: str,
                      shown_s: float = faq.REPLY_SHOWN_S) -> Event:
        """回复上屏: an answer to a viewer's question as a card on stream for `shown_s` seconds (replacing the one
        shown). The answer must pass the extreme-word check (app/commerce/faq.py)."""
        with self._verb_lock:
            seq = check_count(comment_seq, ("评论编号", "comment number"), minimum=0, maximum=MAX_SEQ)
            answer = clean_text(answer if isinstance(answer, str) else "", faq.MAX_ANSWER + 1).strip()
            problem = faq.answer_problem(answer)
            if problem:
                raise ActionRefused(problem)
            shown_s = check_duration(shown_s, ("显示时长", "time shown"))
            nickname = clean_text(nickname if isinstance(nickname, str) else "", 40).strip() or "观众"
            question = clean_text(question if isinstance(question, str) else "", 100).strip()
            return self._publish(EventType.COMMENT_REPLIED,
                                 {"comment_seq": seq, "nickname": nickname, "question": question, "answer": answer,
                                  "until": self._now() + shown_s}, actor)

    def clear_reply(self, actor: str) -> Event:
        with self._verb_lock:
            with self._state_lock:
                reply = self.state.reply
            if reply is None or self._now() >= reply.until:
                raise ActionRefused("没有显示中的回复 / no reply is on stream")
            return self._publish(EventType.REPLY_CLEARED, {}, actor)

    def pin_notice(self, text: str, actor: str) -> Event:
        """公告: a one-line notice on stream until unpinned (or replaced); checked for extreme words."""
        with self._verb_lock:
            text = clean_text(text if isinstance(text, str) else "", MAX_NOTICE + 1).strip()
            problem = faq.answer_problem(text, MAX_NOTICE, ("公告", "the notice"))
            if problem:
                raise ActionRefused(problem)
            return self._publish(EventType.NOTICE_PINNED, {"text": text}, actor)

    def unpin_notice(self, actor: str) -> Event:
        with self._verb_lock:
            with self._state_lock:
                notice = self.state.notice
            if notice is None:
                raise ActionRefused("没有置顶的公告 / no notice is pinned")
            return self._publish(EventType.NOTICE_UNPINNED, {}, actor)

    def start_draw(self, prize: str, keyword: str, winners: int, duration_s: float, who: str, actor: str) -> Event:
        """福袋: open a draw; viewers enter by commenting the keyword until it closes (app/commerce/draw.py)."""
        with self._verb_lock:
            prize = cut(values.title(prize, ""), lucky.MAX_PRIZE)
            keyword = cut(values.title(keyword, ""), lucky.MAX_KEYWORD)
            if not prize or not keyword:
                raise ActionRefused("福袋需要奖品和口令 / a draw needs a prize and a keyword")
            winners = check_count(winners, ("中奖人数", "winners"), minimum=1)
            if winners > lucky.MAX_WINNERS:
                raise ActionRefused(f"中奖人数须在 1–{lucky.MAX_WINNERS} 之间 / winners must be 1..{lucky.MAX_WINNERS}")
            duration_s = check_duration(duration_s, ("福袋时长", "draw duration"))
            if who not in lucky.WHO:
                raise ActionRefused(f"参与条件须是 {'/'.join(lucky.WHO)} / who must be one of {', '.join(lucky.WHO)}")
            with self._state_lock:
                if self.state.draw is not None and self.state.draw.open:
                    raise ActionRefused("已有进行中的福袋 / a draw is already open")
            self._draws += 1
            self._draw_seed = lucky.new_seed()
            return self._publish(EventType.DRAW_STARTED,
                                 {"draw_id": self._draws, "prize": prize, "keyword": keyword, "winners": winners,
                                  "who": who, "ends_at": self._now() + duration_s,
                                  "commitment": lucky.commitment(self._draw_seed)}, actor)

    def stop_draw(self, actor: str) -> Event:
        """Close the open draw now and draw its winners."""
        with self._verb_lock:
            return self._end_draw("stopped", actor)

    def _end_draw(self, reason: str, actor: str) -> Event:
        with self._state_lock:
            draw = self.state.draw
        if draw is None or not draw.open or self._draw_seed is None:
            raise ActionRefused("没有进行中的福袋 / no draw is open")
        seed, self._draw_seed = self._draw_seed, None
        return self._publish(EventType.DRAW_ENDED, {"draw_id": draw.draw_id, "seed": seed.hex(), "reason": reason},
                             actor)

    def tick(self) -> list[Event]:
        """Expire coupons, flash sales and draws whose time is up (the session core calls it about once a second)."""
        with self._verb_lock:
            now = self._now()
            with self._state_lock:
                expired = [c.id for c in self.state.coupons.values()
                           if c.live and c.expires_at is not None and now >= c.expires_at]
                sale = self.state.flash_sale
                sale_over = sale.product_id if sale is not None and now >= sale.ends_at else None
                draw = self.state.draw
                draw_over = draw is not None and draw.open and now >= draw.ends_at
            ended = [self._publish(EventType.COUPON_ENDED, {"coupon_id": coupon_id, "reason": "expired"}, SYSTEM)
                     for coupon_id in expired]
            if sale_over is not None:
                ended.append(self._publish(EventType.FLASH_SALE_ENDED, {"product_id": sale_over, "reason": "time"},
                                           SYSTEM))
            if draw_over:
                ended.append(self._end_draw("time", SYSTEM))
            return ended

    # --- the one place state changes --------------------------------------------------------------------
    def apply(self, event: Event) -> None:
        """Bus subscriber: change the state; what that causes (sold out) is published once the lock is free."""
        handler = _APPLY.get(event.type)
        if handler is None:
            return
        with self._state_lock:
            follow_up = handler(self, event)
        if follow_up is not None:
            self.bus.publish(follow_up)

    def _on_pinned(self, event: Event) -> None:
        self.state.pinned_product = event.payload["product_id"]

    def _on_unpinned(self, event: Event) -> None:
        self.state.pinned_product = None

    def _on_price(self, event: Event) -> None:
        self.state.products[event.payload["product_id"]].live_price_cents = event.payload["live_price_cents"]

    def _on_stock(self, event: Event) -> None:
        self.state.products[event.payload["product_id"]].stock = event.payload["stock"]

    def _on_order(self, event: Event) -> Event | None:
        product = self.state.products.get(event.payload.get("product_id"))
        quantity = values.safe_int(event.payload.get("quantity", 1), default=1, maximum=values.MAX_COUNT)
        if product is not None:
            product.stock = max(0, product.stock - quantity)
        sale = self.state.flash_sale
        if sale is not None and product is not None and sale.product_id == product.id:
            sale.stock = max(0, sale.stock - quantity)
            if sale.stock == 0:
                return Event(EventType.FLASH_SALE_ENDED, {"product_id": sale.product_id, "reason": "sold out"},
                             actor=SYSTEM)
        return None

    def _on_coupon_dropped(self, event: Event) -> None:
        coupon = self.state.coupons[event.payload["coupon_id"]]
        coupon.live, coupon.remaining = True, event.payload["quantity"]
        coupon.total, coupon.expires_at = event.payload["quantity"], event.payload["expires_at"]

    def _on_coupon_defined(self, event: Event) -> None:
        p = event.payload
        self.state.coupons[p["coupon_id"]] = CouponState(p["coupon_id"], p["name"], p["kind"], p["threshold_cents"],
                                                         p["discount_cents"], p["rate"], remaining=p["quantity"],
                                                         total=p["quantity"])

    def _on_coupon_claimed(self, event: Event) -> Event | None:
        coupon = self.state.coupons.get(event.payload.get("coupon_id"))
        if coupon is None or not coupon.live:
            return None
        coupon.remaining = max(0, coupon.remaining - 1)
        if coupon.remaining == 0:
            return Event(EventType.COUPON_ENDED, {"coupon_id": coupon.id, "reason": "sold out"}, actor=SYSTEM)
        return None

    def _on_coupon_ended(self, event: Event) -> None:
        coupon = self.state.coupons.get(event.payload["coupon_id"])
        if coupon is not None:
            coupon.live = False

    def _on_flash_started(self, event: Event) -> None:
        p = event.payload
        self.state.flash_sale = FlashSaleState(p["product_id"], p["price_cents"], p["stock"], p["ends_at"])

    def _on_flash_ended(self, event: Event) -> None:
        self.state.flash_sale = None

    def _on_comment_pinned(self, event: Event) -> None:
        p = event.payload
        self.state.pinned_comment = PinnedComment(p["comment_seq"], p["nickname"], p["text"])

    def _on_comment_unpinned(self, event: Event) -> None:
        self.state.pinned_comment = None

    def _on_replied(self, event: Event) -> None:
        p = event.payload
        self.state.reply = ReplyState(p["comment_seq"], p["nickname"], p["question"], p["answer"], p["until"])

    def _on_reply_cleared(self, event: Event) -> None:
        self.state.reply = None

    def _on_notice(self, event: Event) -> None:
        self.state.notice = event.payload["text"]

    def _on_notice_unpinned(self, event: Event) -> None:
        self.state.notice = None

    def _on_comment(self, event: Event) -> None:
        draw = self.state.draw
        if draw is not None and draw.open:
            draw.entrants = self._entries.comment(event, draw.keyword, draw.who)

    def _on_enter(self, event: Event) -> None:
        self._entries.entered(event.payload.get("user_id"))

    def _on_follow(self, event: Event) -> None:
        self._entries.followed(event.payload.get("user_id"))

    def _on_draw_started(self, event: Event) -> None:
        p = event.payload
        self.state.draw = DrawState(p["draw_id"], p["prize"], p["keyword"], p["winners"], p["who"], p["ends_at"],
                                    p["commitment"])
        self._entries.began()

    def _on_draw_ended(self, event: Event) -> Event | None:
        """Entries close here, in the log's order; the winners follow from the revealed seed."""
        draw = self.state.draw
        if draw is None or draw.draw_id != event.payload.get("draw_id") or not draw.open:
            return None
        draw.open, draw.closed_at = False, event.stream_time
        winners = self._entries.winners(bytes.fromhex(event.payload["seed"]), draw.winners_count)
        return Event(EventType.DRAW_WINNERS, {"draw_id": draw.draw_id, "entrants": len(self._entries.entrants),
                                              "winners": winners}, actor=SYSTEM)

    def _on_draw_winners(self, event: Event) -> None:
        draw = self.state.draw
        if draw is not None and draw.draw_id == event.payload.get("draw_id"):
            draw.winners, draw.drawn = [w["nickname"] for w in event.payload["winners"]], True

    # --- helpers -----------------------------------------------------------------------------------------
    def _product(self, product_id: int) -> ProductState:
        product = self.state.products.get(product_id)
        if product is None:
            raise ActionRefused(f"没有这个商品 / unknown product {product_id}")
        return product

    def _now(self) -> float:
        now = self.bus.stream_time()
        return 0.0 if now is None else now

    def _publish(self, kind: EventType, payload: dict, actor: str) -> Event:
        return self.bus.publish(Event(kind, payload, actor=actor))


_APPLY = {
    EventType.PRODUCT_PINNED: LiveRoom._on_pinned,
    EventType.PRODUCT_UNPINNED: LiveRoom._on_unpinned,
    EventType.PRICE_CHANGED: LiveRoom._on_price,
    EventType.STOCK_CHANGED: LiveRoom._on_stock,
    EventType.ORDER: LiveRoom._on_order,
    EventType.COUPON_DEFINED: LiveRoom._on_coupon_defined,
    EventType.COUPON_DROPPED: LiveRoom._on_coupon_dropped,
    EventType.COUPON_CLAIMED: LiveRoom._on_coupon_claimed,
    EventType.COUPON_ENDED: LiveRoom._on_coupon_ended,
    EventType.FLASH_SALE_STARTED: LiveRoom._on_flash_started,
    EventType.FLASH_SALE_ENDED: LiveRoom._on_flash_ended,
    EventType.COMMENT_PINNED: LiveRoom._on_comment_pinned,
    EventType.COMMENT_UNPINNED: LiveRoom._on_comment_unpinned,
    EventType.COMMENT: LiveRoom._on_comment,
    EventType.ENTER: LiveRoom._on_enter,
    EventType.FOLLOW: LiveRoom._on_follow,
    EventType.DRAW_STARTED: LiveRoom._on_draw_started,
    EventType.DRAW_ENDED: LiveRoom._on_draw_ended,
    EventType.DRAW_WINNERS: LiveRoom._on_draw_winners,
    EventType.COMMENT_REPLIED: LiveRoom._on_replied,
    EventType.REPLY_CLEARED: LiveRoom._on_reply_cleared,
    EventType.NOTICE_PINNED: LiveRoom._on_notice,
    EventType.NOTICE_UNPINNED: LiveRoom._on_notice_unpinned,
}

