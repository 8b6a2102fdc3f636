"""Products / run sheet dock: prices, stock, which one is being explained; pin, next, previous."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QDockWidget, QGridLayout, QHeaderView, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from app.console import picture_bytes
from ui.i18n import QT_TR_NOOP, stacked, tr

COLUMNS = [QT_TR_NOOP("商品"), QT_TR_NOOP("直播价"), QT_TR_NOOP("原价"), QT_TR_NOOP("库存"), QT_TR_NOOP("状态")]
LIVE_PRICE, LIST_PRICE, STOCK = 1, 2, 3  # live price and stock are edited in place (double-click or F2)
THUMB = 40  # run-sheet picture size, px


class ProductsDock(QDockWidget):
    def __init__(self, on_pin, on_next, on_previous, on_price=None, on_stock=None, on_import=None,
                 parent: QWidget | None = None) -> None:
        super().__init__(tr("商品 / 排品"), parent)
        self.setObjectName("products")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([stacked(tr(column)) for column in COLUMNS])  # narrow: 2 lines
        self.table.horizontalHeaderItem(3).setToolTip(tr("直播结束时的库存写回商品库；演练中的变化不写回"))
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.DoubleClicked | QTableWidget.EditTrigger.EditKeyPressed)
        self._on_price, self._on_stock = on_price, on_stock
        self.table.itemChanged.connect(self._edited)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()  # the title gives way: price and stock always read whole
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)  # a long title takes two lines beside its picture rather than "…"
        self.table.setColumnHidden(LIST_PRICE, True)  # a side column's width goes to the title; the list price is
        # in the live price's tooltip
        self.table.setIconSize(QSize(THUMB, THUMB))
        self.table.verticalHeader().setDefaultSectionSize(THUMB + 6)
        self._icons: dict[str, QIcon] = {}
        self.table.cellDoubleClicked.connect(lambda row, col: on_pin(self._ids[row]) if col == 0 else None)
        self._ids: list[int] = []
        self._refreshing = False
        buttons = QGridLayout()  # two rows: the dock fits a laptop's side column in both languages
        for index, (text, slot) in enumerate(((tr("讲解") + " (F5)", lambda: self._pin_selected(on_pin)),
                                              (tr("上一个") + " (F6)", on_previous),
                                              (tr("下一个") + " (F7)", on_next))):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button, 0 if index == 0 else 1, 0 if index < 2 else 1)
        if on_import is not None:
            importer = QPushButton(tr("导入商品 CSV…"))
            importer.clicked.connect(on_import)
            buttons.addWidget(importer, 0, 1)
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

    def _edited(self, item: QTableWidgetItem) -> None:
        """An inline edit of live price or stock becomes a verb; the next refresh shows the room's truth."""
        if self._refreshing or item.row() >= len(self._ids):
            return
        product_id, text = self._ids[item.row()], item.text().replace("￥", "").replace("¥", "").strip()
        try:
            if item.column() == LIVE_PRICE and self._on_price:
                self._on_price(product_id, round(float(text) * 100))
            elif item.column() == STOCK and self._on_stock:
                self._on_stock(product_id, int(text))
        except ValueError:
            pass  # not a number: the refresh puts the old value back

    def refresh(self, room) -> None:
        """Redraw from the room state (called on a timer; cheap for a run sheet of tens of products)."""
        self._refreshing = True
        try:
            self._refresh(room)
        finally:
            self._refreshing = False

    def _refresh(self, room) -> None:
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
                      str(product.stock), stacked(tr("讲解中") if pinned else (tr("秒杀中") if sale else (
                          tr("售罄") if product.stock == 0 else "")))]
            for column, value in enumerate(values):
                item = self.table.item(row, column)
                if item is None:
                    item = QTableWidgetItem()
                    if column not in (LIVE_PRICE, STOCK):
                        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                    self.table.setItem(row, column, item)
                if item.text() != value and not (self.table.state() == QTableWidget.State.EditingState
                                                 and self.table.currentItem() is item):
                    item.setText(value)
                item.setBackground(QColor(255, 226, 230) if pinned else QColor(0, 0, 0, 0))
            for column, tip in ((0, product.title), (LIVE_PRICE, tr("原价") + f" {values[LIST_PRICE]}")):
                if self.table.item(row, column).toolTip() != tip:
                    self.table.item(row, column).setToolTip(tip)
            title = self.table.item(row, 0)
            if title.data(Qt.ItemDataRole.UserRole) != product.image:
                title.setData(Qt.ItemDataRole.UserRole, product.image)
                title.setIcon(self._icon(product.image))

    def _icon(self, path: str) -> QIcon:
        """The product's picture as a thumbnail (read once per path); an empty slot when there is none."""
        if path not in self._icons:
            pixmap = QPixmap()
            data = picture_bytes(path)
            if data is None or not pixmap.loadFromData(data):
                pixmap = QPixmap(THUMB, THUMB)
                pixmap.fill(QColor(230, 230, 235))
            self._icons[path] = QIcon(pixmap.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                                    Qt.TransformationMode.SmoothTransformation))
        return self._icons[path]
