"""Comments are plain text: control characters stripped, length capped, banned words (屏蔽词) flagged."""

from __future__ import annotations

import threading

from app.text import clean_line, match_form

MAX_COMMENT_CHARS = 200


def clean_text(text: object, limit: int = MAX_COMMENT_CHARS) -> str:
    """Any text from outside (comments, nicknames, gift names, assistant names) as safe plain text on one line
    (app/text.py's one rule: encodable, no bidi controls, emoji whole, `limit` visible characters)."""
    return clean_line(text, limit)


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

    def block_all(self, user_ids) -> None:
        """拉黑 each of these (one swap, however many)."""
        with self._lock:
            self._blocked = self._blocked | frozenset(user_ids)

    def unblock(self, user_id: str) -> None:
        with self._lock:
            self._blocked = self._blocked - {user_id}

    @property
    def blocked(self) -> frozenset[str]:
        return self._blocked

    def set_words(self, words: list[str]) -> None:
        cleaned = sorted({match_form(w.strip()) for w in words if w and w.strip()})
        with self._lock:
            self._words = tuple(cleaned)

    @property
    def words(self) -> tuple[str, ...]:
        return self._words

    def hits(self, text: str) -> list[str]:
        folded = match_form(text)  # a joiner or variation selector slipped between letters hides nothing
        return [w for w in self._words if w in folded]


def moderate(banned: BannedWords):
    """A bus transform: comments become clean plain text; banned words flag them (hidden, still logged)."""
    from dataclasses import replace

    from app.kernel.events import Event, EventType

    def transform(event: Event) -> Event:
        if event.type != EventType.COMMENT:
            texts = [k for k in ("nickname", "gift") if isinstance(event.payload.get(k), str)]
            if not texts:
                return event
            payload = dict(event.payload)  # an entrant's or buyer's nickname is outside text too
            for key in texts:
                payload[key] = clean_text(payload[key], 40)
            return replace(event, payload=payload)
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
