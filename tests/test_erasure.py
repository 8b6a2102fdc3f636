"""A viewer's data erased on request: no stored trace of the account's id or nickname is left in the studio's ended
shows (events, quarantined events, kept accounts, kept reviews), every count across shows stays what it was, the
福袋 draws of the touched shows were checked just before and that is recorded (without the id), a show still live is
not touched, other studios and other platforms are not touched — on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import delete, select, text

from app.commerce.room import LiveRoom, ProductState
from app.erasure import ERASED_NAME, TOKEN_PREFIX, erase_viewer, erasures, find_viewers, scrub
from app.insights import load_insights
from app.kernel.bus import EventBus
from app.kernel.events import PLATFORM, Event, EventType as T
from app.review import load_review
from app.store.db import Database
from app.store.models import EventRecord, LiveSession, QuarantinedEvent
from app.store.writer import event_row

ZONE = dt.timezone(dt.timedelta(hours=8))
BASE = 1_700_000_000.0
DAY = 86400.0
STAFF = "assistant:小李"
WHO, NAME = "9981726354", "小红薯爱买"  # the viewer who asks


def _show(database: Database, day: int, platform: str, viewers: list[tuple[str, str]], status: str = "ended",
          draw: bool = True) -> int:
    """A show whose viewers enter, comment, like, follow and order, with a 福袋 they enter by its keyword."""
    bus = EventBus()
    bus.go_live()
    log: list[Event] = []
    bus.subscribe(log.append)
    room = LiveRoom(bus, [ProductState(1, "CUP", "保温杯", 15900, 8900, 100)])
    for user, name in viewers:
        bus.publish(Event(T.ENTER, {"user_id": user, "nickname": name}))
    if draw:
        room.start_draw("保温杯一个", "福袋来了", 2, 60, "anyone", STAFF)
    for n, (user, name) in enumerate(viewers):
        bus.publish(Event(T.COMMENT, {"user_id": user, "nickname": name, "text": "福袋来了"}, actor=PLATFORM))
        bus.publish(Event(T.LIKE, {"user_id": user, "nickname": name, "count": 3}))
        bus.publish(Event(T.ORDER, {"user_id": user, "nickname": name, "product_id": 1, "amount_cents": 8900,
                                    "order_id": f"d{day}-{n}"}))
        if n % 2 == 0:
            bus.publish(Event(T.FOLLOW, {"user_id": user, "nickname": name}))
    if draw:
        room.stop_draw(STAFF)
    started = BASE + day * DAY
    with database.sessions.begin() as db:
        row = LiveSession(studio_id=database.studio_id, title=f"第{day}天", status=status, started_at=started,
                          ended_at=None if status == "live" else started + 3600, platform=platform, host="甲")
        db.add(row)
        db.flush()
        session_id = row.id
    events = [dataclasses.replace(e, wall_time=started + (e.stream_time or 0.0)) for e in log]
    with database.engine.begin() as conn:
        conn.execute(EventRecord.__table__.insert(), [event_row(session_id, e) for e in events])
    with database.sessions.begin() as db:  # an event the log could not store, kept as text: a record too
        db.add(QuarantinedEvent(session_id=session_id, seq=999, type="comment", reason="test",
                                event_text=json.dumps({"user_id": WHO, "nickname": NAME, "text": "在吗"},
                                                      ensure_ascii=False), quarantined_at=started))
    return session_id


def _stored(database: Database, leave_out: set[int]) -> str:
    """Every stored row of every table as text, but the rows of the shows in `leave_out`: where an id or a name
    could hide."""
    with database.engine.connect() as conn:
        tables = [t for t in database.engine.dialect.get_table_names(conn) if t != "alembic_version"]
        rows = []
        for table in tables:
            for row in conn.execute(text(f"SELECT * FROM {table}")).mappings():
                if row.get("session_id") not in leave_out and not (table == "sessions" and row["id"] in leave_out):
                    rows.append(repr(dict(row)))
        return "\n".join(rows)


def _figures(database: Database):
    ins = load_insights(database, BASE, BASE + 30 * DAY, zone=ZONE)
    return ([(a.viewers, a.returning, a.buyers, a.returning_buyers, a.followers, a.followers_back)
             for a in ins.audience], [(c.week, c.size, c.shares) for c in ins.cohorts], ins.repeat,
            [(s.uv, s.buyers, s.orders, s.gmv_cents) for s in ins.shows])


def test_an_erased_viewer_leaves_no_trace_and_every_count_stays(database, caplog):
    others = [("1001", "阿花"), ("1002", "阿草"), ("1003", "阿木")]
    first = _show(database, 1, "douyin", [(WHO, NAME), *others])
    second = _show(database, 9, "douyin", [others[0], (WHO, NAME)])
    bilibili = _show(database, 10, "bilibili", [(WHO, "同号不同人")])  # the same digits on another platform
    live = _show(database, 12, "douyin", [(WHO, NAME)], status="live", draw=False)
    figures = _figures(database)  # kept per show on this first reading
    reviews = {s: load_review(database, s).metrics for s in (first, second)}  # kept reviews name 福袋 winners
    found = find_viewers(database, NAME)
    assert [(m.platform, m.user_id, m.nicknames, m.shows) for m in found] == [("douyin", WHO, (NAME,), 3)]
    with database.session() as db:  # every event that names the account (entries, comments, likes, orders…)
        named = db.scalars(select(EventRecord.payload).where(EventRecord.session_id.in_([first, second, live]))).all()
    assert found[0].events == sum(p.get("user_id") == WHO for p in named)
    assert (found[0].first_at, found[0].last_at) == (BASE + 1 * DAY, BASE + 12 * DAY)
    # newest first: the Bilibili account last seen on day 10, the Douyin one on day 12
    assert [m.platform for m in find_viewers(database, WHO)] == ["douyin", "bilibili"]
    assert {(m.platform, m.shows) for m in find_viewers(database, WHO)} == {("douyin", 3), ("bilibili", 1)}

    import logging

    caplog.set_level(logging.INFO, logger="app.erasure")
    result = erase_viewer(database, "douyin", WHO)
    assert result is not None and result.token.startswith(TOKEN_PREFIX) and result.live_skipped == 1
    assert result.shows == 2 and result.events >= 9  # enter, comment, like, order (and follow) in each, 福袋 wins
    assert sorted((s, ok) for s, _draw, ok in result.draws) == [(first, True), (second, True)]

    with database.session() as db:
        live_rows = db.scalars(select(EventRecord.payload).where(EventRecord.session_id == live)).all()
    assert NAME in repr(live_rows)  # a show still live is not touched (its writer would write the id again)
    left = _stored(database, {live, bilibili})
    assert WHO not in left and NAME not in left
    with database.session() as db:  # the id column where it held the id, nothing else changed
        columns = db.execute(select(EventRecord.user_id, EventRecord.type, EventRecord.payload)
                             .where(EventRecord.session_id.in_([first, second]))).all()
        held = db.scalars(select(QuarantinedEvent.event_text).where(QuarantinedEvent.session_id == first)).one()
    assert sum(u == result.token for u, _t, _p in columns) == sum(p.get("user_id") == result.token
                                                                  for _u, _t, p in columns) > 0
    assert all(u is None for u, t, _p in columns if t == "draw_winners")
    assert result.token in held and ERASED_NAME in held  # the quarantined text: the token and the erased name
    (line,) = [r.getMessage() for r in caplog.records if r.name == "app.erasure"]
    assert line == f"a viewer's data erased on request (douyin): {result.events} events in 2 shows"
    assert "同号不同人" in _stored(database, set())  # the other platform's account is another person
    assert _figures(database) == figures  # viewers, returning, cohorts, repeat buyers, UV: the same
    for session_id, before in reviews.items():
        after = load_review(database, session_id).metrics
        assert (after.uv, after.buyers, after.orders, after.comments, after.likes, after.gmv_cents) == (
            before.uv, before.buyers, before.orders, before.comments, before.likes, before.gmv_cents)
    (record,) = erasures(database)
    assert record["platform"] == "douyin" and record["shows"] == 2 and WHO not in repr(record)
    assert NAME not in repr(record) and {d["session_id"] for d in record["draws"]} == {first, second}
    assert all(d["draw_id"] == 1 and d["verified"] is True for d in record["draws"]) and record["erased_at"] > 0
    assert find_viewers(database, NAME) == [] or all(m.shows == 1 for m in find_viewers(database, NAME))
    assert erase_viewer(database, "douyin", "no-such-viewer") is None
    assert erase_viewer(database, "douyin", result.token) is None  # a token is nobody


def test_another_studio_on_the_same_database_is_not_touched(store_url):
    ours, theirs = Database(store_url, studio="甲店"), Database(store_url, studio="乙店")
    try:
        _show(ours, 1, "douyin", [(WHO, NAME)], draw=False)
        kept = _show(theirs, 1, "douyin", [(WHO, NAME)], draw=False)
        _figures(theirs)  # their show's accounts kept for their views across shows
        result = erase_viewer(ours, "douyin", WHO)
        assert (result.shows, result.live_skipped, result.draws) == (1, 0, ())
        from app.store.models import ShowViewer

        with theirs.session() as db:
            assert db.scalars(select(ShowViewer.user_id).where(ShowViewer.session_id == kept)).all() == [WHO]
        with theirs.session() as db:
            payloads = db.scalars(select(EventRecord.payload).where(EventRecord.session_id == kept)).all()
        assert sum(p.get("user_id") == WHO for p in payloads) >= 4 and erasures(theirs) == []
    finally:
        ours.close()
        theirs.close()


def test_scrub_replaces_the_id_and_the_name_beside_it_wherever_they_are():
    names: set[str] = set()
    payload = {"user_id": "u1", "nickname": "甲", "text": "u1 说的话", "winners": [
        {"user_id": "u2", "nickname": "乙"}, {"user_id": "u1", "nickname": "甲"}], "to": "u1"}
    out = scrub(payload, "u1", "erased:x", names)
    assert out == {"user_id": "erased:x", "nickname": ERASED_NAME, "text": "u1 说的话", "to": "erased:x",
                   "winners": [{"user_id": "u2", "nickname": "乙"}, {"user_id": "erased:x", "nickname": ERASED_NAME}]}
    assert names == {"甲"} and payload["user_id"] == "u1"  # the original is left as it was
    assert scrub({"uid": "u1", "uname": "丙", "n": 5}, "u1", "t", names) == {"uid": "t", "uname": ERASED_NAME, "n": 5}


def test_any_text_asked_for_is_a_search_or_nothing_never_an_error(database):
    """The id or name a person types (lone surrogates, NUL, LIKE's own % and _, quotes, 64+ characters): an answer,
    never an exception, and an erasure of nobody is None."""
    _show(database, 1, "douyin", [(WHO, NAME), ("50%_off", '带"引号"的名字'), ("x1", "50%折扣")], draw=False)
    anything = st.text(st.characters(blacklist_categories=()), max_size=80)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                     HealthCheck.function_scoped_fixture])
    @given(st.one_of(anything, st.sampled_from(["%", "_", "50%", "%_%", '"', "\\", "\ud800", "\x00"])))
    def run(asked):
        assert all(m.user_id in (WHO, "50%_off", "x1") for m in find_viewers(database, asked))
        if asked.strip() not in (WHO, "50%_off", "x1"):
            assert erase_viewer(database, "douyin", asked) is None

    run()
    assert [m.user_id for m in find_viewers(database, '带"引号"的名字')] == ["50%_off"]
    assert [m.user_id for m in find_viewers(database, "50%_off")] == ["50%_off"]
    assert find_viewers(database, "50%") == []  # % and _ are the text typed, not LIKE's wildcards
    assert [m.user_id for m in find_viewers(database, "50%折扣")] == ["x1"]


def test_the_command_line_finds_says_what_it_would_erase_erases_and_lists(tmp_path, monkeypatch):
    from tests.conftest import run_cli

    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    database = Database()
    _show(database, 1, "douyin", [(WHO, NAME), ("1001", "阿花")])
    database.close()
    found = run_cli("viewers", "find", NAME)
    assert found.returncode == 0 and f"douyin  {WHO}  {NAME}  1 场 shows" in found.stdout
    dry = run_cli("viewers", "erase", "douyin", WHO)
    assert dry.returncode == 1 and "would erase" in dry.stdout and "--yes" in dry.stdout
    assert WHO in run_cli("viewers", "find", WHO).stdout  # nothing erased without --yes
    done = run_cli("viewers", "erase", "douyin", WHO, "--yes")
    assert done.returncode == 0 and "已删除 erased" in done.stdout and "福袋 checked just before: #1 福袋1 ✓" in done.stdout
    assert "no viewer found" in run_cli("viewers", "find", NAME).stdout
    again = run_cli("viewers", "erase", "douyin", WHO, "--yes")
    assert again.returncode == 1 and "nothing erased" in again.stdout
    listed = run_cli("viewers", "erasures")
    assert listed.returncode == 0 and "douyin  erased:" in listed.stdout and WHO not in listed.stdout
    assert run_cli("viewers", "erase", "weibo", WHO).returncode == 2  # not a platform the console reads


def test_a_draw_the_log_cannot_check_is_recorded_as_not_verified(database):
    """A 福袋 whose winners were named but whose start is not in the log (a damaged log): checked before the
    erasure as ever, and recorded as not verified rather than skipped."""
    show = _show(database, 1, "douyin", [(WHO, NAME)], draw=False)
    with database.engine.begin() as conn:
        conn.execute(EventRecord.__table__.insert(), [event_row(show, Event(
            T.DRAW_WINNERS, {"draw_id": 7, "entrants": 1, "winners": [{"user_id": WHO, "nickname": NAME}]}, STAFF,
            BASE, 9.0, 999))])
    result = erase_viewer(database, "douyin", WHO)
    assert result.draws == ((show, 7, False),)


def test_an_erasure_of_nobody_leaves_the_quarantined_texts_and_one_only_there_is_erased(database):
    """A quarantined event is text: an erasure of what matches no account changes none of it (it used to replace
    what was typed wherever it occurred, and say nobody was found); an account named only there is erased, and
    recorded."""
    session_id = _show(database, 1, "douyin", [(WHO, NAME)], draw=False)
    with database.sessions.begin() as db:
        db.add(QuarantinedEvent(session_id=session_id, seq=4242, type="order", reason="too big",
                                event_text='{"payload": {"user_id": "only-here", "amount_cents": 1e30}, "a": 1}',
                                quarantined_at=1.0))
    assert erase_viewer(database, "douyin", "a") is None and erase_viewer(database, "douyin", "1") is None
    with database.session() as db:
        text = db.scalar(select(QuarantinedEvent.event_text).where(QuarantinedEvent.reason == "too big"))
    assert text == '{"payload": {"user_id": "only-here", "amount_cents": 1e30}, "a": 1}'
    result = erase_viewer(database, "douyin", "only-here")
    assert result is not None and result.events == 0
    with database.session() as db:
        text = db.scalar(select(QuarantinedEvent.event_text).where(QuarantinedEvent.reason == "too big"))
    assert "only-here" not in text and result.token in text
    assert [e["token"] for e in erasures(database)][-1] == result.token


def test_a_show_where_only_a_quarantined_event_named_the_viewer_is_marked_on_its_chain(database):
    """The erasure's mark on a show's chain is what a bundle without the erasures' table is checked against: a show
    where only a quarantined event named the viewer gets one too, and verifies as erased, not changed."""
    from app.kernel.events import Event, EventType as T
    from app.session import SessionCore
    from app.store.chain_check import verify
    from app.store.models import ChainLink, Erasure

    core = SessionCore(database)
    session_id = core.start("隔离", platform="douyin")
    core.bus.publish(Event(T.COMMENT, {"user_id": "someone", "nickname": "看客", "text": "在吗"}))
    seq = core.bus.publish(Event(T.ORDER, {"user_id": "only-quarantined", "product_id": 1, "quantity": 1,
                                           "amount_cents": 2**63, "order_id": "o1"})).seq
    core.end()
    result = erase_viewer(database, "douyin", "only-quarantined")
    assert result is not None and (result.shows, result.events) == (1, 0)
    with database.sessions.begin() as db:
        (note,) = db.scalars(select(ChainLink.note).where(ChainLink.session_id == session_id,
                                                          ChainLink.kind == "erasure")).all()
        assert {k: v for k, v in note.items() if k != "erased_at"} == {"token": result.token, "events": 0,
                                                                       "quarantined": 1}
        db.execute(delete(Erasure))  # a bundle without the erasures' table: the chain's mark says it
    verdict = verify(database, session_id)
    assert verdict.intact and [(f.kind, f.seq) for f in verdict.findings] == [("erased", seq)]
