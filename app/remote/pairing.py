"""The pairing code: the console's address, the token and its certificate's fingerprint in one string the
assistant pastes (or reads from a QR code), e.g. `anchor-pair:wss://192.168.1.20:8765?t=TOKEN&fp=SHA256HEX`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from app.config import data_dir
from app.files import MAX_SETTINGS_BYTES, read_bounded
from app.text import outside_json

PREFIX = "anchor-pair:"
_FINGERPRINT = re.compile(r"[0-9a-f]{64}")


class PairingError(ValueError):
    """A pairing code that cannot be read; the message says what is wrong (中文 / English)."""


def pairing_code(url: str, token: str, fingerprint: str | None) -> str:
    return f"{PREFIX}{url}?t={token}" + (f"&fp={fingerprint}" if fingerprint else "")


def parse_pairing_code(text: str) -> tuple[str, str, str | None]:
    """(url, token, fingerprint or None) from a pasted pairing code."""
    text = text.strip()
    if not text.startswith(PREFIX):
        raise PairingError("配对码应以 anchor-pair: 开头 / a pairing code starts with anchor-pair:")
    parts = urlsplit(text[len(PREFIX):])
    query = parse_qs(parts.query)
    token = (query.get("t") or [""])[0]
    fingerprint = (query.get("fp") or [None])[0]
    if parts.scheme not in ("ws", "wss") or not parts.hostname or not parts.port or not token:
        raise PairingError("配对码不完整 / the pairing code is incomplete: copy it again from the console")
    if fingerprint is not None and not _FINGERPRINT.fullmatch(fingerprint.lower()):
        raise PairingError("配对码里的证书指纹不对 / the certificate fingerprint in the pairing code is malformed")
    if parts.scheme == "wss" and fingerprint is None:
        raise PairingError("wss 配对码缺少证书指纹 / a wss:// pairing code needs the certificate fingerprint")
    return f"{parts.scheme}://{parts.hostname}:{parts.port}", token, fingerprint.lower() if fingerprint else None


class PinnedConsoles:
    """Trust on first use for a wss:// console reached without a fingerprint: the fingerprint seen at the first
    pairing is kept (per host:port) and every later connection must show the same one."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_dir() / "pinned_consoles.json"

    def get(self, address: str) -> str | None:
        return self._load().get(address)

    def pin(self, address: str, fingerprint: str) -> None:
        pins = self._load()
        pins[address] = fingerprint
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(pins, indent=2), encoding="utf-8")

    def _load(self) -> dict[str, str]:
        try:
            data = outside_json(read_bounded(self.path, MAX_SETTINGS_BYTES).decode("utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}
