"""The cameras and microphones this machine has, as the OS names them.

Linux names its video devices in sysfs (`/sys/class/video4linux/videoN/name`); a camera usually has two nodes
(pictures and metadata), and only the picture node (`index` 0) is listed. Elsewhere the OS offers no list through
what the console ships (Windows and macOS name cameras through their media frameworks): `cameras()` returns None
there and the console offers cameras 0–3 by number, as before. Microphones are PortAudio's input devices (its
list carries the OS's names on every platform); without PortAudio there is no list (None).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from collections.abc import Callable
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


@dataclass(frozen=True)
class Microphone:
    index: int  # PortAudio's device index: what `LiveOptions.microphone` names
    name: str  # as the OS names it, e.g. "USB Audio Device: - (hw:1,0)"


def microphones(query: Callable[[], object] | None = None) -> list[Microphone] | None:
    """The sound inputs present now; [] when there are none; None without PortAudio. `query` stands in for
    `sounddevice.query_devices` (a list of dicts with "name", "max_input_channels", "index")."""
    try:
        if query is None:
            import sounddevice  # PortAudio is optional: a machine without it has no microphone list

            query = sounddevice.query_devices
        devices = list(query())
    except Exception:  # noqa: BLE001 - ImportError / OSError (no PortAudio) / PortAudioError: no list
        return None
    found = []
    for position, device in enumerate(devices):
        if not isinstance(device, dict):
            continue
        try:
            inputs = int(device.get("max_input_channels") or 0)
            index = int(device.get("index", position))
        except (TypeError, ValueError):
            continue
        if inputs <= 0:
            continue
        name = " ".join(str(device.get("name") or "").split())[:60]
        found.append(Microphone(index, name or f"input {index}"))
    return found
