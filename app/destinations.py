"""Streaming destinations: the server part is a setting, the stream key lives in the OS keyring.

Keys are never written to the database, settings files or logs. Where no keyring exists (a bare Linux box),
the key is kept in memory for this run only and `KeyStore.fallback_message` says so, so the streamer knows to
paste it again next time.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import keyring
from keyring.errors import KeyringError, NoKeyringError

from app.config import data_dir
from app.files import MAX_SETTINGS_BYTES, read_bounded
from app.text import outside_json
from app.redaction import redact_url, register_secret, register_url_secrets

log = logging.getLogger(__name__)

SERVICE = "AnchorConsole"
PRESETS = {  # common ingest servers; the studio pastes the key each platform gives it
    "抖音 Douyin": "rtmp://push-rtmp-l11.douyincdn.com/third",
    "快手 Kuaishou": "rtmp://open-push.voip.yximgs.com/gifshow",
    "淘宝 Taobao": "rtmp://livepush.taobao.com/mediaplatform",
    "哔哩哔哩 Bilibili": "rtmp://live-push.bilivideo.com/live-bvc",
    "YouTube": "rtmp://a.rtmp.youtube.com/live2",
    "Twitch": "rtmp://live.twitch.tv/app",
    "自定义 Custom": "",
}
FALLBACK_MESSAGE = ("系统钥匙串不可用，串流密钥只在本次运行中保存 / no OS keyring here: the stream key is kept for "
                    "this run only")


@dataclass(frozen=True)
class Destination:
    name: str
    server: str  # rtmp://host[:port]/app — no key
    ticked: bool = False  # 本场推流: pushed to by the next go-live (the window's destination list)

    def url(self, key: str) -> str:
        return f"{self.server.rstrip('/')}/{key}"

    @property
    def shown(self) -> str:
        return f"{self.server.rstrip('/')}/****"


def split_url(url: str) -> tuple[str, str]:
    """rtmp://host/app/KEY → ("rtmp://host/app", "KEY"); rtmp://host/app/?streamname=…&key=… (Bilibili's
    form) → ("rtmp://host/app", "?streamname=…&key=…"). `Destination.url` puts them back together."""
    parts = urlsplit(url)
    head, _, last = parts.path.rpartition("/")
    server = urlunsplit((parts.scheme, parts.netloc, head, "", ""))
    return server, last + (f"?{parts.query}" if parts.query else "")


class KeyStore:
    """Saves destinations: servers in a JSON file in the data folder, keys in the OS keyring."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_dir() / "destinations.json"
        self._memory: dict[str, str] = {}
        self.fallback_message: str | None = None

    def save(self, name: str, url: str, ticked: bool | None = None) -> Destination:
        """Keep `url` under `name`: the server in the file, the key (if the URL has one) in the keyring. An empty
        key keeps the one saved before (editing a server does not ask for the key again). `ticked` None keeps
        the tick it had."""
        server, key = split_url(url)
        items = {d.name: d for d in self.load()}
        before = items.get(name)
        destination = Destination(name, server, before.ticked if ticked is None and before else bool(ticked))
        items[name] = destination
        self._write(items.values())
        if key:
            register_secret(key)
            try:
                keyring.set_password(SERVICE, name, key)
                self.fallback_message = None
            except (NoKeyringError, KeyringError) as exc:
                self._memory[name] = key
                self.fallback_message = FALLBACK_MESSAGE
                log.warning("%s (%s)", FALLBACK_MESSAGE, type(exc).__name__)
        log.info("saved destination %s → %s", name, redact_url(url))
        return destination

    def tick(self, name: str, ticked: bool) -> None:
        """Push to this destination in the next go-live, or not."""
        items = {d.name: (Destination(d.name, d.server, ticked) if d.name == name else d) for d in self.load()}
        self._write(items.values())

    def remove(self, name: str) -> None:
        """Forget the destination and its key."""
        self._write(d for d in self.load() if d.name != name)
        self._memory.pop(name, None)
        try:
            keyring.delete_password(SERVICE, name)
        except (NoKeyringError, KeyringError):  # no keyring, or no key saved: nothing to delete
            pass

    def load(self) -> list[Destination]:
        if not self.path.exists():
            return []
        try:
            rows = outside_json(read_bounded(self.path, MAX_SETTINGS_BYTES).decode("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:  # FileRefused is a ValueError
            log.warning("destinations file unreadable, ignored: %s", exc)
            return []
        if not isinstance(rows, list):
            return []
        return [Destination(str(d["name"]), str(d["server"]), d.get("ticked") is True) for d in rows
                if isinstance(d, dict) and isinstance(d.get("name"), str) and isinstance(d.get("server"), str)]

    def _write(self, destinations) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps([{"name": d.name, "server": d.server, "ticked": d.ticked}
                                         for d in destinations], ensure_ascii=False, indent=2), encoding="utf-8")

    def key(self, name: str) -> str | None:
        try:
            key = keyring.get_password(SERVICE, name)
        except (NoKeyringError, KeyringError):
            key = None
            self.fallback_message = FALLBACK_MESSAGE
        key = key or self._memory.get(name)
        if key:
            register_secret(key)
        return key

    def full_url(self, name: str) -> str | None:
        for destination in self.load():
            if destination.name == name:
                key = self.key(name)
                return destination.url(key) if key else None
        return None


_KEY_REFERENCE = re.compile(r"(?P<head>rtmps?://.+/)\{(?P<kind>env|file):(?P<ref>[^}]+)\}")


class TargetError(ValueError):
    """A destination the command line cannot resolve; the message never holds a key."""


def key_in_url(target: str) -> bool:
    """Whether a `--to` value is a network URL that carries a key in itself (rtmp://HOST/APP/KEY, ?token=…)."""
    if "://" not in target or _KEY_REFERENCE.fullmatch(target):
        return False
    try:
        parts = urlsplit(target)
    except ValueError:
        return False
    return parts.scheme.lower() in ("rtmp", "rtmps", "srt") and (
        len([s for s in parts.path.split("/") if s]) >= 2 or bool(parts.query) or bool(parts.password))


def loopback_host(host: str) -> bool:
    """Whether a host name or address is this machine: localhost, 127.0.0.0/8, ::1."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name: it may be anywhere
        return False


def loopback_url(target: str) -> bool:
    """Whether a destination stays on this machine: a file, or a URL whose host is `loopback_host`."""
    if "://" not in target:
        return True
    try:
        return loopback_host(urlsplit(target).hostname or "")
    except ValueError:
        return False


def resolve_target(target: str, store: KeyStore | None = None) -> str:
    """A `--to` value as the URL to push to, with the key fetched from where the user keeps it, so the key is
    never on the command line (where `ps` shows it to every local user):
      saved:NAME                       a destination saved in the console (key in the OS keyring)
      rtmp://HOST/APP/{env:VAR}        the key from environment variable VAR
      rtmp://HOST/APP/{file:PATH}      the key from the first line of a file
    Anything else (a file path, a full rtmp:// URL) is returned as it is."""
    if target.startswith("saved:"):
        name = target[len("saved:"):]
        url = (store or KeyStore()).full_url(name)
        if not url:
            raise TargetError(f"没有保存名为 {name!r} 的推流地址（或其密钥）/ no saved destination {name!r} with a key")
        return url
    match = _KEY_REFERENCE.fullmatch(target)
    if match is None:
        if key_in_url(target):
            register_url_secrets(target)  # from here on no print, log or error shows it
        return target
    kind, ref = match["kind"], match["ref"]
    if kind == "env":
        key = os.environ.get(ref, "").strip()
        if not key:
            raise TargetError(f"环境变量 {ref} 为空 / environment variable {ref} is not set")
    else:
        try:
            key = read_bounded(Path(ref).expanduser(), MAX_SETTINGS_BYTES).decode("utf-8").splitlines()[0].strip()
        except (OSError, IndexError, ValueError) as exc:  # UnicodeDecodeError and FileRefused are ValueErrors
            reason = exc.strerror if isinstance(exc, OSError) else "empty, too large or not text"
            raise TargetError(f"读不到密钥文件 {ref} / cannot read the key file {ref}: {reason}") from None
        if not key:
            raise TargetError(f"密钥文件 {ref} 为空 / the key file {ref} is empty")
    register_secret(key)
    return match["head"] + key
