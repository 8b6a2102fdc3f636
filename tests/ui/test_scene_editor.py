"""编辑场景 (offscreen): scenes added, copied, renamed, reordered and removed, sources placed (overlays too), a bad
value named without closing, the result applied at once — on air too — kept in the settings, the dock rebuilt."""

from __future__ import annotations

import json

import pytest

from PySide6.QtCore import Qt

from tests.ui.going_live import go_live
from app.console import default_scenes


def _cell(dialog, row, column, text):
    dialog.table.item(row, column).setText(text)


def test_the_editor_edits_checks_and_keeps_the_scenes(window, qtbot):
    defaults = [s.name for s in default_scenes()]
    dialog = window.desk.scene_editor()
    qtbot.addWidget(dialog)
    assert [dialog.names.item(i).text() for i in range(dialog.names.count())] == defaults
    assert dialog.table.rowCount() == 2 and dialog.table.cellWidget(0, 0).currentData() == "camera"  # front first

    dialog.add_scene()
    new = dialog.data[3]["name"]
    assert dialog.names.currentRow() == 3 and new.startswith("新场景")  # "新场景 New scene" in both languages
    dialog.add_item("overlay.product_card")
    dialog.add_item("product")
    assert [dialog.table.cellWidget(r, 0).currentData() for r in range(3)] == ["product", "overlay.product_card",
                                                                               "camera"]
    dialog.table.setCurrentCell(0, 1)
    dialog.move_item(1)  # the product picture behind the product card
    assert [i["input"] for i in dialog.data[3]["items"]] == ["camera", "product", "overlay.product_card"]
    _cell(dialog, 0, 1, "5")  # the card: x 5 %, half transparent, cropped at the top
    _cell(dialog, 0, 5, "50")
    _cell(dialog, 0, 9, "10")
    dialog.table.item(2, 6).setCheckState(Qt.CheckState.Unchecked)  # the camera hidden in this scene
    _cell(dialog, 1, 3, "宽")  # not a number
    dialog.save()
    assert dialog.result_scenes is None and dialog.result() == 0  # not saved, not closed
    assert "第 4 个场景" in dialog.problem.text() and "width" in dialog.problem.text()  # which scene, which value
    _cell(dialog, 1, 3, "0")  # zero wide: refused too, with the core's reason
    dialog.save()
    assert dialog.result_scenes is None and "宽高需大于 0" in dialog.problem.text()
    _cell(dialog, 1, 3, "30")

    dialog.copy_scene()
    assert dialog.data[4]["name"] == f"{new} 2" and dialog.data[4]["items"] == dialog.data[3]["items"]
    dialog.rename_scene("  讲解  台 ")
    dialog.move_scene(-1)
    assert [s["name"] for s in dialog.data][3:] == ["讲解 台", new]
    dialog.names.setCurrentRow(0)
    dialog.remove_scene()  # the first default goes
    dialog.save()
    scenes = dialog.result_scenes
    assert [s.name for s in scenes] == [*defaults[1:], "讲解 台", new] and dialog.problem.text() == ""
    card = scenes[-1].items[-1]
    assert card.input == "overlay.product_card" and (card.x, card.opacity, card.crop) == (0.05, 0.5, (0, 0.1, 0, 0))
    assert scenes[-1].items[0].visible is False and scenes[-1].items[1].width == 0.3

    program = window.service.desk.program_scene
    assert program == defaults[0] and window.desk.edit_scenes(scenes)
    assert window.service.desk.scene_names() == [s.name for s in scenes]
    assert window.service.desk.program_scene == defaults[1]  # the scene on air was removed: the first one now
    assert list(window.scenes.buttons) == window.service.desk.scene_names()  # the dock: one button per scene again
    saved = json.loads(window.settings.value("scenes/list"))
    assert [s["name"] for s in saved] == window.service.desk.scene_names() and "overlay.product_card" in str(saved)


def test_one_scene_stays_and_the_defaults_come_back(window, qtbot):
    dialog = window.desk.scene_editor()
    qtbot.addWidget(dialog)
    for _ in range(3):
        dialog.remove_scene()
    assert len(dialog.data) == 1 and dialog.problem.text() != ""  # the last one is kept, and why
    dialog.restore_defaults()
    dialog.save()
    assert [s.name for s in dialog.result_scenes] == [s.name for s in default_scenes()]


def test_an_edit_on_air_changes_the_scene_on_air_at_once(window, qtbot):
    window.show_controls.audience.setChecked(False)
    assert go_live(window)
    on_air = window.service.broadcast.scenes
    program = window.service.desk.program_scene
    edited = [s for s in default_scenes()]
    from app.media.scenes import make_item, make_scene

    edited[0] = make_scene(program, [make_item("product"), make_item("overlay.comments", visible=False)])
    assert window.desk.edit_scenes(edited)
    assert on_air.program == program and on_air.scene(program).inputs == ("product",)  # its new layout, on air
    qtbot.waitUntil(lambda: on_air.draws_layers == {"comments"}, timeout=3000)  # the comments hidden in it


def test_a_source_of_the_studios_own_is_added_kept_and_previewed(window, qtbot):
    dialog = window.desk.scene_editor()
    qtbot.addWidget(dialog)
    assert not dialog.add_input("product", "testsrc") and "product" in dialog.problem.text()  # a built-in name
    assert not dialog.add_input("场控台", "cam:") and dialog.problem.text()
    assert dialog.add_input("场控台", "testsrc") and dialog.problem.text() == ""
    assert dialog.add_input("备用机位", "cam:3")  # added but placed in no scene: let go at 保存
    choices = [dialog.input_choice.itemData(i) for i in range(dialog.input_choice.count())]
    assert choices.index("场控台") < choices.index("overlay.product_card")  # with the sources, before the overlays
    dialog.add_item("场控台")
    dialog.save()
    assert dialog.result_inputs == {"场控台": "testsrc"}
    assert window.desk.edit_scenes(dialog.result_scenes, dialog.result_inputs)
    assert window.service.desk.settings.inputs == {"场控台": "testsrc"} and "场控台" in window.service.desk.scene_inputs()
    assert json.loads(window.settings.value("scenes/inputs")) == {"场控台": "testsrc"}
    window.show_controls.refresh_preview()  # the preview (running already or started here) opens the studio's sources
    qtbot.waitUntil(lambda: window.service.stage._scenes is not None
                    and window.service.stage._scenes.input("场控台") is not None, timeout=5000)


def test_no_stale_drop_down_over_the_cells_and_a_source_dragged_in_the_sketch(window, qtbot):
    """Issue #26: the drop-downs of the rows shown before stayed on screen over the new X/Y cells while the modal
    dialog was open; every visible drop-down is now its own cell's. In the sketch, as in OBS's preview, a press
    picks the source in front under the pointer and a drag moves it; its X/Y cells follow and 保存 keeps it."""
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QComboBox

    dialog = window.desk.scene_editor()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    for row in (1, 2, 0):
        rect = dialog.names.visualItemRect(dialog.names.item(row))
        qtbot.mouseClick(dialog.names.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        owned = {id(dialog.table.cellWidget(r, c)) for r in range(dialog.table.rowCount()) for c in (0, 7)}
        shown = [c for c in dialog.table.viewport().findChildren(QComboBox) if c.isVisible()]
        assert shown and all(id(c) in owned for c in shown), "a drop-down of another row is still on screen"
        for r in range(dialog.table.rowCount()):
            for c in (0, 7):
                cell = dialog.table.visualRect(dialog.table.model().index(r, c))
                assert cell.contains(dialog.table.cellWidget(r, c).geometry().center())

    dialog.add_item("product")  # a small picture in front, bottom right by default
    sketch = dialog.sketch
    canvas = sketch.canvas()
    item = dialog.data[dialog.current]["items"][-1]
    start = QPoint(round(canvas.x() + (item["x"] + item["width"] / 2) * canvas.width()),
                   round(canvas.y() + (item["y"] + item["height"] / 2) * canvas.height()))
    dialog.table.setCurrentCell(dialog.table.rowCount() - 1, 1)  # another row selected: the press picks the picture
    qtbot.mousePress(sketch, Qt.MouseButton.LeftButton, pos=start)
    assert dialog.table.currentRow() == 0  # the picture, in front, is the top row
    moved = start - QPoint(round(canvas.width() * 0.5), round(canvas.height() * 0.25))
    qtbot.mouseMove(sketch, moved)
    qtbot.mouseRelease(sketch, Qt.MouseButton.LeftButton, pos=moved)
    x, y = float(dialog.table.item(0, 1).text()), float(dialog.table.item(0, 2).text())
    assert abs(x - (item["x"] - 0.5) * 100) < 1.5 and abs(y - (item["y"] - 0.25) * 100) < 1.5
    dialog.save()
    placed = dialog.result_scenes[0].items[-1]
    assert placed.input == "product" and abs(placed.x - x / 100) < 1e-9 and abs(placed.y - y / 100) < 1e-9


def test_the_sketch_shows_what_each_source_shows_now(window, qtbot):
    """Issue #26: the layout sketch was a flat box per source. With the preview running, each source's place shows
    its picture now (the test pattern's bars in the camera's place) and the overlays theirs; a source the stream
    has not drawn yet stays a tinted box with its name."""
    window.show_controls.refresh_preview()
    stage = window.service.stage
    # opening the preview is a thread's work and its first frame the pipeline's: on a loaded CI machine the 8 s this
    # waited once did not do (passing alone, cause not found); a bound for liveness, not a time to meet
    qtbot.waitUntil(lambda: window.show_controls.preview_settled and "camera" in stage.input_stills(), timeout=20000)
    stills = stage.input_stills()
    assert stills["camera"].picture.shape[1] <= 192 and stills["camera"].picture.shape[2] == 4
    assert stills["camera"].place is None  # a camera fills the place its item gives it
    dialog = window.desk.scene_editor()
    qtbot.addWidget(dialog)
    dialog.resize(1100, 620)
    dialog.show()
    qtbot.waitExposed(dialog)
    sketch = dialog.sketch
    assert "camera" in sketch.stills
    scene = dialog.data[dialog.current]
    camera = next(i for i in scene["items"] if i["input"] == "camera")
    image = sketch.grab().toImage()
    canvas = sketch.canvas()

    def colours(item):  # the left half of the place below its label: no other source lies there
        x0 = int(canvas.x() + item["x"] * canvas.width()) + 4
        y0 = int(canvas.y() + item["y"] * canvas.height()) + 40  # two names, one under the other
        x1 = int(canvas.x() + (item["x"] + item["width"] / 2) * canvas.width())
        y1 = int(canvas.y() + (item["y"] + item["height"] / 2) * canvas.height())
        return {image.pixel(x, y) for x in range(x0, x1, 3) for y in range(y0, y1, 3)}

    # the bars, not one tint: the left half holds at least four of the pattern's seven (the moving square and the
    # time code add one more or not, as they pass: CI once saw five colours where six were asked)
    assert len(colours(camera)) >= 4
    sketch.show_stills({})  # without pictures: the tinted box
    image = sketch.grab().toImage()
    assert len(colours(camera)) <= 3


def _green_box(sketch) -> tuple[int, int] | None:
    """The left edge and width of what the sketch draws in the region's green (None: nothing)."""
    import numpy as np
    from PySide6.QtGui import QImage

    picture = QImage(sketch.size(), QImage.Format.Format_RGB32)
    sketch.render(picture)
    pixels = np.frombuffer(picture.constBits(), np.uint8).reshape(picture.height(), -1, 4)[:, :picture.width()]
    b, g, r = (pixels[..., k].astype(int) for k in range(3))
    green = (abs(b - 0x76) < 20) & (abs(g - 0xE6) < 20) & (r < 30)  # #00e676, not the test pattern's bars
    columns = np.nonzero(green.sum(axis=0) >= 2)[0]  # a stray pixel of the moving test pattern is not a region
    if columns.size == 0 or columns[-1] - columns[0] < 3:  # (a region is never a few pixels wide)
        return None
    return int(columns[0]), int(columns[-1] - columns[0] + 1)


def _box(check):
    """Where a person clicks a check box: on its square."""
    from PySide6.QtCore import QPoint

    return QPoint(8, check.height() // 2)


def test_a_scene_sets_the_part_a_vertical_clip_shows(window, qtbot):
    """竖屏切片区域 ticked and typed as a person does: kept with the scene through 保存, the settings and a restart
    of the list, drawn dashed in the sketch, handed to the clips (`Desk.clip_regions`); unticked, gone."""
    from app.console import Region

    dialog = window.desk.scene_editor()
    qtbot.addWidget(dialog)
    dialog.names.setCurrentRow(1)
    assert not dialog.clip_set.isChecked() and not any(box.isEnabled() for box in dialog.clip_boxes)
    qtbot.mouseClick(dialog.clip_set, Qt.MouseButton.LeftButton, pos=_box(dialog.clip_set))
    assert dialog.clip_set.isChecked() and all(box.isEnabled() for box in dialog.clip_boxes)
    centre = dialog.clip_boxes[0]
    centre.selectAll()
    qtbot.keyClicks(centre, "30")
    height = dialog.clip_boxes[2]
    height.selectAll()
    qtbot.keyClicks(height, "60")
    assert dialog.data[1]["clip"] == [0.3, 0.5, 0.6] and dialog.sketch.region == [0.3, 0.5, 0.6]
    drawn = _green_box(dialog.sketch)
    canvas = dialog.sketch.canvas()  # as the layout sized it when drawn
    width = 0.6 * canvas.height() * 9 / 16
    assert drawn == pytest.approx((canvas.x() + 0.3 * canvas.width() - width / 2, width), abs=3)  # as the cut takes it
    dialog.names.setCurrentRow(0)
    dialog.names.setCurrentRow(1)
    assert dialog.clip_set.isChecked() and centre.value() == 30.0  # kept while other scenes are looked at
    dialog.save()
    assert dialog.result_scenes[1].clip == Region(0.3, 0.5, 0.6) and dialog.result_scenes[0].clip is None
    assert window.desk.edit_scenes(dialog.result_scenes)
    name = dialog.result_scenes[1].name
    assert window.service.desk.clip_regions() == ((name, Region(0.3, 0.5, 0.6)),)
    saved = json.loads(window.settings.value("scenes/list"))
    assert saved[1]["clip"] == [0.3, 0.5, 0.6] and "clip" not in saved[0]
    again = window.desk.scene_editor()
    qtbot.addWidget(again)
    again.names.setCurrentRow(1)
    assert again.clip_set.isChecked()
    qtbot.mouseClick(again.clip_set, Qt.MouseButton.LeftButton, pos=_box(again.clip_set))
    assert _green_box(again.sketch) is None  # unticked: no region drawn
    again.save()
    assert again.result_scenes[1].clip is None
