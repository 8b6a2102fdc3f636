"""A/B (app/abtest.py) on generated shows with a known effect and with none: the conversion test and the bootstrap
intervals find a real difference and, where there is none, say "no detectable difference" about as often as the
chosen level promises (the false-positive rate near 5 %). Group filters as a manager writes them."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, strategies as st

from app.abtest import (GroupError, compare_groups, expanded_level, group_filter, split_groups, t_quantile,
                        two_proportions)
from app.insights import ShowRow


def show(n: int, uv: int, buyers: int, gmv: int, *, host="甲", tags=(), hour=20, weekday=5, masked=False,
         title="专场", platform="douyin") -> ShowRow:
    return ShowRow(n, title, "工作室", host, platform, 1.7e9 + n * 86400, 3600.0, gmv, 0, buyers, buyers, uv * 2,
                   uv, buyers, 100, masked, (), tuple(tags), hour, weekday)


def shows(rng: random.Random, count: int, uv: int, conversion: float, order_yuan: float, first: int = 1):
    out = []
    for n in range(first, first + count):
        buyers = sum(rng.random() < conversion for _ in range(uv))
        gmv = sum(round(rng.lognormvariate(0, 0.6) * order_yuan * 100) for _ in range(buyers))
        out.append(show(n, uv, buyers, gmv))
    return out


def test_a_real_difference_in_conversion_is_found():
    found = 0
    for seed in range(20):
        rng = random.Random(seed)
        report = compare_groups(shows(rng, 12, 2000, 0.02, 80), shows(rng, 12, 2000, 0.03, 80, 100), resamples=300)
        found += report.conversion.detectable and report.conversion.difference > 0
    assert found >= 19  # n = 24,000 a group, 2 % against 3 %: power ≈ 1
    assert "B 高于 A" in report.verdict


def test_no_difference_is_said_as_often_as_the_level_allows():
    """400 comparisons of two groups drawn alike: the conversion test calls a difference in about 5 % of them."""
    rng = random.Random(7)
    calls = 0
    for _ in range(400):
        a, b = shows(rng, 8, 300, 0.03, 60), shows(rng, 8, 300, 0.03, 60, 100)
        calls += two_proportions(sum(s.viewer_buyers for s in a), sum(s.uv for s in a),
                                 sum(s.viewer_buyers for s in b), sum(s.uv for s in b)).detectable
    assert 0.02 <= calls / 400 <= 0.085, calls


def test_the_bootstrap_finds_a_gpm_change_and_rarely_one_that_is_not_there():
    rng = random.Random(11)
    false_calls = true_calls = 0
    runs = 120
    for _ in range(runs):
        a, b = shows(rng, 15, 400, 0.03, 60), shows(rng, 15, 400, 0.03, 60, 100)
        report = compare_groups(a, b, resamples=400, seed=rng.randrange(10**6))
        false_calls += report.gpm.detectable
        c = shows(rng, 15, 400, 0.03, 95, 200)  # the same audience paying about half as much again per order
        true_calls += compare_groups(a, c, resamples=400, seed=rng.randrange(10**6)).gpm.detectable
    assert false_calls / runs <= 0.09, false_calls  # 5.3 % over 400 runs; a plain percentile interval gave 9 %
    assert true_calls / runs >= 0.8, true_calls
    assert "没有可检测的差异" in compare_groups(a, a[::-1], resamples=200).verdict


def test_the_report_says_what_limits_it():
    a = [show(1, 100, 2, 900), show(2, 100, 3, 800, masked=True)]
    b = [show(2, 100, 3, 800, masked=True), show(3, 100, 1, 100)]
    report = compare_groups(a, b, resamples=100)
    assert report.a_uv == 100 and report.b_uv == 100  # the masked show counts for GMV and PV only
    assert any("both groups" in n for n in report.notes) and any("without login" in n for n in report.notes)
    assert any("fewer than 3" in n for n in report.notes)
    assert report.gpm.low is None and not report.gpm.detectable  # two shows a group: no interval at all
    c = [show(4, 100, 2, 900), show(5, 100, 3, 800), show(6, 100, 1, 100)]
    wide = compare_groups(c, c[::-1] + [show(7, 100, 2, 500)], resamples=200)
    assert wide.gpm.low is not None and any("fewer than 5" in n for n in wide.notes)
    empty = compare_groups([], b)
    assert empty.conversion.a is None and not empty.conversion.detectable and empty.gpm.low is None


def test_groups_by_filter():
    rows = [show(1, 10, 1, 100, host="甲", tags=("新话术",), hour=20, weekday=5),
            show(2, 10, 1, 100, host="乙", hour=12, weekday=6, title="双11 零食专场", platform="bilibili"),
            show(3, 10, 1, 100, host="甲", tags=("旧话术", "新话术"), hour=20, weekday=7)]

    def ids(text):
        return [s.session_id for s in rows if group_filter(text)(s)]

    assert ids("host=甲") == [1, 3] and ids("tag=新话术") == [1, 3] and ids("tag=旧话术") == [3]
    assert ids("slot=12") == [2] and ids("weekday=7") == [3] and ids("title=双11") == [2]
    assert ids("platform=bilibili") == [2] and ids("ids=1, 2") == [1, 2] and ids("host=甲 & weekday=5") == [1]
    a, b = split_groups(rows, "host=甲", "host=乙")
    assert [s.session_id for s in a] == [1, 3] and [s.session_id for s in b] == [2]
    for bad in ("host", "who=甲", "slot=24", "slot=x", "weekday=0", "ids=1,,2", "host=", "=甲"):
        with pytest.raises(GroupError, match="KEY=VALUE|whole number"):
            group_filter(bad)


@given(st.text(max_size=60))
def test_any_group_text_is_a_filter_or_a_clear_refusal(text):
    try:
        test = group_filter(text)
    except GroupError as exc:
        assert " / " in str(exc)
    else:
        assert test(show(1, 10, 1, 100)) in (True, False)


def test_the_small_sample_widening():
    for df, table in ((3, 3.182), (5, 2.571), (10, 2.228), (14, 2.145), (30, 2.042)):  # Student's t, 97.5 %
        assert abs(t_quantile(0.975, df) - table) < 0.025
    assert expanded_level(0.05, 2) == 0.05 and 0.001 < expanded_level(0.05, 5) < expanded_level(0.05, 15) < 0.05
    assert abs(expanded_level(0.05, 10_000) - 0.05) < 0.001
