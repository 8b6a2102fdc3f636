"""One rule for text that comes from outside: always encodable, no direction tricks, emoji kept whole.

Every door (the platform feed and connectors, LAN verbs, obs-websocket, catalogue and order files, the command
line, the window's own fields) passes outside text through these functions, and the bus applies `safe_value`
to every payload as the last guard, so nothing on the bus can break a UTF-8 encoder, a websocket frame, the
database's JSON or the quarantine that keeps what the database refused.

- Lone surrogates (legal in JSON as "\\ud800", impossible in UTF-8) become U+FFFD �; NUL, which PostgreSQL's
  text and JSON refuse, is removed.
- Bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C) are removed: "‮gnp.exe" shows as typed.
- Emoji sequences stay whole: ZWJ (U+200D), ZWNJ, variation selectors, skin tones, tag characters (flags).
- Lengths are counted in what a person sees (grapheme clusters: 👨‍👩‍👧 is one), never by code points, so a cut
  never splits a family emoji or a flag.
"""

from __future__ import annotations

import json
import re
import unicodedata

import regex

# removed from every string: NUL, lone surrogates (replaced, below) and bidi controls
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[\u0000{_BIDI}\ud800-\udfff]")
_SURROGATES = re.compile("[\ud800-\udfff]")
# a JSON escape of one of them or of half a surrogate pair, after its run of backslashes (odd: an escape)
_ESCAPES = re.compile(r"(\\+)u(0000|061[cC]|200[eEfF]|202[a-eA-E]|206[6-9]|[dD][89a-fA-F][0-9a-fA-F]{2})")
# and, from one-line display text, controls and invisibles too (zero-width space, soft hyphen, word joiner,
# invisible operators, deprecated format characters, BOM, interlinear annotation marks)
_INVISIBLE_CHARS = (f"\u0001-\u0008\u000e-\u001f\u007f-\u009f\u00ad\u180e\u200b\u2060-\u2064\u206a-\u206f"
                    f"\ufeff\ufff9-\ufffb{_BIDI}")
_BREAK_CHARS = "\n\r\t\u2028\u2029\u0085\u000b\u000c"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
_BREAKS = re.compile(f"[{_BREAK_CHARS}]+")
_TO_CLEAN = re.compile(f"[\u0000\ud800-\udfff{_BREAK_CHARS}{_INVISIBLE_CHARS}]")  # any of what clean_line changes
# what binds a sequence together but means nothing for matching words (ZWJ, ZWNJ, variation selectors)
_JOINERS = re.compile("[\u200c\u200d\ufe00-\ufe0f\U000e0100-\U000e01ef]")
MAX_COMBINING = 2  # combining marks kept after one base character ("Zalgo" stacks are cut)
MAX_DEPTH = 32  # nesting safe_value walks; deeper values are replaced by None


def _unsafe_char(match: re.Match) -> str:
    return "\ufffd" if "\ud800" <= match.group() <= "\udfff" else ""


def safe(text: str) -> str:
    """`text` that every encoder takes: lone surrogates → U+FFFD, NUL and bidi controls removed."""
    if text.isascii():
        return text.replace("\x00", "") if "\x00" in text else text
    return _UNSAFE.sub(_unsafe_char, text)


def safe_value(value, depth: int = 0):
    """A JSON-like value with `safe` applied to every string in it, keys included. Returns `value` itself when
    nothing needed to change (the bus calls it on every event)."""
    if isinstance(value, str):
        return safe(value)
    if depth >= MAX_DEPTH:
        return None if isinstance(value, (dict, list, tuple)) else value
    if isinstance(value, dict):
        changed = False
        out = {}
        for key, item in value.items():
            new_key = safe(key) if isinstance(key, str) else key
            new_item = safe_value(item, depth + 1)
            changed = changed or new_key is not key or new_item is not item
            out[new_key] = new_item
        return out if changed else value
    if isinstance(value, (list, tuple)):
        items = [safe_value(item, depth + 1) for item in value]
        if all(a is b for a, b in zip(items, value)):
            return value
        return items if isinstance(value, list) else tuple(items)
    return value


def graphemes(text: str) -> int:
    """How many characters a person sees in `text` (grapheme clusters)."""
    return len(text) if text.isascii() else len(regex.findall(r"\X", text))


def cut(text: str, limit: int, points: int | None = None) -> str:
    """The first `limit` characters as a person sees them; a cluster (emoji sequence, flag, accent) is never
    split. `points` also caps the code points (a database column's length counts those)."""
    points = limit * 64 if points is None else points
    if limit <= 0 or points <= 0:
        return ""
    if text.isascii() or len(text) <= min(limit, points):
        return text[:min(limit, points)]
    kept, used = [], 0
    for cluster in regex.finditer(r"\X", text):
        size = cluster.end() - cluster.start()
        if len(kept) == limit or used + size > points:
            break
        kept.append(cluster.group())
        used += size
    return "".join(kept)


def clean_line(text: object, limit: int, points: int | None = None) -> str:
    """Outside text as one safe line for people: `safe`, no controls or invisibles, line breaks as one space, at
    most MAX_COMBINING combining marks a character, NFC, trimmed, at most `limit` visible characters. Markup is
    kept as typed; displays never interpret it. `points` caps the code points too (for a database column).
    Never raises."""
    value = text if isinstance(text, str) else ("" if text is None else str(text))
    if _TO_CLEAN.search(value) is not None:  # most lines have nothing of these (a comment a second per viewer)
        value = _BREAKS.sub(" ", _SURROGATES.sub("\ufffd", value))
        value = _INVISIBLE.sub("", value).replace("\x00", "")
    value = unicodedata.normalize("NFC", value)
    if not value.isascii() and any(map(unicodedata.combining, value)):
        out, marks = [], 0
        for char in value:
            if unicodedata.combining(char):
                marks += 1
                if marks > MAX_COMBINING:
                    continue
            else:
                marks = 0
            out.append(char)
        value = "".join(out)
    return cut(value.strip(), limit, points).strip()


def match_form(text: str) -> str:
    """`text` as words are matched (banned words, keywords): case-folded, without joiners and variation
    selectors, so "假\u200d货" still matches 假货."""
    return _JOINERS.sub("", text).casefold()


def outside_json(raw: str | bytes):
    """JSON from outside (a feed frame, a LAN verb, a control surface's request) with `safe` applied to every
    string: "\\ud800" in a frame can then never break a reply, a state frame or the store. Raises what
    `json.loads` raises.

    A text with nothing `safe` changes, as it is and in no escape, decodes to strings with nothing to change: the
    walk through every string is skipped (a busy room's feed sends thousands of frames a second)."""
    if isinstance(raw, (bytes, bytearray)):
        raw = bytes(raw).decode(json.detect_encoding(raw), "surrogatepass")  # as json.loads decodes bytes
    value = json.loads(raw)
    if _UNSAFE.search(raw) is None and not _unsafe_escapes(raw):
        return value
    return safe_value(value)


def _unsafe_escapes(raw: str) -> bool:
    """Whether the escapes of a JSON text decode to what `safe` changes: NUL, a bidi control, a lone surrogate (a
    high half not followed at once by its low half, as `json` pairs them). An even run of backslashes before the
    "u" is no escape at this level: the text of one (a JSON text inside a string), checked when that is read."""
    if "\\u" not in raw:
        return False
    high_ends = -1  # where a high half's escape ended, waiting for its low half right there
    for match in _ESCAPES.finditer(raw):
        run = len(match.group(1))
        if run % 2 == 0:
            continue
        code = int(match.group(2), 16)
        if high_ends >= 0:
            if match.start() == high_ends and run == 1 and 0xDC00 <= code <= 0xDFFF:
                high_ends = -1
                continue
            return True
        if not 0xD800 <= code <= 0xDBFF:
            return True
        high_ends = match.end()
    return high_ends >= 0
