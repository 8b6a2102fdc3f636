"""Compositor arithmetic: exact where it must be, z-order, visibility, clipping, no writes to the source."""

from __future__ import annotations

import numpy as np

from app.media.compose import Compositor


def bgra(h: int, w: int, colour: tuple[int, int, int], alpha: int) -> np.ndarray:
    """A premultiplied BGRA block."""
    out = np.zeros((h, w, 4), np.uint8)
    out[:, :, :3] = np.rint(np.array(colour) * alpha / 255)
    out[:, :, 3] = alpha
    return out


def test_opaque_layer_replaces_and_transparent_leaves_alone():
    comp = Compositor(64, 48)
    canvas = np.full((48, 64, 3), 100, np.uint8)
    comp.set_layer("a", bgra(10, 10, (10, 20, 250), 255), 5, 5)
    comp.set_layer("ghost", bgra(10, 10, (0, 0, 0), 0), 30, 30)
    out = comp.compose(canvas)
    assert tuple(out[10, 10]) == (10, 20, 250)
    assert tuple(out[35, 35]) == (100, 100, 100)
    assert tuple(out[0, 0]) == (100, 100, 100)
    assert canvas[10, 10, 0] == 100  # the source frame was not written


def test_half_alpha_and_opacity_mix():
    comp = Compositor(20, 20)
    canvas = np.zeros((20, 20, 3), np.uint8)
    comp.set_layer("a", bgra(4, 4, (200, 200, 200), 128), 0, 0)
    comp.set_layer("b", bgra(4, 4, (200, 200, 200), 255), 10, 10, opacity=0.5)
    out = comp.compose(canvas)
    assert abs(int(out[1, 1, 0]) - 100) <= 2  # 200 · 128/255
    assert abs(int(out[11, 11, 0]) - 100) <= 1  # 200 · 0.5
    white = np.full((20, 20, 3), 255, np.uint8)
    out = comp.compose(white)
    assert out.max() == 255  # no overflow wrap on a white background


def test_z_order_visibility_and_clipping():
    comp = Compositor(30, 30)
    canvas = np.zeros((30, 30, 3), np.uint8)
    comp.set_layer("top", bgra(10, 10, (0, 0, 255), 255), 0, 0, z=2)
    comp.set_layer("bottom", bgra(10, 10, (255, 0, 0), 255), 0, 0, z=1)
    assert tuple(comp.compose(canvas)[5, 5]) == (0, 0, 255)
    comp.set_visible("top", False)
    assert tuple(comp.compose(canvas)[5, 5]) == (255, 0, 0)
    comp.set_layer("edge", bgra(10, 10, (0, 255, 0), 255), 25, -5)  # hangs over two edges
    out = comp.compose(canvas)
    assert tuple(out[0, 29]) == (0, 255, 0) and tuple(out[4, 25]) == (0, 255, 0)
    comp.move("edge", 100, 100)  # fully outside: nothing drawn, nothing raised
    assert comp.compose(canvas)[:, 20:].max() == 0
    comp.remove("bottom")
    assert comp.compose(canvas).max() == 0
