"""The one event path: order, nested events, failing subscribers, moderation before anyone sees a comment."""

from __future__ import annotations

from app.kernel.bus import EventBus
from app.kernel.events import Event, EventType
from app.kernel.moderation import BannedWords, clean_text, moderate


def test_every_subscriber_sees_every_event_in_seq_order_even_nested():
    bus = EventBus()
    seen_a, seen_b = [], []

    def a(event):
        seen_a.append((event.seq, event.type))
        if event.type == EventType.COUPON_CLAIMED:
            bus.publish(Event(EventType.COUPON_ENDED, {"coupon_id": 1, "reason": "sold out"}))

    bus.subscribe(a)
    bus.subscribe(lambda e: seen_b.append((e.seq, e.type)))
    bus.publish(Event(EventType.COUPON_CLAIMED, {"coupon_id": 1}))
    bus.publish(Event(EventType.LIKE, {}))
    expected = [(1, EventType.COUPON_CLAIMED), (2, EventType.COUPON_ENDED), (3, EventType.LIKE)]
    assert seen_a == expected and seen_b == expected


def test_a_failing_subscriber_does_not_stop_the_others():
    bus = EventBus()
    got = []
    bus.subscribe(lambda e: 1 / 0)
    bus.subscribe(got.append)
    bus.publish(Event(EventType.LIKE, {}))
    assert len(got) == 1 and bus.subscriber_errors == 1


def test_stream_time_counts_from_go_live():
    bus = EventBus()
    assert bus.publish(Event(EventType.LIKE, {})).stream_time is None
    bus.go_live()
    stamped = bus.publish(Event(EventType.LIKE, {}))
    assert 0 <= stamped.stream_time < 1 and stamped.wall_time > 0


def test_the_clock_never_runs_behind_a_stamp_when_the_recording_starts_later():
    """The session goes live, then the pipeline's clock starts and anchors stream time again (later): a caller
    reading stream_time() after an event must never get an earlier time than the event's (CI found 0.055 > 0.017)."""
    import time

    bus = EventBus()
    bus.go_live(time.monotonic() - 5.0)  # the session's provisional origin, 5 s back
    early = bus.publish(Event(EventType.LIKE, {}))
    assert early.stream_time >= 5.0
    bus.go_live()  # the recording's first frame: now
    assert bus.stream_time() >= early.stream_time
    later = bus.publish(Event(EventType.LIKE, {}))
    assert later.stream_time > early.stream_time and bus.stream_time() >= later.stream_time


def test_comments_cleaned_and_banned_words_flagged_but_kept():
    bus = EventBus()
    banned = BannedWords(["加微信", "SCAM"])
    bus.add_transform(moderate(banned))
    log = []
    bus.subscribe(log.append)
    bus.publish(Event(EventType.COMMENT, {"user_id": "u1", "nickname": "a\u202eb", "text": "hi\x00\x07 <img src=x>\n"}))
    bus.publish(Event(EventType.COMMENT, {"user_id": "u2", "nickname": "b", "text": "便宜货 加微信 123"}))
    bus.publish(Event(EventType.COMMENT, {"user_id": "u3", "nickname": "c", "text": "this is a scam"}))
    assert log[0].payload["text"] == "hi <img src=x>" and not log[0].flagged
    assert log[0].payload["nickname"] == "ab"
    assert log[1].flagged and log[1].payload["banned_words"] == ["加微信"]
    assert log[2].flagged  # case-insensitive
    banned.set_words([])
    assert not bus.publish(Event(EventType.COMMENT, {"text": "加微信"})).flagged


def test_clean_text_caps_length():
    assert len(clean_text("好" * 1000)) == 200
    assert clean_text(None) == ""


def test_stream_time_stops_with_the_session_and_numbering_can_resume():
    bus = EventBus()
    bus.go_live()
    bus.stop_live()
    assert bus.stream_time() is None and bus.publish(Event(EventType.LIKE, {})).stream_time is None
    bus.resume_seq(41)
    assert bus.publish(Event(EventType.LIKE, {})).seq == 42
    bus.resume_seq(5)  # never backwards
    assert bus.publish(Event(EventType.LIKE, {})).seq == 43


def test_publishers_on_many_threads_each_get_their_own_event_back_in_one_order():
    """The dispatcher hands each waiting publisher its own stamped event; every subscriber sees one order."""
    import threading

    bus = EventBus()
    seen, returned = [], {}
    bus.subscribe(lambda e: seen.append(e.seq))

    def publish(name: str) -> None:
        for i in range(300):
            stamped = bus.publish(Event(EventType.LIKE, {"who": name, "i": i}))
            returned[(name, i)] = stamped

    threads = [threading.Thread(target=publish, args=(f"t{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert seen == list(range(1, 1201))  # one order, no gaps, none twice
    assert all(e.payload == {"who": n, "i": i} and e.seq > 0 for (n, i), e in returned.items())
    assert len({e.seq for e in returned.values()}) == 1200


def test_a_broken_transform_never_loses_the_event():
    bus = EventBus()
    got = []
    bus.add_transform(lambda e: 1 / 0)
    bus.subscribe(got.append)
    assert bus.publish(Event(EventType.LIKE, {"n": 1})).seq == 1
    assert got[0].payload == {"n": 1} and bus.subscriber_errors == 1
