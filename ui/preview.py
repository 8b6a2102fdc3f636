"""Program preview: shows the newest composited frame, scaled to fit; never waits for the pipeline.

Overlays on the stream can be dragged into place here (as in OBS): press on one, move, release. The preview only
maps widget pixels to canvas pixels and reports; where the overlay goes is the service's business.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.i18n import tr

Box = tuple[int, int, int, int]  # x, y, width, height on the canvas


class PreviewWidget(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self._image: QImage | None = None
        self._frame: np.ndarray | None = None  # keeps the buffer the QImage points at alive
        self.placeholder = tr("未开播 · 点击「开播」开始")
        self.frames_shown = 0
        self.badge = ""  # e.g. "预览 · 未开播" while the picture is not on air
        # drag-to-place: set by the window
        self.overlay_boxes: Callable[[], dict[str, Box]] = dict
        self.canvas_size: Callable[[], tuple[int, int] | None] = lambda: None
        self.on_move: Callable[[str, int, int], None] | None = None  # while dragging
        self.on_drop: Callable[[str, int, int], None] | None = None  # released: remember it
        self.labels: dict[str, str] = {}
        self._drag: tuple[str, QPointF, Box] | None = None  # kind, grab offset (canvas px), box at the start
        self._hover = False

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

    # --- geometry: widget pixels ↔ canvas pixels -----------------------------------------------------------
    def picture_rect(self) -> QRectF | None:
        """Where the picture is drawn in the widget (letterboxed to keep the canvas' aspect ratio)."""
        canvas = self.canvas_size()
        if canvas is None and self._image is None:
            return None
        w, h = canvas if canvas is not None else (self._image.width(), self._image.height())
        scale = min(self.width() / w, self.height() / h)
        return QRectF((self.width() - w * scale) / 2, (self.height() - h * scale) / 2, w * scale, h * scale)

    def to_canvas(self, point: QPointF) -> QPointF | None:
        rect, canvas = self.picture_rect(), self.canvas_size()
        if rect is None or canvas is None or rect.width() <= 0:
            return None
        scale = canvas[0] / rect.width()
        return QPointF((point.x() - rect.left()) * scale, (point.y() - rect.top()) * scale)

    def to_widget(self, box: Box) -> QRectF:
        rect, canvas = self.picture_rect(), self.canvas_size()
        scale = rect.width() / canvas[0]
        return QRectF(rect.left() + box[0] * scale, rect.top() + box[1] * scale, box[2] * scale, box[3] * scale)

    def _overlay_at(self, point: QPointF) -> tuple[str, Box] | None:
        hits = [(kind, box) for kind, box in self.overlay_boxes().items()
                if box[0] <= point.x() < box[0] + box[2] and box[1] <= point.y() < box[1] + box[3]]
        return hits[-1] if hits else None  # boxes come in z order: the top one wins

    # --- mouse -------------------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        point = self.to_canvas(event.position())
        hit = self._overlay_at(point) if point is not None else None
        if hit is None or event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        kind, box = hit
        self._drag = (kind, QPointF(point.x() - box[0], point.y() - box[1]), box)
        self.setCursor(Qt.CursorShape.ClosedHandCursor)
        self.update()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt API)
        point = self.to_canvas(event.position())
        if point is None:
            return
        if self._drag is None:
            over = self._overlay_at(point) is not None
            self.setCursor(Qt.CursorShape.OpenHandCursor if over else Qt.CursorShape.ArrowCursor)
            return
        kind, x, y = self._dragged_to(point)
        if self.on_move is not None:
            self.on_move(kind, x, y)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 (Qt API)
        point = self.to_canvas(event.position())
        if self._drag is None or point is None:
            return super().mouseReleaseEvent(event)
        kind, x, y = self._dragged_to(point)
        self._drag = None
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        if self.on_drop is not None:
            self.on_drop(kind, x, y)
        self.update()

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.key() == Qt.Key.Key_Escape and self._drag is not None:  # put it back where it was
            kind, _offset, box = self._drag
            self._drag = None
            if self.on_move is not None:
                self.on_move(kind, box[0], box[1])
            self.update()
            return
        super().keyPressEvent(event)

    def _dragged_to(self, point: QPointF) -> tuple[str, int, int]:
        """The dragged overlay's new top-left, kept whole on the canvas."""
        kind, offset, box = self._drag
        width, height = self.canvas_size()
        x = min(max(0, round(point.x() - offset.x())), max(0, width - box[2]))
        y = min(max(0, round(point.y() - offset.y())), max(0, height - box[3]))
        return kind, x, y

    def enterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self._hover = True
        self.update()
        super().enterEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self._hover = False
        self.update()
        super().leaveEvent(event)

    # --- painting ----------------------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt API)
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(16, 16, 20))
        target = self.picture_rect()
        if self._image is None or target is None:
            painter.setPen(QColor(200, 200, 210))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(target, self._image)
        if self.badge:
            box = QRectF(target.left() + 8, target.top() + 8, 190, 26)
            painter.fillRect(box, QColor(0, 0, 0, 170))
            painter.setPen(QColor(255, 214, 102))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self.badge)
        if (self._hover or self._drag is not None) and self.canvas_size() is not None:
            self._paint_boxes(painter)

    def _paint_boxes(self, painter: QPainter) -> None:
        """Outlines of the placeable overlays (only in this preview, never on the stream)."""
        dragged = self._drag[0] if self._drag else None
        for kind, box in self.overlay_boxes().items():
            rect = self.to_widget(box)
            pen = QPen(QColor(255, 82, 82) if kind == dragged else QColor(255, 214, 102), 2 if kind == dragged else 1)
            pen.setStyle(Qt.PenStyle.SolidLine if kind == dragged else Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawRect(rect)
            label = self.labels.get(kind, kind)
            painter.fillRect(QRectF(rect.left(), rect.top() - 18, painter.fontMetrics().horizontalAdvance(label) + 8,
                                    18), QColor(0, 0, 0, 160))
            painter.drawText(QPointF(rect.left() + 4, rect.top() - 5), label)
