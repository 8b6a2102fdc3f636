"""A/B 对比: what a change really did — two groups of shows (two script versions, hosts, slots, prices: chosen by
tag or filter) compared on conversion (a two-proportion test), GPM and UV value (bootstrap confidence intervals
over the shows), with the sample sizes, and "no detectable difference" when that is the honest answer.

Pure arithmetic over shows (`app.insights.ShowRow`; no database): `tests/test_abtest.py` runs it on generated shows with
a known effect and with none (the false-positive rate near the chosen level).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

LEVEL = 0.05
RESAMPLES = 2000
MIN_SHOWS = 3  # a bootstrap interval over fewer shows a group says nothing: none is given
FILTER_KEYS = ("host", "tag", "slot", "platform", "title", "ids", "weekday")


class ShowRow(Protocol):
    """What a show is to A/B (`app.insights.ShowRow` is one)."""

    session_id: int
    title: str
    host: str
    platform: str
    gmv_cents: int
    pv: int
    uv: int
    viewer_buyers: int
    masked: bool
    tags: tuple[str, ...]
    hour: int
    weekday: int


class GroupError(ValueError):
    """A group's filter that cannot be read (中文 / English)."""


@dataclass(frozen=True)
class Estimate:
    """One figure for both groups, B − A with its interval, and whether the difference is detectable."""

    name: str
    a: float | None
    b: float | None
    low: float | None  # the interval of B − A (1 − level)
    high: float | None
    p_value: float | None = None  # the test's, where one is made (conversion)

    @property
    def difference(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a

    @property
    def detectable(self) -> bool:
        """The interval leaves out 0 (for conversion: and p < level, the same thing for the z test)."""
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)


@dataclass(frozen=True)
class ABReport:
    a_name: str
    b_name: str
    a_shows: tuple[int, ...]
    b_shows: tuple[int, ...]
    a_uv: int
    b_uv: int
    level: float
    conversion: Estimate
    gpm: Estimate
    uv_value: Estimate
    notes: tuple[str, ...] = ()  # what limits the answer (too few shows, masked shows left out …)

    @property
    def verdict(self) -> str:
        found = [e for e in (self.conversion, self.gpm, self.uv_value) if e.detectable]
        if not found:
            return "没有可检测的差异 / no detectable difference"
        return "; ".join(f"{e.name}: B {'高于' if e.difference > 0 else '低于'} A / B {'above' if e.difference > 0 else 'below'} A"
                         for e in found)


def _pooled(shows: Sequence[ShowRow], top: Callable[[ShowRow], float], bottom: Callable[[ShowRow], float]) -> float | None:
    b = sum(bottom(s) for s in shows)
    return sum(top(s) for s in shows) / b if b else None


def _gpm(shows):
    value = _pooled(shows, lambda s: s.gmv_cents / 100, lambda s: s.pv)
    return None if value is None else value * 1000


def _uv_value(shows):
    return _pooled(shows, lambda s: s.gmv_cents / 100, lambda s: s.uv)


def normal_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))


def normal_quantile(p: float) -> float:
    """The standard normal's p-quantile (bisection on erfc: exact enough for intervals)."""
    lo, hi = -10.0, 10.0
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if normal_cdf(mid) < p else (lo, mid)
    return (lo + hi) / 2


def t_quantile(p: float, df: int) -> float:
    """Student's t p-quantile by the Cornish–Fisher expansion around the normal's (within 0.01 from 3 degrees of
    freedom on)."""
    z = normal_quantile(p)
    v = float(df)
    return (z + (z ** 3 + z) / (4 * v) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * v ** 2)
            + (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / (384 * v ** 3))


def expanded_level(level: float, n: int) -> float:
    """The percentile interval's level widened for n shows (Hesterberg's expanded percentile interval): a plain
    percentile interval over a handful of shows is too narrow, and calls differences that are not there."""
    if n < 3:
        return level
    z = math.sqrt(n / (n - 1)) * t_quantile(1 - level / 2, n - 1)
    return 2 * (1 - normal_cdf(z))


def two_proportions(x1: int, n1: int, x2: int, n2: int, level: float = LEVEL) -> Estimate:
    """Conversion B − A: the pooled two-proportion z test's two-sided p value, and the (unpooled) Wald interval."""
    if not n1 or not n2:
        return Estimate("转化率 conversion", x1 / n1 if n1 else None, x2 / n2 if n2 else None, None, None, None)
    p1, p2 = x1 / n1, x2 / n2
    pooled = (x1 + x2) / (n1 + n2)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    p_value = 1.0 if se0 == 0 else 2 * (1 - normal_cdf(abs(p2 - p1) / se0))
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    z = normal_quantile(1 - level / 2)
    if p_value >= level:  # the interval and the test say one thing: a test not passed is not a finding
        low, high = min(p2 - p1 - z * se, 0.0), max(p2 - p1 + z * se, 0.0)
    else:
        low, high = p2 - p1 - z * se, p2 - p1 + z * se
    return Estimate("转化率 conversion", p1, p2, low, high, p_value)


def bootstrap(name: str, a: Sequence[ShowRow], b: Sequence[ShowRow], statistic, level: float = LEVEL,
              resamples: int = RESAMPLES, seed: int = 0) -> Estimate:
    """B − A of a ratio over shows, with the percentile interval from resampling each group's shows, widened for
    the smaller group's number of shows (`expanded_level`)."""
    value_a, value_b = statistic(a), statistic(b)
    if value_a is None or value_b is None or len(a) < MIN_SHOWS or len(b) < MIN_SHOWS:
        return Estimate(name, value_a, value_b, None, None)
    rng = random.Random(seed)
    differences = []
    for _ in range(resamples):
        sa = statistic(rng.choices(a, k=len(a)))
        sb = statistic(rng.choices(b, k=len(b)))
        if sa is not None and sb is not None:
            differences.append(sb - sa)
    if len(differences) < resamples // 2:
        return Estimate(name, value_a, value_b, None, None)
    differences.sort()
    k = len(differences)
    wide = expanded_level(level, min(len(a), len(b)))
    low = differences[max(0, math.floor(wide / 2 * k))]
    high = differences[min(k - 1, math.ceil((1 - wide / 2) * k) - 1)]
    return Estimate(name, value_a, value_b, low, high)


def compare_groups(a: Sequence[ShowRow], b: Sequence[ShowRow], a_name: str = "A", b_name: str = "B",
                   level: float = LEVEL, resamples: int = RESAMPLES, seed: int = 0) -> ABReport:
    """Group B against group A. A show in both groups, or one whose viewers were masked, counts for GMV and PV only
    where it can (masked: not in conversion or UV value); the notes say what limits the answer."""
    notes = []
    shared = {s.session_id for s in a} & {s.session_id for s in b}
    if shared:
        notes.append(f"两组都有的场次 / shows in both groups: {', '.join(map(str, sorted(shared)))}")
    counted_a, counted_b = [s for s in a if not s.masked], [s for s in b if not s.masked]
    if len(counted_a) < len(a) or len(counted_b) < len(b):
        notes.append("未登录读取的场次不计转化与 UV 价值 / shows read without login are left out of conversion and "
                     "UV value")
    if min(len(a), len(b)) < MIN_SHOWS:
        notes.append(f"每组少于 {MIN_SHOWS} 场：GPM 与 UV 价值不给区间 / fewer than {MIN_SHOWS} shows in a group: no "
                     "interval for GPM and UV value")
    elif min(len(a), len(b)) < 5:
        notes.append("每组不到 5 场：区间宽，结论弱 / fewer than 5 shows in a group: wide intervals, weak answers")
    conversion = two_proportions(sum(s.viewer_buyers for s in counted_a), sum(s.uv for s in counted_a),
                                 sum(s.viewer_buyers for s in counted_b), sum(s.uv for s in counted_b), level)
    return ABReport(a_name, b_name, tuple(s.session_id for s in a), tuple(s.session_id for s in b),
                    sum(s.uv for s in counted_a), sum(s.uv for s in counted_b), level, conversion,
                    bootstrap("GPM", a, b, _gpm, level, resamples, seed),
                    bootstrap("UV 价值 UV value", counted_a, counted_b, _uv_value, level, resamples, seed + 1),
                    tuple(notes))


def group_filter(text: str) -> Callable[[ShowRow], bool]:
    """A group of shows as the manager writes it: `host=甲`, `tag=新话术`, `slot=20` (started 20:00–20:59),
    `platform=douyin`, `title=双11` (the title contains it), `weekday=6` (Monday 1 … Sunday 7), `ids=3,5,8`;
    several joined by `&` must all hold. GroupError (中文 / English) for anything else."""
    tests = []
    for part in text.split("&"):
        key, sep, value = (x.strip() for x in part.partition("="))
        if not sep or key not in FILTER_KEYS or not value:
            raise GroupError(f"分组写法：键=值，键为 {'、'.join(FILTER_KEYS)} / a group is KEY=VALUE with KEY one of "
                             f"{', '.join(FILTER_KEYS)}: not {part.strip()[:40]!r}")
        tests.append(_test(key, value))
    return lambda show: all(test(show) for test in tests)


def _number(value: str, low: int, high: int) -> int:
    if not value.isdecimal() or not low <= int(value) <= high:
        raise GroupError(f"需要 {low}–{high} 的整数 / a whole number {low}–{high}, not {value[:20]!r}")
    return int(value)


def _test(key: str, value: str) -> Callable[[ShowRow], bool]:
    if key == "host":
        return lambda s: s.host == value
    if key == "tag":
        return lambda s: value in s.tags
    if key == "platform":
        return lambda s: s.platform == value
    if key == "title":
        return lambda s: value in s.title
    if key == "slot":
        hour = _number(value, 0, 23)
        return lambda s: s.hour == hour
    if key == "weekday":
        day = _number(value, 1, 7)
        return lambda s: s.weekday == day
    ids = {_number(v.strip(), 1, 2**31 - 1) for v in value.split(",")}
    return lambda s: s.session_id in ids


def split_groups(shows: Sequence[ShowRow], a: str, b: str) -> tuple[list[ShowRow], list[ShowRow]]:
    """The period's shows in group A and in group B (GroupError for a filter that cannot be read)."""
    in_a, in_b = group_filter(a), group_filter(b)
    return [s for s in shows if in_a(s)], [s for s in shows if in_b(s)]


__all__ = ["ABReport", "Estimate", "GroupError", "LEVEL", "compare_groups", "group_filter", "split_groups",
           "two_proportions"]
