"""画面 → 绿幕抠像与美颜…: the camera's chroma key (key colour — typed, chosen, or clicked on the camera's picture —
similarity, smoothness, spill) and skin smoothing."""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import (QCheckBox, QColorDialog, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSlider,
                               QVBoxLayout, QWidget)

from app.console import FilterError
from ui.i18n import pick, tr

STILL_MAX = (960, 540)  # the picker shows the camera's picture at most this big


class _Still(QLabel):
    """The camera's picture; a click says where, as fractions of the picture."""

    clicked = Signal(float, float)

    def __init__(self, bgr: np.ndarray, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        image = QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0], QImage.Format.Format_RGB888).copy()
        pixmap = QPixmap.fromImage(image)
        if pixmap.width() > STILL_MAX[0] or pixmap.height() > STILL_MAX[1]:
            pixmap = pixmap.scaled(*STILL_MAX, Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)
        self.setPixmap(pixmap)
        self.setFixedSize(pixmap.size())
        self.setCursor(Qt.CursorShape.CrossCursor)

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        point = event.position()
        self.clicked.emit(point.x() / max(1, self.width()), point.y() / max(1, self.height()))


class StillPicker(QDialog):
    """点击画面中的绿幕: the click's place, or None when closed without one."""

    def __init__(self, bgr: np.ndarray, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("点击画面中的绿幕"))
        self.point: tuple[float, float] | None = None
        self.still = _Still(bgr, self)
        self.still.clicked.connect(self._clicked)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("点击画面中的绿幕取色（取点击处周围的中间色）")))
        layout.addWidget(self.still)

    def _clicked(self, x: float, y: float) -> None:
        self.point = (x, y)
        self.accept()


class FiltersDialog(QDialog):
    """Shows the studio's settings; `values()` gives (chroma settings dict or None, beauty 0–1)."""

    def __init__(self, chroma, beauty: float, background: str = "", parent: QWidget | None = None,
                 still=None, key_colour=None) -> None:
        """`still`: () → the camera's picture (BGR) or None; `key_colour`: (picture, x, y) → (B, G, R)."""
        super().__init__(parent)
        self.still, self.key_colour = still, key_colour
        self.setWindowTitle(tr("绿幕抠像与美颜"))
        self.key = QCheckBox(tr("绿幕抠像（只对摄像头）"))
        self.key.setChecked(chroma is not None)
        b, g, r = chroma.colour if chroma is not None else (64, 177, 0)
        self.colour = QColor(r, g, b)
        self.colour_button = QPushButton()
        self.colour_button.clicked.connect(self._pick_colour)
        self._show_colour()
        self.from_picture = QPushButton(tr("从画面取色…"))
        self.from_picture.setToolTip(tr("在摄像头画面上点击绿幕"))
        self.from_picture.clicked.connect(self._pick_from_picture)
        self.from_picture.setEnabled(still is not None and key_colour is not None)
        self.problem = QLabel("")  # why a pick did not work, in the dialog (no second box to close)
        self.problem.setStyleSheet("color: #c62828;")
        colour_row = QHBoxLayout()
        colour_row.addWidget(self.colour_button, 1)
        colour_row.addWidget(self.from_picture)
        self.similarity, self.smoothness, self.spill = (
            QDoubleSpinBox(minimum=0.0, maximum=1.0, singleStep=0.01, decimals=2, value=value)
            for value in ((chroma.similarity, chroma.smoothness, chroma.spill) if chroma is not None
                          else (0.4, 0.08, 0.1)))
        self.beauty = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=100, value=round(beauty * 100))
        self.beauty.setToolTip(tr("0 为关闭；只对摄像头，商品图不受影响"))
        form = QFormLayout(self)
        form.addRow(self.key)
        form.addRow(tr("抠像颜色"), colour_row)
        form.addRow(self.problem)
        form.addRow(tr("相似度"), self.similarity)
        form.addRow(tr("平滑"), self.smoothness)
        form.addRow(tr("溢色去除"), self.spill)
        form.addRow(tr("美颜强度"), self.beauty)
        self.background = QLineEdit(background)
        self.background.setPlaceholderText(tr("抠掉绿幕后显示的图片（可不填）"))
        choose = QPushButton(tr("选择…"))
        choose.clicked.connect(self._pick_background)
        row = QHBoxLayout()
        row.addWidget(self.background, 1)
        row.addWidget(choose)
        form.addRow(tr("背景图"), row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _pick_background(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("背景图"), "", "Images (*.png *.jpg *.jpeg *.bmp *.webp)")
        if path:
            self.background.setText(path)

    def _pick_colour(self) -> None:
        colour = QColorDialog.getColor(self.colour, self, tr("抠像颜色"))
        if colour.isValid():
            self.colour = colour
            self._show_colour()

    def _pick_from_picture(self) -> None:
        still = self.still()
        if still is None:
            self.problem.setText(tr("没有摄像头画面：先让预览中的场景显示摄像头"))
            return
        picker = StillPicker(still, self)
        if picker.exec() and picker.point is not None:
            self.use_point(still, *picker.point)

    def use_point(self, still: np.ndarray, x: float, y: float) -> bool:
        """Key the colour found at (x, y) of the still (fractions): the key is switched on with it."""
        try:
            b, g, r = self.key_colour(still, x, y)
        except FilterError as exc:
            self.problem.setText(pick(str(exc)))
            return False
        self.problem.setText("")
        self.colour = QColor(r, g, b)
        self._show_colour()
        self.key.setChecked(True)
        return True

    def _show_colour(self) -> None:
        self.colour_button.setText(self.colour.name())
        self.colour_button.setStyleSheet(f"background: {self.colour.name()};")

    def values(self) -> tuple[dict | None, float, str]:
        chroma = None
        if self.key.isChecked():
            chroma = {"colour": (self.colour.blue(), self.colour.green(), self.colour.red()),
                      "similarity": self.similarity.value(), "smoothness": self.smoothness.value(),
                      "spill": self.spill.value()}
        return chroma, self.beauty.value() / 100, self.background.text().strip()
