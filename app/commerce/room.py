"""The live room's commerce state and the assistant's verbs (场控操作).

Every verb validates against the current state and raises `ActionRefused` with a reason the assistant can act
on; a valid verb becomes an event on the bus. The state itself changes only by consuming events from the bus
(`apply`), so platform orders, an assistant on another machine and the replay all go through one path.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from app.live.bus import EventBus
from app.live.events import SYSTEM, Event, EventType


class ActionRefused(ValueError):
    """A verb that cannot be done now; the message is shown to the assistant (Chinese / English)."""


@dataclass
class ProductState:
    id: int
    sku: str
    title: str
    list_price_cents: int
    live_price_cents: int
    stock: int
    image: str = ""  # a picture file's path ("" or unreadable: none shown)


@dataclass
class CouponState:
    id: int
    name: str
    kind: str
    threshold_cents: int = 0
    discount_cents: int = 0
    rate: float = 1.0
    remaining: int = 0
    total: int = 0
    expires_at: float | None = None  # stream time
    live: bool = False


COUPON_KINDS = {"full_reduction": "满减", "discount": "折扣", "no_threshold": "无门槛"}


def check_coupon(name: str, kind: str, threshold_cents: int = 0, discount_cents: int = 0, rate: float = 1.0,
                 quantity: int = 0) -> dict:
    """A coupon's definition, checked; returns it as a payload dict or raises ActionRefused with the reason.

    满减 full_reduction: spend ≥ threshold, minus discount (discount < threshold); 折扣 discount: pay rate × price
    (0 < rate < 1, 0.9 = 9折); 无门槛 no_threshold: minus discount."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ActionRefused("券名须为 1–100 个字 / the coupon name must be 1..100 characters")
    if kind not in COUPON_KINDS:
        raise ActionRefused(f"未知券类型 / unknown coupon kind {kind!r}")
    if quantity < 1:
        raise ActionRefused("发放数量至少 1 张 / the quantity must be at least 1")
    if kind == "full_reduction" and not 0 < discount_cents < threshold_cents:
        raise ActionRefused("满减：减额须大于 0 且小于门槛 / full reduction: 0 < discount < threshold")
    if kind == "no_threshold" and discount_cents <= 0:
        raise ActionRefused("无门槛券的减额须大于 0 / a no-threshold coupon needs a discount above 0")
    if kind == "discount" and not 0 < rate < 1:
        raise ActionRefused("折扣须在 0.1–9.9 折之间 / the discount rate must be between 0 and 1")
    return {"name": name, "kind": kind, "threshold_cents": threshold_cents if kind == "full_reduction" else 0,
            "discount_cents": discount_cents if kind != "discount" else 0, "rate": rate if kind == "discount" else 1.0,
            "quantity": quantity}


@dataclass
class FlashSaleState:
    product_id: int
    price_cents: int
    stock: int
    ends_at: float  # stream time


@dataclass
class PinnedComment:
    seq: int
    nickname: str
    text: str


@dataclass
class RoomState:
    products: dict[int, ProductState] = field(default_factory=dict)
    coupons: dict[int, CouponState] = field(default_factory=dict)
    run_sheet: list[int] = field(default_factory=list)
    pinned_product: int | None = None
    flash_sale: FlashSaleState | None = None
    pinned_comment: PinnedComment | None = None


class LiveRoom:
    """Owns `state`; verbs publish, `apply` (a bus subscriber) mutates. `tick()` expires timed things."""

    def __init__(self, bus: EventBus, products: list[ProductState], coupons: list[CouponState] | None = None,
                 run_sheet: list[int] | None = None) -> None:
        self.bus = bus
        self.state = RoomState({p.id: p for p in products}, {c.id: c for c in coupons or []},
                               list(run_sheet) if run_sheet else [p.id for p in products])
        self._lock = threading.RLock()
        self._unsubscribe = bus.subscribe(self.apply)

    def close(self) -> None:
        self._unsubscribe()

    def view(self, build):
        """`build(state)` under the room's lock: a consistent read from another thread."""
        with self._lock:
            return build(self.state)

    # --- verbs -------------------------------------------------------------------------------------------
    def pin_product(self, product_id: int, actor: str) -> Event:
        """讲解: pin the product being explained (unpins the previous one)."""
        with self._lock:
            self._product(product_id)
            if self.state.pinned_product == product_id:
                raise ActionRefused(f"商品已在讲解中 / product {product_id} is already pinned")
            return self._publish(EventType.PRODUCT_PINNED, {"product_id": product_id}, actor)

    def unpin_product(self, actor: str) -> Event:
        with self._lock:
            if self.state.pinned_product is None:
                raise ActionRefused("没有讲解中的商品 / no product is pinned")
            return self._publish(EventType.PRODUCT_UNPINNED, {"product_id": self.state.pinned_product}, actor)

    def next_product(self, actor: str, step: int = 1) -> Event:
        """Next (or, with step=-1, previous) product on the run sheet."""
        with self._lock:
            sheet = self.state.run_sheet
            if not sheet:
                raise ActionRefused("排品表为空 / the run sheet is empty")
            current = self.state.pinned_product
            index = sheet.index(current) + step if current in sheet else (0 if step > 0 else len(sheet) - 1)
            if not 0 <= index < len(sheet):
                raise ActionRefused("已到排品表尽头 / no more products in that direction")
            return self.pin_product(sheet[index], actor)

    def previous_product(self, actor: str) -> Event:
        return self.next_product(actor, step=-1)

    def set_live_price(self, product_id: int, live_price_cents: int, actor: str) -> Event:
        with self._lock:
            self._product(product_id)
            if live_price_cents <= 0:
                raise ActionRefused("直播价必须大于 0 / the live price must be above 0")
            return self._publish(EventType.PRICE_CHANGED,
                                 {"product_id": product_id, "live_price_cents": live_price_cents}, actor)

    def set_stock(self, product_id: int, stock: int, actor: str) -> Event:
        with self._lock:
            self._product(product_id)
            if stock < 0:
                raise ActionRefused("库存不能为负 / stock cannot be negative")
            return self._publish(EventType.STOCK_CHANGED, {"product_id": product_id, "stock": stock}, actor)

    def drop_coupon(self, coupon_id: int, quantity: int, duration_s: float, actor: str) -> Event:
        """发券: make a coupon claimable for `duration_s` seconds, `quantity` pieces."""
        with self._lock:
            coupon = self.state.coupons.get(coupon_id)
            if coupon is None:
                raise ActionRefused(f"没有这张券 / unknown coupon {coupon_id}")
            if coupon.live:
                raise ActionRefused(f"优惠券已在发放中 / coupon {coupon.name} is already live")
            if quantity <= 0:
                raise ActionRefused(f"优惠券数量为 0 / coupon {coupon.name} has no quantity to drop")
            if duration_s <= 0:
                raise ActionRefused("发券时长必须大于 0 / the coupon needs a positive duration")
            now = self._now()
            return self._publish(EventType.COUPON_DROPPED, {"coupon_id": coupon_id, "quantity": quantity,
                                                            "expires_at": now + duration_s}, actor)

    def define_coupon(self, coupon_id: int, definition: dict, actor: str) -> Event:
        """新建/编辑券: add a coupon to the room or change one that is not being dropped now."""
        with self._lock:
            payload = check_coupon(**definition)
            coupon = self.state.coupons.get(coupon_id)
            if coupon is not None and coupon.live:
                raise ActionRefused(f"发放中的券不能修改 / coupon {coupon.name} is live: stop it first")
            return self._publish(EventType.COUPON_DEFINED, {"coupon_id": coupon_id, **payload}, actor)

    def stop_coupon(self, coupon_id: int, actor: str) -> Event:
        with self._lock:
            coupon = self.state.coupons.get(coupon_id)
            if coupon is None or not coupon.live:
                raise ActionRefused(f"优惠券未在发放 / coupon {coupon_id} is not live")
            return self._publish(EventType.COUPON_ENDED, {"coupon_id": coupon_id, "reason": "stopped"}, actor)

    def start_flash_sale(self, product_id: int, price_cents: int, stock: int, duration_s: float,
                         actor: str) -> Event:
        """秒杀: limited stock at a sale price until the stock or the time runs out."""
        with self._lock:
            product = self._product(product_id)
            if self.state.flash_sale is not None:
                raise ActionRefused("已有进行中的秒杀 / a flash sale is already running")
            if product.stock <= 0:
                raise ActionRefused(f"商品库存为 0，不能秒杀 / {product.title} has no stock for a flash sale")
            if not 0 < stock <= product.stock:
                raise ActionRefused(f"秒杀库存须在 1–{product.stock} 之间 / flash-sale stock must be 1..{product.stock}")
            if price_cents <= 0 or duration_s <= 0:
                raise ActionRefused("秒杀价和时长必须大于 0 / price and duration must be above 0")
            return self._publish(EventType.FLASH_SALE_STARTED,
                                 {"product_id": product_id, "price_cents": price_cents, "stock": stock,
                                  "ends_at": self._now() + duration_s}, actor)

    def stop_flash_sale(self, actor: str) -> Event:
        with self._lock:
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
        return self._publish(EventType.COMMENT_PINNED, {"comment_seq": comment.seq,
                                                        "nickname": comment.payload.get("nickname", ""),
                                                        "text": comment.payload.get("text", "")}, actor)

    def unpin_comment(self, actor: str) -> Event:
        if self.state.pinned_comment is None:
            raise ActionRefused("没有置顶的评论 / no comment is pinned")
        return self._publish(EventType.COMMENT_UNPINNED, {}, actor)

    def tick(self) -> list[Event]:
        """Expire coupons and flash sales whose time is up (call about once a second)."""
        now = self._now()
        ended = []
        with self._lock:
            for coupon in list(self.state.coupons.values()):
                if coupon.live and coupon.expires_at is not None and now >= coupon.expires_at:
                    ended.append(self._publish(EventType.COUPON_ENDED, {"coupon_id": coupon.id,
                                                                        "reason": "expired"}, SYSTEM))
            sale = self.state.flash_sale
            if sale is not None and now >= sale.ends_at:
                ended.append(self._publish(EventType.FLASH_SALE_ENDED, {"product_id": sale.product_id,
                                                                        "reason": "time"}, SYSTEM))
        return ended

    # --- the one place state changes --------------------------------------------------------------------
    def apply(self, event: Event) -> None:
        with self._lock:
            handler = _APPLY.get(event.type)
            if handler is not None:
                handler(self, event)

    def _on_pinned(self, event: Event) -> None:
        self.state.pinned_product = event.payload["product_id"]

    def _on_unpinned(self, event: Event) -> None:
        self.state.pinned_product = None

    def _on_price(self, event: Event) -> None:
        self.state.products[event.payload["product_id"]].live_price_cents = event.payload["live_price_cents"]

    def _on_stock(self, event: Event) -> None:
        self.state.products[event.payload["product_id"]].stock = event.payload["stock"]

    def _on_order(self, event: Event) -> None:
        product = self.state.products.get(event.payload.get("product_id"))
        quantity = int(event.payload.get("quantity", 1))
        if product is not None:
            product.stock = max(0, product.stock - quantity)
        sale = self.state.flash_sale
        if sale is not None and product is not None and sale.product_id == product.id:
            sale.stock = max(0, sale.stock - quantity)
            if sale.stock == 0:
                self._publish(EventType.FLASH_SALE_ENDED, {"product_id": sale.product_id, "reason": "sold out"},
                              SYSTEM)

    def _on_coupon_dropped(self, event: Event) -> None:
        coupon = self.state.coupons[event.payload["coupon_id"]]
        coupon.live, coupon.remaining = True, event.payload["quantity"]
        coupon.total, coupon.expires_at = event.payload["quantity"], event.payload["expires_at"]

    def _on_coupon_defined(self, event: Event) -> None:
        p = event.payload
        self.state.coupons[p["coupon_id"]] = CouponState(p["coupon_id"], p["name"], p["kind"], p["threshold_cents"],
                                                         p["discount_cents"], p["rate"], remaining=p["quantity"],
                                                         total=p["quantity"])

    def _on_coupon_claimed(self, event: Event) -> None:
        coupon = self.state.coupons.get(event.payload.get("coupon_id"))
        if coupon is None or not coupon.live:
            return
        coupon.remaining = max(0, coupon.remaining - 1)
        if coupon.remaining == 0:
            self._publish(EventType.COUPON_ENDED, {"coupon_id": coupon.id, "reason": "sold out"}, SYSTEM)

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
}
