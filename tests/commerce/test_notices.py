"""公告提醒: a schedule read from text (every bad line named), and what is due a minute ahead, across midnight."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from tests.strategies import any_text

from app.commerce.notices import DAY_S, Notice, ScheduleError, due, format_schedule, parse_schedule


def test_a_schedule_is_read_sorted_with_full_width_colons_and_no_spaces():
    notices = parse_schedule("# 今晚\n21:00 秒杀 保温杯\n\n 8：05福袋 \n20:30\t满199减30 券\n")
    assert [(n.clock, n.text) for n in notices] == [("08:05", "福袋"), ("20:30", "满199减30 券"), ("21:00", "秒杀 保温杯")]
    assert parse_schedule(format_schedule(notices)) == notices
    assert parse_schedule("") == [] and parse_schedule(None) == []


def test_every_bad_line_is_named_in_both_languages():
    with pytest.raises(ScheduleError) as caught:
        parse_schedule("20:00 福袋\n福袋 20:00\n24:00 午夜\n20:61 不存在\n20:30 " + "长" * 61)
    chinese, _, english = str(caught.value).partition(" / ")
    assert chinese == "第 2 行须为“20:00 福袋”；第 3 行的时间 24:00 不存在；第 4 行的时间 20:61 不存在；第 5 行最多 60 字"
    assert english.startswith("line 2 must be like") and "line 5 is over 60 characters" in english
    with pytest.raises(ScheduleError, match=r"最多 100 条.* / .*at most 100 notices"):
        parse_schedule("\n".join(f"{h:02d}:{m:02d} 第{h}{m}" for h in range(10) for m in range(0, 60, 5)))


def test_due_a_minute_ahead_shown_a_minute_after_and_across_midnight():
    notices = [Notice(20 * 3600, "福袋"), Notice(21 * 3600, "秒杀"), Notice(0, "零点"), Notice(23 * 3600 + 59 * 60, "晚")]
    at = lambda h, m, s=0: h * 3600 + m * 60 + s  # noqa: E731
    assert due(notices, at(19, 58, 59)) == []
    assert due(notices, at(19, 59, 0)) == [(notices[0], 60.0)]
    assert due(notices, at(20, 0, 30)) == [(notices[0], -30.0)]
    assert due(notices, at(20, 1, 0)) == []  # a minute after: gone
    assert due(notices, at(23, 59, 30)) == [(notices[3], -30.0), (notices[2], 30.0)]  # across midnight
    assert due(notices, at(0, 0, 30)) == [(notices[2], -30.0)]
    assert due(notices, at(20, 59, 50), ahead_s=5) == []


@settings(max_examples=300, deadline=None)
@given(any_text(300))
def test_any_text_is_a_schedule_or_a_clear_refusal(text):
    try:
        notices = parse_schedule(text)
    except ScheduleError as exc:
        assert " / " in str(exc)
    else:
        assert all(0 <= n.at_s < DAY_S and 0 < len(n.text) and n.text.encode() for n in notices)
        assert [n.at_s for n in notices] == sorted(n.at_s for n in notices)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, DAY_S - 1), st.floats(0, DAY_S, allow_nan=False))
def test_a_notice_is_due_exactly_in_its_two_minutes(at, now):
    shown = due([Notice(at, "x")], now)
    distance = min(abs(at - now), DAY_S - abs(at - now))
    if distance < 59.9:
        assert len(shown) == 1 and -60 < shown[0][1] <= 60
    elif distance > 60.1:
        assert shown == []


def test_the_edges_of_a_schedule():
    notices = parse_schedule("23:59 晚安\n  # 备注：这一行不算\n0:00 零点\n8:07 早\n20:00 #话题")
    assert [(n.at_s, n.text) for n in notices] == [(0, "零点"), (8 * 3600 + 7 * 60, "早"), (20 * 3600, "#话题"),
                                                   (23 * 3600 + 59 * 60, "晚安")]
    assert parse_schedule("20:00 " + "长" * 60)[0].text == "长" * 60
    for bad in ("24:00 x", "12:60 x", "23:60 x"):
        with pytest.raises(ScheduleError, match="不存在"):
            parse_schedule(bad)
    with pytest.raises(ScheduleError) as caught:
        parse_schedule("23:00 好\n12:60 x")
    assert str(caught.value) == "第 2 行的时间 12:60 不存在 / line 2: there is no time 12:60"
    assert len(parse_schedule("\n".join(f"{h:02d}:{m:02d} 第{h}{m}" for h in range(10) for m in range(10)))) == 100

    def refusal(lines: int) -> str:
        with pytest.raises(ScheduleError) as caught:
            parse_schedule("\n".join(["坏"] * lines))
        return str(caught.value)

    five, six, seven = refusal(5), refusal(6), refusal(7)
    assert "(+" not in five and five.count("须为") == 5 and five.count("must be like") == 5
    assert six.count("须为") == 5 and six.endswith(" (+1)") and "（" not in six and " (+1) / " in six
    assert seven.count("must be like") == 5 and seven.endswith("'20:00 lucky draw' (+2)")
    chinese, english = seven.split(" / ")
    assert chinese.count("；") == 4 and english.count("; ") == 4
