"""福袋 lucky draw through the room's verbs and the bus: one entry per viewer, hidden and staff comments never
enter, the rules (followers, entered before), the seed committed before and revealed after, and the winners
recomputed from the log alone — also from the stored log, and for any sequence of comments (hypothesis)."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings, strategies as st

from app.commerce.draw import commitment, pick_winners, recompute
from app.commerce.room import ActionRefused, LiveRoom, ProductState
from app.kernel.bus import EventBus
from app.kernel.events import PLATFORM, SYSTEM, Event, EventType as T

STAFF = "assistant:小李"


def make_room() -> LiveRoom:
    """A live room on its own bus, with `.log`: every event it saw."""
    bus = EventBus()
    bus.go_live()
    log: list[Event] = []
    bus.subscribe(log.append)
    live_room = LiveRoom(bus, [ProductState(1, "CUP", "保温杯", 15900, 8900, 100)])
    live_room.log = log
    return live_room


@pytest.fixture
def room():
    return make_room()


def say(room, user, text, flagged=False, actor=PLATFORM, nickname=None):
    room.bus.publish(Event(T.COMMENT, {"user_id": user, "nickname": nickname or f"昵称{user}", "text": text},
                           actor=actor, flagged=flagged))


def winners_event(room):
    return next(e for e in room.log if e.type == T.DRAW_WINNERS)


def test_a_draw_from_keyword_to_winners(room):
    started = room.start_draw("保温杯一个", "福袋来了", 2, 60, "anyone", STAFF)
    assert started.payload["commitment"] and "seed" not in started.payload
    seed_hidden = room._draw_seed.hex()
    assert seed_hidden not in repr(room.snapshot()) and seed_hidden not in repr(started.payload)
    for user in ("a", "b", "a", "c"):
        say(room, user, "福袋来了！！")  # a twice: one entry
    say(room, "d", "我要福袋来了", flagged=True)  # hidden (blocked or a banned word): never enters
    say(room, "e", "福袋来了", actor=STAFF)  # the console's own: never enters
    say(room, "f", "什么时候开奖")  # no keyword
    assert room.state.draw.entrants == 3 and room.state.draw.open
    with pytest.raises(ActionRefused, match="already open"):
        room.start_draw("再来一个", "口令", 1, 60, "anyone", STAFF)
    ended = room.stop_draw(STAFF)
    assert commitment(bytes.fromhex(ended.payload["seed"])) == started.payload["commitment"]
    named = winners_event(room).payload
    assert named["entrants"] == 3 and len(named["winners"]) == 2
    assert {w["user_id"] for w in named["winners"]} <= {"a", "b", "c"}
    assert room.state.draw.winners == [w["nickname"] for w in named["winners"]] and not room.state.draw.open
    check = recompute(room.log, started.payload["draw_id"])
    assert check.fair and check.entrants == 3 and check.winners == [w["user_id"] for w in named["winners"]]
    say(room, "g", "福袋来了")  # after the close: no entry
    assert room.state.draw.entrants == 3


def test_a_tampered_log_is_caught(room):
    started = room.start_draw("奖品", "口令", 1, 60, "anyone", STAFF)
    for user in "abcdef":
        say(room, user, "口令")
    room.stop_draw(STAFF)
    draw_id = started.payload["draw_id"]
    named = winners_event(room)
    others = [u for u in "abcdef" if u != named.payload["winners"][0]["user_id"]]
    forged = [Event(e.type, {**e.payload, "winners": [{"user_id": others[0], "nickname": "x"}]}, e.actor)
              if e is named else e for e in room.log]
    assert not recompute(forged, draw_id).winners_match
    ended = next(e for e in room.log if e.type == T.DRAW_ENDED)
    reseeded = [Event(e.type, {**e.payload, "seed": "00" * 32}, e.actor) if e is ended else e for e in room.log]
    assert not recompute(reseeded, draw_id).seed_matches
    with pytest.raises(KeyError):
        recompute(room.log, draw_id + 1)


def test_followers_only_and_entered_before(room):
    room.bus.publish(Event(T.FOLLOW, {"user_id": "fan"}))
    room.bus.publish(Event(T.ENTER, {"user_id": "early"}))
    started = room.start_draw("奖品", "冲", 5, 60, "followers", STAFF)
    for user in ("fan", "early", "late"):
        say(room, user, "冲")
    room.bus.publish(Event(T.FOLLOW, {"user_id": "late"}))
    say(room, "late", "冲")  # followed during the draw, then commented: a follower now
    room.stop_draw(STAFF)
    assert {w["user_id"] for w in winners_event(room).payload["winners"]} == {"fan", "late"}
    assert recompute(room.log, started.payload["draw_id"]).fair
    second = room.start_draw("奖品", "冲", 5, 60, "entered_before", STAFF)
    room.bus.publish(Event(T.ENTER, {"user_id": "newcomer"}))
    for user in ("early", "newcomer", "fan"):
        say(room, user, "冲")
    room.stop_draw(STAFF)
    last = [e for e in room.log if e.type == T.DRAW_WINNERS][-1]
    assert {w["user_id"] for w in last.payload["winners"]} == {"early"}  # fan followed but never entered
    assert recompute(room.log, second.payload["draw_id"]).fair


def test_the_room_clock_closes_it_and_an_empty_draw_has_no_winner(room):
    room.start_draw("奖品", "口令", 3, 1, "anyone", STAFF)
    room.bus.go_live(time.monotonic() - 5)  # five seconds later
    ended = room.tick()
    assert [e.type for e in ended] == [T.DRAW_ENDED] and ended[0].payload["reason"] == "time"
    assert winners_event(room).payload == {"draw_id": 1, "entrants": 0, "winners": []}
    assert room.tick() == []


@pytest.mark.parametrize("prize, keyword, winners, seconds, who, reason", [
    ("", "口令", 1, 60, "anyone", "prize and a keyword"), ("奖", " \n", 1, 60, "anyone", "prize and a keyword"),
    ("奖", "口令", 0, 60, "anyone", "winners"), ("奖", "口令", 1001, 60, "anyone", "1..1000"),
    ("奖", "口令", 1, float("nan"), "anyone", "duration"), ("奖", "口令", 1, 60, "vip", "who must be")])
def test_a_bad_draw_is_refused(room, prize, keyword, winners, seconds, who, reason):
    with pytest.raises(ActionRefused, match=reason):
        room.start_draw(prize, keyword, winners, seconds, who, STAFF)
    with pytest.raises(ActionRefused, match="no draw is open"):
        room.stop_draw(STAFF)


def test_winners_are_recomputed_for_any_comments():
    @settings(max_examples=100, deadline=None)
    @given(st.lists(st.tuples(st.sampled_from("abcdefgh"), st.booleans(), st.booleans(), st.booleans()),
                    max_size=60), st.integers(1, 5))
    def run(comments, count):
        room = make_room()
        started = room.start_draw("奖", "抽我", count, 60, "anyone", STAFF)
        eligible = set()
        for user, keyword, hidden, staff in comments:
            say(room, user, "抽我" if keyword else "路过", flagged=hidden, actor=STAFF if staff else PLATFORM)
            if keyword and not hidden and not staff:
                eligible.add(user)
        room.stop_draw(STAFF)
        named = [w["user_id"] for w in winners_event(room).payload["winners"]]
        assert len(named) == len(set(named)) == min(count, len(eligible)) and set(named) <= eligible
        check = recompute(room.log, started.payload["draw_id"])
        assert check.fair and check.entrants == len(eligible)

    run()


def test_who_may_enter_over_many_draws_is_what_the_log_says():
    """Followers and "entered before" across several draws, with viewers entering and following before, during and
    between them: the room's entrants (kept as one entry a viewer, stamped with the draws begun when they first
    entered) are those the log's own sets give (`recompute`), draw after draw."""
    step = st.one_of(st.tuples(st.sampled_from(["enter", "follow", "say"]), st.sampled_from("abcdef")),
                     st.tuples(st.just("draw"), st.sampled_from(["anyone", "followers", "entered_before"])))

    @settings(max_examples=150, deadline=None)
    @given(st.lists(step, max_size=50))
    def run(steps):
        room, draws = make_room(), []
        for kind, what in steps + [("draw", "anyone")]:
            if kind == "draw":
                if room.state.draw is not None and room.state.draw.open:
                    room.stop_draw(STAFF)
                draws.append(room.start_draw("奖", "冲", 3, 60, what, STAFF).payload["draw_id"])
            elif kind == "say":
                say(room, what, "冲")
            else:
                room.bus.publish(Event(T.ENTER if kind == "enter" else T.FOLLOW, {"user_id": what}))
        room.stop_draw(STAFF)
        named = {e.payload["draw_id"]: e.payload for e in room.log if e.type == T.DRAW_WINNERS}
        for draw_id in draws:
            check = recompute(room.log, draw_id)
            assert check.fair and check.entrants == named[draw_id]["entrants"]

    run()


def test_entered_before_counts_a_viewers_first_entry_across_draws(room):
    """Who entered before a draw, by their first entry: one who came back during the draw is still early; one who
    came during a draw is early for the next; one who only follows, or did nothing, is neither — and the room
    raises nothing on any of them (the bus would swallow it: subscriber_errors)."""
    enter = lambda user: room.bus.publish(Event(T.ENTER, {"user_id": user}))  # noqa: E731
    follow = lambda user: room.bus.publish(Event(T.FOLLOW, {"user_id": user}))  # noqa: E731

    def entrants(who, before=(), during=(), saying=()):
        for user in before:
            enter(user)
        draw_id = room.start_draw("奖", "冲", 10, 60, who, STAFF).payload["draw_id"]
        for user in during:
            enter(user)
        for user in saying:
            say(room, user, "冲")
        room.stop_draw(STAFF)
        named = next(e for e in room.log if e.type == T.DRAW_WINNERS and e.payload["draw_id"] == draw_id)
        assert recompute(room.log, draw_id).fair
        return {w["user_id"] for w in named.payload["winners"]}

    follow("fan")
    assert entrants("entered_before", before=["early"], during=["early", "mid"],
                    saying=["early", "mid", "fan", "nobody"]) == {"early"}
    assert entrants("entered_before", saying=["early", "mid", "fan", "nobody"]) == {"early", "mid"}
    assert entrants("followers", saying=["early", "mid", "fan", "nobody"]) == {"fan"}
    follow("early")
    assert entrants("followers", during=["late"], saying=["early", "late", "fan"]) == {"early", "fan"}
    assert entrants("entered_before", saying=["early", "late", "fan"]) == {"early", "late"}
    assert room.bus.subscriber_errors == 0


def test_pick_winners_is_the_documented_rule():
    import hashlib

    seed = bytes(range(32))
    pool = sorted(["b", "a", "c", "d"])
    first = int.from_bytes(hashlib.sha256(seed + b"winner" + (0).to_bytes(4, "big")).digest(), "big") % 4
    assert pick_winners(["d", "c", "b", "a", "a"], seed, 1) == [pool[first]]
    assert sorted(pick_winners("abcd", seed, 10)) == pool  # more winners than entrants: everyone


def test_a_draw_in_a_stored_session_is_recomputed_from_the_database_and_reviewed(tmp_path):
    """Through the session core: the draw's events are stored; the stored log alone recomputes the winners; the
    review's timeline names the draw and its winners."""
    from app.review import load_review
    from app.session import SessionCore
    from app.store.db import Database
    from app.store.eventlog import load_events

    database = Database(f"sqlite:///{tmp_path / 'draw.db'}")
    core = SessionCore(database)
    session_id = core.start("福袋场", kind="rehearsal")
    started = core.room.start_draw("保温杯一个", "福袋来了", 2, 60, "anyone", STAFF)
    for user in ("u1", "u2", "u3", "u1"):
        core.bus.publish(Event(T.COMMENT, {"user_id": user, "nickname": f"观众{user}", "text": "福袋来了"}))
    core.banned.block("u4")
    core.bus.publish(Event(T.COMMENT, {"user_id": "u4", "nickname": "拉黑", "text": "福袋来了"}))  # hidden: blocked
    core.room.stop_draw(STAFF)
    core.end()
    check = recompute(load_events(database, session_id), started.payload["draw_id"])
    assert check.fair and check.entrants == 3 and "u4" not in check.winners
    labels = [m.label for m in load_review(database, session_id).markers]
    assert any(label.startswith("福袋 保温杯一个（口令“福袋来了”，2 人）") for label in labels)
    assert any(label.startswith("开奖 3 人参与：观众") for label in labels)
    database.close()


def test_an_assistant_runs_a_draw_over_the_lan_door():
    """The LAN verbs carry text where a draw needs it; a wrong type is refused with the signature."""
    from app.remote.guard import TokenBucket
    from app.remote.server import AssistantServer, _Client

    bus = EventBus()
    bus.go_live()
    room = LiveRoom(bus, [ProductState(1, "CUP", "保温杯", 15900, 8900, 100)])
    server = AssistantServer(lambda: room, bus.stream_time, token="t")
    client = _Client("assistant:远程", "127.0.0.1", bucket=TokenBucket(rate=1e9, burst=1e9, tokens=1e9))

    def call(verb, *args):
        import json

        return server._handle(client, json.dumps({"type": "verb", "id": 1, "verb": verb, "args": list(args)}))

    assert call("start_draw", "保温杯", "冲", 2, 60, "anyone")["ok"]
    refused = call("start_draw", 1, 2, 3, 4, 5)
    assert not refused["ok"] and "text" in refused["reason"]
    assert not call("start_draw", "x" * 201, "冲", 1, 60, "anyone")["ok"]
    bus.publish(Event(T.COMMENT, {"user_id": "u1", "nickname": "小鹿", "text": "冲冲冲"}))
    from app.remote.server import room_state

    assert room_state(room, 1.0)["draw"]["entrants"] == 1
    assert call("stop_draw")["ok"] and room.state.draw.winners == ["小鹿"]


def test_the_rule_in_full_and_the_edges_of_entry():
    import hashlib

    from app.commerce.draw import enters, new_seed

    seed = bytes(range(32))
    pool = sorted(f"user{i:03d}" for i in range(50))
    left, expected = list(pool), []
    for i in range(5):  # the module's text, written out again
        index = int.from_bytes(hashlib.sha256(seed + b"winner" + i.to_bytes(4, "big")).digest(), "big") % len(left)
        expected.append(left.pop(index))
    assert pick_winners(reversed(pool), seed, 5) == expected
    assert len(new_seed()) == 32 and new_seed() != new_seed()
    comment = lambda **p: Event(T.COMMENT, {"text": "口令", **p})  # noqa: E731
    assert enters(comment(user_id="u"), "口令", "anyone", set(), set()) == "u"
    assert enters(comment(user_id=5), "口令", "anyone", set(), set()) is None  # not a platform user id
    assert enters(comment(user_id=""), "口令", "anyone", set(), set()) is None
    assert enters(Event(T.COMMENT, {"user_id": "u"}), "口令", "anyone", set(), set()) is None  # no text


def test_a_draw_without_its_winners_in_the_log_is_not_checked(room):
    started = room.start_draw("奖", "口令", 1, 60, "anyone", STAFF)
    room.stop_draw(STAFF)
    cut = [e for e in room.log if e.type != T.DRAW_WINNERS]
    with pytest.raises(KeyError):
        recompute(cut, started.payload["draw_id"])
    assert recompute(room.log, started.payload["draw_id"]).draw_id == started.payload["draw_id"]


def test_the_draw_on_stream_follows_the_log_and_a_stray_or_repeated_end_changes_nothing(room):
    """What the overlay shows of a draw is what its events say; an end or winners for no draw, another draw or a
    draw already closed (a log's tail replayed, a stray) changes nothing and raises nothing."""
    for kind in (T.DRAW_ENDED, T.DRAW_WINNERS):  # before any draw
        room.bus.publish(Event(kind, {"draw_id": 1, "seed": "00" * 32, "winners": []}, actor=SYSTEM))
    del room.log[:]
    started = room.start_draw("保温杯", "口令", 1, 60, "anyone", STAFF)
    draw = room.state.draw
    assert (draw.prize, draw.commitment, draw.drawn) == ("保温杯", started.payload["commitment"], False)
    say(room, "a", "口令")
    ended = room.stop_draw(STAFF)
    (named,) = [e for e in room.log if e.type == T.DRAW_WINNERS and e.payload["draw_id"] == 1]
    assert named.actor == SYSTEM and draw.drawn and draw.winners == ["昵称a"]
    room.bus.publish(Event(T.DRAW_ENDED, dict(ended.payload), actor=SYSTEM))  # the same end again
    room.bus.publish(Event(T.DRAW_WINNERS, {"draw_id": 2, "winners": [{"user_id": "x", "nickname": "x"}]},
                           actor=SYSTEM))  # another draw's
    assert len([e for e in room.log if e.type == T.DRAW_WINNERS and e.payload["draw_id"] == 1]) == 1
    assert draw.winners == ["昵称a"] and not draw.open
    assert room.bus.subscriber_errors == 0


def test_a_comment_without_text_never_enters_whatever_the_keyword():
    from app.commerce.draw import enters

    for keyword in ("None", "X", "口令"):
        assert enters(Event(T.COMMENT, {"user_id": "u"}), keyword, "anyone", set(), set()) is None


def test_a_log_that_lost_its_draw_end_is_not_checked(room):
    started = room.start_draw("奖", "口令", 1, 60, "anyone", STAFF)
    room.stop_draw(STAFF)
    with pytest.raises(KeyError, match="did not start, end and name its winners"):
        recompute([e for e in room.log if e.type != T.DRAW_ENDED], started.payload["draw_id"])
