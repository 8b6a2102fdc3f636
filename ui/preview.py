"""Program preview: shows the newest composited frame, scaled to fit; never waits for the pipeline."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget


class PreviewWidget(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._image: QImage | None = None
        self._frame: np.ndarray | None = None  # keeps the buffer the QImage points at alive
        self.placeholder = "未开播 · 点击「开播」开始 / Not live · press Go live"
        self.frames_shown = 0
        self.badge = ""  # e.g. "预览 · 未开播" while the picture is not on air

    def show_frame(self, bgr: np.ndarray | None) -> None:
        """Take a BGR frame (owned by the caller's newest-frame slot, not copied here) and repaint."""
        if bgr is None:
            self._image, self._frame = None, None
        else:
            self._frame = bgr
            h, w = bgr.shape[:2]
            self._image = QImage(bgr.data, w, h, bgr.strides[0], QImage.Format.Format_BGR888)
            self.frames_shown += 1
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt API)
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(16, 16, 20))
        if self._image is None:
            painter.setPen(QColor(200, 200, 210))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
            return
        w, h = self._image.width(), self._image.height()
        scale = min(self.width() / w, self.height() / h)
        target = QRectF((self.width() - w * scale) / 2, (self.height() - h * scale) / 2, w * scale, h * scale)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(target, self._image)
        if self.badge:
            box = QRectF(target.left() + 8, target.top() + 8, 190, 26)
            painter.fillRect(box, QColor(0, 0, 0, 170))
            painter.setPen(QColor(255, 214, 102))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self.badge)
