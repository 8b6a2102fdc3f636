"""多场分析 in the review window as a manager uses it: Ctrl+I opens the page, the period is chosen and 分析 clicked,
the tables hold the shows with each heading's definition as a tooltip, the cohorts are coloured, shows are labelled
from the toolbar (标签…) and A/B compares the labelled groups, and the exports write their files — every control
through Qt, with an excepthook that fails the test."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QInputDialog

from app.kernel.events import EventType as T
from tests.test_insights import store

SHOWS = [{"day": d, "hour": 20, "platform": "douyin", "host": "甲" if d % 2 else "乙",
          "steps": [(T.ENTER, "a"), (T.ENTER, u), (T.PRODUCT_PINNED, 1), (T.ORDER, u, 1, 1000 + d)]}
         for d, u in ((1, "b"), (2, "c"), (8, "a"), (9, "d"), (15, "b"))]


@pytest.fixture
def review(window, qtbot):
    ids = store(window.service.history.database, [dict(s) for s in SHOWS])
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    QTest.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    review = window.review_window
    review.activateWindow()
    qtbot.waitUntil(review.isActiveWindow, timeout=2000)
    return review, ids


def test_insights_page_from_its_shortcut_with_tables_tooltips_tags_and_ab(review, qtbot, slot_errors, monkeypatch,
                                                                        tmp_path):
    review, ids = review
    QTest.keyClick(review, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)  # the shortcut, typed
    panel = review.insights
    assert review.pages.currentWidget() is panel
    qtbot.waitUntil(lambda: panel.run_button.isEnabled(), timeout=10000)
    assert panel.tables["shows"].rowCount() == 0  # the default period (the last 12 weeks) holds none of them
    panel.since.setDate(QDate(2023, 11, 1))
    panel.until.setDate(QDate(2023, 12, 31))
    QTest.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.tables["shows"].rowCount() == len(SHOWS), timeout=10000)
    shows = panel.tables["shows"]
    assert [shows.item(r, 0).text() for r in range(shows.rowCount())] == [str(i) for i in ids]
    tips = {shows.horizontalHeaderItem(c).text(): shows.horizontalHeaderItem(c).toolTip()
            for c in range(shows.columnCount())}
    assert "GMV" in tips["GPM"] and "1000" in tips["GPM"]
    assert panel.tables["hosts"].rowCount() == 2 and panel.tables["products"].rowCount() == 1
    assert panel.tables["windows"].rowCount() == len(SHOWS)
    returning = [panel.tables["audience"].item(r, 3).text() for r in range(panel.tables["audience"].rowCount())]
    assert returning == ["0", "1", "1", "1", "2"]  # "a" each time after the first; "b" again in the last
    cohorts = panel.tables["cohorts"]
    assert cohorts.rowCount() >= 1 and cohorts.item(0, 2).text().endswith("%")
    assert cohorts.item(0, 2).background().color().alpha() > 0
    assert "#" in panel.summary.text()  # the best and worst show named

    # labels from the toolbar, then A/B by label
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("新话术", True)))
    review.refresh_sessions()
    for row in range(review.sessions.count()):
        item = review.sessions.item(row)
        item.setSelected(item.data(Qt.ItemDataRole.UserRole) in ids[2:])
    QTest.mouseClick(review.tag_button, Qt.MouseButton.LeftButton)
    assert "新话术" in review.status.text()
    QTest.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.insights is not None and panel.run_button.isEnabled()
                    and panel.insights.shows[-1].tags == ("新话术",), timeout=10000)
    panel.views.setCurrentIndex(panel.views.count() - 1)
    panel.group_a.setText("ids=" + ",".join(map(str, ids[:2])))
    panel.group_b.setText("tag=新话术")
    QTest.mouseClick(panel.ab_button, Qt.MouseButton.LeftButton)
    ab = panel.tables["ab"]
    assert ab.rowCount() == 5 and ab.item(0, 1).text() == "2" and ab.item(0, 2).text() == "3"
    assert "no detectable difference" in panel.verdict.text() or "没有可检测的差异" in panel.verdict.text()
    panel.group_b.setText("slot=25")
    QTest.mouseClick(panel.ab_button, Qt.MouseButton.LeftButton)
    assert "0–23" in panel.verdict.text()  # a filter that cannot be read, said; nothing raised

    # the exports, through their buttons (the file dialogs answered)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(tmp_path / "csv")))
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "insights.html"), "")))
    QTest.mouseClick(panel.csv_button, Qt.MouseButton.LeftButton)
    QTest.mouseClick(panel.html_button, Qt.MouseButton.LeftButton)
    assert (tmp_path / "csv" / "insights-shows.csv").is_file() and (tmp_path / "insights.html").is_file()
    assert "insights.html" in panel.summary.text()
    assert not slot_errors, slot_errors
