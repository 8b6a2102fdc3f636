"""画面 → 绿幕抠像与美颜…: the camera's chroma key (key colour, similarity, smoothness, spill) and skin smoothing."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QCheckBox, QColorDialog, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLineEdit, QPushButton, QSlider, QWidget)
from PySide6.QtCore import Qt

from ui.i18n import tr


class FiltersDialog(QDialog):
    """Shows the studio's settings; `values()` gives (chroma settings dict or None, beauty 0–1)."""

    def __init__(self, chroma, beauty: float, background: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("绿幕抠像与美颜"))
        self.key = QCheckBox(tr("绿幕抠像（只对摄像头）"))
        self.key.setChecked(chroma is not None)
        b, g, r = chroma.colour if chroma is not None else (64, 177, 0)
        self.colour = QColor(r, g, b)
        self.colour_button = QPushButton()
        self.colour_button.clicked.connect(self._pick_colour)
        self._show_colour()
        self.similarity, self.smoothness, self.spill = (
            QDoubleSpinBox(minimum=0.0, maximum=1.0, singleStep=0.01, decimals=2, value=value)
            for value in ((chroma.similarity, chroma.smoothness, chroma.spill) if chroma is not None
                          else (0.4, 0.08, 0.1)))
        self.beauty = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=100, value=round(beauty * 100))
        self.beauty.setToolTip(tr("0 为关闭；只对摄像头，商品图不受影响"))
        form = QFormLayout(self)
        form.addRow(self.key)
        form.addRow(tr("抠像颜色"), self.colour_button)
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
