"""Where the console keeps its files (platformdirs), so every OS gets its usual place."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "AnchorConsole"


def data_dir() -> Path:
    override = os.environ.get("ANCHOR_CONSOLE_DATA")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def recordings_dir() -> Path:
    return data_dir() / "recordings"
