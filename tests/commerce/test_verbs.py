"""The one list of verbs (app/commerce/verbs.py): every door that calls verbs is derived from it, and each entry
agrees with the room, the protocol's documentation and the line console's help."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.commerce.room import ActionRefused, LiveRoom
from app.commerce.verbs import VERBS, check_arguments, inverse, line_words, parse_words, wire_kinds

ROOT = Path(__file__).resolve().parents[2]


def test_every_verb_is_a_room_method_taking_its_arguments_and_the_actor():
    for name, verb in VERBS.items():
        method = getattr(LiveRoom, name)
        parameters = [p for p in inspect.signature(method).parameters.values()
                      if p.name != "self" and p.default is inspect.Parameter.empty]
        assert len(parameters) == len(verb.args) + 1, name  # … and the actor last
        assert parameters[-1].name == "actor", name


def test_the_doors_use_the_list():
    from app.remote import server

    assert server.VERBS == {name: wire_kinds(name) for name in VERBS}
    assert server.verb_arguments is check_arguments
    assert wire_kinds("start_draw") == "ssnns" and wire_kinds("set_live_price") == "nn" and wire_kinds("stop_draw") == ""
    protocol = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    assert [name for name in VERBS if name not in protocol] == []  # each verb is documented for bridge writers
    from app.cli import ASSIST_HELP

    assert [word for word in line_words() if word not in ASSIST_HELP] == []  # and each word is in the help


def test_arguments_from_outside_are_checked_against_the_list():
    assert check_arguments("set_live_price", [3, 5990]) == [3, 5990]
    assert check_arguments("pin_notice", ["x" * 200]) == ["x" * 200]  # 200 characters is the limit, not past it
    with pytest.raises(ActionRefused, match=r"^未知操作 / unknown verb 'nothing'$"):
        check_arguments("nothing", [])
    with pytest.raises(ActionRefused, match=r"^reply_comment: 参数应为 数字 number 文字 text 文字 text 文字 text / "
                                            r"takes 4 argument\(s\): 数字 number 文字 text 文字 text 文字 text$"):
        check_arguments("reply_comment", [1, "a"])
    with pytest.raises(ActionRefused, match=r"takes 0 argument\(s\): —$"):
        check_arguments("stop_draw", [1])
    for verb, args in (("set_live_price", [3]), ("set_live_price", [3, "5990"]), ("pin_product", [True]),
                       ("pin_notice", ["x" * 201]), ("nothing", []), (None, []), ("stop_draw", None)):
        with pytest.raises(ActionRefused):
            check_arguments(verb, args)


def test_the_line_console_reads_yuan_minutes_and_defaults():
    assert parse_words("price", ["3", "59.9"]) == ("set_live_price", [3, 5990])
    assert parse_words("coupon", ["2", "100", "1.5"]) == ("drop_coupon", [2, 100, 90.0])
    assert parse_words("draw", ["杯子", "来了", "3", "2"]) == ("start_draw", ["杯子", "来了", 3, 120.0, "anyone"])
    assert parse_words("draw", ["杯子", "来了", "3", "2", "followers"])[1][-1] == "followers"
    assert parse_words("next", []) == ("next_product", [])
    with pytest.raises(ValueError, match=r"^unknown command 'nope'$"):
        parse_words("nope", [])
    with pytest.raises(ValueError, match=r"^price takes 2 value\(s\): product_id cents$"):
        parse_words("price", ["3"])
    for word, values in (("price", ["3"]), ("price", ["3", "4", "5"]), ("stock", ["3", "lots"]), ("nope", []),
                         ("draw", ["杯子", "来了", "3"])):
        with pytest.raises(ValueError):
            parse_words(word, values)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([*line_words(), "x", ""]), st.lists(st.text(max_size=12), max_size=6))
def test_no_typed_line_raises_past_the_parse(word, values):
    try:
        verb, args = parse_words(word, values)
    except ValueError:
        return
    assert verb in VERBS and len(args) == len(VERBS[verb].args)


def test_what_is_taken_back_and_what_is_not(catalogue):
    from app.session import SessionCore

    core = SessionCore(catalogue)
    core.start("verbs")
    try:
        room, actor = core.room, "assistant:小李"
        state = room.snapshot().state
        first = state.run_sheet[0]
        undoable = {name for name, verb in VERBS.items() if verb.undo is not None}
        assert undoable == {"pin_product", "next_product", "previous_product", "set_live_price", "set_stock",
                            "drop_coupon", "start_flash_sale", "pin_comment", "reply_comment", "pin_notice"}
        step = inverse(state, room, actor, "set_live_price", [first, 100])
        room.set_live_price(first, 100, actor)
        step.inverse()
        assert room.snapshot().state.products[first].live_price_cents == state.products[first].live_price_cents
        assert inverse(state, room, actor, "stop_coupon", [1]) is None  # stopping is not undone
        assert inverse(state, room, actor, "set_stock", [10**9, 1]) is None  # no such product: nothing to undo
        assert inverse(state, room, actor, "pin_product", [first]).description == "取消讲解 / unpinned"  # none was
        title = state.products[first].title
        old = state.products[first].live_price_cents
        assert step.description == (f"直播价改回 ￥{old / 100:g} / live price back to ￥{old / 100:g}: {title}")
        notice = inverse(state, room, actor, "pin_notice", ["20:00 福袋"])
        assert notice.description == "撤下公告 / notice taken off the stream"
        room.pin_notice("20:00 福袋", actor)
        notice.inverse()
        assert room.snapshot().state.notice is None
        room.pin_notice("早场福袋", actor)
        again = inverse(room.snapshot().state, room, actor, "pin_notice", ["晚场秒杀"])
        room.pin_notice("晚场秒杀", actor)
        again.inverse()
        assert again.description == "公告改回 / notice back: 早场福袋" and room.snapshot().state.notice == "早场福袋"
    finally:
        core.end()
