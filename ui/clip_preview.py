"""A vertical clip's first frame in the 导出切片 dialog, 9:16: the picture as the crop or the letterbox frames it and
what is burned in (the core's `ClipPreview`); the caption and the product card are picked and dragged up or down as
overlays are in the scene editor's sketch, or moved with the arrow keys once picked. The widget only draws and
reports where a layer was put (`on_place(name, share)`: its top as a share of the clip's height)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QWidget

from ui.i18n import QT_TR_NOOP, tr

CLIP_W, CLIP_H = 1080, 1920
MOVABLE = {"caption": QT_TR_NOOP("字幕"), "card": QT_TR_NOOP("商品卡")}
KEY_STEP = 0.01  # an arrow key moves the picked layer by a hundredth of the height


def _image(array, fmt: QImage.Format) -> QImage:
    array = np.ascontiguousarray(array)  # a layer may be a view into a larger picture
    h, w = array.shape[:2]
    return QImage(array.data, w, h, array.strides[0], fmt).copy()


class ClipPreviewView(QWidget):
    def __init__(self, parent: QWidget | None = None, on_place=None) -> None:
        super().__init__(parent)
        self.on_place = on_place
        self.picture: QImage | None = None
        self.layers: list[dict] = []  # name, image, x, y, height (clip pixels), in drawing order
        self.message = tr("原画面：不加任何东西")
        self.picked: str | None = None
        self._grab: tuple[str, float, int] | None = None  # layer, pointer y and layer top at the press
        self.setMinimumSize(180, 320)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip(tr("拖动字幕或商品卡改变位置；选中后可用方向键微调"))

    def show_preview(self, preview) -> None:
        """The core's `ClipPreview` (None: the original shape, nothing to place)."""
        self._grab = None
        if preview is None:
            self.picture, self.layers = None, []
            self.message = tr("原画面：不加任何东西")
        else:
            self.picture = (_image(preview.picture, QImage.Format.Format_BGR888)
                            if preview.picture is not None else None)
            self.layers = [{"name": layer.name, "x": layer.x, "y": layer.y, "height": layer.bgra.shape[0],
                            "image": _image(layer.bgra, QImage.Format.Format_ARGB32_Premultiplied)}
                           for layer in preview.layers]
            self.message = "" if self.picture is not None else tr("这一场的录像读不出画面")
        if self.picked not in {layer["name"] for layer in self.layers}:
            self.picked = None
        self.update()

    def canvas(self) -> QRectF:
        """Where the 1080×1920 clip is drawn in the widget."""
        scale = min((self.width() - 2) / CLIP_W, (self.height() - 2) / CLIP_H)
        w, h = CLIP_W * scale, CLIP_H * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def layer_rect(self, layer: dict) -> QRectF:
        canvas = self.canvas()
        k = canvas.width() / CLIP_W
        return QRectF(canvas.x() + layer["x"] * k, canvas.y() + layer["y"] * k, layer["image"].width() * k,
                      layer["height"] * k)

    def layer_at(self, x: float, y: float) -> dict | None:
        """The movable layer in front under the point of the widget."""
        for layer in reversed(self.layers):
            if layer["name"] in MOVABLE and self.layer_rect(layer).contains(x, y):
                return layer
        return None

    def _layer(self, name: str | None) -> dict | None:
        return next((layer for layer in self.layers if layer["name"] == name), None)

    def _move(self, layer: dict, top: int) -> None:
        """Move a layer (and every layer of its name: the card at each price) to `top`, kept inside the clip."""
        top = max(0, min(CLIP_H - layer["height"], top))
        for same in self.layers:
            if same["name"] == layer["name"]:
                same["y"] = top
        self.update()

    def _placed(self, layer: dict) -> None:
        if self.on_place is not None:
            self.on_place(layer["name"], round(layer["y"] / CLIP_H, 4))

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's
        point = event.position()
        layer = self.layer_at(point.x(), point.y())
        self.picked = layer["name"] if layer is not None else None
        self._grab = (layer["name"], point.y(), layer["y"]) if layer is not None else None
        self.update()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt's
        if self._grab is None:
            return
        name, y0, top = self._grab
        layer = self._layer(name)
        if layer is not None:
            self._move(layer, round(top + (event.position().y() - y0) * CLIP_W / self.canvas().width()))

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt's
        grab, self._grab = self._grab, None
        layer = self._layer(grab[0]) if grab is not None else None
        if layer is not None and layer["y"] != grab[2]:
            self._placed(layer)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's
        layer = self._layer(self.picked)
        step = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}.get(event.key())
        if layer is None or step is None:
            super().keyPressEvent(event)
            return
        self._move(layer, layer["y"] + round(step * KEY_STEP * CLIP_H))
        self._placed(layer)

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's
        painter = QPainter(self)
        canvas = self.canvas()
        painter.fillRect(self.rect(), QColor("#2b2b2b"))
        painter.fillRect(canvas, QColor("#000"))
        if self.picture is not None:
            painter.drawImage(canvas, self.picture)
        for layer in self.layers:
            painter.drawImage(self.layer_rect(layer), layer["image"])
        drawn = set()
        for layer in self.layers:
            if layer["name"] in MOVABLE and layer["name"] not in drawn:
                drawn.add(layer["name"])
                picked = layer["name"] == self.picked
                pen = QPen(QColor("#ffcc00" if picked else "#4fc3f7"), 2 if picked else 1, Qt.PenStyle.DashLine)
                painter.setPen(pen)
                painter.drawRect(self.layer_rect(layer))
        if self.message:
            painter.setPen(QColor("#ccc"))
            painter.drawText(canvas, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message)
        painter.end()
