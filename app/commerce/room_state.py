"""The live room's state as values: products, coupons, the flash sale, the 福袋, the pinned comment and reply, the
notice (`RoomState`), a private copy of it with its time (`RoomSnapshot`), and the checks every verb makes on
what it is given (`check_cents`, `check_count`, `check_duration`, `check_coupon`; `ActionRefused` with a reason
the assistant can act on). `app.commerce.room.LiveRoom` owns one `RoomState` and changes it only from the bus.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from app import values
from app.kernel.moderation import clean_text
from app.text import graphemes


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


def check_cents(value: object, name: values.Name, minimum: int = 1) -> int:
    try:
        return values.cents(value, name, minimum)
    except values.BadValue as exc:
        raise ActionRefused(str(exc)) from None


def check_count(value: object, name: values.Name, minimum: int = 0, maximum: int = values.MAX_COUNT) -> int:
    try:
        return values.whole(value, name, minimum, maximum)
    except values.BadValue as exc:
        raise ActionRefused(str(exc)) from None


def check_duration(value: object, name: values.Name) -> float:
    try:
        return values.seconds(value, name)
    except values.BadValue as exc:
        raise ActionRefused(str(exc)) from None


COUPON_KINDS = {"full_reduction": "满减", "discount": "折扣", "no_threshold": "无门槛"}


def check_coupon(name: str, kind: str, threshold_cents: int = 0, discount_cents: int = 0, rate: float = 1.0,
                 quantity: int = 0) -> dict:
    """A coupon's definition, checked; returns it as a payload dict or raises ActionRefused with the reason.

    满减 full_reduction: spend ≥ threshold, minus discount (discount < threshold); 折扣 discount: pay rate × price
    (0 < rate < 1, 0.9 = 9折); 无门槛 no_threshold: minus discount."""
    name = clean_text(name, 101) if isinstance(name, str) else ""
    if not name or graphemes(name) > 100:
        raise ActionRefused("券名须为 1–100 个字 / the coupon name must be 1..100 characters")
    if kind not in COUPON_KINDS:
        raise ActionRefused(f"未知券类型 / unknown coupon kind {kind!r}")
    quantity = check_count(quantity, ("发放数量", "quantity"), minimum=1)
    threshold_cents = check_cents(threshold_cents, ("门槛", "threshold"), minimum=0)
    discount_cents = check_cents(discount_cents, ("减额", "discount"), minimum=0)
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not math.isfinite(values.as_float(rate)):
        raise ActionRefused("折扣须为数字 / the discount rate must be a number")
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
class DrawState:
    """福袋: the draw open now, or the last one with its winners (app/commerce/draw.py)."""

    draw_id: int
    prize: str
    keyword: str
    winners_count: int
    who: str
    ends_at: float  # stream time
    commitment: str
    open: bool = True
    entrants: int = 0
    winners: list[str] = field(default_factory=list)  # nicknames, once drawn
    closed_at: float | None = None  # stream time entries closed
    drawn: bool = False  # the winners are announced


@dataclass
class ReplyState:
    """自动回复: an answer to a viewer's question on stream until `until` (stream time)."""

    comment_seq: int
    nickname: str
    question: str
    answer: str
    until: float


MAX_NOTICE = 60  # a 公告 on stream: one line
MAX_SEQ = 2**53  # an event's number in the log (a long show passes 10^7)


@dataclass
class RoomState:
    products: dict[int, ProductState] = field(default_factory=dict)
    coupons: dict[int, CouponState] = field(default_factory=dict)
    run_sheet: list[int] = field(default_factory=list)
    pinned_product: int | None = None
    flash_sale: FlashSaleState | None = None
    pinned_comment: PinnedComment | None = None
    draw: DrawState | None = None
    reply: ReplyState | None = None
    notice: str | None = None  # 公告 pinned on stream


@dataclass(frozen=True)
class RoomSnapshot:
    """The room at one moment, as a private copy (taken under the room's state lock) with the stream time then.
    Every reader outside the room (overlays, docks, teleprompter, simulator, undo) reads one of these, never the
    live `LiveRoom.state` that the bus's dispatcher changes. Read for display as `.state` and `.stream_time()` (as
    the assistant's `RoomView` is)."""

    state: RoomState
    time: float | None

    def stream_time(self) -> float | None:
        return self.time
