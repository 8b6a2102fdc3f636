"""The stream's overlays as named layers: content in, re-rendered only when it changed, placed on the canvas."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.media.compose import Compositor
from app.overlays import cards

# kind → (renderer, z-order, default anchor as fractions of the free canvas: 0 = left/top, 1 = right/bottom)
_KINDS: dict[str, tuple[Callable[..., np.ndarray], int, tuple[float, float]]] = {
    "product_card": (cards.render_product_card, 30, (0.0, 1.0)),
    "comments": (cards.render_comments, 10, (0.0, 0.62)),
    "coupon": (cards.render_coupon_banner, 40, (1.0, 0.0)),
    "flash_sale": (cards.render_flash_sale, 41, (1.0, 0.21)),
    "pinned_comment": (cards.render_pinned_comment, 20, (1.0, 0.80)),
    "draw": (cards.render_draw, 42, (1.0, 0.45)),
    "reply": (cards.render_reply, 25, (0.0, 0.30)),
    "notice": (cards.render_notice, 45, (0.5, 0.0)),
}
KINDS = tuple(_KINDS)
MARGIN = 24


@dataclass
class _State:
    content: object | None = None
    enabled: bool = True
    position: tuple[int, int] | None = None  # explicit placement; None: the kind's default anchor
    renders: int = 0
    version: int = 0  # bumped by each new content: a render finished after a newer content came is dropped


class OverlaySet:
    """Owns the overlay layers of one compositor. Call from any thread except the render thread.

    The set's lock guards its state; the Qt rendering of a card (milliseconds) runs outside it, so moving or
    switching an overlay from the window never waits for a render. The compositor is a leaf (its lock is never
    held while it calls out), so the set's lock → the compositor's lock is the one order and cannot deadlock."""

    def __init__(self, compositor: Compositor) -> None:
        self.compositor = compositor
        w, h = compositor.width, compositor.height
        self.scale = min(w, h) / 720
        self._state = {kind: _State() for kind in _KINDS}
        self._lock = threading.Lock()

    def update(self, kind: str, content: object | None) -> bool:
        """Show `content` in the layer `kind` (None hides it). Returns True when it had to be re-rendered."""
        with self._lock:
            state = self._state[kind]
            if content == state.content:
                return False
            state.content = content
            state.version += 1
            version = state.version
            if content is None:
                self.compositor.remove(kind)
                return False
        renderer, z, anchor = _KINDS[kind]
        image = renderer(content, scale=self.scale)  # outside the lock: the slow part
        with self._lock:
            if state.version != version:  # a newer content came while this one rendered: it is the one shown
                return False
            state.renders += 1
            x, y = state.position or self._anchor(image.shape[1], image.shape[0], anchor)
            self.compositor.set_layer(kind, image, x, y, z=z, visible=state.enabled)
            return True

    def set_enabled(self, kind: str, enabled: bool) -> None:
        with self._lock:
            self._state[kind].enabled = enabled
            self.compositor.set_visible(kind, enabled)

    def place(self, kind: str, x: int | None, y: int | None) -> None:
        """Put the overlay's top-left corner at (x, y) on the canvas; None, None: back to its default corner."""
        with self._lock:
            state = self._state[kind]
            state.position = None if x is None or y is None else (x, y)
            if state.content is None:
                return
            if state.position is None:
                layer = next((item for item in self.compositor.layers() if item.name == kind), None)
                if layer is None:
                    return
                x, y = self._anchor(layer.width, layer.height, _KINDS[kind][2])
            self.compositor.move(kind, x, y)

    def content(self, kind: str) -> object | None:
        """What the layer shows now (None: hidden)."""
        return self._state[kind].content

    def renders(self, kind: str) -> int:
        return self._state[kind].renders

    def _anchor(self, width: int, height: int, anchor: tuple[float, float]) -> tuple[int, int]:
        margin = int(MARGIN * self.scale)
        free_w = self.compositor.width - width - 2 * margin
        free_h = self.compositor.height - height - 2 * margin
        return margin + int(max(0, free_w) * anchor[0]), margin + int(max(0, free_h) * anchor[1])
