"""画面 → 编辑场景…: the studio's scenes (add, copy, rename, remove, reorder, back to the defaults) and each scene's
sources (which one, place and size in % of the canvas, opacity, shown or not, how it fits, crop), with a sketch of
the layout. The dialog edits a copy in the saved form; 保存 has the core check all of it (`scenes_from_json`) and
names what is wrong without closing; 取消 leaves the scenes as they were.

The list shows a scene's sources as OBS does: the top row is in front. 新来源… adds a source of the studio's own
(a second camera, a picture or video file, the test pattern); one no scene shows any more is let go at 保存.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDoubleSpinBox, QDialogButtonBox, QFileDialog, QGridLayout, QHBoxLayout,
                               QHeaderView, QInputDialog, QLabel, QListWidget, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from app.console import SceneError, check_input, default_scenes, scenes_from_json, scenes_to_json
from ui.i18n import QT_TR_NOOP, label, pick, tr
from ui.layout_sketch import LayoutSketch, input_label, still_images

COLUMNS = (QT_TR_NOOP("来源"), "X %", "Y %", QT_TR_NOOP("宽 %"), QT_TR_NOOP("高 %"), QT_TR_NOOP("不透明 %"),
           QT_TR_NOOP("显示"), QT_TR_NOOP("适配"), QT_TR_NOOP("裁左 %"), QT_TR_NOOP("裁上 %"), QT_TR_NOOP("裁右 %"),
           QT_TR_NOOP("裁下 %"))
FITS = (("letterbox", QT_TR_NOOP("完整显示")), ("crop", QT_TR_NOOP("填满裁边")))
NUMBERS = (("x", 1), ("y", 2), ("width", 3), ("height", 4), ("opacity", 5))


def _percent(value) -> str:
    return f"{float(value) * 100:g}" if isinstance(value, (int, float)) else str(value)


class SceneEditor(QDialog):
    def __init__(self, scenes: list, inputs: list[str], aspect: float = 16 / 9, parent: QWidget | None = None,
                 own_inputs: dict[str, str] | None = None, stills=None) -> None:
        """`stills`: asked every second for what each source shows now (name → small BGR picture), drawn in the
        sketch; None draws the places only."""
        super().__init__(parent)
        self.setWindowTitle(tr("编辑场景"))
        self.inputs = list(inputs)
        self.own = dict(own_inputs or {})  # the studio's own sources: name → cam:N | a file | testsrc
        self.result_inputs: dict[str, str] | None = None
        self.data: list[dict] = scenes_to_json(scenes)
        self.current = -1
        self.result_scenes: list | None = None
        self.names = QListWidget()
        self.names.currentRowChanged.connect(self._select_scene)
        scene_buttons = QVBoxLayout()
        for text, slot in ((QT_TR_NOOP("新建"), self.add_scene), (QT_TR_NOOP("复制"), self.copy_scene),
                           (QT_TR_NOOP("重命名"), self.rename_scene), (QT_TR_NOOP("删除"), self.remove_scene),
                           ("↑", lambda: self.move_scene(-1)), ("↓", lambda: self.move_scene(1)),
                           (QT_TR_NOOP("恢复默认场景"), self.restore_defaults)):
            button = QPushButton(text if text in ("↑", "↓") else tr(text))
            button.clicked.connect(lambda _checked=False, act=slot: act())
            scene_buttons.addWidget(button)
        scene_buttons.addStretch(1)
        item_buttons = self._items_table()
        self.sketch = LayoutSketch(aspect, on_pick=self._pick_in_sketch, on_move=self._move_in_sketch)
        clip_row = self._clip_controls()
        self.problem = QLabel("")
        self.problem.setStyleSheet("color: #c62828;")
        self.problem.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        right = QVBoxLayout()
        explanation = QLabel(tr("列表上方的来源显示在前面；位置与大小是画布的百分比，叠加层占满画布时保持它自己的位置"))
        explanation.setWordWrap(True)
        right.addWidget(explanation)
        right.addWidget(self.table, 3)
        right.addLayout(item_buttons)
        right.addLayout(clip_row)
        right.addWidget(self.sketch, 2)
        top = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(QLabel(tr("场景（前九个：Ctrl+1…9）")))
        left.addWidget(self.names)
        top.addLayout(left, 1)
        top.addLayout(scene_buttons)
        top.addLayout(right, 4)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(1100, 620)
        self._fill_names(0)
        self._stills = stills
        self._still_timer = QTimer(self)  # redraws only: the pictures come from the core
        self._still_timer.timeout.connect(self.refresh_stills)
        if stills is not None:
            self.refresh_stills()
            self._still_timer.start(1000)

    def _items_table(self) -> QGridLayout:
        """The scene's sources as a table (a row a source, the first in front), and the buttons that add, remove and
        move them."""
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([c if c in ("X %", "Y %") else tr(c) for c in COLUMNS])
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # no header cut; the table scrolls
        for column in (0, 7):  # the drop-downs: as wide as they ask
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(0, 190)
        self.table.itemChanged.connect(lambda _item: self._changed())
        self.table.currentCellChanged.connect(lambda *_: self._changed())
        item_buttons = QGridLayout()  # two rows: the bilingual labels fit a laptop's width
        self.input_choice = QComboBox()
        for name in self.inputs:
            self.input_choice.addItem(input_label(name), name)
        item_buttons.addWidget(self.input_choice, 0, 0)
        for index, (text, slot) in enumerate((
                (QT_TR_NOOP("添加来源"), self.add_item), (QT_TR_NOOP("新来源…"), self.ask_input),
                (QT_TR_NOOP("删除来源"), self.remove_item), (QT_TR_NOOP("上移（到前面）"), lambda: self.move_item(-1)),
                (QT_TR_NOOP("下移（到后面）"), lambda: self.move_item(1)))):
            button = QPushButton(tr(text))
            button.clicked.connect(lambda _checked=False, act=slot: act())
            item_buttons.addWidget(button, (index + 1) // 3, (index + 1) % 3)
        return item_buttons

    def _clip_controls(self) -> QHBoxLayout:
        """竖屏切片区域: the part of this scene a vertical clip shows (its centre and height, % of the canvas)."""
        self.clip_set = QCheckBox(tr("竖屏切片区域"))
        self.clip_set.setToolTip(tr("这个场景在画面上时，竖屏切片（9:16）裁取的部分；不设定则用导出时选的区域"))
        self.clip_boxes = []
        row = QHBoxLayout()
        row.addWidget(self.clip_set)
        for text, low in ((QT_TR_NOOP("中心 X %"), 0.0), (QT_TR_NOOP("中心 Y %"), 0.0), (QT_TR_NOOP("高 %"), 10.0)):
            box = QDoubleSpinBox()
            box.setRange(low, 100.0)
            box.setValue(50.0 if low == 0.0 else 100.0)
            box.valueChanged.connect(lambda _v: self._clip_changed())
            row.addWidget(QLabel(tr(text)))
            row.addWidget(box)
            self.clip_boxes.append(box)
        row.addStretch(1)
        self.clip_set.toggled.connect(lambda _on: self._clip_changed())
        return row

    def _clip_changed(self) -> None:
        for box in self.clip_boxes:
            box.setEnabled(self.clip_set.isChecked())
        if not 0 <= self.current < len(self.data):
            return
        if self.clip_set.isChecked():
            self.data[self.current]["clip"] = [box.value() / 100 for box in self.clip_boxes]
        else:
            self.data[self.current].pop("clip", None)
        self.sketch.show_region(self.data[self.current].get("clip"))

    def _load_clip(self) -> None:
        clip = self.data[self.current].get("clip") if 0 <= self.current < len(self.data) else None
        for widget in (self.clip_set, *self.clip_boxes):
            widget.blockSignals(True)
        self.clip_set.setChecked(clip is not None)
        defaults = (0.5, 0.5, 1.0)
        for box, value, default in zip(self.clip_boxes, clip or defaults, defaults, strict=True):
            box.setValue(float(value) * 100 if isinstance(value, (int, float)) else default * 100)
            box.setEnabled(clip is not None)
        for widget in (self.clip_set, *self.clip_boxes):
            widget.blockSignals(False)
        self.sketch.show_region(clip)

    def refresh_stills(self) -> None:
        self.sketch.show_stills(still_images(self._stills()) if self._stills is not None else {})

    # --- scenes ------------------------------------------------------------------------------------------------
    def _fill_names(self, row: int) -> None:
        self.current = -1
        self.names.blockSignals(True)
        self.names.clear()
        for scene in self.data:
            self.names.addItem(label(str(scene["name"])))
        self.names.blockSignals(False)
        self.names.setCurrentRow(min(max(0, row), len(self.data) - 1))
        self._select_scene(self.names.currentRow())

    def _select_scene(self, row: int) -> None:
        self._store()
        self.current = row
        self._load()
        self._load_clip()

    def _new_name(self, base: str) -> str:
        names = {scene["name"] for scene in self.data}
        name, number = base, 2
        while name in names:
            name, number = f"{base} {number}", number + 1
        return name

    def add_scene(self) -> None:
        self._store()
        self.data.append({"name": self._new_name(tr("新场景")), "items": [
            {"input": "camera", "x": 0.0, "y": 0.0, "width": 1.0, "height": 1.0, "visible": True, "opacity": 1.0,
             "crop": [0.0, 0.0, 0.0, 0.0], "fit": "letterbox"}]})
        self._fill_names(len(self.data) - 1)

    def copy_scene(self) -> None:
        if self.current < 0:
            return
        self._store()
        scene = copy.deepcopy(self.data[self.current])
        scene["name"] = self._new_name(scene["name"])
        self.data.insert(self.current + 1, scene)
        self._fill_names(self.current + 1)

    def rename_scene(self, name: str | None = None) -> None:
        if self.current < 0:
            return
        if name is None:
            name, ok = QInputDialog.getText(self, tr("重命名场景"), tr("场景名称"), text=self.data[self.current]["name"])
            if not ok:
                return
        self._store()
        self.data[self.current]["name"] = " ".join(str(name).split())
        self._fill_names(self.current)

    def remove_scene(self) -> None:
        if self.current < 0:
            return
        if len(self.data) == 1:
            self.problem.setText(tr("至少保留一个场景"))
            return
        self._store()
        del self.data[self.current]
        self._fill_names(self.current)

    def move_scene(self, step: int) -> None:
        row = self.current + step
        if self.current < 0 or not 0 <= row < len(self.data):
            return
        self._store()
        self.data[self.current], self.data[row] = self.data[row], self.data[self.current]
        self._fill_names(row)

    def restore_defaults(self) -> None:
        self.data = scenes_to_json(default_scenes())
        self._fill_names(0)

    # --- a scene's sources (rows: top = in front = last item) --------------------------------------------------
    def _items(self) -> list[dict]:
        return self.data[self.current]["items"] if 0 <= self.current < len(self.data) else []

    def _load(self) -> None:
        items = self._items()
        self.table.blockSignals(True)
        self._drop_cell_widgets()
        self.table.setRowCount(len(items))
        for row, item in enumerate(reversed(items)):
            source = QComboBox()
            names = self.inputs if item.get("input") in self.inputs else [*self.inputs, str(item.get("input"))]
            for name in names:
                source.addItem(input_label(name), name)
            source.setCurrentIndex(names.index(item.get("input")) if item.get("input") in names else 0)
            source.currentIndexChanged.connect(lambda _i: self._changed())
            self.table.setCellWidget(row, 0, source)
            for key, column in NUMBERS:
                self.table.setItem(row, column, QTableWidgetItem(_percent(item.get(key, 1.0 if key in (
                    "width", "height", "opacity") else 0.0))))
            shown = QTableWidgetItem()
            shown.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            shown.setCheckState(Qt.CheckState.Checked if item.get("visible", True) else Qt.CheckState.Unchecked)
            self.table.setItem(row, 6, shown)
            fit = QComboBox()
            for value, text in FITS:
                fit.addItem(tr(text), value)
            fit.setCurrentIndex(0 if item.get("fit", "crop") == "letterbox" else 1)
            fit.currentIndexChanged.connect(lambda _i: self._changed())
            self.table.setCellWidget(row, 7, fit)
            self.table.setColumnWidth(7, max(self.table.columnWidth(7), fit.sizeHint().width()))
            crop = list(item.get("crop", [0, 0, 0, 0])) + [0, 0, 0, 0]
            for side in range(4):
                self.table.setItem(row, 8 + side, QTableWidgetItem(_percent(crop[side])))
        self.table.blockSignals(False)
        self._sketch()

    def _drop_cell_widgets(self) -> None:
        """The drop-downs of the rows shown before, hidden now: Qt deletes a replaced cell widget only when the loop
        that made it turns again, which under this modal dialog is after it closes — meanwhile it was drawn over
        the new row's X/Y cells."""
        for row in range(self.table.rowCount()):
            for column in (0, 7):
                widget = self.table.cellWidget(row, column)
                if widget is not None:
                    self.table.removeCellWidget(row, column)
                    widget.hide()
                    widget.setParent(None)
                    widget.deleteLater()

    def _pick_in_sketch(self, index: int) -> None:
        """A source pressed in the sketch: its row selected (items run bottom to top, rows top to bottom)."""
        self.table.setCurrentCell(len(self._items()) - 1 - index, 1)

    def _move_in_sketch(self, index: int, x: float, y: float) -> None:
        """A source dragged in the sketch: its X and Y cells follow (in %), and with them the scene."""
        row = len(self._items()) - 1 - index
        self.table.item(row, 1).setText(_percent(x))
        self.table.item(row, 2).setText(_percent(y))

    def _read_row(self, row: int) -> dict:
        def number(column: int):
            text = (self.table.item(row, column).text() if self.table.item(row, column) else "").strip()
            try:
                return float(text.rstrip("%")) / 100
            except ValueError:
                return text  # the core names it when saving
        item = {"input": self.table.cellWidget(row, 0).currentData()}
        item.update({key: number(column) for key, column in NUMBERS})
        item["visible"] = self.table.item(row, 6).checkState() == Qt.CheckState.Checked
        item["fit"] = self.table.cellWidget(row, 7).currentData()
        item["crop"] = [number(8 + side) for side in range(4)]
        return item

    def _store(self) -> None:
        if 0 <= self.current < len(self.data):
            self.data[self.current]["items"] = [self._read_row(row) for row in reversed(range(self.table.rowCount()))]

    def _changed(self) -> None:
        self._store()
        self._sketch()

    def _sketch(self) -> None:
        row = self.table.currentRow()
        self.sketch.show_items(self._items(), len(self._items()) - 1 - row if row >= 0 else -1)

    def add_item(self, name: str | None = None) -> None:
        if self.current < 0:
            return
        self._store()
        name = name or self.input_choice.currentData()
        overlay = name.startswith("overlay.")
        place = (0.0, 0.0, 1.0, 1.0) if overlay or name in ("camera", "background") else (0.62, 0.52, 0.34, 0.42)
        self._items().append({"input": name, "x": place[0], "y": place[1], "width": place[2], "height": place[3],
                              "visible": True, "opacity": 1.0, "crop": [0.0, 0.0, 0.0, 0.0], "fit": "letterbox"})
        self._load()
        self.table.setCurrentCell(0, 1)

    def remove_item(self) -> None:
        row = self.table.currentRow()
        if self.current < 0 or row < 0:
            return
        self._store()
        del self._items()[len(self._items()) - 1 - row]
        self._load()

    def move_item(self, step: int) -> None:
        """step −1: one row up (further in front); +1: one row down."""
        self._store()
        row, items = self.table.currentRow(), self._items()
        if self.current < 0 or row < 0 or not 0 <= row + step < len(items):
            return
        a, b = len(items) - 1 - row, len(items) - 1 - (row + step)
        items[a], items[b] = items[b], items[a]
        self._load()
        self.table.setCurrentCell(row + step, 1)

    # --- the studio's own sources -------------------------------------------------------------------------------
    def ask_input(self) -> None:
        """新来源…: a name, then a second camera, a picture or video file, the test pattern, or a phone (a seat of
        the guests' door by the same name: 画面 → 手机机位 / 连麦嘉宾… hands it its code)."""
        name, ok = QInputDialog.getText(self, tr("新来源"), tr("来源名称（如：场控台、产品视频）"))
        if not ok:
            return
        choices = [tr("摄像头") + f" {n}" for n in range(4)] + [tr("图片或视频文件…"), tr("测试图"),
                                                                tr("手机机位 / 连麦嘉宾（扫码）")]
        choice, ok = QInputDialog.getItem(self, tr("新来源"), tr("来源"), choices, 1, False)
        if not ok:
            return
        index = choices.index(choice)
        if index < 4:
            spec = f"cam:{index}"
        elif index == 4:
            spec, _ = QFileDialog.getOpenFileName(self, tr("图片或视频文件…"))
            if not spec:
                return
        elif index == 5:
            spec = "testsrc"
        else:
            spec = "guest:" + name.strip()
        self.add_input(name, spec)

    def add_input(self, name: str, spec: str) -> bool:
        """Add a source of the studio's own (checked by the core; the reason shown when refused)."""
        try:
            name, spec = check_input(name, spec)
        except SceneError as exc:
            self.problem.setText(pick(str(exc)))
            return False
        self.problem.setText("")
        if name not in self.own:
            first_overlay = next((i for i, n in enumerate(self.inputs) if n.startswith("overlay.")), len(self.inputs))
            self.inputs.insert(first_overlay, name)
            self.input_choice.insertItem(first_overlay, name, name)
        self.own[name] = spec
        self.input_choice.setCurrentIndex(self.inputs.index(name))
        return True

    # --- saving ------------------------------------------------------------------------------------------------
    def save(self) -> None:
        """Check everything in the core; close with the scenes, or say what is wrong and stay open."""
        self._store()
        try:
            self.result_scenes = scenes_from_json(copy.deepcopy(self.data))
            used = {item["input"] for scene in self.data for item in scene["items"]}
            # a source of the studio's own that no scene shows any more is let go (no camera held for nothing)
            self.result_inputs = {name: spec for name, spec in self.own.items() if name in used}
        except SceneError as exc:
            self.problem.setText(pick(str(exc)))
            return
        self.problem.setText("")
        self.accept()
