"""Titles typed by people: cleaned, bounded, never raising (the values module's other checks are tested at each
boundary that uses them)."""

from __future__ import annotations

from hypothesis import given, strategies as st

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
