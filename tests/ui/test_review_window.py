"""The review window (offscreen) over a real finished session: KPIs equal the live numbers, the recording plays
and seeks from the timeline and the product table, the comments follow the playhead."""

from __future__ import annotations

from pathlib import Path

import av
import pytest
from PySide6.QtCore import QSettings, Qt

from app.console import ConsoleService, LiveOptions
from app.media.sources import wait_until
from app.store.db import Database


def frame_times(path) -> list[float]:
    """Every video frame's time in the recording, read independently of the player."""
    with av.open(str(path)) as container:
        return sorted(frame.time for frame in container.decode(video=0))


def on_air(times: list[float], t: float) -> float:
    return max(x for x in times if x <= t + 1e-3)


@pytest.fixture
def reviewed(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    from ui.main_window import MainWindow

    service = ConsoleService(Database(f"sqlite:///{tmp_path / 'console.db'}"))
    service.go_live(LiveOptions(recording_path=str(tmp_path / "s.mkv"), duration=5, audience_rate=300))
    room = service.broadcast.room
    assert wait_until(lambda: (service.broadcast.core.bus.stream_time() or 0) > 1.0, 10)
    room.pin_product(room.state.run_sheet[2], "assistant:t")
    room.drop_coupon(sorted(room.state.coupons)[0], 10, 60, "assistant:t")
    service.wait()
    live = service.broadcast.core.metrics.snapshot()
    service.stop()
    window = MainWindow(service, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window.confirm = lambda question: True
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    review = window.review_window
    qtbot.addWidget(review)
    # no real show yet: the rehearsal is listed rather than nothing, marked 演练, and the status line says why
    assert review.sessions.count() == 1 and "演练" in review.sessions.item(0).text()
    assert "演练" in review.status.text()
    review.show_rehearsals.setChecked(True)
    assert "演练" in review.sessions.item(0).text()
    yield review, live, room.state.run_sheet[2]
    review.close()
    service.close()


def test_review_window_shows_kpis_and_plays_the_recording(reviewed, qtbot, tmp_path):
    review, live, pinned = reviewed
    assert review.sessions.count() == 1
    review.sessions.setCurrentRow(0)
    qtbot.waitUntil(lambda: review.player is not None, timeout=10000)
    assert review.kpi_labels["gmv"].text() == f"￥{live.gmv_cents / 100:,.2f}"  # replay = live
    assert review.kpi_labels["orders"].text() == str(live.orders)
    assert review.products.rowCount() == 2  # the pinned product, then orders outside any explanation
    assert review.products.item(0, 0).text() == review.review.titles[pinned]
    assert "讲解外" in review.products.item(1, 0).text() or "outside" in review.products.item(1, 0).text()
    outside = review.review.metrics.outside.gmv_cents
    assert review.products.item(1, 4).text() == f"￥{outside / 100:,.2f}"
    assert review.review.metrics.products[0].gmv_cents + outside == live.gmv_cents  # the rows add up to GMV
    assert any(item.label is not None for item in review._timeline_items if hasattr(item, "label"))  # coupon line
    qtbot.waitUntil(lambda: review.video.frames_shown > 0, timeout=5000)
    review.products.cellDoubleClicked.emit(0, 0)  # jump to the product's window
    start = review.review.windows[0].start
    times = frame_times(tmp_path / "s.mkv")
    # the first frame after the pin, whatever a busy machine skipped around it
    qtbot.waitUntil(lambda: review.player.position == min(x for x in times if x >= start - 1e-3), timeout=5000)
    qtbot.waitUntil(lambda: "explaining" in review.now_label.text() or "讲解中" in review.now_label.text(),
                    timeout=2000)
    assert review.comments.count() > 0
    review.seek(3.5)  # the frame on air then: the last one stamped at or before it
    qtbot.waitUntil(lambda: review.player.position == on_air(times, 3.5), timeout=5000)
    qtbot.waitUntil(lambda: abs(review.playhead.value() - 3.5 / 60) < 0.01, timeout=2000)
    shown = review.video.frames_shown
    review.activateWindow()  # its shortcuts (Space, ←/→) work in the active window
    qtbot.waitUntil(review.isActiveWindow, timeout=2000)
    qtbot.keyClick(review, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: review.video.frames_shown > shown + 5, timeout=5000)  # playing
    qtbot.keyClick(review, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not review.player.playing, timeout=2000)
    m = review.review.metrics  # the latest online count and likes per minute beside comments
    assert review.kpi_labels["online"].text().endswith(f" / {m.online_now}")
    assert review.kpi_labels["comments"].text() == f"{m.comments_per_minute:.1f} / {m.likes_per_minute:.1f}"
    tabs = review.product_tables.tabBar()  # each explanation its own row: the tab a person clicks, the row
    qtbot.mouseClick(tabs, Qt.MouseButton.LeftButton, pos=tabs.tabRect(1).center())
    assert review.product_tables.currentWidget() is review.windows and review.windows.rowCount() == 1
    assert review.windows.item(0, 1).text() == review.review.titles[pinned]
    review.seek(4.5)
    qtbot.waitUntil(lambda: review.player.position == on_air(times, 4.5), timeout=5000)
    cell = review.windows.visualItemRect(review.windows.item(0, 1)).center()
    qtbot.mouseClick(review.windows.viewport(), Qt.MouseButton.LeftButton, pos=cell)  # a double click: press,
    qtbot.mouseDClick(review.windows.viewport(), Qt.MouseButton.LeftButton, pos=cell)  # then the second press
    qtbot.waitUntil(lambda: review.player.position == min(x for x in times if x >= start - 1e-3), timeout=5000)
    written = review.export(str(tmp_path / "export"))
    assert [p.name for p in written] == ["session-1-products.csv", "session-1-windows.csv", "session-1-minutes.csv"]
    page = review.export_html(str(tmp_path / "report.html"))
    assert page.read_text(encoding="utf-8").count("<svg") == 4 and "report.html" in review.status.text()
    qtbot.mouseClick(review.compare_button, Qt.MouseButton.LeftButton)  # one session selected: nothing to compare
    assert "Ctrl" in review.status.text() and review.pages.currentIndex() == 0


def test_review_of_a_session_whose_recording_is_gone(reviewed, qtbot, tmp_path):
    review, _live, _pinned = reviewed
    (tmp_path / "s.mkv").unlink()
    review.sessions.setCurrentRow(0)
    qtbot.waitUntil(lambda: review.review is not None, timeout=10000)
    assert review.player is None and "missing" in review.video.placeholder
    assert review.kpi_labels["gmv"].text().startswith("￥")  # the numbers are still there


def test_orders_imported_from_the_review_window(reviewed, qtbot, tmp_path):
    """导入订单: the shop's export lands in the session shown; the review is rebuilt with it, refunds beside GMV."""
    from datetime import datetime

    from app.store.order_io import CHINA

    review, live, _pinned = reviewed
    review.sessions.setCurrentRow(0)
    qtbot.waitUntil(lambda: review.review is not None, timeout=10000)
    info = review.review.info
    moment = datetime.fromtimestamp(info.started_at + 2, CHINA).strftime("%Y-%m-%d %H:%M:%S")
    export = tmp_path / "抖店.csv"
    export.write_text("子订单编号,商品ID,订单应付金额,订单提交时间,售后状态\n"
                      f"W-1,,120.00,{moment},\nW-2,,30.00,{moment},退款成功\n", encoding="utf-8-sig")
    report = review.import_orders(str(export))
    assert report.imported == 2 and len(report.unmatched) == 2
    qtbot.waitUntil(lambda: review.review is not None and review.review.metrics.orders == live.orders + 2,
                    timeout=10000)
    assert review.kpi_labels["gmv"].text() == f"￥{(live.gmv_cents + 15000) / 100:,.2f}"
    assert review.kpi_labels["refunds"].text().startswith("￥30.00 / ")
    assert "imported 2 orders" in review.status.text() or "导入 2 单" in review.status.text()
    bad = tmp_path / "bad.csv"
    bad.write_text("子订单编号,订单应付金额,订单提交时间\nW-3,abc,昨天\n", encoding="utf-8")
    assert review.import_orders(str(bad)) is None
    assert "line 2" in review.status.text() or "第 2 行" in review.status.text()  # nothing imported, the line named


def test_sessions_compared_side_by_side_in_the_window(qtbot, tmp_path, monkeypatch):
    """Two shows picked with Ctrl+click and 对比场次 pressed: the 场次对比 page shows their figures in columns (the
    numbers `review --compare` prints) and both online curves; 导出对比报告 writes the same as one HTML file."""
    from app.report import compare_rows
    from app.review import load_review
    from tests.test_report import SCRIPT
    from ui.review import ReviewWindow

    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    from tests.test_review_fast import store

    database = Database(f"sqlite:///{tmp_path / 'console.db'}")
    service = ConsoleService(database)
    ids = [store(database, SCRIPT, end=True), store(database, SCRIPT[:5], end=True)]
    review = ReviewWindow(service)
    qtbot.addWidget(review)
    review.show()
    assert review.sessions.count() == 2
    for row, modifier in ((0, Qt.KeyboardModifier.NoModifier), (1, Qt.KeyboardModifier.ControlModifier)):
        rect = review.sessions.visualItemRect(review.sessions.item(row))
        qtbot.mouseClick(review.sessions.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())
    assert len(review.sessions.selectedItems()) == 2
    qtbot.mouseClick(review.compare_button, Qt.MouseButton.LeftButton)
    panel = review.comparison
    assert review.pages.currentWidget() is panel
    qtbot.waitUntil(lambda: panel.comparison is not None, timeout=10000)
    names, rows = compare_rows([load_review(database, i) for i in sorted(ids)])
    assert panel.table.columnCount() == 2 and panel.table.rowCount() == len(rows)
    for r, (label_text, values) in enumerate(rows):
        assert panel.table.verticalHeaderItem(r).text() == label_text
        assert [panel.table.item(r, c).text() for c in range(2)] == values
    assert [item.name() for item in panel.online_plot.plotItem.listDataItems()] == names
    assert panel.export_button.isEnabled()
    written = panel.export(str(tmp_path / "both.html"))
    page = written.read_text(encoding="utf-8")
    assert "场次对比" in page and all(value in page for value in rows[0][1])
    review.close()
    service.close()


def test_the_timelines_labels_keep_apart_and_above_the_curve(qtbot, tmp_path, monkeypatch):
    """Issue #26: coupon and flash-sale labels close in time ran into each other and into the online curve. They
    now take lanes above the curve (the value axis leaves the top third to them); a label that finds no lane is
    left out, its dashed line stays."""
    from PySide6.QtCore import QPoint, QPointF

    from app.kernel.events import EventType as T
    from tests.test_review_fast import store
    from ui.review import ReviewWindow

    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    database = Database(f"sqlite:///{tmp_path / 'console.db'}")
    script = [(T.ONLINE, float(s), {"online": 300 + (s * 7) % 500}) for s in range(0, 1800, 15)]
    script += [(T.COUPON_DEFINED, 1.0, {"coupon_id": 1, "name": "满299减50券", "kind": "threshold",
                                        "threshold_cents": 29900, "discount_cents": 5000, "quantity": 100})]
    script += [(T.COUPON_DROPPED, t, {"coupon_id": 1, "quantity": 100}) for t in (300.0, 330.0, 360.0, 390.0, 1200.0)]
    script += [(T.FLASH_SALE_STARTED, 345.0, {"product_id": 1, "price_cents": 990, "stock": 50, "ends_at": 400.0})]
    script.sort(key=lambda row: row[1])
    store(database, script, end=True)
    service = ConsoleService(database)
    review = ReviewWindow(service)
    qtbot.addWidget(review)
    review.resize(1366, 768)
    review.show()
    qtbot.waitExposed(review)
    review.sessions.setCurrentRow(0)
    qtbot.waitUntil(lambda: review.review is not None, timeout=10000)
    qtbot.wait(50)
    labels = [item.label for item in review._timeline_items
              if getattr(item, "label", None) is not None and item.label.isVisible()]
    assert len(labels) >= 3  # the crowded ones took lanes; the one 15 minutes later needs none
    boxes = [label.sceneBoundingRect() for label in labels]
    for i, box in enumerate(boxes):
        assert not any(box.intersects(other) for other in boxes[i + 1:]), "two labels overlap"
    view = review.timeline.getPlotItem().getViewBox()
    curve = [view.mapViewToScene(QPointF(t / 60, n)) for t, n in review.review.online]
    assert not any(box.contains(point) for box in boxes for point in curve), "a label lies on the curve"
    hidden = [item for item in review._timeline_items
              if getattr(item, "label", None) is not None and not item.label.isVisible()]
    assert hidden  # five moments within 90 s: one found no lane
    from PySide6.QtTest import QTest

    wiggle = [0]

    def pointer_at(minute):  # the pointer moved there, a pixel either way: pyqtgraph takes at most 60 moves a second
        wiggle[0] = 1 - wiggle[0]
        at = review.timeline.mapFromScene(view.mapViewToScene(QPointF(minute, 100)))
        QTest.mouseMove(review.timeline.viewport(), at + QPoint(wiggle[0], 0))
        return review.timeline.toolTip()

    for item in hidden:  # the pointer on its dashed line names it (and whatever else lies there)
        minute = item.value()
        named = f"{int(minute)}:{round(minute * 60 % 60):02d}  {item.label.format}"
        qtbot.waitUntil(lambda: named in pointer_at(minute), timeout=3000)
    qtbot.waitUntil(lambda: pointer_at(25) == "", timeout=3000)  # nothing there
    review.close()
    service.close()


def test_a_session_whose_viewers_were_masked_says_its_uv_means_nothing(qtbot, tmp_path, monkeypatch):
    """Issue #28: a Bilibili room read without login sends every viewer as uid 0, so UV is 1 whatever the room.
    The log keeps viewers_masked; the window marks UV, UV value and conversion, the reason in the tooltip."""
    from app.kernel.events import EventType as T
    from tests.test_report import SCRIPT
    from tests.test_review_fast import store
    from ui.review import ReviewWindow

    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    database = Database(f"sqlite:///{tmp_path / 'console.db'}")
    store(database, [*SCRIPT[:3], (T.VIEWERS_MASKED, SCRIPT[2][1], {"text": "未登录"}), *SCRIPT[3:]], end=True)
    store(database, SCRIPT, end=True)  # the same show read with login: nothing marked
    service = ConsoleService(database)
    review = ReviewWindow(service)
    qtbot.addWidget(review)
    review.show()
    marked = []
    for row in range(2):
        review.review = None
        review.sessions.setCurrentRow(row)
        qtbot.waitUntil(lambda: review.review is not None, timeout=10000)
        labels = [review.kpi_labels[key] for key in ("uv", "uv_value", "conversion")]
        marked.append((review.review.metrics.viewers_masked, [label.text().endswith("⚠") for label in labels],
                       [bool(label.toolTip()) for label in labels]))
    assert sorted(marked) == [(False, [False] * 3, [False] * 3), (True, [True] * 3, [True] * 3)]
    review.close()
    service.close()


def test_clips_are_exported_from_the_toolbar_with_progress_and_a_cancel(reviewed, qtbot, tmp_path, monkeypatch,
                                                                         slot_errors):
    """导出切片… clicked as a person clicks it: the dialog lists the clips with their orders, 导出… asks the folder, a
    progress dialog while the clips are cut off the window's thread, the files and manifest.csv there; vertical with
    a caption typed (an extreme word in it: 导出 stays off and says which); clicked again and cancelled at once,
    nothing more is cut than what was done; an exception anywhere fails the test."""
    import csv

    from PySide6.QtWidgets import QFileDialog, QPushButton

    from tests.media.probe import probe

    review, _live, pinned = reviewed
    review.sessions.setCurrentRow(0)
    qtbot.waitUntil(lambda: review.review is not None, timeout=10000)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path / "clips"))
    qtbot.mouseClick(review.clips_button, Qt.MouseButton.LeftButton)
    dialog = review.clips.dialog
    assert dialog is not None and dialog.isVisible() and dialog.table.rowCount() == 1
    assert dialog.table.item(0, 3).text() == str(review.review.metrics.window_rows[0].orders)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert review.clips.progress is not None and review.clips.progress.isVisible()
    qtbot.waitUntil(lambda: review.clips.progress is None, timeout=30000)
    assert "manifest.csv" in review.status.text(), review.status.text()
    (clip,) = (tmp_path / "clips").glob("*.mp4")
    rows = list(csv.reader((tmp_path / "clips" / "manifest.csv").open(encoding="utf-8-sig")))
    assert rows[1][0] == clip.name and int(rows[1][2]) == pinned
    # vertical, letterboxed, with a caption typed: an extreme word keeps 导出 off and is named
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path / "vertical"))
    qtbot.mouseClick(review.clips_button, Qt.MouseButton.LeftButton)
    dialog = review.clips.dialog
    qtbot.mouseClick(dialog.what.button(2), Qt.MouseButton.LeftButton)  # 成交高光: found off the window's thread
    qtbot.waitUntil(lambda: dialog._moments is not None, timeout=10000)
    assert dialog.table.rowCount() == len(dialog.spans) and not dialog.product.isEnabled()
    qtbot.mouseClick(dialog.what.button(3), Qt.MouseButton.LeftButton)  # 一段范围: from the playhead, a minute
    assert dialog.range_start.isEnabled() and dialog.table.rowCount() == 1 and dialog.spans[0].start == 0.0
    dialog.range_end.setTime(dialog.range_start.time())  # an empty range: refused, said, nothing to export
    assert dialog.table.rowCount() == 0 and not dialog.export_button.isEnabled() and dialog.note.text()
    qtbot.mouseClick(dialog.what.button(0), Qt.MouseButton.LeftButton)  # back to every explanation
    assert dialog.table.rowCount() == 1
    dialog.shape.setCurrentIndex(dialog.shape.findData("letterbox"))
    qtbot.keyClicks(dialog.caption, "TOP1 deal")
    assert not dialog.export_button.isEnabled() and "TOP1" in dialog.caption_note.text()
    dialog.caption.clear()
    qtbot.keyClicks(dialog.caption, "New in today")
    assert dialog.export_button.isEnabled() and dialog.caption_note.text() == ""
    dialog.caption_place.setCurrentIndex(1)  # 顶部
    assert dialog.style().places == (("caption", 0.08),)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: review.clips.progress is None, timeout=60000)
    (vertical,) = (tmp_path / "vertical").glob("*.mp4")
    assert (probe(vertical).width, probe(vertical).height) == (1080, 1920), review.status.text()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path / "again"))
    qtbot.mouseClick(review.clips_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(review.clips.dialog.export_button, Qt.MouseButton.LeftButton)
    cancel = review.clips.progress.findChild(QPushButton)
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)  # at once: the cut stops at its next packet
    qtbot.waitUntil(lambda: review.clips.progress is None, timeout=30000)
    assert "0/1" in review.status.text(), review.status.text()
    assert list((tmp_path / "again").glob("*.mp4*")) == []  # no clip, no half-written file
    assert not slot_errors, slot_errors


def test_a_vertical_clips_caption_and_card_are_dragged_on_its_preview(reviewed, qtbot, slot_errors):
    """导出切片… → 竖屏: the clip's first frame 9:16 beside the choices, rendered off the window's thread; the caption
    dragged down with the mouse lands where it was dropped (the place becomes 自定义 and the clip's style), the card
    picked and moved with the arrow keys; back to the original shape, nothing to place."""
    from PySide6.QtCore import QPoint

    review, _live, _pinned = reviewed
    review.sessions.setCurrentRow(0)
    qtbot.waitUntil(lambda: review.review is not None, timeout=10000)
    qtbot.mouseClick(review.clips_button, Qt.MouseButton.LeftButton)
    dialog = review.clips.dialog
    view = dialog.view
    assert view.isVisible() and view.layers == [] and view.message
    dialog.shape.setCurrentIndex(dialog.shape.findData("crop"))
    qtbot.keyClicks(dialog.caption, "New in today")
    qtbot.waitUntil(lambda: {"caption", "card"} <= {layer["name"] for layer in view.layers}, timeout=15000)
    assert view.picture is not None and (view.picture.width(), view.picture.height()) == (1080, 1920)
    caption = next(layer for layer in view.layers if layer["name"] == "caption")
    assert caption["y"] == 160  # the documented place until moved
    rect = view.layer_rect(caption)
    grab = QPoint(round(rect.center().x()), round(rect.center().y()))
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=grab)
    for step in range(1, 6):
        qtbot.mouseMove(view, QPoint(grab.x(), grab.y() + 20 * step))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(grab.x(), grab.y() + 100))
    moved = round(160 + 100 * 1080 / view.canvas().width())
    share = dict(dialog.style().places)["caption"]
    assert abs(share * 1920 - moved) <= 2 and dialog.caption_place.currentIndex() == dialog.caption_place.count() - 1
    assert "%" in dialog.caption_place.currentText()
    qtbot.waitUntil(lambda: not dialog._previewing and not dialog._soon.isActive(), timeout=15000)
    rendered = next(layer for layer in view.layers if layer["name"] == "caption")
    assert abs(rendered["y"] - moved) <= 2  # the core placed it where it was dropped
    card = next(layer for layer in view.layers if layer["name"] == "card")
    top = card["y"]
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.layer_rect(card).center().toPoint())
    assert view.picked == "card"
    qtbot.keyClick(view, Qt.Key.Key_Up)
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert dict(dialog.style().places)["card"] == pytest.approx((top - 2 * 19) / 1920, abs=0.001)
    dialog.shape.setCurrentIndex(dialog.shape.findData("original"))
    qtbot.waitUntil(lambda: view.layers == [] and not dialog._soon.isActive(), timeout=15000)
    dialog.reject()
    assert not slot_errors, slot_errors


def test_the_review_says_whether_a_shows_log_is_as_it_was_written(reviewed, qtbot, slot_errors, monkeypatch,
                                                                  tmp_path):
    """存证: the show just made is intact and sealed, its recording as written; a byte flipped in the recording, then
    an order deleted from the database behind the console's back, are each found when the show is opened again and
    named in the tooltip."""
    from sqlalchemy import delete, select

    from app.store.models import EventRecord

    review, _live, _pinned = reviewed
    review.sessions.setCurrentRow(0)
    qtbot.waitUntil(lambda: review.review is not None, timeout=10000)
    qtbot.waitUntil(lambda: review.seal.label.text().startswith(("✓", "✗")), timeout=20000)
    assert review.seal.label.text().startswith("✓") and "已封存" in review.seal.label.text()
    assert "录像完好" in review.seal.label.toolTip()  # the recording against its digests (#31)
    session_id = review.review.info.id
    # 存证包… (Ctrl+Shift+E, as a person presses it): the show's records into a folder, checked as another machine would
    from PySide6.QtWidgets import QFileDialog

    from app.records import verify_bundle

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path / "bundles"))
    (tmp_path / "bundles").mkdir()
    qtbot.keyClick(review, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: review.status.text().startswith("存证包已导出"), timeout=20000)
    bundle = tmp_path / "bundles" / f"records-{session_id}"
    assert str(bundle) in review.status.text() and verify_bundle(bundle).intact
    review.records_action.trigger()  # again into the same folder: refused, said, nothing overwritten
    qtbot.waitUntil(lambda: review.status.text().startswith("存证包未导出"), timeout=20000)
    assert "not an empty folder" in review.status.text() or "不是空文件夹" in review.status.text()
    recording = Path(review.review.info.recording_path)
    written = recording.read_bytes()
    recording.write_bytes(written[:len(written) // 2] + bytes([written[len(written) // 2] ^ 1]) +
                          written[len(written) // 2 + 1:])
    review.open_session(session_id)
    qtbot.waitUntil(lambda: review.seal.label.text().startswith("✗"), timeout=20000)
    assert "录像" in review.seal.label.toolTip() and "被改动" in review.seal.label.toolTip()
    recording.write_bytes(written)
    review.open_session(session_id)
    qtbot.waitUntil(lambda: review.seal.label.text().startswith("✓"), timeout=20000)
    database = review.service.history.database
    with database.sessions.begin() as db:
        seq = db.scalars(select(EventRecord.seq).where(EventRecord.session_id == session_id)
                         .order_by(EventRecord.seq).limit(1).offset(10)).one()
        db.execute(delete(EventRecord).where(EventRecord.session_id == session_id, EventRecord.seq == seq))
    review.open_session(session_id)
    qtbot.waitUntil(lambda: review.seal.label.text().startswith("✗"), timeout=20000)
    assert f"seq {seq}" in review.seal.label.toolTip()
    assert not slot_errors, slot_errors
