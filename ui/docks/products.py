"""Products / run sheet dock: prices, stock, which one is being explained; pin, next, previous."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QDockWidget, QHBoxLayout, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

COLUMNS = ["商品 Product", "直播价 Live", "原价 List", "库存 Stock", "状态 State"]


class ProductsDock(QDockWidget):
    def __init__(self, on_pin, on_next, on_previous, parent: QWidget | None = None) -> None:
        super().__init__("商品 / 排品 Products", parent)
        self.setObjectName("products")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        self.table.setColumnWidth(0, 210)
        self.table.cellDoubleClicked.connect(lambda row, _col: on_pin(self._ids[row]))
        self._ids: list[int] = []
        buttons = QHBoxLayout()
        for text, slot in (("讲解 Pin (F5)", lambda: self._pin_selected(on_pin)),
                           ("上一个 Prev (F6)", on_previous), ("下一个 Next (F7)", on_next)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.setWidget(body)

    def selected_id(self) -> int | None:
        row = self.table.currentRow()
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def _pin_selected(self, on_pin) -> None:
        product_id = self.selected_id()
        if product_id is not None:
            on_pin(product_id)

    def refresh(self, room) -> None:
        """Redraw from the room state (called on a timer; cheap for a run sheet of tens of products)."""
        state = room.state
        ids = list(state.run_sheet)
        if ids != self._ids:
            self._ids = ids
            self.table.setRowCount(len(ids))
        for row, product_id in enumerate(ids):
            product = state.products[product_id]
            pinned = state.pinned_product == product_id
            sale = state.flash_sale is not None and state.flash_sale.product_id == product_id
            values = [product.title, f"￥{product.live_price_cents / 100:.2f}", f"￥{product.list_price_cents / 100:.2f}",
                      str(product.stock), "讲解中" if pinned else ("秒杀中" if sale else ("售罄" if product.stock == 0 else ""))]
            for column, value in enumerate(values):
                item = self.table.item(row, column)
                if item is None:
                    item = QTableWidgetItem()
                    self.table.setItem(row, column, item)
                if item.text() != value:
                    item.setText(value)
                item.setBackground(QColor(255, 226, 230) if pinned else QColor(0, 0, 0, 0))
