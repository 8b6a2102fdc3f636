"""Where the console keeps its files (platformdirs, so every OS gets its usual place), and where it finds what it
ships (fonts, the compliance list, the sample catalogue)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "AnchorConsole"
RESOURCES_PACKAGE = "anchor_console_resources"  # `resources/` as the wheel installs it (setup.py)


def resource_dir() -> Path:
    """The shipped files: `resources/` beside `app/` in the source tree and in the built app (PyInstaller puts it
    there), or the `anchor_console_resources` folder beside `app/` where a wheel installed them."""
    root = Path(__file__).resolve().parents[1]
    for candidate in (root / "resources", root / RESOURCES_PACKAGE):
        if candidate.is_dir():
            return candidate
    return root / "resources"  # missing: whoever opens a file from it says which one


def data_dir() -> Path:
    override = os.environ.get("ANCHOR_CONSOLE_DATA")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def recordings_dir() -> Path:
    return data_dir() / "recordings"
