"""Qt as a headless renderer: a QGuiApplication when none exists, the shipped CJK fonts, QImage ↔ numpy."""

from __future__ import annotations

import os
import threading

import numpy as np
from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics, QGuiApplication, QImage

from app.config import resource_dir

FONTS_DIR = resource_dir() / "fonts"
FONT_FILES = ("NotoSansSC-Subset-Regular.otf", "NotoSansSC-Subset-Bold.otf")

_lock = threading.Lock()
_family: str | None = None
_app: QGuiApplication | None = None


def ensure_qt() -> str:
    """Make Qt's font machinery usable (call once from the main thread); return the overlay font family.

    The console's QApplication is used when it exists; headless (CLI, tests) an offscreen QGuiApplication is
    created. Overlays always use the shipped font, so a stream looks the same on every PC.
    """
    global _family, _app
    with _lock:
        if _family is not None:
            return _family
        if QGuiApplication.instance() is None:
            if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
                os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
            _app = QGuiApplication([])
        families: list[str] = []
        for name in FONT_FILES:
            font_id = QFontDatabase.addApplicationFont(str(FONTS_DIR / name))
            if font_id < 0:
                raise RuntimeError(f"cannot load overlay font {FONTS_DIR / name}")
            families += QFontDatabase.applicationFontFamilies(font_id)
        _family = families[0]
        return _family


def font(pixel_size: int, bold: bool = False) -> QFont:
    f = QFont(ensure_qt())
    f.setPixelSize(pixel_size)
    f.setBold(bold)
    return f


def missing_glyphs(text: str, qfont: QFont) -> str:
    """Characters of `text` the font cannot draw (they would show as boxes)."""
    metrics = QFontMetrics(qfont)
    return "".join(ch for ch in text if not ch.isspace() and not metrics.inFontUcs4(ord(ch)))


def new_image(width: int, height: int) -> QImage:
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    return image


def to_bgra(image: QImage) -> np.ndarray:
    """Copy a QImage (ARGB32 premultiplied) into an (h, w, 4) uint8 array: B, G, R, A premultiplied."""
    image = image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    view = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    return view.reshape(image.height(), image.bytesPerLine() // 4, 4)[:, : image.width()].copy()
