"""撤销 Undo for the assistant's live verbs: a wrong price, a wrong stock, the wrong product pinned, a coupon or a
flash sale started by mistake. An undo is a new verb (a new event on the bus), never an edit of the log, so the
session's history keeps both the mistake and its correction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.commerce.room import ActionRefused, LiveRoom
from app.kernel.events import Event

MAX_UNDO = 50


@dataclass(frozen=True)
class _Step:
    description: str  # what undoing it does, shown to the assistant ("中文 / English")
    inverse: Callable[[], Event]


class UndoableVerbs:
    """Runs the room's verbs for one actor and remembers how to take each back (newest first)."""

    def __init__(self, room: LiveRoom, actor: str) -> None:
        self.room, self.actor = room, actor
        self._steps: list[_Step] = []

    @property
    def can_undo(self) -> bool:
        return bool(self._steps)

    def next_undo(self) -> str | None:
        return self._steps[-1].description if self._steps else None

    def do(self, verb: str, *args) -> Event:
        """Call `room.<verb>(*args, actor)`; raises ActionRefused like the verb itself."""
        step = self._inverse(verb, *args)
        event = getattr(self.room, verb)(*args, self.actor)
        if step is not None:
            self._steps.append(step)
            del self._steps[:-MAX_UNDO]
        return event

    def undo(self) -> str:
        """Take back the newest step; returns what was done. Raises ActionRefused when there is nothing to undo
        or the room has moved on (the step is dropped then: it cannot be taken back any more)."""
        if not self._steps:
            raise ActionRefused("没有可撤销的操作 / nothing to undo")
        step = self._steps.pop()
        try:
            step.inverse()
        except ActionRefused as exc:
            raise ActionRefused(f"无法撤销 / cannot undo: {exc}") from None
        return step.description

    def _inverse(self, verb: str, *args) -> _Step | None:
        state, room, actor = self.room.snapshot().state, self.room, self.actor
        if verb in ("set_live_price", "set_stock"):
            product = state.products.get(args[0])
            if product is None:
                return None
            if verb == "set_live_price":
                old = product.live_price_cents
                return _Step(f"直播价改回 ￥{old / 100:g} / live price back to ￥{old / 100:g}: {product.title}",
                             lambda: room.set_live_price(product.id, old, actor))
            old = product.stock
            return _Step(f"库存改回 {old} / stock back to {old}: {product.title}",
                         lambda: room.set_stock(product.id, old, actor))
        if verb in ("pin_product", "next_product", "previous_product"):
            previous = state.pinned_product
            if previous is None:
                return _Step("取消讲解 / unpinned", lambda: room.unpin_product(actor))
            title = state.products[previous].title
            return _Step(f"重新讲解 / pinned again: {title}", lambda: room.pin_product(previous, actor))
        if verb == "drop_coupon":
            coupon_id = args[0]
            return _Step("停止刚发的券 / stopped the coupon just dropped", lambda: room.stop_coupon(coupon_id, actor))
        if verb == "start_flash_sale":
            return _Step("结束刚开始的秒杀 / ended the flash sale just started", lambda: room.stop_flash_sale(actor))
        if verb == "pin_comment":
            return _Step("取消置顶评论 / comment unpinned", lambda: room.unpin_comment(actor))
        if verb == "reply_comment":
            return _Step("撤下刚上屏的回复 / reply taken off the stream", lambda: room.clear_reply(actor))
        if verb == "pin_notice":
            previous = state.notice
            if previous is None:
                return _Step("撤下公告 / notice taken off the stream", lambda: room.unpin_notice(actor))
            return _Step(f"公告改回 / notice back: {previous}", lambda: room.pin_notice(previous, actor))
        return None  # stopping things is not undone: a stopped coupon is not dropped again by surprise
