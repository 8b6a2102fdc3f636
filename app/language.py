"""Which language the command line speaks: the messages of `app/` are written "中文 / English"; a person who asked
for one language gets that half. The choice: ANCHOR_CONSOLE_LANG (zh, en or zh+en, as the window's menu saves it),
else the locale (LANG / LC_ALL / LC_MESSAGES: zh_* Chinese, en_* English), else both."""

from __future__ import annotations

import os

BOTH, CHINESE, ENGLISH = "zh+en", "zh", "en"


def mode(environ=None) -> str:
    environ = os.environ if environ is None else environ
    chosen = environ.get("ANCHOR_CONSOLE_LANG", "").strip().lower()
    if chosen in (BOTH, CHINESE, ENGLISH):
        return chosen
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable, "").lower()
        if value.startswith("zh"):
            return CHINESE
        if value.startswith("en"):
            return ENGLISH
        if value and value not in ("c", "c.utf-8", "c.utf8", "posix"):
            break
    return BOTH


def pick(message: str, chosen: str | None = None) -> str:
    """A bilingual "中文 / English" message cut to the chosen language (kept whole if it is not split so)."""
    chosen = mode() if chosen is None else chosen
    if chosen == BOTH or " / " not in message:
        return message
    chinese, _, english = message.partition(" / ")
    return chinese.strip() if chosen == CHINESE else english.strip()
