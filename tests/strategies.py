"""Hypothesis strategies shared by the property tests at the doors: text as an attacker sends it."""

from __future__ import annotations

from hypothesis import strategies as st

# what broke the console once or is easy to get wrong: lone surrogates (legal in JSON), NUL (PostgreSQL refuses
# it), bidi overrides and isolates, zero-width and BOM, emoji sequences that must stay whole, Zalgo, formulas
EDGES = ["\ud800", "\udfff", "\udc00\ud800", "\x00", "\u202e", "\u2066", "\u200f", "\u061c", "\u200b", "\ufeff",
         "\u200d", "\ufe0f", "👨\u200d👩\u200d👧", "🇨🇳", "👍🏽", "1\ufe0f\u20e3", "🏴\U000e0067\U000e0062\U000e0073\U000e0063"
         "\U000e0074\U000e007f", "a\u0301\u0301\u0301\u0301", "\r\n", "\u2028", "=cmd|' /C calc'!A0", "@SUM(1)", "-3+4"]


def any_text(max_size: int = 30) -> st.SearchStrategy[str]:
    """Any string Python can hold, surrogates included, and the edges above strung together."""
    return st.one_of(st.text(st.characters(exclude_categories=()), max_size=max_size),
                     st.lists(st.one_of(st.sampled_from(EDGES), st.text(max_size=3)), max_size=6).map("".join)
                     .map(lambda s: s[:max_size]))
