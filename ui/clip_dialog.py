"""导出切片 — what to cut and how, before anything is cut: every explanation, one product's, or the moments that
sold (listed with their length, orders and GMV); the original picture (the fast, exact cut) or vertical 9:16 cut from
a region or letterboxed; the product card, a caption (checked for extreme words as it is typed), the logo; the sound
levelled. The dialog only gathers the choice; the history makes the spans and the clips."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTime, QTimer
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QDialog, QDoubleSpinBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QRadioButton, QTableWidget,
                               QTableWidgetItem, QTimeEdit, QVBoxLayout, QWidget)

from app.console import ClipStyle, Region, money
from ui.clip_preview import ClipPreviewView
from ui.i18n import QT_TR_NOOP, pick, tr
from ui.worker import Worker

WHAT = (("windows", QT_TR_NOOP("每次讲解")), ("product", QT_TR_NOOP("一个商品的讲解")),
        ("moments", QT_TR_NOOP("成交高光")), ("range", QT_TR_NOOP("一段范围")))
SHAPES = (("original", QT_TR_NOOP("原画面（最快，逐帧精确）")), ("crop", QT_TR_NOOP("竖屏 9:16 · 裁切")),
          ("letterbox", QT_TR_NOOP("竖屏 9:16 · 完整画面加边")))
PLACES = ((QT_TR_NOOP("默认"), None), (QT_TR_NOOP("顶部"), 0.08), (QT_TR_NOOP("中间"), 0.42),
          (QT_TR_NOOP("底部"), 0.72))  # top of the layer as a share of the clip's height (above the apps' own text)
COLUMNS = (QT_TR_NOOP("片段"), QT_TR_NOOP("开始"), QT_TR_NOOP("时长"), QT_TR_NOOP("订单"), QT_TR_NOOP("成交额"))


def _clock(seconds: float) -> str:
    t = int(seconds)
    return f"{t // 3600:d}:{t // 60 % 60:02d}:{t % 60:02d}"


class ClipDialog(QDialog):
    """Emits accepted() with `spans` and `style()` ready; `folder` is asked for by 导出…."""

    def __init__(self, history, review, parent: QWidget | None = None, regions: tuple = (),
                 playhead: float = 0.0) -> None:
        """`regions`: (scene name, region) of the scenes that set their own (画面 → 编辑场景…); `playhead`: where a
        range starts unless changed (seconds of the show)."""
        super().__init__(parent)
        self.history, self.review, self.regions = history, review, tuple(regions)
        self.setWindowTitle(tr("导出切片"))
        self.folder: str | None = None
        self.spans: list = []
        self._moments: list | None = None
        self.worker = Worker(self, "moments")
        self.previewer = Worker(self, "clip-preview")
        self._previewing = self._stale = False
        self.view = ClipPreviewView(self, on_place=self._dragged)
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(200)  # typing a caption renders it once it pauses
        self._soon.timeout.connect(lambda: self._preview())
        what_row, which_row = self._choices(playhead)
        self.what.button(0).setChecked(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        form = self._options()
        self.note = QLabel()
        self.export_button = QPushButton(tr("导出…"))
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(lambda: self._export())  # not the checked flag
        cancel = QPushButton(tr("取消"))
        cancel.clicked.connect(lambda: self.reject())
        buttons = QHBoxLayout()
        buttons.addWidget(self.note, 1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(cancel)
        left = QVBoxLayout()
        left.addLayout(what_row)
        left.addLayout(which_row)
        left.addWidget(self.table, 1)
        left.addLayout(form)
        left.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addWidget(self.view)
        self.view.setMinimumSize(243, 432)
        self.resize(1200, 640)
        self.what.idClicked.connect(lambda _id: self._list())
        self.product.currentIndexChanged.connect(lambda _i: self._list())
        self.shape.currentIndexChanged.connect(lambda _i: self._enable())
        self.caption.textChanged.connect(lambda _t: self._enable())
        for signal in (self.shape.currentIndexChanged, self.card_place.currentIndexChanged,
                       self.caption_place.currentIndexChanged, self.centre.valueChanged,
                       self.height_share.valueChanged, self.caption.textChanged, self.logo.editingFinished,
                       self.card.toggled, self.table.currentCellChanged):
            signal.connect(lambda *_args: self._soon.start())
        self._list()

    def _choices(self, playhead: float) -> tuple[QHBoxLayout, QHBoxLayout]:
        """What to cut: every explanation, one product's, the moments, a range (from the playhead, a minute)."""
        history, review = self.history, self.review
        self.what = QButtonGroup(self)
        what_row = QHBoxLayout()
        for i, (_key, label) in enumerate(WHAT):
            button = QRadioButton(tr(label))
            self.what.addButton(button, i)
            what_row.addWidget(button)
        self.product = QComboBox()
        for pid in dict.fromkeys(span.product_id for span in history.clip_spans(review)):
            self.product.addItem(review.titles.get(pid, f"#{pid}"), pid)
        what_row.addStretch(1)
        which_row = QHBoxLayout()  # the product and the range on their own row: the dialog fits 1366 wide
        which_row.addWidget(QLabel(tr("商品")))
        which_row.addWidget(self.product, 1)
        which_row.addSpacing(16)
        which_row.addWidget(QLabel(tr("范围")))
        self.range_start, self.range_end = QTimeEdit(), QTimeEdit()
        for edit, seconds in ((self.range_start, playhead), (self.range_end, playhead + 60)):
            edit.setDisplayFormat("H:mm:ss")
            edit.setTime(QTime(0, 0).addSecs(int(min(seconds, 86_399))))
            edit.timeChanged.connect(lambda _t: self._list() if self.choice() == "range" else None)
        which_row.addWidget(self.range_start)
        which_row.addWidget(QLabel("–"))
        which_row.addWidget(self.range_end)
        return what_row, which_row

    def _options(self) -> QFormLayout:
        """画面, the crop region, what is burned in, the sound."""
        self.shape = QComboBox()
        for key, label in SHAPES:
            self.shape.addItem(tr(label), key)
        self.centre = QDoubleSpinBox()
        self.height_share = QDoubleSpinBox()
        for box, value in ((self.centre, 50.0), (self.height_share, 100.0)):
            box.setRange(10.0 if box is self.height_share else 0.0, 100.0)
            box.setSuffix(" %")
            box.setValue(value)
        self.centre.setToolTip(tr("裁切区域的水平中心：0% 最左，100% 最右"))
        self.height_share.setToolTip(tr("裁切区域的高度占画面的比例：越小放得越大"))
        region = QHBoxLayout()
        region.addWidget(QLabel(tr("中心")))
        region.addWidget(self.centre)
        region.addWidget(QLabel(tr("高度")))
        region.addWidget(self.height_share)
        if self.regions:
            region.addWidget(QLabel(tr("（{n} 个场景用自己的区域）").format(n=len(self.regions))))
        region.addStretch(1)
        self.card = QCheckBox(tr("商品卡（标题、直播价）"))
        self.card.setChecked(True)
        self.card_place, self.caption_place = QComboBox(), QComboBox()
        for combo in (self.card_place, self.caption_place):
            for text, share in PLACES:
                combo.addItem(tr(text), share)
        card_row = QHBoxLayout()
        card_row.addWidget(self.card)
        card_row.addWidget(QLabel(tr("位置")))
        card_row.addWidget(self.card_place)
        card_row.addStretch(1)
        self.caption = QLineEdit()
        self.caption.setPlaceholderText(tr("一行字幕，烧录在竖屏切片上"))
        self.caption.setMaxLength(60)
        self.caption_note = QLabel()
        self.caption_note.setWordWrap(True)
        self.logo = QLineEdit()
        self.logo.setPlaceholderText(tr("标志图片（PNG，可透明）"))
        browse = QPushButton(tr("浏览…"))
        browse.clicked.connect(lambda: self._browse())
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo, 1)
        logo_row.addWidget(browse)
        self.level = QCheckBox(tr("响度统一到 -14 LUFS（短视频平台的播放响度）"))
        self.level.setChecked(True)
        form = QFormLayout()
        form.addRow(tr("画面"), self.shape)
        form.addRow(tr("裁切区域"), region)
        form.addRow("", card_row)
        caption_row = QHBoxLayout()
        caption_row.addWidget(self.caption, 1)
        caption_row.addWidget(QLabel(tr("位置")))
        caption_row.addWidget(self.caption_place)
        form.addRow(tr("字幕"), caption_row)
        form.addRow("", self.caption_note)
        form.addRow(tr("标志"), logo_row)
        form.addRow(tr("声音"), self.level)
        return form

    def done(self, result: int) -> None:  # noqa: D102 - Qt's; the moments' search ends with the dialog
        self._soon.stop()
        self.worker.wait()
        self.previewer.wait()
        super().done(result)

    def _preview(self) -> None:
        """The selected clip's first frame as chosen, rendered off the window's thread; one at a time, the latest
        choice last."""
        if self._previewing:
            self._stale = True
            return
        row = max(0, self.table.currentRow())
        if not self.spans or self.shape.currentData() == "original":
            self.view.show_preview(None)
            return
        try:
            style = self.style()
        except ValueError as exc:
            self.note.setText(pick(str(exc)))
            return
        history, review, span = self.history, self.review, self.spans[min(row, len(self.spans) - 1)]
        self._previewing, self._stale = True, False
        self.previewer.start(lambda: history.clip_preview(review, span, style), self._previewed)

    def _previewed(self, result) -> None:
        self._previewing = False
        if isinstance(result, Exception):
            self.view.show_preview(None)
            self.view.message = tr("预览失败") + f": {pick(str(result))}"
        else:
            self.view.show_preview(result)
            if result is not None and result.problem:
                self.note.setText(pick(result.problem))
        if self._stale:
            self._preview()

    def _dragged(self, name: str, share: float) -> None:
        """A layer moved on the preview: its place becomes the combo's 自定义 entry."""
        combo = self.caption_place if name == "caption" else self.card_place
        text = tr("自定义") + f" {share:.0%}"
        if combo.count() == len(PLACES):
            combo.addItem(text, share)
        else:
            combo.setItemText(len(PLACES), text)
            combo.setItemData(len(PLACES), share)
        combo.setCurrentIndex(len(PLACES))

    def _browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, tr("选择标志图片"), "", "Images (*.png *.jpg *.jpeg *.webp)")
        if path:
            self.logo.setText(path)

    def choice(self) -> str:
        return WHAT[max(0, self.what.checkedId())][0]

    def _list(self) -> None:
        what = self.choice()
        if what == "moments":
            if self._moments is None:  # the show's orders and comments counted by the database: off this thread
                self.spans = []
                self.table.setRowCount(0)
                self.note.setText(tr("正在找成交高光…"))
                self.export_button.setEnabled(False)
                history, review = self.history, self.review
                self.worker.start(lambda: history.moment_spans(review), self._found)
                return
            spans = self._moments
        elif what == "range":
            start, end = (QTime(0, 0).secsTo(edit.time()) for edit in (self.range_start, self.range_end))
            try:
                spans = [self.history.range_span(self.review, float(start), float(end))]
            except ValueError as exc:
                spans = []
                self.note.setText(pick(str(exc)))
        else:
            spans = self.history.clip_spans(self.review, self.product.currentData() if what == "product" else None)
        self.spans = list(spans)
        self.product.setEnabled(what == "product")
        for edit in (self.range_start, self.range_end):
            edit.setEnabled(what == "range")
        self.table.setRowCount(len(self.spans))
        for row, span in enumerate(self.spans):
            for col, text in enumerate((span.title, _clock(span.start), f"{span.seconds:.0f} s", str(span.orders),
                                        money(span.gmv_cents))):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        self._enable()

    def _found(self, result) -> None:
        if isinstance(result, Exception):
            self.note.setText(tr("找不到成交高光") + f": {pick(str(result))}")
            return
        self._moments = list(result)
        if self.choice() == "moments":
            self._list()

    def _enable(self) -> None:
        vertical = self.shape.currentData() != "original"
        for widget in (self.centre, self.height_share):
            widget.setEnabled(self.shape.currentData() == "crop")
        for widget in (self.card, self.caption, self.logo, self.card_place, self.caption_place):
            widget.setEnabled(vertical)
        problems = self.history.caption_problems(self.caption.text()) if vertical and self.caption.text() else []
        self.caption_note.setText(tr("广告法极限词，请改写：") + "、".join(problems) if problems else "")
        self.caption_note.setStyleSheet("color: #d33" if problems else "")
        if not self.spans:
            if self.choice() != "range":
                self.note.setText(tr("没有可切的片段"))
        else:
            seconds = sum(span.seconds for span in self.spans)
            self.note.setText(tr("{n} 个切片，共 {m} 分钟").format(n=len(self.spans), m=f"{seconds / 60:.1f}"))
        self.export_button.setEnabled(bool(self.spans) and not problems)
        self._soon.start()

    def style(self):
        """The clips' look as chosen (a value of the core's `ClipStyle`)."""
        shape = self.shape.currentData()
        region = Region(self.centre.value() / 100, 0.5, self.height_share.value() / 100)
        return ClipStyle(shape, card=self.card.isChecked(), caption=self.caption.text() if shape != "original" else "",
                         logo=self.logo.text().strip() if shape != "original" else "", region=region,
                         regions=self.regions, places=tuple(
                             (name, combo.currentData()) for name, combo in (("caption", self.caption_place),
                                                                             ("card", self.card_place))
                             if combo.currentData() is not None),
                         loudness=ClipStyle().loudness if self.level.isChecked() else None)

    def _export(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("切片导出到"))
        if folder:
            self.folder = folder
            self.accept()
