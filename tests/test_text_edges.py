"""Issue #25 (1): one rule for outside text, tried through every door with any Unicode, lone surrogates included.

A 福袋 prize of "\\ud800" from a paired assistant once broke every state frame and cut every assistant off, and
its draw_started event was lost with its quarantine copy. Here it goes through real sockets and the real store."""

from __future__ import annotations

import json
import math

from hypothesis import given, settings, strategies as st
from sqlalchemy import select
from websockets.sync.client import connect

from app.kernel.bus import EventBus
from app.kernel.events import Event, EventType
from app.kernel.moderation import BannedWords, moderate
from app.text import clean_line, cut, graphemes, safe, safe_value
from app.live.feed import MessageError, parse_message
from app.media.sources import wait_until
from app.remote.client import RemoteAssistant
from app.session import SessionCore
from app.store.eventlog import load_events
from app.store.models import QuarantinedEvent
from app.store.writer import StoreWriter
from tests.live.test_remote_assistant import TOKEN, live_console  # noqa: F401 - the fixture
from tests.strategies import EDGES, any_text

BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
SEQUENCES = ["👨\u200d👩\u200d👧", "🇨🇳", "👍🏽", "1\ufe0f\u20e3", "❤\ufe0f", "🏳\ufe0f\u200d🌈",
             "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"]


@settings(max_examples=500, deadline=None)
@given(any_text(300), st.integers(0, 250))
def test_any_text_becomes_one_encodable_line_without_bidi_controls_within_its_visible_length(text, limit):
    line = clean_line(text, limit)
    line.encode("utf-8")  # never raises: no lone surrogate survives
    assert not BIDI & set(line) and "\x00" not in line and "\n" not in line
    assert graphemes(line) <= limit
    assert clean_line(line, limit) == line  # once clean, it stays as it is
    safe(text).encode("utf-8")
    assert not BIDI & set(safe(text))


def test_emoji_sequences_stay_whole_and_count_as_one():
    for sequence in SEQUENCES:
        assert clean_line(f"好看{sequence}！", 20) == f"好看{sequence}！"
        assert graphemes(sequence) == 1
    family = "👨\u200d👩\u200d👧"
    assert cut(family * 3, 2) == family * 2  # a cut never splits a sequence
    assert clean_line(family * 50, 40) == family * 40
    assert cut("杯子" + family, 3, points=4) == "杯子"  # a column's code points: the family does not fit, whole
    assert clean_line("a\ud800b", 10) == "a\ufffdb"  # replaced, so a person sees something was there
    assert clean_line("\u202egnp.exe", 10) == "gnp.exe"
    # a joiner slipped between the letters of a banned word hides nothing
    assert BannedWords(["假货"]).hits("这是假\u200d货吗") == ["假货"]


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | any_text(20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text(8), inner, max_size=4),
                    max_leaves=15))
def test_the_bus_hands_every_subscriber_an_encodable_payload(value):
    bus = EventBus()
    bus.add_transform(moderate(BannedWords(["坏"])))
    seen = []
    bus.subscribe(seen.append)
    payload = {"user_id": "u", "nickname": "n", "text": "t", "value": value}
    bus.publish(Event(EventType.COMMENT, payload))
    bus.publish(Event(EventType.GIFT, {"gift": value if isinstance(value, str) else "g", "more": value}))
    for event in seen:
        json.dumps(event.payload, ensure_ascii=False).encode("utf-8")
    if safe_value(value) is value:  # nothing to change: the bus copies nothing (thousands of events a second)
        assert seen[0].payload["value"] is value


def test_a_prize_of_a_lone_surrogate_cuts_off_no_assistant_and_its_draw_is_stored(live_console):  # noqa: F811
    service, url = live_console
    legit = RemoteAssistant(url, TOKEN, name="小李").connect()
    try:
        with connect(url) as attacker:  # a client that sends the JSON escape as it is allowed to
            attacker.send(json.dumps({"type": "hello", "token": TOKEN, "name": "\ud800\u202e坏"}))
            welcome = json.loads(attacker.recv(5))
            assert welcome["type"] == "welcome" and "\u202e" not in welcome["actor"]
            attacker.send('{"type": "verb", "id": 1, "verb": "start_draw", "args": ["\\ud800\\u202e奖品 🏳️‍🌈", '
                          '"\\udfff口令", 1, 60, "anyone"]}')
            reply = next(r for r in iter(lambda: json.loads(attacker.recv(5)), None)
                         if r.get("type") == "result")
            assert reply["ok"], reply
        draw = service.broadcast.room.state.draw
        assert draw.prize == "\ufffd奖品 🏳\ufe0f\u200d🌈" and draw.keyword == "\ufffd口令"
        # the legitimate assistant still gets state frames with the draw in them, and a new one can pair
        assert wait_until(lambda: (legit.state.get("draw") or {}).get("prize") == draw.prize, 5)
        late = RemoteAssistant(url, TOKEN, name="小王").connect()
        assert late.state["draw"]["keyword"] == "\ufffd口令"
        late.close()
        legit.call("stop_draw")
        session_id = service.broadcast.core.session_id
    finally:
        legit.close()
    service.stop()
    stored = load_events(service.database, session_id)
    started = [e for e in stored if e.type == EventType.DRAW_STARTED]
    assert [e.payload["prize"] for e in started] == ["\ufffd奖品 🏳\ufe0f\u200d🌈"]
    assert any(e.type == EventType.DRAW_WINNERS for e in stored)
    assert service.broadcast.core.writer.stats.quarantined == 0


def test_a_feed_frame_whose_extra_field_holds_a_lone_surrogate_keeps_its_event(catalogue):
    raw = ('{"v": 1, "type": "comment", "data": {"user_id": "u\\ud800", "nickname": "\\u202e昵称\\u0000", '
           '"text": "好看 👨\\u200d👩\\u200d👧", "badge": "\\udc00粉丝团", "\\ud800": 1}}')
    core = SessionCore(catalogue)
    session_id = core.start("代理对 surrogates")
    for event in parse_message(raw):
        core.bus.publish(event)
    core.end()
    assert core.writer.stats.quarantined == 0
    comment = next(e for e in load_events(catalogue, session_id) if e.type == EventType.COMMENT)
    assert comment.payload["user_id"] == "u\ufffd" and comment.payload["nickname"] == "昵称"
    assert comment.payload["text"] == "好看 👨\u200d👩\u200d👧" and comment.payload["badge"] == "\ufffd粉丝团"


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({"v": st.just(1), "type": st.sampled_from(["comment", "gift", "order", "enter"]),
                              "data": st.dictionaries(st.one_of(st.sampled_from(["user_id", "nickname", "text",
                                                                                 "gift", "order_id"]),
                                                                any_text(10)),
                                                      st.one_of(any_text(40), st.integers(-2**70, 2**70),
                                                                st.floats()), max_size=8)}))
def test_no_feed_frame_with_any_text_raises_past_the_edge_or_reaches_the_bus_unencodable(frame):
    try:
        events = parse_message(json.dumps(frame))
    except MessageError:
        return
    for event in events:
        json.dumps(event.payload, ensure_ascii=False, allow_nan=False).encode("utf-8")


def test_the_quarantine_copy_of_a_refused_event_is_stored_whatever_text_it_holds(catalogue):
    """An event handed to the writer directly (past the bus's guard) with NaN and lone surrogates: the database
    refuses the row, and its quarantine copy goes in all the same."""
    core = SessionCore(catalogue)
    session_id = core.start("隔离 quarantine")
    core.end()
    writer = StoreWriter(catalogue, session_id)
    writer(Event(EventType.GIFT, {"gift": "\ud800\x00", "value_cents": math.nan, "\udfff": EDGES}, seq=9_999,
                 wall_time=1.0))
    writer.close(timeout=10)
    assert writer.stats.quarantined == 1
    with catalogue.session() as db:
        aside = db.scalars(select(QuarantinedEvent).where(QuarantinedEvent.session_id == session_id)).all()
    assert [q.seq for q in aside] == [9_999] and "\ufffd" in aside[0].event_text
