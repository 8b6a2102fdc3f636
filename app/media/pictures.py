"""Product pictures read once and kept: the product card overlay and the run sheet both show them."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

log = logging.getLogger(__name__)

MAX_PICTURE_BYTES = 8 * 1024 * 1024  # a catalogue picture, not a poster: anything larger is skipped


@functools.lru_cache(maxsize=256)
def picture_bytes(path: str) -> bytes | None:
    """The encoded picture (PNG/JPEG/…) at `path`, or None when there is none or it cannot be read (logged once,
    the stream goes on without it)."""
    if not path or "://" in path:
        return None
    try:
        file = Path(path)
        if file.stat().st_size > MAX_PICTURE_BYTES:
            log.warning("product picture %s is larger than %d bytes: not shown", path, MAX_PICTURE_BYTES)
            return None
        return file.read_bytes()
    except OSError as exc:
        log.warning("product picture not shown: %s", exc)
        return None
