"""An exception in a slot (a button's, a menu's, a timer's) is shown to the person who pressed it and logged, not
only printed to a terminal nobody reads: the window's alert bar says what failed, in Chinese and English."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable

from app.console import redact

log = logging.getLogger("ui")


def install_slot_errors(show: Callable[[str], None]) -> None:
    """Route uncaught exceptions (PySide6 hands a slot's to `sys.excepthook`) to the log and to `show(text)`."""

    def hook(kind, value, tb) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        log.error("unexpected error in the window:\n%s", redact("".join(traceback.format_exception(kind, value, tb))))
        reason = redact(f"{kind.__name__}: {value}")[:300]
        try:
            show(f"操作出错，已记录到日志：{reason} / something went wrong (logged): {reason}")
        except Exception:  # noqa: BLE001 - the window is going away: the log line above keeps it
            pass

    sys.excepthook = hook
