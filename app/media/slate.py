"""Full-frame notices sent instead of a picture, e.g. when the camera is lost (摄像头已断开)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter

from app.media import qtrender
from app.media.interfaces import VideoSource


def render_slate(width: int, height: int, title: str, subtitle: str = "") -> np.ndarray:
    """A dark BGR frame with a centred message; rendered once and reused while the notice lasts."""
    image = qtrender.new_image(width, height)
    image.fill(QColor(24, 24, 32))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.setPen(QColor(255, 255, 255))
    painter.setFont(qtrender.font(max(18, height // 14), bold=True))
    painter.drawText(QRect(0, 0, width, height // 2 + height // 20), Qt.AlignmentFlag.AlignHCenter |
                     Qt.AlignmentFlag.AlignBottom, title)
    if subtitle:
        painter.setPen(QColor(190, 190, 200))
        painter.setFont(qtrender.font(max(12, height // 28)))
        painter.drawText(QRect(0, height // 2 + height // 12, width, height // 4),
                         Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, subtitle)
    painter.end()
    return np.ascontiguousarray(qtrender.to_bgra(image)[:, :, :3])


class SlateSource(VideoSource):
    """A source that could not be opened, in its place in the scenes: the slate saying so, and a notice."""

    def __init__(self, width: int, height: int, title: str, subtitle: str = "") -> None:
        self.notice = title
        self._size, self._text = (width, height), (title, subtitle)
        self._picture: np.ndarray | None = None

    def frame_at(self, stream_time: float) -> np.ndarray:
        if self._picture is None:  # drawn in the render thread, once
            self._picture = render_slate(*self._size, *self._text)
        return self._picture

