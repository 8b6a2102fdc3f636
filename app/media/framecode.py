"""A frame number drawn as a row of black/white blocks, readable back after lossy encoding.

The code sits in the top-left corner of the test pattern: `BITS` square blocks, most significant bit first,
white (luma ≈ 235) for 1 and black (≈ 16) for 0. Its block side is `block_size(width)`. Reading the code of
every decoded frame shows which frames arrived, which were dropped and in what order.
"""

from __future__ import annotations

import numpy as np

BITS = 24
MARGIN = 8


def block_size(width: int) -> int:
    return max(8, width // 48)


def draw(bgr: np.ndarray, number: int) -> None:
    """Draw `number` (mod 2**BITS) into the top-left corner of a BGR image, in place."""
    side = block_size(bgr.shape[1])
    for bit in range(BITS):
        on = (number >> (BITS - 1 - bit)) & 1
        x = MARGIN + bit * side
        bgr[MARGIN : MARGIN + side, x : x + side] = 235 if on else 16


def draw_planes(y: np.ndarray, u: np.ndarray, v: np.ndarray, number: int) -> None:
    """The same code drawn into the planes of an I420 frame: luma 235 / 16, chroma neutral under every block."""
    side = block_size(y.shape[1])
    u[MARGIN // 2:(MARGIN + side + 1) // 2, MARGIN // 2:(MARGIN + BITS * side + 1) // 2] = 128
    v[MARGIN // 2:(MARGIN + side + 1) // 2, MARGIN // 2:(MARGIN + BITS * side + 1) // 2] = 128
    for bit in range(BITS):
        on = (number >> (BITS - 1 - bit)) & 1
        x = MARGIN + bit * side
        y[MARGIN : MARGIN + side, x : x + side] = 235 if on else 16


def read(luma: np.ndarray) -> int:
    """Read the number back from a decoded frame's luma plane (2-D uint8 array)."""
    side = block_size(luma.shape[1])
    inset = side // 4
    number = 0
    for bit in range(BITS):
        x = MARGIN + bit * side
        patch = luma[MARGIN + inset : MARGIN + side - inset, x + inset : x + side - inset]
        number = (number << 1) | int(patch.mean() > 128)
    return number
