"""Each show's log as a hash chain (issue #31): a show written by the real writer verifies, sealed at its end; every
kind of tampering with the database afterwards is caught and named from the event it starts at — a changed amount,
a deleted order, two events swapped, a row added, a viewer changed, a link or the seal altered, a quarantined event
changed — while what is not tampering is said as what it is (an erasure on request, orders imported after the
show, a show cut off by a crash) — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import delete, select, update

from app.erasure import erase_viewer
from app.kernel.events import Event, EventType as T
from app.session import SessionCore
from app.store.chain import canonical, event_digests
from app.store.chain_check import verify
from app.store.models import ChainLink, EventRecord, QuarantinedEvent
from app.store.writer import event_row
from tests.strategies import any_text

WHO = "viewer-42"


def a_show(database, end: bool = True) -> tuple[SessionCore, int, dict]:
    """Viewers come, comment and buy; one order's amount the database refuses (quarantined); the show ends."""
    core = SessionCore(database)
    session_id = core.start("链 chain", platform="douyin")
    seqs = {}
    for n in range(20):
        user = WHO if n == 7 else f"u{n}"
        core.bus.publish(Event(T.ENTER, {"user_id": user, "nickname": f"看客{n}"}))
        core.bus.publish(Event(T.COMMENT, {"user_id": user, "nickname": f"看客{n}", "text": f"第 {n} 条 ✓"}))
        order = core.bus.publish(Event(T.ORDER, {"user_id": user, "nickname": f"看客{n}", "product_id": 1,
                                                 "quantity": 1, "amount_cents": 8900 + n, "order_id": f"o{n}"}))
        seqs[n] = order.seq
    seqs["huge"] = core.bus.publish(Event(T.ORDER, {"user_id": "u99", "product_id": 1, "quantity": 1,
                                                    "amount_cents": 2**63, "order_id": "o-huge"})).seq
    seqs["reply"] = core.bus.publish(Event(T.SHARE, {"via": {"user_id": WHO, "nickname": "看客7"}})).seq
    seqs["number"] = core.bus.publish(Event(T.ENTER, {"user_id": 4242, "nickname": "数字"})).seq
    if end:
        core.end()
    else:
        core._clock_stop.set()  # as a crash leaves it: everything written, no end, no seal
        core._clock.join(5)
        core.writer.close()
        core.room.close()
        core.faq.close()
    return core, session_id, seqs


def kinds(verdict) -> list[tuple[str, int | None]]:
    return [(f.kind, f.seq) for f in verdict.findings]


def test_an_honest_show_verifies_sealed_with_every_row_a_link(catalogue):
    core, session_id, seqs = a_show(catalogue)
    verdict = verify(catalogue, session_id)
    assert verdict.intact and verdict.sealed and verdict.findings == () and verdict.first is None
    with catalogue.session() as db:
        events = db.scalar(select(EventRecord.id).where(EventRecord.session_id == session_id).order_by(
            EventRecord.id.desc()).limit(1)) and len(db.scalars(select(EventRecord.seq).where(
                EventRecord.session_id == session_id)).all())
        quarantined = len(db.scalars(select(QuarantinedEvent.seq).where(
            QuarantinedEvent.session_id == session_id)).all())
        links = db.scalars(select(ChainLink).where(ChainLink.session_id == session_id)
                           .order_by(ChainLink.position)).all()
    assert quarantined == 1 and len(links) == events + quarantined + 2  # the first link and the seal besides
    assert [links[0].kind, links[-1].kind] == ["genesis", "seal"]
    assert links[-1].note["events"] == events and links[-1].note["quarantined"] == 1
    assert {link.kind for link in links[1:-1]} == {"event", "quarantined"}
    stored = "".join(str(link.note or "") + link.content + link.personal for link in links[1:])
    assert WHO not in stored and "看客7" not in stored  # the chain holds digests of personal data, never the data


def _amount(db, session_id, seq):
    db.execute(update(EventRecord).where(EventRecord.session_id == session_id, EventRecord.seq == seq)
               .values(amount_cents=1))


def _payload_amount(db, session_id, seq):
    row = db.scalars(select(EventRecord).where(EventRecord.session_id == session_id, EventRecord.seq == seq)).one()
    row.payload = {**row.payload, "amount_cents": 1}


def _delete(db, session_id, seq):
    db.execute(delete(EventRecord).where(EventRecord.session_id == session_id, EventRecord.seq == seq))


def _viewer(db, session_id, seq):
    db.execute(update(EventRecord).where(EventRecord.session_id == session_id, EventRecord.seq == seq)
               .values(user_id="someone-else"))


@pytest.mark.parametrize("tamper, found", [(_amount, "changed"), (_payload_amount, "changed"),
                                           (_delete, "removed"), (_viewer, "changed")])
def test_a_row_changed_removed_or_given_another_viewer_is_named(catalogue, tamper, found):
    _core, session_id, seqs = a_show(catalogue)
    with catalogue.sessions.begin() as db:
        tamper(db, session_id, seqs[5])
    verdict = verify(catalogue, session_id)
    assert not verdict.intact and kinds(verdict) == [(found, seqs[5])]
    assert f"seq {seqs[5]}" in verdict.findings[0].what and " / " in verdict.findings[0].what
    with catalogue.session() as db:
        position = db.scalar(select(ChainLink.position).where(ChainLink.session_id == session_id,
                                                              ChainLink.seq == seqs[5], ChainLink.kind == "event"))
    assert verdict.first == position  # from which event on


def test_two_events_swapped_and_a_row_added_are_named(catalogue, monkeypatch):
    import app.store.chain_check as chain

    monkeypatch.setattr(chain, "BATCH", 7)  # the log and the chain read in many slices, side by side
    _core, session_id, seqs = a_show(catalogue)
    a, b = seqs[3], seqs[12]
    with catalogue.sessions.begin() as db:
        for old, new in ((a, -1), (b, a), (-1, b)):
            db.execute(update(EventRecord).where(EventRecord.session_id == session_id, EventRecord.seq == old)
                       .values(seq=new))
        for seq in (10_000, 10_001):
            db.add(EventRecord(**{**event_row(session_id, Event(T.ORDER, {"user_id": "u1", "product_id": 1,
                                                                          "amount_cents": 100, "order_id": "fake"},
                                                                seq=seq)), "wall_time": 1.7e9}))
    verdict = verify(catalogue, session_id)
    assert kinds(verdict) == [("reordered", a), ("reordered", b), ("added", 10_000), ("added", 10_001)]
    assert verdict.findings[-1].what == ("事件 seq 10001 (order) 不在链上（事后加入）/ event seq 10001 (order) is not "
                                         "on the chain: added after the fact")
    assert f"seq {b}" in verdict.findings[0].what  # where it came from


def test_a_link_or_the_seal_altered_and_a_quarantined_event_changed_are_named(catalogue):
    _core, session_id, seqs = a_show(catalogue)
    with catalogue.sessions.begin() as db:
        db.execute(update(ChainLink).where(ChainLink.session_id == session_id, ChainLink.seq == seqs[2],
                                           ChainLink.kind == "event").values(content="0" * 64))
        seal = db.scalars(select(ChainLink).where(ChainLink.session_id == session_id,
                                                  ChainLink.kind == "seal")).one()
        seal.note = {**seal.note, "events": 1}
        db.execute(update(QuarantinedEvent).where(QuarantinedEvent.session_id == session_id)
                   .values(reason="nothing wrong"))
    found = kinds(verify(catalogue, session_id))
    assert ("link", seqs[2]) in found and ("changed", seqs[2]) in found  # the link no longer chains, nor matches
    assert ("changed", seqs["huge"]) in found and ("seal", None) in found


def test_what_is_not_tampering_is_said_as_what_it_is(catalogue):
    """An erasure on request, a crash before the seal: intact, and said."""
    _core, session_id, seqs = a_show(catalogue)
    assert erase_viewer(catalogue, "douyin", WHO) is not None
    verdict = verify(catalogue, session_id)
    assert verdict.intact and {kind for kind, _seq in kinds(verdict)} == {"erased"}
    assert ("erased", seqs[7]) in kinds(verdict) and ("erased", seqs["reply"]) in kinds(verdict)
    assert all(f.position is not None for f in verdict.findings)
    assert len(verdict.findings) == 4  # its entry, comment and order, and a share that names it inside
    assert verdict.findings[0].what == (f"事件 seq {seqs[7] - 2} (enter) 的个人信息已按请求删除 / the personal data of "
                                        f"event seq {seqs[7] - 2} (enter) was erased on request")
    from app.store.models import Erasure

    with catalogue.sessions.begin() as db:  # the erasure is a mark on the show's chain, after the seal
        marks = db.scalars(select(ChainLink).where(ChainLink.session_id == session_id).order_by(
            ChainLink.position.desc()).limit(1)).all()
        assert marks[0].kind == "erasure" and marks[0].note["events"] == 4 and WHO not in str(marks[0].note)
        db.execute(delete(Erasure))  # the erasures' table gone (a bundle without it): the chain's mark says it
    assert [f.kind for f in verify(catalogue, session_id).findings] == ["erased"] * 4
    assert erase_viewer(catalogue, "douyin", "4242") is not None  # an id given as a number: only its column says so
    assert erase_viewer(catalogue, "douyin", "u99") is not None  # the quarantined order's text names it
    again = verify(catalogue, session_id)
    assert again.intact and ("erased", seqs["number"]) in kinds(again) and ("erased", seqs["huge"]) in kinds(again)
    _core, crashed, _seqs = a_show(catalogue, end=False)
    cut = verify(catalogue, crashed)
    assert cut.intact and not cut.sealed and kinds(cut) == [("unsealed", None)]
    with catalogue.sessions.begin() as db:
        db.execute(delete(EventRecord).where(EventRecord.session_id == crashed, EventRecord.seq == _seqs[19]))
    assert ("removed", _seqs[19]) in kinds(verify(catalogue, crashed))


def test_links_written_out_of_the_seqs_order_still_match_their_events(catalogue, monkeypatch):
    """A row retried late is linked after rows with higher seqs: the check reads the links in the order written and
    the events by seq, each waiting for the other."""
    import random
    import time

    import app.store.chain_check as chain
    from app.store.models import LiveSession
    from app.store.writer import StoreWriter

    monkeypatch.setattr(chain, "BATCH", 7)
    with catalogue.sessions.begin() as db:
        show = LiveSession(studio_id=catalogue.studio_id, title="乱序", status="ended", started_at=time.time())
        db.add(show)
        db.flush()
        session_id = show.id
    events = [Event(T.COMMENT, {"user_id": f"u{n}", "text": f"{n}"}, seq=n, wall_time=1.7e9 + n) for n in range(1, 41)]
    random.Random(3).shuffle(events)
    writer = StoreWriter(catalogue, session_id)
    for event in events:
        writer(event)
    writer.close()
    writer.seal()
    assert verify(catalogue, session_id).findings == ()
    with catalogue.sessions.begin() as db:
        _delete(db, session_id, events[0].seq)
        _amount(db, session_id, events[-1].seq)
        db.execute(update(EventRecord).where(EventRecord.session_id == session_id, EventRecord.seq == events[-1].seq)
                   .values(payload={"user_id": f"u{events[-1].seq}", "text": "改了"}))
    assert sorted(kinds(verify(catalogue, session_id))) == sorted([("removed", events[0].seq),
                                                                   ("changed", events[-1].seq)])


def test_a_log_emptied_is_said_without_a_million_findings(catalogue, monkeypatch):
    import app.store.chain_check as chain

    monkeypatch.setattr(chain, "KEPT", 5)
    _core, session_id, seqs = a_show(catalogue)
    with catalogue.sessions.begin() as db:
        gone = db.execute(delete(EventRecord).where(EventRecord.session_id == session_id)).rowcount
    verdict = verify(catalogue, session_id)
    assert [kind for kind, _seq in kinds(verdict)] == ["removed"] * 5 and verdict.more == gone - 5
    assert verdict.first == 1  # from the first event on


def test_a_show_recorded_before_the_chain_says_so(catalogue):
    from tests.test_clips_fast import build_show

    verdict = verify(catalogue, build_show(catalogue))
    assert not verdict.chained and not verdict.intact and verdict.findings == ()


JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**62, 2**62) | st.floats(allow_nan=False,
                                                                                       allow_infinity=False)
                    | any_text(12), lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
                    | st.dictionaries(st.sampled_from(["user_id", "nickname", "text", "a", "b"])
                                      | st.integers(-3, 3) | st.booleans(), inner, max_size=3),
                    max_leaves=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from([T.COMMENT, T.ORDER, T.GIFT, T.LIKE]),
                          st.dictionaries(st.sampled_from(["user_id", "nickname", "text", "amount_cents",
                                                           "product_id", "extra"]), JSON, max_size=5)),
                min_size=1, max_size=12))
def test_whatever_the_writer_stores_verifies_as_stored(catalogue, events):
    """Any payload the feed could hand over: what the database keeps (or sets aside) reads back to the same digests,
    so an honest show is never reported as tampered."""
    core = SessionCore(catalogue)
    session_id = core.start("任意 any")
    for kind, payload in events:
        core.bus.publish(Event(kind, payload))
    core.end()
    verdict = verify(catalogue, session_id)
    assert verdict.intact and verdict.findings == (), verdict.findings


def test_the_canonical_encoding_is_documented_text():
    assert canonical({"b": 1, "a": [1.5, "中"], "c": None}) == '{"a":[1.5,"中"],"b":1,"c":null}'.encode()
    with pytest.raises(ValueError):
        canonical(float("nan"))
    row = {"wall_time": 1.0, "stream_time": None, "type": "comment", "actor": "platform", "user_id": "u1",
           "product_id": None, "amount_cents": None, "flagged": False, "payload": {"user_id": "u1", "text": "hi"}}
    content, personal = event_digests(row, "salt")
    assert event_digests({**row, "user_id": "u2", "payload": {"user_id": "u2", "text": "hi"}}, "salt")[0] == content
    assert event_digests(row, "other")[0] == content and event_digests(row, "other")[1] != personal  # salted
    assert event_digests({**row, "payload": {"user_id": "u1", "text": "ho"}}, "salt")[0] != content


def test_the_command_line_says_intact_or_what_was_done(tmp_path, monkeypatch):
    from app.store.db import Database
    from tests.conftest import run_cli

    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path))
    database = Database()
    try:
        _core, session_id, seqs = a_show(database)
        honest = run_cli("records", "verify", str(session_id))
        assert honest.returncode == 0 and "完好 intact" in honest.stdout and "已封存 sealed" in honest.stdout, honest
        with database.sessions.begin() as db:
            _delete(db, session_id, seqs[4])
    finally:
        database.close()
    tampered = run_cli("records", "verify", str(session_id))
    assert tampered.returncode == 1 and "NOT intact" in tampered.stdout and f"[removed] 事件 seq {seqs[4]}" in tampered.stdout
    assert "differs from link" in tampered.stdout
    missing = run_cli("records", "verify", "999")
    assert missing.returncode == 2 and "no session 999" in missing.stderr


def test_an_auditor_recomputes_every_digest_from_the_documented_encoding():
    """The module's docstring is the format: an independent verifier with hashlib and json gets the same hashes."""
    import hashlib
    import json

    from app.store.chain import ZERO, Chain, link_of, note_digest, quarantine_digests

    def sha(*parts) -> str:
        return hashlib.sha256(b"\n".join(p if isinstance(p, bytes) else p.encode() for p in parts)).hexdigest()

    def js(value) -> bytes:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    row = {"wall_time": 1.7e9, "stream_time": 2.5, "type": "order", "actor": "platform", "user_id": "u1",
           "product_id": 3, "amount_cents": 8900, "flagged": False,
           "payload": {"user_id": "u1", "nickname": "小红", "text": "hi", "winners": [{"user_id": "u2", "name": "B"}]}}
    content, personal = event_digests(row, "salt1")
    masked = {**row, "user_id": "~", "payload": {"nickname": "~", "text": "hi", "user_id": "~",
                                                  "winners": [{"name": "~", "user_id": "~"}]}}
    assert content == sha("anchor-console/1", "event", js(masked))
    assert personal == sha("salt1", js(["u1", "小红", "u1", "B", "u2"]))  # the column, then the payload's, in key order
    held = {"type": "order", "reason": "too big", "event_text": "u9 买了", "quarantined_at": 1.5}
    assert quarantine_digests(held, "salt1") == (sha("anchor-console/1", "quarantined", js({**held, "event_text": "~"})),
                                                 sha("salt1", js(["u9 买了"])))
    assert note_digest("seal", {"links": 3}) == sha("anchor-console/1", "seal", js({"links": 3}))
    assert link_of(ZERO, 1, "event", 5, "c", "p") == sha(ZERO, "1", "event", "5", "c", "p")
    assert link_of("a" * 64, 0, "genesis", None, "c", "") == sha("a" * 64, "0", "genesis", "", "c", "")
    chain, first = Chain.begin(7, 2, 1.5)
    note = {"session_id": 7, "studio_id": 2, "started_at": 1.5, "salt": chain.salt}
    assert first["note"] == note and first["content"] == sha("anchor-console/1", "genesis", js(note))
    assert first["link"] == sha(ZERO, "0", "genesis", "", first["content"], "") == chain.last and chain.position == 1
    (second,) = chain.events([{**row, "seq": 9}])
    assert second["link"] == sha(chain.last, "1", "event", "9", content, event_digests(row, chain.salt)[1])
    assert chain.position == 1  # drafted, not taken until its transaction commits
    chain.keep()
    assert (chain.last, chain.position) == (second["link"], 2)


def test_many_rows_changed_are_each_named_until_the_cap_then_counted(catalogue, monkeypatch):
    import app.store.chain_check as chain

    monkeypatch.setattr(chain, "KEPT", 3)
    _core, session_id, seqs = a_show(catalogue)
    with catalogue.sessions.begin() as db:
        for n in range(5):
            _amount(db, session_id, seqs[n])
    verdict = verify(catalogue, session_id)
    assert [f.kind for f in verdict.findings] == ["changed"] * 3 and verdict.more == 2
    for finding in verdict.findings:
        assert finding.seq in {seqs[n] for n in range(5)} and finding.position is not None
        assert finding.what == f"事件 seq {finding.seq} (order) 被改动 / event seq {finding.seq} (order) was changed"


def test_what_marks_an_erasure_and_what_an_import_adds_to_a_show_without_a_chain(catalogue):
    from app.store.chain import extend
    from app.store.chain_check import _holds
    from tests.test_clips_fast import build_show

    tokens = {"erased:ab12"}
    assert _holds({"a": [{"b": "x erased:ab12 y"}]}, tokens) and _holds(["erased:ab12"], tokens)
    assert _holds("erased:ab12", tokens) and not _holds("erased:ab1", tokens) and not _holds(["nope", 5], tokens)
    assert not _holds({"erased:ab12": "key, not value"}, tokens) and not _holds(5, tokens)
    old = build_show(catalogue)
    with catalogue.sessions.begin() as db:
        assert extend(db, old, [{"seq": 99, "payload": {}}]) == 0
        assert db.scalars(select(ChainLink).where(ChainLink.session_id == old)).all() == []


def test_every_finding_says_what_it_is_in_both_languages(catalogue):
    _core, session_id, seqs = a_show(catalogue)
    with catalogue.sessions.begin() as db:
        _delete(db, session_id, seqs[1])
        _viewer(db, session_id, seqs[2])
        db.execute(delete(QuarantinedEvent).where(QuarantinedEvent.session_id == session_id))
    said = {f.kind + str(f.seq): f.what for f in verify(catalogue, session_id).findings}
    assert said == {
        f"removed{seqs[1]}": f"事件 seq {seqs[1]} 被删除 / event seq {seqs[1]} was removed",
        f"changed{seqs[2]}": f"事件 seq {seqs[2]} (order) 的观众信息被改动 / the viewer of event seq {seqs[2]} (order) "
                             "was changed",
        f"removed{seqs['huge']}": f"隔离事件 seq {seqs['huge']} 被删除 / quarantined event seq {seqs['huge']} was "
                                  "removed"}


def test_the_chain_itself_altered_is_named_link_by_link(catalogue):
    """A link deleted from the chain, the first link's note and the seal's count changed: each named where it is."""
    _core, session_id, seqs = a_show(catalogue)
    with catalogue.session() as db:
        count = len(db.scalars(select(ChainLink.id).where(ChainLink.session_id == session_id)).all())
        gone = db.scalar(select(ChainLink.position).where(ChainLink.session_id == session_id,
                                                          ChainLink.seq == seqs[4], ChainLink.kind == "event"))
    assert verify(catalogue, session_id).links == count
    with catalogue.sessions.begin() as db:
        db.execute(delete(ChainLink).where(ChainLink.session_id == session_id, ChainLink.position == gone))
        first = db.scalars(select(ChainLink).where(ChainLink.session_id == session_id,
                                                   ChainLink.position == 0)).one()
        first.note = {**first.note, "studio_id": 99}
        seal = db.scalars(select(ChainLink).where(ChainLink.session_id == session_id,
                                                  ChainLink.kind == "seal")).one()
        seal.note = {**seal.note, "links": 3}
        last = seal.position
    verdict = verify(catalogue, session_id)
    assert verdict.links == count - 1 and verdict.first == 0
    said = [(f.kind, f.position, f.seq, f.what) for f in verdict.findings]
    assert said == [
        ("link", 0, None, "第 0 环（genesis）的内容被改动 / the genesis at position 0 was altered"),
        ("removed", gone, None, f"链上第 {gone} 环起缺了 1 环 / 1 links missing from position {gone}"),
        ("link", gone + 1, seqs[4] + 1, f"第 {gone + 1} 环被改动 / link {gone + 1} was altered"),
        ("seal", last, None, f"第 {last} 环（seal）的内容被改动 / the seal at position {last} was altered"),
        ("seal", last, None, "封存记录与它封存的链不符（links、events）/ the seal does not match the chain it closes "
                             "(links, events)"),
        ("added", None, seqs[4], f"事件 seq {seqs[4]} (order) 不在链上（事后加入）/ event seq {seqs[4]} (order) is not "
                                 "on the chain: added after the fact")]  # by position; the row without one last


def test_a_chain_without_its_first_link_or_a_show_elsewhere_cannot_be_vouched_for(catalogue):
    """Without the first link (its salt) nothing can be checked, and the verdict says only that; a show recorded
    before the chain is exactly that; another studio's show or none at all is not this console's to vouch for; an
    unsealed show says why."""
    from tests.test_clips_fast import build_show

    _core, session_id, _seqs = a_show(catalogue)
    with catalogue.sessions.begin() as db:
        first = db.scalars(select(ChainLink).where(ChainLink.session_id == session_id,
                                                   ChainLink.position == 0)).one()
        first.note = {k: v for k, v in first.note.items() if k != "salt"}
    blind = verify(catalogue, session_id)
    assert blind == chain_module().Verdict(session_id, 0, False, (chain_module().Finding(
        "link", 0, None, "链的第一环被改动，无法校验 / the chain's first link was altered: nothing can be checked"),))
    assert blind.chained and not blind.intact and blind.first == 0
    with catalogue.sessions.begin() as db:
        db.execute(delete(ChainLink).where(ChainLink.session_id == session_id, ChainLink.position == 0))
    assert verify(catalogue, session_id).findings[0].kind == "link"  # the rest of the chain is still there
    old = build_show(catalogue)
    assert verify(catalogue, old) == chain_module().Verdict(old, 0, False, (), chained=False)
    with pytest.raises(KeyError):
        verify(catalogue, 9999)
    _core, cut, _seqs = a_show(catalogue, end=False)
    (unsealed,) = verify(catalogue, cut).findings
    assert unsealed.what == ("这一场没有封存（直播中，或异常结束）：已校验到最后一环 / the show is not sealed (live, or it did "
                             "not end cleanly): checked up to its last link")


def test_a_writer_opened_again_continues_the_chain_and_never_seals_twice(catalogue):
    from app.store.writer import StoreWriter

    core, session_id, _seqs = a_show(catalogue)
    again = StoreWriter(catalogue, session_id)
    assert again.chain.sealed and again.chain.position == verify(catalogue, session_id).links
    again(Event(T.COMMENT, {"user_id": "late", "text": "补录"}, seq=core.bus.last_seq + 1, wall_time=1.7e9))
    again.close()
    again.seal()  # sealed already: nothing more
    with catalogue.session() as db:
        seals = db.scalars(select(ChainLink.kind).where(ChainLink.session_id == session_id,
                                                        ChainLink.kind == "seal")).all()
    assert seals == ["seal"] and verify(catalogue, session_id).intact


def chain_module():
    import app.store.chain_check as chain

    return chain


def test_another_studios_erasure_never_excuses_a_change_in_this_studios_show(catalogue):
    """Two studios on one database: a token erased in one does not make the same token, written into the other's
    show behind its back, pass for an erasure there."""
    from app.store.db import Database
    from app.store.models import Erasure

    other = Database(catalogue.url, studio="隔壁工作室")
    try:
        with other.sessions.begin() as db:
            db.add(Erasure(studio_id=other.studio_id, platform="douyin", token="erased:0badc0de", erased_at=1.0,
                           shows=1, events=1, draws=[]))
    finally:
        other.close()
    _core, session_id, seqs = a_show(catalogue)
    with catalogue.sessions.begin() as db:
        db.execute(update(EventRecord).where(EventRecord.session_id == session_id, EventRecord.seq == seqs[3])
                   .values(user_id="erased:0badc0de"))
    assert kinds(verify(catalogue, session_id)) == [("changed", seqs[3])]


def test_a_pseudonymised_mark_excuses_pseudonyms_only(catalogue):
    """The retention policy's mark says the viewers were pseudonymised; a viewer changed to anything else on such a
    show is still a change, and a pseudonym without the mark is one too."""
    from app.store.chain import mark

    _core, session_id, seqs = a_show(catalogue)
    with catalogue.sessions.begin() as db:
        db.execute(update(EventRecord).where(EventRecord.session_id == session_id, EventRecord.seq == seqs[3])
                   .values(user_id="p:0123456789ab"))
    assert kinds(verify(catalogue, session_id)) == [("changed", seqs[3])]
    with catalogue.sessions.begin() as db:
        assert mark(db, session_id, "pseudonymised", {"day": "2027-01-01", "events": 1, "quarantined": 0})
        db.execute(update(EventRecord).where(EventRecord.session_id == session_id, EventRecord.seq == seqs[4])
                   .values(user_id="someone-else"))
    verdict = verify(catalogue, session_id)
    assert [(f.kind, f.seq) for f in verdict.findings] == [("changed", seqs[4]), ("pseudonymised", None)]
    assert "2027-01-01" in verdict.findings[-1].what and "1 " in verdict.findings[-1].what
