"""Issue #25 (1): one rule for outside text, tried through every door with any Unicode, lone surrogates included.

A 福袋 prize of "\\ud800" from a paired assistant once broke every state frame and cut every assistant off, and
its draw_started event was lost with its quarantine copy. Here it goes through real sockets and the real store."""

from __future__ import annotations

import json
import math
import re
import unicodedata

from hypothesis import given, settings, strategies as st
from sqlalchemy import select
from websockets.sync.client import connect

from app.kernel.bus import EventBus
from app.kernel.events import Event, EventType
from app.kernel.moderation import BannedWords, moderate
from app import text as text_rules
from app.text import clean_line, cut, graphemes, outside_json, safe, safe_value
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


def _clean_line_the_long_way(text: str, limit: int) -> str:
    """clean_line with every step taken on every text (what it did before it skipped the steps with nothing to do)."""
    value = re.sub("[\n\r\t\u2028\u2029\u0085\u000b\u000c]+", " ", re.sub("[\ud800-\udfff]", "\ufffd", text))
    value = unicodedata.normalize("NFC", text_rules._INVISIBLE.sub("", value).replace("\x00", ""))
    out, marks = [], 0
    for char in value:
        marks = marks + 1 if unicodedata.combining(char) else 0
        if marks <= text_rules.MAX_COMBINING:
            out.append(char)
    return cut("".join(out).strip(), limit).strip()


@settings(max_examples=1000, deadline=None)
@given(st.one_of(any_text(60), st.lists(st.sampled_from(EDGES + ["\u0301", "\u0308", "e", "好", " ", "\t", "\x85"]),
                                         max_size=12).map("".join)), st.integers(0, 80))
def test_a_line_is_cleaned_as_the_long_way_cleans_it(text, limit):
    assert clean_line(text, limit) == _clean_line_the_long_way(text, limit)


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


ESCAPE_LIKE = st.lists(st.sampled_from(["\\", "\\u", "ud83d", "ude00", "u202e", "u0000", "\ud83d", "\ude00", "\ud800",
                                        "\u202e", "\x00", "x", "好"]), max_size=8).map("".join)
JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | any_text(20) | ESCAPE_LIKE,
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text(8), inner, max_size=4),
                           max_leaves=15)


@settings(max_examples=1000, deadline=None)
@given(JSON_VALUES, st.booleans(), st.booleans(), st.booleans(), st.sampled_from(["utf-8", "utf-16"]))
def test_outside_json_is_the_safe_value_of_any_text_at_any_depth_of_quoting(value, ascii_, nested, as_bytes, codec):
    """However the text is written (escaped or not, a JSON text inside a JSON string as DouyinBarrageGrab sends its
    Data, bytes or str), what comes out is what `safe` makes of every string: the walk is skipped only where it
    would change nothing."""
    raw = json.dumps(value, ensure_ascii=ascii_)
    if nested:
        raw = json.dumps({"Type": 1, "Data": raw}, ensure_ascii=ascii_)
    data = raw.encode(codec, "surrogatepass") if as_bytes else raw
    got = outside_json(data)
    assert got == safe_value(json.loads(data))
    json.dumps(got, ensure_ascii=False).encode("utf-8")  # never raises
    if nested:
        inner = got["Data"]  # the inner text, parsed as the dialect does
        assert outside_json(inner) == safe_value(json.loads(inner))


# pieces of a JSON string's text as a hostile feed may write it: escaped backslashes, halves of surrogate pairs in
# any order, escapes of safe and unsafe characters, the text of an escape
STRING_PIECES = ["\\\\", "\\ud83d", "\\ude00", "\\udbff", "\\uDC00", "\\u202e", "\\u0000", "\\u0041", "\\u4e2d",
                 "u", "d83d", "x", "\\n", "好", "\\/"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(STRING_PIECES), max_size=10), st.lists(st.sampled_from(STRING_PIECES), max_size=4))
def test_any_escapes_a_feed_writes_come_out_as_safe_makes_them(body, key):
    raw = '{"%s": ["%s"]}' % ("".join(key), "".join(body))
    assert outside_json(raw) == safe_value(json.loads(raw))


def test_a_clean_frame_is_not_walked_and_any_unsafe_escape_is(monkeypatch):
    walked = []
    monkeypatch.setattr(text_rules, "safe_value", lambda value: walked.append(value) or value)
    inner = {"Content": "好看 😀 \\u202e as text", "User": {"Nickname": "小王\\\\"}}
    for ascii_ in (True, False):  # non-ASCII as itself, or escaped (an emoji as a surrogate pair's two halves)
        clean = json.dumps({"Type": 1, "Data": json.dumps(inner, ensure_ascii=ascii_)}, ensure_ascii=ascii_)
        for raw in (clean, clean.encode()):
            assert outside_json(raw)["Type"] == 1 and walked == [], raw
    escapes = ["\\ud800", "\\uDFFF", "\\u0000", "\\u202E", "\\u2066", "\\u200f", "\\u061C", "\\ud83d\\\\ude00",
               "\\ud83d", "\\ude00\\ud83d", "\\\\\\ud800", "\\ud83d\\\\\\ude00", "\\ud83d\\udbff"]
    for unsafe in escapes:  # as the JSON text has them (a backslash, then u)
        walked.clear()
        outside_json('{"Content": "a%s"}' % unsafe)
        assert len(walked) == 1, unsafe
    walked.clear()
    outside_json('{"Content": "a\\\\ud800 \\ud83d\\ude00"}')  # a backslash and the text "ud800"; a pair
    assert walked == []


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
