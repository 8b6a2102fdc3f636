"""The interface's English comes from Qt's translation system (ui/i18n.py): every Chinese text of ui/ has its
English in resources/i18n/anchor_console_en.ts, the compiled .qm says the same, and the window in English shows no
Chinese of its own (only the studio's data: product titles, nicknames, the sample catalogue)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QAbstractButton, QComboBox, QDockWidget, QGroupBox, QLabel, QLineEdit, QMenu,
                               QTableWidget, QTabWidget, QWidget)

from ui import i18n

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "i18n" / "anchor_console_en.ts"
BIN = Path(sys.executable).parent
CJK = re.compile(r"[\u3400-\u9fff]")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def messages(path: Path) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(source, disambiguation) → (translation, its type: None when finished) of a .ts file."""
    found = {}
    for message in ET.parse(path).iter("message"):
        translation = message.find("translation")
        found[(message.findtext("source"), message.findtext("comment") or "")] = (
            translation.text or "", translation.get("type"))
    return found


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> dict:
    """What pyside6-lupdate finds in ui/ today, merged into a copy of the committed catalogue."""
    out = tmp_path_factory.mktemp("ts") / "now.ts"
    shutil.copy(TS, out)
    sources = sorted(str(p) for p in (ROOT / "ui").rglob("*.py") if "__pycache__" not in p.parts)
    subprocess.run([str(BIN / "pyside6-lupdate"), *sources, "-ts", str(out), "-source-language", "zh_CN",
                    "-target-language", "en", "-no-obsolete", "-locations", "none"],
                   check=True, capture_output=True, timeout=120)
    return messages(out)


def test_every_text_in_ui_has_its_english(collected):
    untranslated = sorted(f"{source!r} ({comment})" if comment else repr(source)
                          for (source, comment), (text, kind) in collected.items() if kind or not text.strip())
    assert not untranslated, ("no English for: " + ", ".join(untranslated[:20]) +
                              " — run bash packaging/translations.sh and fill in resources/i18n/anchor_console_en.ts")
    assert len(collected) > 300  # the whole interface, not an empty catalogue


def test_the_committed_catalogue_is_current_and_compiled(collected):
    committed = messages(TS)
    assert set(collected) == set(committed), "ui/ changed since the .ts: run bash packaging/translations.sh"
    for (source, comment), (text, _) in committed.items():  # the .qm the console loads says what the .ts says
        assert i18n.english(source, comment or None) == text, source
    assert i18n.english("没有这句话") == ""


CJK_RUN = re.compile(r"[\u3400-\u9fff]+")


def test_placeholders_survive_translation():
    for (source, _), (text, _) in messages(TS).items():
        assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(text)), source
        # Chinese in the English only as quoted from the source: an example (满199减30), a shop's name (抖店)
        assert all(run in source for run in CJK_RUN.findall(text)), f"untranslated Chinese in the English of {source!r}"


def test_the_three_languages(monkeypatch):
    try:
        for mode, expected in ((i18n.CHINESE, "复盘"), (i18n.ENGLISH, "Session review"),
                               (i18n.BOTH, "复盘 Session review")):
            i18n.set_mode(mode)
            assert i18n.tr("复盘", "window title") == expected
        i18n.set_mode(i18n.ENGLISH)
        assert i18n.tr("{failed} 项未通过").format(failed=3) == "3 failed"
        assert i18n.tr("不在目录里的字") == "不在目录里的字"  # shown in Chinese, never blank
        assert i18n.pick("已停播 / stopped") == "stopped" and i18n.label("抖音 Douyin") == "Douyin"
    finally:
        i18n.set_mode(i18n.BOTH)


def own_texts(root: QWidget) -> list[tuple[str, str]]:
    """(where, text) of every label, button, menu, dock, tab, form field hint, header and tooltip the window
    itself writes."""
    texts = []
    for widget in [root, *root.findChildren(QWidget)]:
        kind = type(widget).__name__
        name = widget.objectName() or kind
        if widget.toolTip():
            texts.append((f"{name} tooltip", widget.toolTip()))
        if isinstance(widget, (QLabel, QAbstractButton)):
            texts.append((name, widget.text()))
        if isinstance(widget, QLineEdit):
            texts.append((f"{name} placeholder", widget.placeholderText()))
        if isinstance(widget, (QGroupBox, QDockWidget)):
            texts.append((name, widget.title() if isinstance(widget, QGroupBox) else widget.windowTitle()))
        if isinstance(widget, QMenu):
            texts.append((name, widget.title()))
            texts += [(f"{name} action", a.text()) for a in widget.actions()]
        if isinstance(widget, QTabWidget):
            texts += [(f"{name} tab", widget.tabText(i)) for i in range(widget.count())]
        if isinstance(widget, QTableWidget):
            texts += [(f"{name} header", widget.horizontalHeaderItem(i).text())
                      for i in range(widget.columnCount()) if widget.horizontalHeaderItem(i)]
        if isinstance(widget, QComboBox):
            texts += [(f"{name} item", widget.itemText(i)) for i in range(widget.count())]
    texts.append(("window title", root.windowTitle()))
    texts += [(f"action {a.objectName()}", a.text()) for a in root.findChildren(QAction)]
    texts += [(f"action {a.objectName()} tooltip", a.toolTip()) for a in root.findChildren(QAction)]
    return texts


def test_the_window_in_english_shows_no_chinese_of_its_own(qtbot, tmp_path, monkeypatch):
    """The studio's own data (the sample catalogue's products, their pictures' names, saved destinations) stays as
    typed; everything the window writes is English."""
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    from app.console import ConsoleService
    from app.store.db import Database
    from ui.main_window import MainWindow
    from ui.review import ReviewWindow

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    settings.setValue("ui/language", i18n.ENGLISH)
    service = ConsoleService(Database(f"sqlite:///{tmp_path / 'console.db'}"))
    try:
        window = MainWindow(service, settings)
        qtbot.addWidget(window)
        review = ReviewWindow(service)
        qtbot.addWidget(review)
        # the studio's own data and names no language changes: products, the extreme words found in them, the
        # shops' names, the language menu (both, so it can be found whatever the language)
        data = ({title for _, title in service.catalogue.products()} | {"语言 Language", "中文 + English", "中文"}
                | {"抖店", "巨量百应", "千牛"} | {h.word for _, _, hits in service.catalogue.compliance_report() for h in hits})
        chinese = [(where, text) for widget in (window, review) for where, text in own_texts(widget)
                   if not all(any(run in d for d in data) for run in CJK_RUN.findall(text))]
        assert not chinese, chinese[:15]
        window.close()
        review.close()
    finally:
        i18n.set_mode(i18n.BOTH)
        service.close()
