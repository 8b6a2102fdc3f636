"""工作室 in the windows (offscreen): on a shared database the console says whose it is, and the review lists this
studio's shows, or every studio's when the manager asks."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from app.catalogue import Catalogue
from app.console import ConsoleService
from app.session import SessionCore
from app.store.db import Database


def show(url: str, studio: str, title: str) -> int:
    database = Database(url, studio=studio)
    Catalogue(database)
    core = SessionCore(database)
    session_id = core.start(title)
    core.end()
    database.close()
    return session_id


def test_the_review_lists_this_studios_shows_or_every_studios(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    from ui.main_window import MainWindow
    from ui.review import ReviewWindow

    url = f"sqlite:///{tmp_path / 'shared.db'}"
    mine, theirs = show(url, "一号间", "一号的场"), show(url, "二号间", "二号的场")
    service = ConsoleService(Database(url, studio="一号间"))
    window = MainWindow(service, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    assert window.windowTitle().endswith("— 一号间")
    review = ReviewWindow(service)
    qtbot.addWidget(review)
    assert review.sessions.count() == 1 and "一号的场" in review.sessions.item(0).text()
    assert not review.all_studios.isHidden()  # more than one studio on this database: the manager's switch
    review.all_studios.setChecked(True)
    texts = [review.sessions.item(i).text() for i in range(review.sessions.count())]
    assert len(texts) == 2 and "[二号间] 二号的场" in texts[0] and "[一号间] 一号的场" in texts[1]
    review.sessions.setCurrentRow(0)  # another studio's show opens in the manager's view
    qtbot.waitUntil(lambda: review.review is not None, timeout=10000)
    assert review.review.info.id == theirs and review.review.info.studio == "二号间"
    review.all_studios.setChecked(False)
    assert [review.sessions.item(i).text() for i in range(review.sessions.count())] == [texts[1].replace("[一号间] ", "")]
    assert mine != theirs
    review.close()
    window.close()
    service.close()


def test_a_database_with_one_studio_shows_no_studio_at_all(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    from ui.main_window import MainWindow
    from ui.review import ReviewWindow

    service = ConsoleService(Database(f"sqlite:///{tmp_path / 'one.db'}"))
    window = MainWindow(service, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    assert "—" not in window.windowTitle()
    review = ReviewWindow(service)
    qtbot.addWidget(review)
    assert review.all_studios.isHidden()
    review.close()
    window.close()
    service.close()
