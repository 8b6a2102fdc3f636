"""Keep stream keys and tokens out of logs, errors and printed stats."""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import urlsplit, urlunsplit

MASK = "****"

_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(secret: str) -> None:
    """Remember a secret so that `redact` removes it from any text from now on."""
    if secret and len(secret) >= 3:
        with _lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    """Replace every registered secret in `text` by the mask."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


def redact_url(url: str) -> str:
    """Show a publish URL without its key: the last path segment and any query are masked.

    rtmp://host:1935/live/KEY?token=T  ->  rtmp://host:1935/live/****
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    path = parts.path
    if path.strip("/"):  # the last segment is the key; with a single segment we cannot tell, so mask it too
        head, _, _ = path.rstrip("/").rpartition("/")
        path = f"{head}/{MASK}"
    netloc = parts.netloc
    if "@" in netloc:  # user:password@host
        netloc = f"{MASK}@{netloc.rpartition('@')[2]}"
    return urlunsplit((parts.scheme, netloc, path, "", ""))


def register_url_secrets(url: str) -> None:
    """Register the parts of a publish URL that are secret: key, query, credentials."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) >= 2 or segments and parts.scheme.lower().startswith("rtmp"):  # ws://HOST/feed: no key
        register_secret(segments[-1])
    if parts.query:
        register_secret(parts.query)
        for value in re.split(r"[&=]", parts.query):
            register_secret(value)
    if parts.password:
        register_secret(parts.password)


class SecretFilter(logging.Filter):
    """A logging filter that redacts registered secrets from every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: the logging module reports it later
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def frame_logger() -> logging.Logger:
    """The logger every websockets server and client of the console is given: websockets' debug lines quote the
    start of each frame, cut in the middle (a pairing token or a guest's key half shown, which the mask cannot find
    whole; a viewer's comment), so it logs nothing below INFO whatever the root logger's level."""
    logger = logging.getLogger("anchor_console.websocket")
    logger.setLevel(logging.INFO)
    return logger


def install_log_redaction() -> None:
    """Redact every log record as it is made, whichever handler gets it later (files, the console, a library's
    own debug logging of frames it sent). Idempotent."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacting", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        SecretFilter().filter(record)
        return record

    factory.redacting = True
    logging.setLogRecordFactory(factory)
