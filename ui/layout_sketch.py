"""The scene editor's sketch (画面 → 编辑场景…): a scene's places drawn on a canvas of the stream's shape, each
showing its source's picture now when the core has one (`Stage.input_stills`), picked and dragged as in OBS's
preview; and the names a person reads for the sources."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QWidget

from ui.i18n import QT_TR_NOOP, tr

INPUTS = {"camera": QT_TR_NOOP("摄像头"), "product": QT_TR_NOOP("讲解商品图"), "background": QT_TR_NOOP("背景图")}
OVERLAY_NAMES = {"product_card": QT_TR_NOOP("商品卡"), "coupon": QT_TR_NOOP("优惠券"),
                 "flash_sale": QT_TR_NOOP("秒杀倒计时"), "comments": QT_TR_NOOP("评论滚动"),
                 "pinned_comment": QT_TR_NOOP("置顶评论"), "draw": QT_TR_NOOP("福袋"),
                 "reply": QT_TR_NOOP("回复卡"), "notice": QT_TR_NOOP("公告")}

def input_label(name: str) -> str:
    if name.startswith("overlay."):
        kind = name[len("overlay."):]
        return tr("叠加层：") + tr(OVERLAY_NAMES[kind]) if kind in OVERLAY_NAMES else name
    return tr(INPUTS[name]) if name in INPUTS else name


def still_images(stills: dict) -> dict[str, tuple[QImage, tuple | None]]:
    """The core's small pictures per source (`Still`: premultiplied BGRA, and where an overlay places itself) as
    images the sketch can draw, each its own copy."""
    images = {}
    for name, still in stills.items():
        bgra = still.picture
        h, w = bgra.shape[:2]
        image = QImage(bgra.data, w, h, bgra.strides[0], QImage.Format.Format_ARGB32_Premultiplied).copy()
        images[name] = (image, still.place)
    return images


class LayoutSketch(QWidget):
    """The scene's places drawn on a canvas of the stream's shape; the selected source outlined. As in OBS's
    preview, a press picks the source in front under the pointer and a drag moves it (`on_pick(index)`,
    `on_move(index, x, y)` with the place as fractions of the canvas)."""

    def __init__(self, aspect: float, parent: QWidget | None = None, on_pick=None, on_move=None) -> None:
        super().__init__(parent)
        self.aspect = aspect
        self.items: list[dict] = []
        self.selected = -1  # index into items (bottom to top)
        self.on_pick, self.on_move = on_pick, on_move
        self.stills: dict[str, tuple[QImage, tuple | None]] = {}  # what each source shows now (`show_stills`)
        self._grab: tuple[int, float, float, float, float] | None = None  # index, pointer and place at the press
        self.region: list | None = None  # a vertical clip's region (cx, cy, height as fractions), drawn dashed
        self.setMinimumSize(240, 135)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.setToolTip(tr("拖动来源改变位置"))

    def canvas(self) -> QRectF:
        """Where the stream's canvas is drawn in the widget."""
        w, h = self.width() - 2, self.height() - 2
        if w / max(1, h) > self.aspect:
            w = h * self.aspect
        else:
            h = w / self.aspect
        return QRectF(1, 1, w, h)

    @staticmethod
    def _place(item: dict) -> tuple[float, float, float, float] | None:
        try:
            return (float(item.get("x", 0)), float(item.get("y", 0)), float(item.get("width", 1)),
                    float(item.get("height", 1)))
        except (TypeError, ValueError):
            return None

    def item_at(self, x: float, y: float) -> int:
        """The index of the shown source in front at this point of the widget, or -1."""
        canvas = self.canvas()
        for index in reversed(range(len(self.items))):
            place = self._place(self.items[index])
            if place is None or not self.items[index].get("visible", True):
                continue
            px, py, pw, ph = place
            if QRectF(canvas.x() + px * canvas.width(), canvas.y() + py * canvas.height(), pw * canvas.width(),
                      ph * canvas.height()).contains(x, y):
                return index
        return -1

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        point = event.position()
        index = self.item_at(point.x(), point.y())
        self._grab = None
        if index < 0:
            return
        x, y, _w, _h = self._place(self.items[index])
        self._grab = (index, point.x(), point.y(), x, y)
        self.setCursor(Qt.CursorShape.ClosedHandCursor)
        if self.on_pick is not None:
            self.on_pick(index)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if self._grab is None or self.on_move is None:
            return
        index, start_x, start_y, x, y = self._grab
        canvas, point = self.canvas(), event.position()
        new_x = round(x + (point.x() - start_x) / max(1.0, canvas.width()), 3)
        new_y = round(y + (point.y() - start_y) / max(1.0, canvas.height()), 3)
        self.on_move(index, min(1.0, max(-1.0, new_x)), min(1.0, max(-1.0, new_y)))

    def mouseReleaseEvent(self, _event) -> None:  # noqa: N802 (Qt API)
        self._grab = None
        self.setCursor(Qt.CursorShape.OpenHandCursor)

    def show_items(self, items: list[dict], selected: int) -> None:
        self.items, self.selected = items, selected
        self.update()

    def show_region(self, region) -> None:
        """The part a vertical clip (9:16) takes of this scene, outlined dashed; None: none set."""
        self.region = list(region) if region is not None else None
        self.update()

    def show_stills(self, stills: dict[str, tuple[QImage, tuple | None]]) -> None:
        """The pictures of the sources (by input name) drawn in their places; a source without one is a tinted box."""
        self.stills = stills
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        painter = QPainter(self)
        canvas = self.canvas()
        w, h = canvas.width(), canvas.height()
        painter.fillRect(canvas, QColor("#202020"))
        corners: dict[tuple[float, float], int] = {}  # labels of places sharing a corner go one under another
        labels: list[tuple[QRectF, str]] = []
        for index, item in enumerate(self.items):
            try:
                x, y = float(item.get("x", 0)), float(item.get("y", 0))
                iw, ih = float(item.get("width", 1)), float(item.get("height", 1))
            except (TypeError, ValueError):
                continue
            if not item.get("visible", True):
                continue
            rect = QRectF(canvas.x() + x * w, canvas.y() + y * h, iw * w, ih * h)
            name = str(item.get("input", ""))
            still = self.stills.get(name)
            if still is not None and not still[0].isNull():
                self._draw_still(painter, canvas, rect, still, item)
            else:
                painter.fillRect(rect, QColor(255, 160, 0, 60) if name.startswith("overlay.")
                                 else QColor(80, 140, 220, 90))
            painter.setPen(QPen(QColor("#ffeb3b") if index == self.selected else QColor("#e0e0e0"),
                                2 if index == self.selected else 1))
            painter.drawRect(rect)
            line = corners.get((x, y), 0)
            corners[(x, y)] = line + 1
            labels.append((rect.adjusted(3, 2 + 17 * line, -3, -2), input_label(name)))
        if self.region is not None:
            labels.append(self._draw_region(painter, canvas))
        for place, text in labels:  # over every picture, on a dark backing to be read on any of them
            box = painter.boundingRect(place, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, text)
            painter.fillRect(box.adjusted(-2, 0, 2, 0).intersected(place.adjusted(-2, 0, 2, 0)), QColor(0, 0, 0, 150))
            painter.setPen(QColor("#f0f0f0"))
            painter.drawText(place, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, text)
        painter.end()

    def _draw_region(self, painter: QPainter, canvas: QRectF) -> tuple[QRectF, str]:
        """The vertical clip's region as the cut takes it: 9:16, its height a share of the canvas, kept inside."""
        cx, cy, height = (float(v) for v in self.region)
        h = canvas.height() * height
        w = min(canvas.width(), h * 9 / 16)
        x = min(max(canvas.x(), canvas.x() + cx * canvas.width() - w / 2), canvas.right() - w)
        y = min(max(canvas.y(), canvas.y() + cy * canvas.height() - h / 2), canvas.bottom() - h)
        rect = QRectF(x, y, w, h)
        painter.setPen(QPen(QColor("#00e676"), 2, Qt.PenStyle.DashLine))
        painter.drawRect(rect)
        return rect.adjusted(3, 2, -3, -2), "9:16"

    @staticmethod
    def _draw_still(painter: QPainter, canvas: QRectF, rect: QRectF, still: tuple, item: dict) -> None:
        """The picture in its place as the stream shows it: whole and centred (完整显示) or filling it (填满裁边); an
        overlay where the overlay set put it when its item fills the canvas, else at the top left of its place."""
        image, own_place = still
        sw, sh = image.width(), image.height()
        if sw <= 0 or sh <= 0 or rect.width() <= 0 or rect.height() <= 0:
            return
        fills = all(float(item.get(k, d)) == d for k, d in (("x", 0), ("y", 0), ("width", 1), ("height", 1)))
        if own_place is not None and fills:
            x, y, w, h = own_place
            target = QRectF(canvas.x() + x * canvas.width(), canvas.y() + y * canvas.height(), w * canvas.width(),
                            h * canvas.height())
        else:
            grow = max if item.get("fit") == "crop" and own_place is None else min
            scale = grow(rect.width() / sw, rect.height() / sh)
            target = QRectF(0, 0, sw * scale, sh * scale)
            if own_place is None:
                target.moveCenter(rect.center())
            else:
                target.moveTopLeft(rect.topLeft())
        painter.save()
        painter.setClipRect(rect)
        painter.setOpacity(min(1.0, max(0.1, float(item.get("opacity", 1) or 0))))
        painter.drawImage(target, image)
        painter.restore()
