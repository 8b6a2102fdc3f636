"""The event log: batched, complete on a normal stop, consistent after a crash (kill -9)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import func, select

from app.kernel.events import Event, EventType
from app.session import SessionCore
from app.store.eventlog import load_events, session_summary
from app.metrics.live import SessionMetrics
from app.store.db import Database
from app.store.models import EventRecord, LiveSession, SessionStatus


def test_normal_stop_persists_everything_and_replay_matches_live(catalogue):
    core = SessionCore(catalogue, banned_words=["加微信"])
    session_id = core.start("测试场", destinations=["rtmp://push.example.com/live/secret-key-123"])
    core.room.pin_product(1, "assistant:小李")
    for i in range(1234):
        core.bus.publish(Event(EventType.COMMENT, {"user_id": f"u{i % 7}", "nickname": "n", "text": f"评论{i}"}))
    core.bus.publish(Event(EventType.COMMENT, {"user_id": "spam", "nickname": "s", "text": "加微信领红包"}))
    core.bus.publish(Event(EventType.ORDER, {"user_id": "u1", "product_id": 1, "quantity": 1, "amount_cents": 8900}))
    core.end()
    assert core.writer.stats.batches >= 1 and core.writer.stats.failures == 0

    events = load_events(catalogue, session_id)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    # start, 预警 armed, pin, comments, spam, order, end
    assert len(events) == core.bus.last_seq == 1 + 1 + 1 + 1234 + 1 + 1 + 1
    flagged = [e for e in events if e.flagged]
    assert len(flagged) == 1 and flagged[0].payload["text"] == "加微信领红包"  # hidden, but kept in the log
    assert any(e.actor == "assistant:小李" and e.type == EventType.PRODUCT_PINNED for e in events)

    with catalogue.session() as db:
        row = db.get(LiveSession, session_id)
    assert row.status == SessionStatus.ENDED
    assert row.destinations == ["rtmp://push.example.com/live/****"]  # never the key

    replay = SessionMetrics().feed(events).snapshot()
    live = core.metrics.snapshot()
    assert (replay.gmv_cents, replay.orders, replay.comments) == (live.gmv_cents, live.orders, live.comments)
    summary = session_summary(catalogue, session_id)
    assert (summary["gmv_cents"], summary["orders"], summary["events"]) == (8900, 1, len(events))


def test_crash_mid_batch_leaves_an_interrupted_consistent_session_and_a_reader_never_does(store_url):
    url = store_url  # SQLite and PostgreSQL
    Database(url).close()
    child = subprocess.Popen([sys.executable, "-m", "tests.store.crash_child", url], stdout=subprocess.PIPE,
                             text=True, cwd=os.getcwd())
    session_id = int(child.stdout.readline())
    time.sleep(1.5)  # a few batches land, one is in flight
    # a second process (this one: a manager opening the review mid-show) must not touch the live session
    reader = Database(url)
    try:
        assert session_id not in reader.interrupted_on_open
        with reader.session() as db:
            assert db.get(LiveSession, session_id).status == SessionStatus.LIVE
    finally:
        reader.close()
    assert child.poll() is None
    child.send_signal(signal.SIGKILL)
    child.wait(10)

    database = Database(url)
    try:
        assert session_id in database.interrupted_on_open
        with database.session() as db:
            row = db.get(LiveSession, session_id)
            count = db.scalar(select(func.count()).select_from(EventRecord)
                              .where(EventRecord.session_id == session_id))
        assert row.status == SessionStatus.INTERRUPTED and row.ended_at is not None
        events = load_events(database, session_id)
        assert count > 100
        assert [e.seq for e in events] == list(range(1, count + 1))  # a clean prefix: no holes, no half batch
        assert [e.type for e in events[:2]] == [EventType.SESSION_STARTED, EventType.ALERTS_ARMED]
        assert events[-1].payload["text"] == f"评论 {count - 2}"
    finally:
        database.close()


def test_a_duplicate_event_is_skipped_not_retried_forever(catalogue):
    from app.store.writer import StoreWriter

    core = SessionCore(catalogue)
    session_id = core.start("dup")
    core.end()
    writer = StoreWriter(catalogue, session_id)
    fresh = Event(EventType.LIKE, {"user_id": "u"}, seq=core.bus.last_seq + 1, wall_time=1.0)
    clash = Event(EventType.LIKE, {"user_id": "u"}, seq=1, wall_time=1.0)  # seq 1 is session_started
    writer(clash)
    writer(fresh)
    writer.close(timeout=10)
    assert writer.stats.duplicates == 1 and writer.stats.written == 1
    assert [e.seq for e in load_events(catalogue, session_id)][-1] == fresh.seq


def test_one_bad_number_is_set_aside_and_every_other_event_is_written(catalogue):
    """Issue #11: an order of 2^63 cents made the writer retry forever; NaN went in as non-standard JSON."""
    from app.review import load_review
    from app.store.models import QuarantinedEvent

    core = SessionCore(catalogue)
    session_id = core.start("坏数字 bad numbers")
    core.bus.publish(Event(EventType.COMMENT, {"user_id": "u1", "nickname": "n", "text": "之前 before"}))
    huge = core.bus.publish(Event(EventType.ORDER, {"user_id": "u1", "product_id": 1, "quantity": 1,
                                                    "amount_cents": 2**63, "order_id": "o-huge"}))
    nan = core.bus.publish(Event(EventType.GIFT, {"user_id": "u2", "gift": "x", "value_cents": 5,
                                                  "extra": float("nan")}))
    for i in range(50):
        core.bus.publish(Event(EventType.COMMENT, {"user_id": "u3", "nickname": "n", "text": f"之后 {i}"}))
    core.bus.publish(Event(EventType.ORDER, {"user_id": "u4", "product_id": 1, "quantity": 1,
                                             "amount_cents": 8900, "order_id": "o-ok"}))
    core.end()

    assert core.writer.stats.quarantined == 2
    stored = load_events(catalogue, session_id)
    assert len(stored) == core.bus.last_seq - 2  # everything else, in order, session end included
    assert huge.seq not in {e.seq for e in stored} and nan.seq not in {e.seq for e in stored}
    assert stored[-1].type == EventType.SESSION_ENDED and stored[-2].payload["order_id"] == "o-ok"
    with catalogue.session() as db:
        aside = {q.seq: q for q in db.scalars(select(QuarantinedEvent).where(QuarantinedEvent.session_id
                                                                             == session_id))}
        status = db.get(LiveSession, session_id).status
    assert set(aside) == {huge.seq, nan.seq}
    assert str(2**63) in aside[huge.seq].event_text and aside[huge.seq].reason
    assert "NaN" in aside[nan.seq].event_text or "nan" in aside[nan.seq].event_text
    assert status == SessionStatus.ENDED
    review = load_review(catalogue, session_id)  # the review opens the session without the bad events
    assert review.metrics.gmv_cents == 8900


def test_a_database_that_is_down_is_waited_for_not_quarantined(catalogue, monkeypatch):
    """A failure of every row is the database's, not the events': keep them all and retry."""
    from sqlalchemy.exc import OperationalError

    from app.store.writer import StoreWriter

    core = SessionCore(catalogue)
    session_id = core.start("down")
    core.end()
    writer = StoreWriter(catalogue, session_id, interval=0.05)
    real_begin, failures = catalogue.engine.begin, {"left": 6}

    def flaky_begin():
        if failures["left"] > 0:
            failures["left"] -= 1
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real_begin()

    monkeypatch.setattr(catalogue.engine, "begin", flaky_begin)
    for i in range(3):
        writer(Event(EventType.LIKE, {"user_id": "u"}, seq=core.bus.last_seq + 1 + i, wall_time=1.0))
    writer.close(timeout=30)
    assert writer.stats.written == 3 and writer.stats.quarantined == 0 and writer.stats.failures >= 1


def test_a_session_of_another_machine_is_interrupted_only_when_its_heartbeat_stops(catalogue):
    """A shared database (PostgreSQL for a studio): the owner's pid means nothing here, its heartbeat does."""
    from sqlalchemy import update

    from app.store.db import STALE_S

    core = SessionCore(catalogue)
    session_id = core.start("别的机器 other machine")
    core._clock_stop.set()  # no beats from this process: the row below pretends to be another machine's
    core._clock.join(5)
    with catalogue.sessions.begin() as db:
        db.execute(update(LiveSession).where(LiveSession.id == session_id)
                   .values(owner="studio-pc-2:4242:1", heartbeat_at=time.time()))
    assert catalogue.mark_interrupted() == []
    with catalogue.sessions.begin() as db:
        db.execute(update(LiveSession).where(LiveSession.id == session_id)
                   .values(heartbeat_at=time.time() - STALE_S - 1))
    assert catalogue.mark_interrupted() == [session_id]
    core.end()
