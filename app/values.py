"""Numbers from outside (verbs, the platform feed, CSV rows) as typed values within documented ranges.

Every boundary calls these before a number becomes part of an event, so NaN, ±Infinity, 1e400 and 2^63 never
reach the room, the metrics, the overlays or the store. The ranges are in docs/protocol.md.
"""

from __future__ import annotations

import math

from app.text import clean_line

MAX_CENTS = 10**10  # one price, order or refund: at most ¥100,000,000
MAX_COUNT = 10**7  # stock, quantity, likes in one event, coupons dropped
MAX_ONLINE = 10**9  # viewers online
MAX_DURATION_S = 24 * 3600.0  # a coupon or flash sale: at most a day
MIN_WALL_TIME, MAX_WALL_TIME = 946_684_800.0, 4_102_444_800.0  # 2000-01-01 .. 2100-01-01 UTC


Name = tuple[str, str]  # a field's name in Chinese and in English, for the message


class BadValue(ValueError):
    """A number out of its range or not a number; the message names the field (中文 / English)."""


def _refuse(name: Name, zh: str, en: str) -> BadValue:
    return BadValue(f"{name[0]}{zh} / {name[1]} {en}")


def as_float(value: int | float) -> float:
    """A number as a float; an integer too large for one (400 digits) is infinite, so the range refuses it."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def whole(value: object, name: Name, minimum: int = 0, maximum: int = MAX_COUNT) -> int:
    """An integer in [minimum, maximum]. Booleans and non-integral floats are refused; 3.0 is 3."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _refuse(name, "须为整数", "must be a whole number")
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise _refuse(name, "须为整数", "must be a whole number")
        value = int(value)
    if not minimum <= value <= maximum:
        raise _refuse(name, f"须在 {minimum}–{maximum} 之间", f"must be between {minimum} and {maximum}")
    return value


def cents(value: object, name: Name, minimum: int = 1) -> int:
    """An amount of money in cents (分), at least `minimum` and at most MAX_CENTS."""
    return whole(value, name, minimum, MAX_CENTS)


def seconds(value: object, name: Name, maximum: float = MAX_DURATION_S) -> float:
    """A duration: a finite number of seconds above 0 and at most `maximum`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _refuse(name, "须为数字", "must be a number")
    value = as_float(value)
    if not math.isfinite(value) or not 0 < value <= maximum:
        raise _refuse(name, f"须在 0–{maximum:g} 秒之间", f"must be above 0 and at most {maximum:g} s")
    return value


def ratio(value: object, name: Name) -> float:
    """A rate strictly between 0 and 1 (a 9折 coupon is 0.9)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(as_float(value)) \
            or not 0 < value < 1:
        raise _refuse(name, "须在 0–1 之间", "must be between 0 and 1")
    return float(value)


def wall_time(value: object) -> float:
    """A Unix time from a feed, or 0.0 (the bus stamps its own) when absent or outside 2000..2100."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0.0
    try:
        value = float(value)
    except OverflowError:  # an int of 400 digits
        return 0.0
    return value if math.isfinite(value) and MIN_WALL_TIME <= value <= MAX_WALL_TIME else 0.0


def safe_int(value: object, default: int = 0, maximum: int = MAX_CENTS) -> int:
    """Downstream of the boundaries: a value that slipped through (not a number, NaN, out of 0..maximum)
    becomes `default` instead of raising."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    try:
        number = int(value)
    except (ValueError, OverflowError):
        return default
    return number if 0 <= number <= maximum else default


MAX_TITLE = 200  # a session's title (the store's column)


def title(value: object, fallback: str) -> str:
    """A session's title (or a draw's prize) as typed by a person: one clean line (app/text.py), runs of
    space as one, at most MAX_TITLE characters and code points (the column); empty gives `fallback`. Never
    raises."""
    text = clean_line(value if isinstance(value, str) else "", MAX_TITLE, MAX_TITLE)
    return " ".join(text.split()) or fallback
