"""自动回复 through the room's verbs and the bus: pairs read from a catalogue cell and checked for extreme words,
questions recognised (the pinned product's pairs first, then the room's), one suggestion per topic in the cooldown,
hidden and staff comments never asked, auto-reply from the clock (never over a reply on stream, never a stale
question), the reply and notice verbs with their undo, and the review counting what was asked per window."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from tests.strategies import any_text

from app.commerce import faq as faq_module
from app.commerce.faq import Faq, FaqError, FaqResponder, answer_problem, make_faq, match, parse_cell
from app.commerce.room import ActionRefused, LiveRoom, ProductState
from app.commerce.undo import UndoableVerbs
from app.kernel.bus import EventBus
from app.kernel.events import PLATFORM, Event, EventType as T
from app.metrics.live import SessionMetrics

STAFF = "assistant:小李"
CUP, TEA = 1, 2
FAQS = [make_faq("", "容量/多大/尺寸", "500ml，高约22cm", CUP), make_faq("保温", "保温多久", "12 小时", CUP),
        make_faq("", "保质期", "18 个月", TEA), make_faq("", "发货/快递", "48 小时内发货"),
        make_faq("包邮", "包邮/运费", "全场包邮")]


class Room:
    """A live room on its own bus with the responder, and `.log`: every event seen."""

    def __init__(self, faqs=FAQS, cooldown_s=30.0) -> None:
        self.bus = EventBus()
        self.bus.go_live()
        self.log: list[Event] = []
        self.bus.subscribe(self.log.append)
        self.room = LiveRoom(self.bus, [ProductState(CUP, "CUP", "保温杯", 15900, 8900, 100),
                                        ProductState(TEA, "TEA", "龙井", 29900, 19900, 100)])
        self.faq = FaqResponder(self.bus, faqs, cooldown_s)

    def say(self, user: str, text: str, flagged=False, actor=PLATFORM, at: float | None = None) -> Event:
        return self.bus.publish(Event(T.COMMENT, {"user_id": user, "nickname": f"昵称{user}", "text": text},
                                      actor=actor, flagged=flagged, stream_time=at))

    def asked(self) -> list[dict]:
        return [e.payload for e in self.log if e.type == T.FAQ_ASKED]


# --- pairs ---------------------------------------------------------------------------------------------------------
def test_a_catalogue_cell_becomes_checked_pairs():
    pairs = parse_cell("尺码/码数、多大=均码，155–175 都能穿 | 发货,几天到=48 小时内发货\n颜色 ＝ 三色", 7)
    assert [(p.topic, p.keywords, p.answer, p.product_id) for p in pairs] == [
        ("尺码", ("尺码", "码数", "多大"), "均码，155–175 都能穿", 7), ("发货", ("发货", "几天到"), "48 小时内发货", 7),
        ("颜色", ("颜色",), "三色", 7)]
    assert parse_cell("") == [] and parse_cell(" | \n ") == []
    assert make_faq("", "ABC/abc/ A bc ", "好").keywords == ("abc",)  # folded, spaces and repeats dropped
    assert match("多 大？", [make_faq("", "多 大", "均码")], None).answer == "均码"


@pytest.mark.parametrize("cell, reason", [
    ("尺码 均码", "缺少“="), ("=均码", "至少一个关键词"), ("尺码=", "回复内容为空"),
    ("尺码=全网最低价，绝对正品", "极限词：全网最低、绝对"), ("尺码=" + "好" * 201, "最多 200 字"),
    ("/".join(f"词{i}" for i in range(13)) + "=好", "最多 12 个"), ("a" * 21 + "=好", "每个最多 20 字"),
    (" | ".join(f"词{i}=好" for i in range(51)), "最多 50 条")])
def test_a_pair_that_cannot_be_used_is_refused_with_the_reason(cell, reason):
    with pytest.raises(FaqError) as caught:
        parse_cell(cell)
    assert reason in str(caught.value) and " / " in str(caught.value)  # 中文 / English


def test_a_refusal_said_of_a_place_stays_one_bilingual_message():
    with pytest.raises(FaqError) as caught:
        parse_cell("发货=好 | 尺码=销量第一")
    chinese, _, english = str(caught.value).partition(" / ")
    assert chinese == "第 2 条问答：回复含极限词：销量第一" and english.startswith("FAQ pair 2: the answer has extreme")


@settings(max_examples=300, deadline=None)
@given(any_text(400))
def test_any_cell_is_pairs_or_a_clear_refusal(cell):
    try:
        pairs = parse_cell(cell)
    except FaqError as exc:
        assert " / " in str(exc)
    else:
        for pair in pairs:
            assert pair.keywords and answer_problem(pair.answer) is None and len(pair.topic) <= faq_module.MAX_TOPIC
            (pair.answer + pair.topic + "".join(pair.keywords)).encode()  # raises on a lone surrogate


def test_the_pinned_products_pairs_come_first_then_the_rooms():
    assert match("这个 多大 呀", FAQS, CUP).answer == "500ml，高约22cm"  # spaces do not hide a keyword
    assert match("保质期多久？", FAQS, TEA).topic == "保质期"
    assert match("保质期多久？", FAQS, CUP) is None  # the tea's pair is not the cup's
    assert match("什么时候发货", FAQS, CUP).topic == "发货" and match("什么时候发货", FAQS, None).topic == "发货"
    assert match("多大", FAQS, None) is None  # nothing pinned: only the room's own pairs
    assert match("包邮吗 发货呢", FAQS, None).topic == "发货"  # the first matching pair in order
    assert match("", FAQS, CUP) is None and match("   ", FAQS, CUP) is None


# --- recognising and suggesting ----------------------------------------------------------------------------------
def test_each_question_is_logged_and_a_wave_gives_one_suggestion():
    r = Room()
    r.room.pin_product(CUP, STAFF)
    r.say("a", "多大的？", at=10.0)
    r.say("b", "尺寸多大", at=11.0)  # the same topic again: asked, not suggested again
    r.say("c", "保温多久", at=12.0)  # another topic: suggested
    r.say("d", "发货快吗", at=13.0)  # the room's own pair
    r.say("e", "主播好", at=14.0)  # not a question the FAQ knows
    asked = r.asked()
    assert [(a["topic"], a["suggested"], a["product_id"]) for a in asked] == [
        ("容量", True, CUP), ("容量", False, CUP), ("保温", True, CUP), ("发货", True, CUP)]
    assert asked[0]["answer"] == "500ml，高约22cm" and "answer" not in asked[1]
    comment = next(e for e in r.log if e.type == T.COMMENT and e.payload["user_id"] == "a")
    assert asked[0]["comment_seq"] == comment.seq and asked[0]["nickname"] == "昵称a"
    assert [s.topic for s in r.faq.suggestions()] == ["容量", "保温", "发货"] and r.faq.asked == 4
    r.say("f", "多大", at=40.0)  # the cooldown (30 s) is over: suggested again
    assert r.asked()[-1]["suggested"] is True
    r.say("g", "多大", at=69.9)
    assert r.asked()[-1]["suggested"] is False


def test_the_cooldown_is_per_product_for_its_pairs_and_shared_for_the_rooms():
    r = Room(faqs=FAQS + [make_faq("", "保质期", "3 年", CUP)])
    r.room.pin_product(CUP, STAFF)
    r.say("a", "保质期呢", at=1.0)
    r.say("b", "发货", at=2.0)
    r.room.pin_product(TEA, STAFF)
    r.say("c", "保质期呢", at=3.0)  # the tea's own pair: its own topic, suggested
    r.say("d", "发货", at=4.0)  # the room's pair: the same topic as before, not again
    assert [(a["topic"], a["suggested"], a.get("answer")) for a in r.asked()] == [
        ("保质期", True, "3 年"), ("发货", True, "48 小时内发货"), ("保质期", True, "18 个月"), ("发货", False, None)]


def test_hidden_staff_and_odd_comments_are_never_questions():
    r = Room()
    r.say("a", "发货吗", flagged=True)  # hidden (blocked viewer, banned word)
    r.say("b", "发货吗", actor=STAFF)  # the console's own
    r.bus.publish(Event(T.COMMENT, {"user_id": "c", "text": 12345}))  # not text
    r.bus.publish(Event(T.COMMENT, {"user_id": "d"}))
    assert r.asked() == [] and r.faq.suggestions() == ()
    r.bus.publish(Event(T.COMMENT, {"text": "发货吗"}))  # no user, no nickname: still a question
    assert r.asked()[0]["nickname"] == "观众" and r.asked()[0]["user_id"] == ""


def test_pins_are_followed_in_the_order_of_the_bus():
    r = Room()
    r.room.pin_product(TEA, STAFF)
    r.say("a", "保质期")
    r.room.unpin_product(STAFF)
    r.say("b", "保质期")  # nothing pinned: the tea's pair does not apply
    r.room.pin_product(TEA, STAFF)
    r.bus.publish(Event(T.SESSION_ENDED, {}))
    r.say("c", "保质期")
    assert [a["product_id"] for a in r.asked()] == [TEA]


def test_an_edit_while_live_is_used_from_the_next_comment():
    r = Room()
    r.say("a", "有赠品吗")
    r.faq.set_faqs(FAQS + [make_faq("", "赠品", "送杯刷一个")])
    r.say("b", "有赠品吗")
    assert [a["topic"] for a in r.asked()] == ["赠品"] and r.faq.faqs[-1].answer == "送杯刷一个"


def test_dismissed_suggestions_are_not_answered():
    r = Room(cooldown_s=0.0)
    for user in "abc":
        r.say(user, "发货")
    seqs = [s.comment_seq for s in r.faq.suggestions()]
    r.faq.dismiss(seqs[1])
    assert [s.comment_seq for s in r.faq.suggestions()] == [seqs[0], seqs[2]]


def test_the_waiting_list_keeps_the_newest():
    r = Room(cooldown_s=0.0)
    for i in range(faq_module.SUGGESTIONS_KEPT + 5):
        r.say(f"u{i}", "发货")
    kept = r.faq.suggestions()
    assert len(kept) == faq_module.SUGGESTIONS_KEPT and kept[-1].user_id == f"u{faq_module.SUGGESTIONS_KEPT + 4}"


# --- auto-reply ------------------------------------------------------------------------------------------------------
def test_auto_reply_answers_the_oldest_question_once_no_reply_is_shown():
    r = Room(cooldown_s=0.0)
    r.say("a", "发货吗")
    r.say("b", "包邮吗")
    now = r.bus.stream_time
    assert r.faq.step(r.room, now(), "assistant:自动回复") is None  # auto is off: nothing
    r.faq.auto = True
    assert r.faq.step(r.room, None, "assistant:自动回复") is None  # not live
    first = r.faq.step(r.room, now(), "assistant:自动回复")
    assert first.type == T.COMMENT_REPLIED and first.actor == "assistant:自动回复"
    assert (first.payload["nickname"], first.payload["question"], first.payload["answer"]) == (
        "昵称a", "发货吗", "48 小时内发货")
    reply = r.room.state.reply
    assert reply.answer == "48 小时内发货" and reply.until == pytest.approx(r.bus.stream_time() +
                                                                       faq_module.REPLY_SHOWN_S, abs=1)
    assert r.faq.step(r.room, now(), "assistant:自动回复") is None  # a reply is on stream: wait
    second = r.faq.step(r.room, reply.until + 0.1, "assistant:自动回复")
    assert second.payload["answer"] == "全场包邮" and r.faq.replied == 2 and r.faq.suggestions() == ()


def test_auto_reply_drops_stale_questions_and_survives_a_refusal(monkeypatch):
    r = Room(cooldown_s=0.0)
    r.faq.auto = True
    r.say("a", "发货吗", at=1.0)
    r.say("b", "包邮吗", at=2.0)
    assert r.faq.step(r.room, 2.5 + faq_module.STALE_S, "x") is None and r.faq.suggestions() == ()
    r.say("c", "发货吗", at=200.0)
    monkeypatch.setattr(faq_module, "answer_problem", lambda *a, **k: "不行 / no")  # the verb refuses now
    assert r.faq.step(r.room, 201.0, "x") is None and r.faq.replied == 0 and r.faq.suggestions() == ()


# --- the verbs -------------------------------------------------------------------------------------------------------
def test_a_reply_goes_on_stream_checked_and_is_undone():
    r = Room()
    verbs = UndoableVerbs(r.room, STAFF)
    with pytest.raises(ActionRefused, match="极限词"):
        verbs.do("reply_comment", 5, "小鹿", "好用吗", "全网最好用的杯子")
    with pytest.raises(ActionRefused, match="为空"):
        verbs.do("reply_comment", 5, "小鹿", "好用吗", "   ")
    with pytest.raises(ActionRefused, match="评论编号"):
        verbs.do("reply_comment", -1, "小鹿", "好用吗", "好用")
    with pytest.raises(ActionRefused, match="显示时长"):
        r.room.reply_comment(5, "小鹿", "好用吗", "好用", STAFF, shown_s=0)
    event = verbs.do("reply_comment", 5, "小\u202e鹿" + "长" * 50, 123, "好用\n，保温 12 小时")
    p = event.payload
    assert p["nickname"] == "小鹿" + "长" * 38 and p["question"] == "" and p["answer"] == "好用 ，保温 12 小时"
    assert r.room.state.reply.comment_seq == 5 and verbs.next_undo().startswith("撤下刚上屏的回复")
    verbs.undo()
    assert r.room.state.reply is None and r.log[-1].type == T.REPLY_CLEARED
    with pytest.raises(ActionRefused, match="没有显示中的回复"):
        r.room.clear_reply(STAFF)
    r.room.reply_comment(6, "", "?", "好", STAFF, shown_s=0.001)
    assert r.room.state.reply.nickname == "观众"
    import time

    time.sleep(0.01)
    with pytest.raises(ActionRefused, match="没有显示中的回复"):  # its time is up: nothing to take off
        r.room.clear_reply(STAFF)


def test_a_notice_is_pinned_checked_replaced_and_undone():
    r = Room()
    verbs = UndoableVerbs(r.room, STAFF)
    for bad, reason in (("", "为空"), ("好" * 61, "最多 60 字"), ("史上最低价", "极限词"), (None, "为空")):
        with pytest.raises(ActionRefused, match=reason):
            verbs.do("pin_notice", bad)
    with pytest.raises(ActionRefused, match="没有置顶的公告"):
        verbs.do("unpin_notice")
    verbs.do("pin_notice", "20:00 福袋")
    verbs.do("pin_notice", " 21:00\t秒杀 ")
    assert r.room.state.notice == "21:00 秒杀" and r.room.snapshot().state.notice == "21:00 秒杀"
    assert verbs.undo() == "公告改回 / notice back: 20:00 福袋" and r.room.state.notice == "20:00 福袋"
    assert verbs.undo() == "撤下公告 / notice taken off the stream" and r.room.state.notice is None
    assert [e.type for e in r.log[-4:]] == [T.NOTICE_PINNED, T.NOTICE_PINNED, T.NOTICE_PINNED, T.NOTICE_UNPINNED]


# --- the review --------------------------------------------------------------------------------------------------
def test_the_review_counts_what_was_asked_per_product_window():
    r = Room(cooldown_s=0.0)
    r.room.pin_product(CUP, STAFF)
    for user, text in (("a", "多大"), ("b", "尺寸"), ("c", "发货吗"), ("d", "保温多久")):
        r.say(user, text)
    r.room.pin_product(TEA, STAFF)
    r.say("e", "保质期")
    r.room.pin_product(CUP, STAFF)
    r.say("f", "多大")
    r.room.unpin_product(STAFF)
    r.say("g", "包邮吗")  # outside any window: in the show's total only
    snapshot = SessionMetrics().feed(r.log).snapshot()
    rows = {p.product_id: p.questions for p in snapshot.products}
    assert rows == {CUP: (("容量", 3), ("保温", 1), ("发货", 1)), TEA: (("保质期", 1),)}
    assert snapshot.questions == (("容量", 3), ("保温", 1), ("保质期", 1), ("包邮", 1), ("发货", 1))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["pin1", "pin2", "unpin", "ask"]),
                          st.sampled_from(["多大", "发货", "保质期", "包邮吗", "你好", "保温多久"])), max_size=40))
def test_questions_in_the_windows_never_exceed_the_shows(steps):
    r = Room(cooldown_s=5.0)
    for step, text in steps:
        try:
            if step == "pin1":
                r.room.pin_product(CUP, STAFF)
            elif step == "pin2":
                r.room.pin_product(TEA, STAFF)
            elif step == "unpin":
                r.room.unpin_product(STAFF)
            else:
                r.say("u", text)
        except ActionRefused:
            pass
    snapshot = SessionMetrics().feed(r.log).snapshot()
    total = dict(snapshot.questions)
    assert sum(total.values()) == len(r.asked()) == r.faq.asked
    for product in snapshot.products:
        for topic, n in product.questions:
            assert n <= total[topic]
    assert all(isinstance(f, Faq) for f in r.faq.faqs)


# --- edges (what mutation testing found untested) -----------------------------------------------------------------
def test_the_limits_are_inclusive_and_the_first_equals_sign_splits():
    twelve = "/".join(f"词{i:02d}" for i in range(12))
    assert len(make_faq("", twelve, "好").keywords) == 12
    assert make_faq("", "字" * 20, "好").keywords == ("字" * 20,)
    assert make_faq("", "a", "答" * 200).answer == "答" * 200
    assert len(parse_cell(" | ".join(f"词{i}=好" for i in range(50)))) == 50
    assert make_faq("材质说明", "材质", "纯棉").topic == "材质说明"
    assert make_faq("话" * 30, "材质", "纯棉").topic == "话" * 20
    assert [(f.keywords, f.answer) for f in parse_cell("尺码=均码=155–175\r\n发货=明天\r颜色＝黑=白")] == [
        (("尺码",), "均码=155–175"), (("发货",), "明天"), (("颜色",), "黑=白")]
    assert answer_problem("好" * 60, 60, ("公告", "the notice")) is None
    assert answer_problem("好" * 61, 60, ("公告", "the notice")) == "公告最多 60 字 / the notice is at most 60 characters"
    assert str(FaqError("甲 / a / b").within("第 1 行", "row 1")) == "第 1 行：甲 / row 1: a / b"
    with pytest.raises(FaqError, match="缺少“=”：a/b / .*: a/b$"):
        parse_cell("a / b")


def test_what_the_question_event_says_and_who_says_it():
    r = Room(cooldown_s=0.0)
    r.room.pin_product(CUP, STAFF)
    r.say("a", "多大")
    r.room.unpin_product(STAFF)
    r.say("b", "发货吗")
    events = [e for e in r.log if e.type == T.FAQ_ASKED]
    assert {e.actor for e in events} == {"system"}  # the console recognised them; the words are the viewers'
    assert [(e.payload["question"], e.payload["product_id"]) for e in events] == [("多大", CUP), ("发货吗", None)]
    assert [s.product_id for s in r.faq.suggestions()] == [CUP, None]


def test_auto_reply_at_the_edges_of_shown_and_stale():
    r = Room(cooldown_s=0.0)
    r.faq.auto = True
    r.say("a", "发货吗", at=100.0)
    r.say("b", "包邮吗", at=100.5)
    first = r.faq.step(r.room, 101.0, "x")  # a question a second old at stream time 101 is answered
    assert first is not None and first.payload["nickname"] == "昵称a"
    until = r.room.state.reply.until
    assert r.faq.step(r.room, until - 0.001, "x") is None  # still on stream
    r.room.state.reply.until = 100.5 + faq_module.STALE_S  # the card's end, at the stale edge of the next question
    second = r.faq.step(r.room, 100.5 + faq_module.STALE_S, "x")  # ended just now; exactly STALE_S old: answered
    assert second is not None and second.payload["nickname"] == "昵称b"


def test_dismissing_keeps_the_waiting_list_bounded():
    r = Room(cooldown_s=0.0)
    r.say("a", "发货")
    r.faq.dismiss(r.faq.suggestions()[0].comment_seq)
    for i in range(faq_module.SUGGESTIONS_KEPT + 5):
        r.say(f"u{i}", "发货")
    assert len(r.faq.suggestions()) == faq_module.SUGGESTIONS_KEPT
