"""Coupons & flash sales dock: drop a coupon with quantity and countdown, start/stop a flash sale, watch claims."""

from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QDockWidget, QDoubleSpinBox, QFormLayout,
                               QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from ui.i18n import QT_TR_NOOP, tr

KINDS = [("full_reduction", QT_TR_NOOP("满减")), ("discount", QT_TR_NOOP("折扣")),
         ("no_threshold", QT_TR_NOOP("无门槛"))]


class CouponDialog(QDialog):
    """New or edited coupon: name, kind and its numbers. Checking is the core's (`check_coupon`), not ours."""

    def __init__(self, parent: QWidget | None = None, coupon=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("编辑优惠券") if coupon else tr("新建优惠券"))
        self.name = QLineEdit(coupon.name if coupon else "")
        self.name.setPlaceholderText(tr("例：满199减30"))
        self.name.setMinimumWidth(240)
        self.kind = QComboBox()
        for kind, label in KINDS:
            self.kind.addItem(tr(label), kind)
        self.threshold = QDoubleSpinBox(minimum=0, maximum=1_000_000, decimals=2, prefix="￥", value=199)
        self.discount = QDoubleSpinBox(minimum=0, maximum=1_000_000, decimals=2, prefix="￥", value=30)
        self.rate = QDoubleSpinBox(minimum=0.1, maximum=9.9, decimals=1, singleStep=0.5, value=9.0,
                                   suffix=tr(" 折"))
        self.quantity = QSpinBox(minimum=1, maximum=1_000_000, value=100)
        if coupon is not None:
            self.kind.setCurrentIndex(max(0, self.kind.findData(coupon.kind)))
            self.threshold.setValue(coupon.threshold_cents / 100)
            self.discount.setValue(coupon.discount_cents / 100)
            self.rate.setValue(round(coupon.rate * 10, 1))
            self.quantity.setValue(max(1, coupon.total))
        form = QFormLayout(self)
        form.addRow(tr("券名"), self.name)
        form.addRow(tr("类型"), self.kind)
        form.addRow(tr("门槛（满）"), self.threshold)
        form.addRow(tr("减额"), self.discount)
        form.addRow(tr("折扣", "coupon form field"), self.rate)
        form.addRow(tr("数量"), self.quantity)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.kind.currentIndexChanged.connect(self._fields)
        self._fields()

    def _fields(self) -> None:
        kind = self.kind.currentData()
        self.threshold.setEnabled(kind == "full_reduction")
        self.discount.setEnabled(kind != "discount")
        self.rate.setEnabled(kind == "discount")

    def definition(self) -> dict:
        return {"name": self.name.text(), "kind": self.kind.currentData(),
                "threshold_cents": round(self.threshold.value() * 100),
                "discount_cents": round(self.discount.value() * 100), "rate": round(self.rate.value() / 10, 3),
                "quantity": self.quantity.value()}


class CouponsDock(QDockWidget):
    def __init__(self, on_drop, on_stop_coupon, on_flash, on_stop_flash, on_save=None,
                 parent: QWidget | None = None) -> None:
        super().__init__(tr("优惠券 / 秒杀"), parent)
        self.setObjectName("coupons")
        self.list = QListWidget()
        self.quantity = QSpinBox(minimum=1, maximum=100_000, value=100)
        self.minutes = QDoubleSpinBox(minimum=0.1, maximum=600, value=2.0, decimals=1, suffix=" min")
        drop = self.drop_button = QPushButton(tr("发券"))
        drop.clicked.connect(lambda: self._with_coupon(lambda cid: on_drop(cid, self.quantity.value(),
                                                                           self.minutes.value() * 60)))
        stop = QPushButton(tr("停止"))
        stop.clicked.connect(lambda: self._with_coupon(on_stop_coupon))
        coupon_box = QGroupBox(tr("优惠券", "dock title"))
        coupon_form = QFormLayout(coupon_box)
        coupon_form.addRow(self.list)
        coupon_form.addRow(tr("数量"), self.quantity)
        coupon_form.addRow(tr("时长"), self.minutes)
        row = QHBoxLayout()
        row.addWidget(drop)
        row.addWidget(stop)
        coupon_form.addRow(row)
        self._on_save = on_save
        self._coupons: dict = {}
        if on_save is not None:
            edits = QHBoxLayout()
            for text, slot in ((tr("新建券…"), lambda: self.edit_coupon(None)),
                               (tr("编辑…"), lambda: self._with_coupon(self.edit_coupon))):
                button = QPushButton(text)
                button.clicked.connect(slot)
                edits.addWidget(button)
            coupon_form.addRow(edits)
            self.list.itemDoubleClicked.connect(lambda _item: self._with_coupon(self.edit_coupon))

        sale_box = self._sale_box(on_flash, on_stop_flash)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(coupon_box)
        layout.addWidget(sale_box)
        self.setWidget(body)
        self._coupon_ids: list[int] = []

    def _sale_box(self, on_flash, on_stop_flash) -> QGroupBox:
        """秒杀 flash sale: the product, its price, stock and how long, with start and end."""
        self.product = QComboBox()
        self.price = QDoubleSpinBox(minimum=0.01, maximum=1_000_000, value=9.9, decimals=2, prefix="￥")
        self.stock = QSpinBox(minimum=1, maximum=1_000_000, value=20)
        self.sale_minutes = QDoubleSpinBox(minimum=0.1, maximum=120, value=1.0, decimals=1, suffix=" min")
        self.sale_state = QLabel(tr("没有进行中的秒杀"))
        start = QPushButton(tr("开始秒杀"))
        start.clicked.connect(lambda: on_flash(self.product.currentData(), round(self.price.value() * 100),
                                               self.stock.value(), self.sale_minutes.value() * 60))
        end = QPushButton(tr("结束"))
        end.clicked.connect(on_stop_flash)
        sale_box = QGroupBox(tr("秒杀"))
        sale_form = QFormLayout(sale_box)
        sale_form.addRow(tr("商品"), self.product)
        sale_form.addRow(tr("秒杀价"), self.price)
        sale_form.addRow(tr("库存"), self.stock)
        sale_form.addRow(tr("时长"), self.sale_minutes)
        sale_form.addRow(self.sale_state)
        buttons = QHBoxLayout()
        buttons.addWidget(start)
        buttons.addWidget(end)
        sale_form.addRow(buttons)
        return sale_box

    def _with_coupon(self, action) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self._coupon_ids):
            action(self._coupon_ids[row])

    def edit_coupon(self, coupon_id: int | None, dialog_answer=None) -> None:
        """Open the coupon form (new when coupon_id is None). Tests pass `dialog_answer(dialog)` to fill it in."""
        dialog = CouponDialog(self, self._coupons.get(coupon_id) if coupon_id is not None else None)
        accepted = dialog_answer(dialog) if dialog_answer is not None else dialog.exec() == QDialog.DialogCode.Accepted
        if accepted:
            self._on_save(dialog.definition(), coupon_id)

    def refresh(self, room, now: float) -> None:
        state = room.state
        self._coupons = dict(state.coupons)
        ids = sorted(state.coupons)
        texts, left_word = [], tr("剩余")
        for coupon_id in ids:
            c = state.coupons[coupon_id]
            if c.live:
                left = max(0, int((c.expires_at or now) - now))
                texts.append(f"● {c.name}  {left_word} {c.remaining}/{c.total}  {left // 60:02d}:{left % 60:02d}")
            else:
                texts.append(f"○ {c.name}  ×{c.total}")
        if ids != self._coupon_ids:
            self._coupon_ids = ids
            self.list.clear()
            self.list.addItems(texts)
        else:
            for row, text in enumerate(texts):
                if self.list.item(row).text() != text:
                    self.list.item(row).setText(text)
        if self.product.count() != len(state.run_sheet):
            self.product.clear()
            for product_id in state.run_sheet:
                self.product.addItem(state.products[product_id].title, product_id)
        sale = state.flash_sale
        if sale is None:
            self.sale_state.setText(tr("没有进行中的秒杀"))
        else:
            left = max(0, int(sale.ends_at - now))
            on_sale, stock_left = tr("秒杀中"), tr("剩")
            self.sale_state.setText(f"{on_sale} {state.products[sale.product_id].title}："
                                    f"{stock_left} {sale.stock}，"
                                    f"{left // 60:02d}:{left % 60:02d}")
