"""Interface language, through Qt's translation system: Chinese first with English (the default), Chinese only,
or English only.

中文 is the source of truth: every label in ui/ is written once, in Chinese, as `tr("中文")` (or
`QT_TR_NOOP("中文")` in a table, translated where it is shown). `pyside6-lupdate` collects them into
`resources/i18n/anchor_console_en.ts`, where the English lives; `pyside6-lrelease` compiles that to the `.qm`
this module loads (`bash packaging/translations.sh` does both; tests/ui/test_translations.py fails when a
visible string has no English). One Chinese text meaning two things takes a disambiguation: `tr("复盘",
"window title")`. Placeholders are `{name}`, filled with `.format()` after translation.

The mode picks what is shown: the Chinese, the English, or both side by side ("中文 English", the third
choice). Messages that come from app/ are already bilingual as "中文 / English" and go through `pick()`. The
mode is read from the settings when the window is built (a change applies at the next start, as in OBS).
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QTranslator

from app.console import BOTH, CHINESE, ENGLISH, pick_message, resource_dir
MODES = {BOTH: "中文 + English", CHINESE: "中文", ENGLISH: "English"}
CATALOGUE = "anchor_console_en"  # resources/i18n/<CATALOGUE>.ts (source) and .qm (compiled)
CONTEXT = ""  # lupdate files a bare tr("…") under the empty context

_mode = BOTH


def set_mode(mode: str) -> None:
    global _mode
    _mode = mode if mode in MODES else BOTH
    _qt_own_texts(_mode != ENGLISH)


_qt_translator: QTranslator | None = None


def _qt_own_texts(chinese: bool) -> None:
    """Qt's own texts (a question's 是/否, 确定/取消, the file dialog) in Chinese unless the mode is English only:
    the qtbase_zh_CN catalogue that ships with Qt, installed on the running application."""
    global _qt_translator
    from PySide6.QtCore import QCoreApplication, QLibraryInfo

    app = QCoreApplication.instance()
    if app is None:
        return
    if _qt_translator is not None:
        app.removeTranslator(_qt_translator)
        _qt_translator = None
    if chinese:
        translator = QTranslator(app)
        if translator.load("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(translator)
            _qt_translator = translator


def mode() -> str:
    return _mode


def catalogue_dir():
    return resource_dir() / "i18n"


@lru_cache(maxsize=1)
def _translator() -> QTranslator | None:
    """The compiled English catalogue, loaded once (no QApplication needed: it is asked directly)."""
    translator = QTranslator()
    return translator if translator.load(CATALOGUE, str(catalogue_dir())) else None


def english(source: str, disambiguation: str | None = None) -> str:
    """The English of a Chinese source text, or "" when the catalogue has none."""
    translator = _translator()
    return translator.translate(CONTEXT, source, disambiguation) if translator is not None else ""


def tr(source: str, disambiguation: str | None = None) -> str:
    """A label in the chosen language. A text with no English (a defect the translation test catches) is shown
    in Chinese rather than blank."""
    if _mode == CHINESE:
        return source
    translated = english(source, disambiguation)
    if not translated:
        return source
    return translated if _mode == ENGLISH else f"{source} {translated}"


def QT_TR_NOOP(source: str) -> str:  # noqa: N802 - the name pyside6-lupdate looks for
    """Marks a text for the catalogue where it is defined (a table); it is translated with `tr()` where shown."""
    return source


def pick(message: str) -> str:
    """A bilingual "中文 / English" message from the core, cut to the chosen language (kept whole if not split)."""
    return pick_message(message, _mode)


def label(name: str) -> str:
    """A bilingual name from the core such as "抖音 Douyin" (Chinese, a space, English), in the chosen language."""
    chinese, _, english_text = name.partition(" ")
    if not english_text or not any("\u4e00" <= ch <= "\u9fff" for ch in chinese):
        return name
    if _mode == CHINESE:
        return chinese
    return english_text if _mode == ENGLISH else name


def stacked(text: str) -> str:
    """A bilingual label ("库存 Stock") as two lines, the Chinese over the English, where a narrow column needs it;
    one language alone, or a text that is not "中文 English", as it is."""
    chinese, space, rest = text.partition(" ")
    if _mode != BOTH or not space or not any("\u4e00" <= ch <= "\u9fff" for ch in chinese):
        return text
    return f"{chinese}\n{rest}"
