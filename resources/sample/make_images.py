"""Draws the sample catalogue's product pictures (resources/sample/images/*.png), simple flat illustrations.

Run once by hand when the sample catalogue changes: `python resources/sample/make_images.py`. The PNGs are
committed, so nothing runs this at install time.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

SIZE = 256
OUT = Path(__file__).with_name("images")


def _canvas(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> np.ndarray:
    ramp = np.linspace(0.0, 1.0, SIZE)[:, None, None]
    image = (np.array(top) * (1 - ramp) + np.array(bottom) * ramp).astype(np.uint8)
    return np.ascontiguousarray(np.repeat(image, SIZE, axis=1))


def cup() -> np.ndarray:
    img = _canvas((250, 235, 215), (230, 200, 170))
    cv2.rectangle(img, (92, 70), (164, 214), (90, 90, 200), -1)
    cv2.rectangle(img, (86, 48), (170, 76), (60, 60, 60), -1)
    cv2.rectangle(img, (100, 110), (156, 130), (255, 255, 255), -1)
    return img


def tea() -> np.ndarray:
    img = _canvas((220, 245, 225), (170, 215, 185))
    cv2.rectangle(img, (56, 84), (200, 210), (60, 130, 60), -1)
    cv2.rectangle(img, (120, 84), (136, 210), (40, 40, 200), -1)
    cv2.ellipse(img, (112, 80), (20, 12), 0, 0, 360, (40, 40, 200), 6)
    cv2.ellipse(img, (144, 80), (20, 12), 0, 0, 360, (40, 40, 200), 6)
    return img


def bag() -> np.ndarray:
    img = _canvas((235, 240, 245), (200, 210, 220))
    cv2.fillPoly(img, [np.array([(70, 100), (186, 100), (200, 216), (56, 216)])], (150, 190, 220))
    cv2.ellipse(img, (100, 100), (16, 36), 0, 180, 360, (80, 110, 140), 7)
    cv2.ellipse(img, (156, 100), (16, 36), 0, 180, 360, (80, 110, 140), 7)
    return img


def mask() -> np.ndarray:
    img = _canvas((245, 225, 250), (220, 190, 235))
    cv2.ellipse(img, (128, 132), (70, 86), 0, 0, 360, (255, 255, 255), -1)
    for x in (104, 152):
        cv2.ellipse(img, (x, 116), (16, 8), 0, 0, 360, (220, 190, 235), -1)
    cv2.ellipse(img, (128, 172), (20, 8), 0, 0, 360, (220, 190, 235), -1)
    return img


def pan() -> np.ndarray:
    img = _canvas((225, 230, 230), (185, 190, 195))
    cv2.line(img, (170, 150), (236, 214), (40, 70, 120), 16)
    cv2.circle(img, (110, 128), 74, (50, 50, 50), -1)
    cv2.circle(img, (110, 128), 60, (80, 80, 80), -1)
    return img


def socks() -> np.ndarray:
    img = _canvas((250, 245, 230), (230, 220, 195))
    for dx, colour in ((0, (200, 140, 60)), (60, (60, 160, 220))):
        cv2.rectangle(img, (70 + dx, 50), (104 + dx, 170), colour, -1)
        cv2.ellipse(img, (104 + dx, 176), (34, 22), 0, 0, 360, colour, -1)
        cv2.rectangle(img, (70 + dx, 50), (104 + dx, 64), (255, 255, 255), -1)
    return img


PICTURES = {"cup.png": cup, "tea.png": tea, "bag.png": bag, "mask.png": mask, "pan.png": pan, "socks.png": socks}

if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    for name, draw in PICTURES.items():
        cv2.imwrite(str(OUT / name), draw(), [cv2.IMWRITE_PNG_COMPRESSION, 9])
        print(OUT / name)
