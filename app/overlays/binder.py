"""Binds the live room to the stream's overlays: pinned product → product card, live coupon → banner, flash
sale → countdown, comments → ticker, pinned comment → its card, 福袋 → its card (then its winners), a reply to a
question → its card (for its few seconds), 公告 → the banner.

A thread of its own recomputes each overlay's content ten times a second from the room state and the newest
comments; `OverlaySet` re-renders a layer only when its content changed, so a click shows on stream within
about 100 ms and a steady room costs nothing.
"""

from __future__ import annotations

import logging
import threading
from collections import deque

from app.commerce.room import LiveRoom
from app.kernel.events import Event, EventType
from app.overlays.cards import (CommentsContent, CouponContent, DrawContent, FlashSaleContent, NoticeContent,
                                PinnedCommentContent, ProductCardContent, ReplyContent)
from app.media.pictures import picture_bytes
from app.overlays.overlay_set import OverlaySet

log = logging.getLogger(__name__)

WINNERS_SHOWN_S = 60.0  # a draw's winners stay on stream this long after it closes


class OverlayBinder:
    def __init__(self, room: LiveRoom, overlays: OverlaySet, period: float = 0.1, ticker_lines: int = 6) -> None:
        self.room, self.overlays, self.period = room, overlays, period
        self._comments: deque[tuple[str, str]] = deque(maxlen=ticker_lines)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.errors = 0  # refreshes that raised; the thread lives on
        self._unsubscribe = room.bus.subscribe(self._on_event)
        self._thread = threading.Thread(target=self._run, name="overlay binder", daemon=True)

    def start(self) -> None:
        self.refresh()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._unsubscribe()
        if self._thread.is_alive():
            self._thread.join(2)

    def _on_event(self, event: Event) -> None:
        if event.type == EventType.COMMENT and not event.flagged:  # hidden comments never reach the stream
            with self._lock:
                self._comments.append((event.payload.get("nickname") or "观众", event.payload.get("text", "")))

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            try:
                self.refresh()
            except Exception:  # noqa: BLE001 - a bad value must not freeze the overlays for the rest of the show
                self.errors += 1
                if self.errors == 1 or self.errors % 600 == 0:
                    log.exception("overlay refresh failed (%d times so far)", self.errors)

    def refresh(self) -> None:
        """Recompute every overlay's content from the room now (cheap; rendering happens only on change)."""
        snapshot = self.room.snapshot()
        state, now = snapshot.state, snapshot.stream_time() or 0.0
        pinned = state.products.get(state.pinned_product) if state.pinned_product is not None else None
        sale = state.flash_sale
        # one price on stream: while the pinned product is on flash sale its card shows the sale's price and stock
        on_sale = sale is not None and pinned is not None and sale.product_id == pinned.id
        self.overlays.update("product_card", None if pinned is None else ProductCardContent(
            pinned.title, (sale.price_cents if on_sale else pinned.live_price_cents) / 100,
            pinned.list_price_cents / 100, sale.stock if on_sale else pinned.stock,
            badge="秒杀中" if on_sale else "讲解中", image=picture_bytes(pinned.image)))
        live = [c for c in state.coupons.values() if c.live]
        coupon = live[0] if live else None
        self.overlays.update("coupon", None if coupon is None else CouponContent(
            coupon.name, int(max(0.0, (coupon.expires_at or now) - now) + 0.999), coupon.remaining, coupon.total))
        sale_product = state.products.get(sale.product_id) if sale is not None else None
        self.overlays.update("flash_sale", None if sale is None or sale_product is None else FlashSaleContent(
            sale_product.title, sale.price_cents / 100, sale.stock, int(max(0.0, sale.ends_at - now) + 0.999)))
        with self._lock:
            lines = tuple(self._comments)
        self.overlays.update("comments", CommentsContent(lines) if lines else None)
        pinned_comment = state.pinned_comment
        self.overlays.update("pinned_comment", None if pinned_comment is None else PinnedCommentContent(
            pinned_comment.nickname, pinned_comment.text))
        draw = state.draw  # open: the countdown; drawn: the winners, for WINNERS_SHOWN_S after the close
        shown = draw is not None and (draw.open or now - (draw.closed_at or 0.0) < WINNERS_SHOWN_S)
        self.overlays.update("draw", DrawContent(draw.prize, draw.keyword, int(max(0.0, draw.ends_at - now) + 0.999),
                                                 draw.entrants, tuple(draw.winners), draw.drawn) if shown else None)
        reply = state.reply
        self.overlays.update("reply", ReplyContent(reply.nickname, reply.question, reply.answer)
                             if reply is not None and now < reply.until else None)
        self.overlays.update("notice", NoticeContent(state.notice) if state.notice else None)
