"""The window on a laptop (1366×768) and a desktop (1920×1080), in Chinese, English and both (issue #26): it fits
the screen, the go-live controls, the on-air light and the meter are visible, and no visible widget sticks out of
its parent or lies over a sibling."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, QSettings
from PySide6.QtWidgets import QAbstractScrollArea, QMainWindow, QTabBar, QToolBar, QWidget

from app.console import ConsoleService
from app.store.db import Database
from ui.main_window import MainWindow

SCREENS = [(1366, 768), (1920, 1080)]
LANGUAGES = ["zh+en", "zh", "en"]  # app.language BOTH, CHINESE, ENGLISH


def _inside_scrolled(widget: QWidget) -> bool:
    """Inside a scroll area's viewport: it may be larger than what shows (the scroll bar is the answer)."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def shown(widget: QWidget) -> bool:
    """On screen: visible and not a tabbed dock's hidden page (Qt keeps those "visible", moved out of sight)."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


def layout_problems(window: QMainWindow) -> list[str]:
    """Visible widgets that stick out of their parent or overlap a visible sibling (both in the same layout)."""
    problems = []
    for widget in window.findChildren(QWidget):
        if not shown(widget) or widget.isWindow() or _inside_scrolled(widget):
            continue
        parent = widget.parentWidget()
        if parent is None or isinstance(parent, (QToolBar, QTabBar)):  # a toolbar hides what does not fit behind »
            continue
        if not parent.rect().contains(widget.geometry()):
            problems.append(f"{type(widget).__name__} {widget.objectName() or widget.accessibleName()!r} "
                            f"{widget.geometry()} outside {type(parent).__name__} {parent.rect()}")
        layout = parent.layout()
        if layout is None or layout.indexOf(widget) < 0:
            continue
        for other in parent.children():
            if (other is not widget and isinstance(other, QWidget) and shown(other) and not other.isWindow()
                    and layout.indexOf(other) >= 0 and id(other) > id(widget)
                    and widget.geometry().intersects(other.geometry())):
                problems.append(f"{type(widget).__name__} {widget.geometry()} overlaps {type(other).__name__} "
                                f"{other.geometry()} in {type(parent).__name__}")
    return problems


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_window_fits_the_screen_with_its_controls_in_view(qtbot, tmp_path, monkeypatch, size, language,
                                                              qapp_offscreen):
    from PySide6.QtWidgets import QApplication

    from app.console import font

    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    app = QApplication.instance()
    before = app.font()
    app.setFont(font(13))  # as `anchor-console window` sets it (ui/app.py): the sizes a streamer sees
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    settings.setValue("ui/language", language)
    service = ConsoleService(Database(f"sqlite:///{tmp_path / 'c.db'}"))
    window = MainWindow(service, settings)
    qtbot.addWidget(window)
    try:
        width, height = size
        window.resize(width, height)
        window.show()
        qtbot.waitExposed(window)
        qtbot.wait(50)
        assert window.width() <= width and window.height() <= height, (window.size(), window.minimumSizeHint())
        controls = window.show_controls
        for action in (controls.go_live_action, controls.stop_action):
            button = next(bar.widgetForAction(action) for bar in window.findChildren(QToolBar)
                          if bar.widgetForAction(action) is not None)
            assert button.isVisible() and button.parentWidget().rect().contains(button.geometry()), action.text()
        corner = QRect(controls.corner.mapTo(window, controls.corner.rect().topLeft()), controls.corner.size())
        assert controls.corner.isVisible() and window.rect().contains(corner)
        for label in (controls.timer_label, controls.meter):
            assert label.isVisible() and controls.corner.rect().contains(label.geometry())
        assert window.preview.width() >= 480 if width < 1600 else window.preview.width() >= 800
        assert layout_problems(window) == []
    finally:
        window.confirm = lambda question: True
        window.close()
        service.close()
        app.setFont(before)


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_review_window_fits_the_screen_on_both_pages(qtbot, tmp_path, monkeypatch, size, language,
                                                         qapp_offscreen):
    """复盘 with a session open, then 场次对比 with two: within the screen, nothing out of place, every tool shown."""
    from PySide6.QtWidgets import QApplication

    from app.console import font
    from tests.test_report import SCRIPT
    from tests.test_review_fast import store
    from ui import i18n
    from ui.review import ReviewWindow

    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    app = QApplication.instance()
    before, mode = app.font(), i18n.mode()
    app.setFont(font(13))
    i18n.set_mode(language)
    database = Database(f"sqlite:///{tmp_path / 'c.db'}")
    for _ in range(2):
        store(database, SCRIPT, end=True)
    service = ConsoleService(database)
    review = ReviewWindow(service)
    qtbot.addWidget(review)
    try:
        width, height = size
        review.resize(width, height)
        review.show()
        qtbot.waitExposed(review)
        review.sessions.setCurrentRow(0)
        qtbot.waitUntil(lambda: review.review is not None, timeout=10000)
        qtbot.wait(50)
        assert review.width() <= width and review.height() <= height, review.minimumSizeHint()
        for button in (review.compare_button, review.html_button, review.export_button, review.import_button):
            assert button.isVisible() and review.rect().contains(
                QRect(button.mapTo(review, button.rect().topLeft()), button.size())), button.text()
        assert layout_problems(review) == []
        review.sessions.selectAll()
        review.compare_button.click()
        qtbot.waitUntil(lambda: review.comparison.comparison is not None, timeout=10000)
        qtbot.wait(50)
        assert review.width() <= width and layout_problems(review) == []
    finally:
        review.close()
        service.close()
        i18n.set_mode(mode)
        app.setFont(before)


def test_the_check_finds_a_widget_out_of_its_parent_and_one_over_another(qtbot):
    from PySide6.QtWidgets import QLabel, QVBoxLayout

    window = QMainWindow()
    qtbot.addWidget(window)
    body = QWidget()
    column = QVBoxLayout(body)
    first, second = QLabel("一"), QLabel("二")
    column.addWidget(first)
    column.addWidget(second)
    window.setCentralWidget(body)
    window.resize(300, 200)
    window.show()
    qtbot.waitExposed(window)
    assert layout_problems(window) == []
    second.setGeometry(first.geometry().translated(5, 5))  # as a drop-down drawn over its neighbours' cells
    assert any("overlaps" in problem for problem in layout_problems(window))
    second.setGeometry(body.width() - 10, 10, 100, 20)  # as a clipped header
    assert any("outside" in problem for problem in layout_problems(window))


def test_a_streamer_resets_the_layout_from_the_menu(window, qtbot):
    """视图 → 重置布局 through Qt's own path: a closed dock and a floating one come back docked where they were."""
    from PySide6.QtWidgets import QDockWidget

    window.show()
    qtbot.waitExposed(window)
    before = {dock.objectName(): window.dockWidgetArea(dock) for dock in window.findChildren(QDockWidget)}
    window.comments.close()
    window.products.setFloating(True)
    window.removeDockWidget(window.graphs)
    assert not window.comments.isVisible() and window.products.isFloating()
    window.reset_layout_action.trigger()
    qtbot.waitUntil(lambda: window.comments.isVisible() and not window.products.isFloating(), timeout=2000)
    assert {dock.objectName(): window.dockWidgetArea(dock) for dock in window.findChildren(QDockWidget)} == before
    assert window.graphs.isVisible() or window.tabifiedDockWidgets(window.graphs)


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_assistants_window_fits_the_screen(qtbot, tmp_path, size, language, qapp_offscreen):
    """远程场控 on the assistant's own laptop: within the screen, the connection's fields and its button in view
    (not behind the toolbar's »), every dock's page and buttons in place, nothing over anything else."""
    from PySide6.QtWidgets import QApplication, QPushButton

    from app.console import font
    from ui import i18n
    from ui.remote_window import RemoteWindow

    app = QApplication.instance()
    before, mode = app.font(), i18n.mode()
    app.setFont(font(13))
    i18n.set_mode(language)
    assistant = RemoteWindow("wss://192.168.1.20:8765", "小周")
    qtbot.addWidget(assistant)
    try:
        width, height = size
        assistant.resize(width, height)
        assistant.show()
        qtbot.waitExposed(assistant)
        qtbot.wait(50)
        assert assistant.width() <= width and assistant.height() <= height, assistant.minimumSizeHint()
        for widget in (assistant.url, assistant.token, assistant.connect_button, assistant.state_label):
            assert widget.isVisible() and widget.parentWidget().rect().contains(widget.geometry()), widget
        for dock in (assistant.coupons, assistant.draw, assistant.comments, assistant.faq, assistant.products):
            dock.raise_()
            qtbot.wait(20)
            buttons = [b for b in dock.findChildren(QPushButton) if shown(b)]
            assert buttons or dock is assistant.comments, dock.windowTitle()
            assert layout_problems(assistant) == [], dock.windowTitle()
    finally:
        assistant.close()
        i18n.set_mode(mode)
        app.setFont(before)
