"""A recording digested as it is written (issue #31): the bytes the muxer has written are hashed every SEGMENT_S
seconds of media, and each digest becomes an event on the show's log, so it is chained like any other event
(app/store/chain.py). A recording cut or edited afterwards no longer matches its digests; a crash leaves every
digested segment verifiable.

What a muxer rewrites: a container's header is written before the first packet and completed when the file is
closed (Matroska's segment size, seek head and duration; FLV's duration; nothing for a fragmented MP4): measured
on all three, every byte rewritten at close lies in what was written before the first packet. So the segments
start where the header ends (`head_end`, the file's size when its header was written), and the header, complete
only now, is digested at the close with the tail (the last packets and the cues written at the end).

The digests: SHA-256 of the file's bytes [start, end), as lowercase hex; the segments follow each other without
a gap from `head_end` on; the close digests [0, head_end) as `head` and [start, size) as the last segment.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SEGMENT_S = 10.0  # seconds of media per digest
CHUNK = 1 << 20  # bytes read at once

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Segment:
    """Bytes [start, end) of the recording `file` (its name), their SHA-256; `media_s` how far the recording was
    (seconds of media) when they were digested. A close (`closed`) carries the header's digest too."""

    file: str
    start: int
    end: int
    sha256: str
    media_s: float
    closed: bool = False
    head_end: int = 0
    head: str = ""

    def payload(self) -> dict:
        data = {"file": self.file, "start": self.start, "end": self.end, "sha256": self.sha256,
                "media_s": round(self.media_s, 3)}
        if self.closed:
            data.update(head_end=self.head_end, head=self.head, size=self.end)
        return data


def as_recorded(path: str | Path) -> Path:
    """Where a crash's repair keeps the bytes as recorded (app/media/repair.py): the digests vouch for those."""
    path = Path(path)
    return path.with_name(f"{path.stem}.as-recorded{path.suffix}")


def digest_range(path: str | Path, start: int, end: int) -> tuple[str, int]:
    """SHA-256 of the file's bytes [start, end) and how many of them there were (fewer: the file is shorter)."""
    digest, read = hashlib.sha256(), 0
    with open(path, "rb") as file:
        file.seek(start)
        while read < end - start:
            chunk = file.read(min(CHUNK, end - start - read))
            if not chunk:
                break
            digest.update(chunk)
            read += len(chunk)
    return digest.hexdigest(), read


class GrowingFile:
    """Digests a recording as its muxer writes it, from the muxer's thread: `opened` once its header is written,
    `wrote` after each packet (a digest when SEGMENT_S of media have passed since the last), `closed` after the
    container is closed. Each digest goes to `on_segment`; a failure to read is reported once and digesting stops
    (the recording goes on: it is then verified up to its last digest)."""

    def __init__(self, path: str | Path, on_segment: Callable[[Segment], None], every_s: float | None = None) -> None:
        self.path = Path(path)
        self.on_segment = on_segment
        self.every_s = every_s or SEGMENT_S
        self.head_end = 0
        self.offset = 0
        self._next_at = self.every_s
        self._media_s = 0.0
        self.failed: str | None = None

    def opened(self) -> None:
        self.head_end = self.offset = self._size()

    def wrote(self, media_s: float) -> None:
        self._media_s = max(self._media_s, media_s)
        if media_s >= self._next_at and self.failed is None:
            self._next_at = media_s + self.every_s
            self._segment(closed=False)

    def closed(self) -> None:
        if self.failed is None:
            self._segment(closed=True)

    def _size(self) -> int:
        try:
            return os.path.getsize(self.path)
        except OSError as exc:
            self.failed = exc.strerror or str(exc)
            return 0

    def _segment(self, closed: bool) -> None:
        end = self._size()
        if self.failed is not None or (end <= self.offset and not closed):
            return
        try:
            sha, read = digest_range(self.path, self.offset, end)
            head = digest_range(self.path, 0, self.head_end)[0] if closed else ""
        except OSError as exc:
            self.failed = exc.strerror or str(exc)
            return
        segment = Segment(self.path.name, self.offset, self.offset + read, sha, self._media_s, closed,
                          self.head_end, head)
        self.offset += read
        try:
            self.on_segment(segment)
        except Exception:  # noqa: BLE001 - the recording goes on; it is verified up to the digests that were kept
            log.exception("a recording digest was not handed on")
