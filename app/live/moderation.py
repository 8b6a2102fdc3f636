"""Comments are plain text: control characters stripped, length capped, banned words (屏蔽词) flagged."""

from __future__ import annotations

import re
import threading
import unicodedata

MAX_COMMENT_CHARS = 200
_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: object, limit: int = MAX_COMMENT_CHARS) -> str:
    """A comment as safe plain text: no control or direction-override characters, newlines as spaces,
    at most `limit` characters. Markup is kept as typed; displays never interpret it."""
    value = unicodedata.normalize("NFC", str(text if text is not None else ""))
    value = _CONTROL.sub("", value).replace("\n", " ").replace("\t", " ").strip()
    return value[:limit]


class BannedWords:
    """An editable banned-word list; matching is case-insensitive substring matching."""

    def __init__(self, words: list[str] | None = None, blocked_users: set[str] | None = None) -> None:
        self._lock = threading.Lock()
        self._words: tuple[str, ...] = ()
        self.set_words(words or [])
        self._blocked: frozenset[str] = frozenset(blocked_users or ())  # 拉黑: every comment of theirs is hidden

    def block(self, user_id: str) -> None:
        with self._lock:
            self._blocked = self._blocked | {user_id}

    def unblock(self, user_id: str) -> None:
        with self._lock:
            self._blocked = self._blocked - {user_id}

    @property
    def blocked(self) -> frozenset[str]:
        return self._blocked

    def set_words(self, words: list[str]) -> None:
        cleaned = sorted({w.strip().casefold() for w in words if w and w.strip()})
        with self._lock:
            self._words = tuple(cleaned)

    @property
    def words(self) -> tuple[str, ...]:
        return self._words

    def hits(self, text: str) -> list[str]:
        folded = text.casefold()
        return [w for w in self._words if w in folded]


def moderate(banned: BannedWords):
    """A bus transform: comments become clean plain text; banned words flag them (hidden, still logged)."""
    from dataclasses import replace

    from app.live.events import Event, EventType

    def transform(event: Event) -> Event:
        if event.type != EventType.COMMENT:
            return event
        payload = dict(event.payload)
        payload["text"] = clean_text(payload.get("text"))
        payload["nickname"] = clean_text(payload.get("nickname"), 40)
        hits = banned.hits(payload["text"])
        if hits:
            payload["banned_words"] = hits
        blocked = payload.get("user_id") in banned.blocked
        if blocked:
            payload["blocked_user"] = True
        return replace(event, payload=payload, flagged=bool(hits) or blocked)

    return transform
