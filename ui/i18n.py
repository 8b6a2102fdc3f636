"""Interface language: Chinese first with English (the default), Chinese only, or English only.

Every label in ui/ is written once as `tr("中文", "English")`; the mode picks what is shown. Messages that come
from app/ are already bilingual as "中文 / English" and go through `pick()`. The mode is read from the settings
when the window is built (a change applies at the next start, as in OBS).
"""

from __future__ import annotations

BOTH, CHINESE, ENGLISH = "zh+en", "zh", "en"
MODES = {BOTH: "中文 + English", CHINESE: "中文", ENGLISH: "English"}

_mode = BOTH


def set_mode(mode: str) -> None:
    global _mode
    _mode = mode if mode in MODES else BOTH


def mode() -> str:
    return _mode


def tr(chinese: str, english: str) -> str:
    if _mode == CHINESE:
        return chinese
    if _mode == ENGLISH:
        return english
    return f"{chinese} {english}"


def pick(message: str) -> str:
    """A bilingual "中文 / English" message from the core, cut to the chosen language (kept whole if not split)."""
    if _mode == BOTH or " / " not in message:
        return message
    chinese, _, english = message.partition(" / ")
    return chinese.strip() if _mode == CHINESE else english.strip()


def label(name: str) -> str:
    """A bilingual name from the core such as "抖音 Douyin" (Chinese, a space, English), in the chosen language."""
    chinese, _, english = name.partition(" ")
    if not english or not any("\u4e00" <= ch <= "\u9fff" for ch in chinese):
        return name
    return tr(chinese, english)
