"""The cameras this machine has, as the OS names them.

Linux names its video devices in sysfs (`/sys/class/video4linux/videoN/name`); a camera usually has two nodes
(pictures and metadata), and only the picture node (`index` 0) is listed. Elsewhere the OS offers no list through
what the console ships (Windows and macOS name cameras through their media frameworks): `cameras()` returns None
there and the console offers cameras 0–3 by number, as before.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

SYSFS = Path("/sys/class/video4linux")


@dataclass(frozen=True)
class Camera:
    index: int  # what cam:N opens
    name: str  # as the OS names it, e.g. "HD Pro Webcam C920"


def cameras(root: Path = SYSFS) -> list[Camera] | None:
    """The cameras present now, by index; [] when there are none; None where this OS gives no list."""
    if not sys.platform.startswith("linux"):
        return None
    found = []
    for node in sorted(root.glob("video*"), key=lambda p: int(re.sub(r"\D", "", p.name) or 0)):
        number = re.fullmatch(r"video(\d+)", node.name)
        if number is None:
            continue
        try:
            if (node / "index").is_file() and (node / "index").read_text().strip() != "0":
                continue  # a camera's metadata node, not its pictures
            name = " ".join((node / "name").read_text(errors="replace").split())[:60]
        except OSError:
            continue
        found.append(Camera(int(number.group(1)), name or f"video{number.group(1)}"))
    return found
