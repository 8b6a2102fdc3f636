"""Titles typed by people: cleaned, bounded, never raising (the values module's other checks are tested at each
boundary that uses them)."""

from __future__ import annotations

from hypothesis import given, strategies as st

from app import values
from app.values import MAX_TITLE, title


def test_a_title_is_kept_as_typed_and_cleaned():
    assert title("  双11 零食专场 ", "x") == "双11 零食专场"
    assert title("第一行\n第二行\t\x1b[31m", "x") == "第一行 第二行 [31m"  # no control characters reach a log line
    assert title("", "直播 Live 12-01 20:05") == title("   \n", "直播 Live 12-01 20:05") == "直播 Live 12-01 20:05"
    assert title(None, "默认") == "默认" and title(42, "默认") == "默认"
    assert len(title("长" * 500, "x")) == MAX_TITLE


@given(st.text())
def test_any_text_gives_a_printable_bounded_title(text):
    result = title(text, "fallback")
    assert result and len(result) <= MAX_TITLE
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in result)
    assert result == result.strip()


def test_oversized_numbers_get_a_reason_never_an_internal_error():
    """Issue #25 (8): a 400-digit duration answered "internal error (OverflowError)"."""
    import pytest

    from app.commerce.room import ActionRefused, check_coupon
    from tests.live.test_boundaries import fresh_room

    huge = 10**400
    for call in (lambda: values.seconds(huge, ("时长", "duration")), lambda: values.ratio(huge, ("折扣", "rate"))):
        with pytest.raises(values.BadValue, match=" / "):
            call()
    room = fresh_room()
    for verb in (lambda: room.drop_coupon(1, 5, huge, "streamer"), lambda: room.start_draw("奖", "口令", 1, huge,
                                                                                              "anyone", "streamer"),
                 lambda: room.start_flash_sale(1, 100, 5, huge, "streamer"),
                 lambda: check_coupon("券", "discount", rate=huge, quantity=1)):
        with pytest.raises(ActionRefused, match=" / "):
            verb()
