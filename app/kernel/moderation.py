"""Comments are plain text: control characters stripped, length capped, banned words (屏蔽词) flagged."""

from __future__ import annotations

import re
import threading
import unicodedata

MAX_COMMENT_CHARS = 200
MAX_COMBINING = 2  # combining marks kept after one base character ("Zalgo" stacks are cut)
# control characters, zero-width and direction marks, the Arabic letter mark, soft hyphen, word joiner and
# invisible operators, BOM, and lone surrogates (from JSON "\ud800": they break every encoder downstream)
_INVISIBLE = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u061c\u180e"
                        r"\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
                        r"\ud800-\udfff]")
_BREAKS = re.compile(r"[\n\r\t\u2028\u2029\u0085\u000b\u000c]+")


def clean_text(text: object, limit: int = MAX_COMMENT_CHARS) -> str:
    """Any text from outside (comments, nicknames, gift names, assistant names) as safe plain text on one line:
    no control, invisible or direction-override characters, line and paragraph separators as spaces, at most
    two combining marks per character, at most `limit` characters. Markup is kept as typed; displays never
    interpret it."""
    value = str(text if text is not None else "")
    value = _BREAKS.sub(" ", value)
    value = unicodedata.normalize("NFC", _INVISIBLE.sub("", value))
    out, marks = [], 0
    for char in value:
        if unicodedata.combining(char):
            marks += 1
            if marks > MAX_COMBINING:
                continue
        else:
            marks = 0
        out.append(char)
    return "".join(out).strip()[:limit]


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
