"""Every field of what a check of the hash chain finds (app/store/chain_check.py): the kind, the link's position,
the event's seq and the sentence in both languages — for the quarantined events (changed, erased, added, removed,
copied, pseudonymised) and for the chain's own links (a gap, a link or a mark altered, the seal's counts and
signature, a mark's excuse kept to its own show). The findings come sorted by position, the ones without one last."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from app.erasure import erase_viewer
from app.kernel.events import Event, EventType as T
from app.session import SessionCore
from app.store.chain_check import KEPT, verify
from app.store.models import ChainLink, QuarantinedEvent

HUGE = 2**63  # an amount the database refuses: the order is quarantined


def quarantined_show(database, viewers=("u97", "u98", "u99")) -> tuple[int, dict[str, int], dict[int, int]]:
    """A show whose orders from `viewers` are all quarantined, between ordinary events; → the show, each viewer's
    quarantined seq, and each quarantined seq's link position."""
    core = SessionCore(database)
    session_id = core.start("隔离 quarantine", platform="douyin")
    seqs = {}
    for n, viewer in enumerate(viewers):
        core.bus.publish(Event(T.COMMENT, {"user_id": f"c{n}", "nickname": "看客", "text": "在吗"}))
        seqs[viewer] = core.bus.publish(Event(T.ORDER, {"user_id": viewer, "product_id": 1, "quantity": 1,
                                                        "amount_cents": HUGE, "order_id": f"o-{viewer}"})).seq
    core.end()
    with database.session() as db:
        positions = dict(db.execute(select(ChainLink.seq, ChainLink.position).where(
            ChainLink.session_id == session_id, ChainLink.kind == "quarantined")).all())
        stored = db.scalars(select(QuarantinedEvent.seq).where(QuarantinedEvent.session_id == session_id)).all()
    assert sorted(stored) == sorted(seqs.values()) == sorted(positions)
    return session_id, seqs, positions


def said(verdict) -> list[tuple[str, int | None, int | None, str]]:
    return [(f.kind, f.position, f.seq, f.what) for f in verdict.findings]


def _quarantined(db, session_id, seq, **values):
    db.execute(update(QuarantinedEvent).where(QuarantinedEvent.session_id == session_id, QuarantinedEvent.seq == seq)
               .values(**values))


def test_a_quarantined_events_text_reason_and_row_are_each_named_where_they_are(catalogue):
    session_id, seqs, at = quarantined_show(catalogue)
    text, reason, gone = seqs["u97"], seqs["u98"], seqs["u99"]
    with catalogue.sessions.begin() as db:
        _quarantined(db, session_id, text, event_text="u97 没有买")
        _quarantined(db, session_id, reason, reason="nothing wrong")
        db.execute(delete(QuarantinedEvent).where(QuarantinedEvent.session_id == session_id,
                                                  QuarantinedEvent.seq == gone))
        db.add(QuarantinedEvent(session_id=session_id, seq=9999, type="order", reason="r", event_text="x",
                                quarantined_at=1.0))
    verdict = verify(catalogue, session_id)
    assert said(verdict) == [
        ("changed", at[text], text, f"隔离事件 seq {text} 的文本被改动 / the text of quarantined event seq {text} was "
                                    "changed"),
        ("changed", at[reason], reason, f"隔离事件 seq {reason} 被改动 / quarantined event seq {reason} was changed"),
        ("removed", at[gone], gone, f"隔离事件 seq {gone} 被删除 / quarantined event seq {gone} was removed"),
        ("added", None, 9999, "隔离事件 seq 9999 不在链上 / quarantined event seq 9999 is not on the chain")]
    assert not verdict.intact and verdict.first == min(at.values()) and verdict.sealed and verdict.more == 0


def test_a_quarantined_row_copied_is_added_once_and_its_original_still_matches(catalogue):
    session_id, seqs, at = quarantined_show(catalogue, viewers=("u97",))
    with catalogue.sessions.begin() as db:
        row = db.scalars(select(QuarantinedEvent).where(QuarantinedEvent.session_id == session_id)).one()
        copy = {name: getattr(row, name) for name in ("seq", "type", "reason", "event_text", "quarantined_at")}
        db.add(QuarantinedEvent(session_id=session_id, **copy))
    seq = seqs["u97"]
    assert said(verify(catalogue, session_id)) == [
        ("added", None, seq, f"隔离事件 seq {seq} 不在链上 / quarantined event seq {seq} is not on the chain")]


def test_a_quarantined_row_changed_and_copied_uses_up_its_link_once(catalogue):
    """Two rows of one seq, both unlike their link: the first is the link's (changed, at its position), the second
    has no link left (added)."""
    session_id, seqs, at = quarantined_show(catalogue, viewers=("u97",))
    seq = seqs["u97"]
    with catalogue.sessions.begin() as db:
        _quarantined(db, session_id, seq, reason="changed")
        db.add(QuarantinedEvent(session_id=session_id, seq=seq, type="order", reason="again", event_text="x",
                                quarantined_at=2.0))
    assert said(verify(catalogue, session_id)) == [
        ("changed", at[seq], seq, f"隔离事件 seq {seq} 被改动 / quarantined event seq {seq} was changed"),
        ("added", None, seq, f"隔离事件 seq {seq} 不在链上 / quarantined event seq {seq} is not on the chain")]


def test_a_quarantined_events_viewer_erased_on_request_is_said_and_is_not_tampering(catalogue):
    session_id, seqs, at = quarantined_show(catalogue)
    assert erase_viewer(catalogue, "douyin", "u98") is not None
    seq = seqs["u98"]
    verdict = verify(catalogue, session_id)
    assert said(verdict) == [
        ("erased", at[seq], seq, f"隔离事件 seq {seq} 的个人信息已按请求删除 / the personal data of quarantined event "
                                 f"seq {seq} was erased on request")]
    assert verdict.intact and verdict.first is None


def test_a_pseudonymised_quarantined_text_is_counted_once_the_policy_marked_the_show(catalogue):
    from app.store.chain import mark

    session_id, seqs, at = quarantined_show(catalogue)
    with catalogue.sessions.begin() as db:
        _quarantined(db, session_id, seqs["u97"], event_text="p:0123456789ab 买了")
    assert [f[:3] for f in said(verify(catalogue, session_id))] == [("changed", at[seqs["u97"]], seqs["u97"])]
    with catalogue.sessions.begin() as db:
        assert mark(db, session_id, "pseudonymised", {"day": "2027-01-02", "events": 0, "quarantined": 1})
        _quarantined(db, session_id, seqs["u98"], event_text="p:0123456789ab 买了")
        _quarantined(db, session_id, seqs["u99"], event_text="someone else")
    verdict = verify(catalogue, session_id)
    u99 = seqs["u99"]
    assert said(verdict) == [
        ("changed", at[u99], u99, f"隔离事件 seq {u99} 的文本被改动 / the text of quarantined event seq {u99} was "
                                  "changed"),
        ("pseudonymised", None, None, "2 条事件的观众信息已按保留策略去标识化（2027-01-02）/ the viewers of 2 events were "
                                      "pseudonymised by the retention policy (2027-01-02)")]
    assert verdict.first == at[u99]
    with catalogue.sessions.begin() as db:  # a mark without its day (written by hand): said with a question mark
        assert mark(db, session_id, "pseudonymised", {"events": 0, "quarantined": 0})
    assert said(verify(catalogue, session_id))[-1][3].endswith("pseudonymised by the retention policy (?)")


def test_the_marks_after_the_seal_are_named_where_they_are_altered(catalogue):
    """An erasure's mark and a pseudonymised mark after the seal: their notes altered are named at their positions;
    an erasure mark whose token was changed excuses nothing."""
    from app.store.chain import mark

    session_id, seqs, at = quarantined_show(catalogue)
    assert erase_viewer(catalogue, "douyin", "u97") is not None
    with catalogue.sessions.begin() as db:
        assert mark(db, session_id, "pseudonymised", {"day": "2027-01-03", "events": 0, "quarantined": 0})
        marks = {kind: position for kind, position in db.execute(select(ChainLink.kind, ChainLink.position).where(
            ChainLink.session_id == session_id, ChainLink.kind.in_(("erasure", "pseudonymised")))).all()}
        erasure = db.scalars(select(ChainLink).where(ChainLink.session_id == session_id,
                                                     ChainLink.kind == "erasure")).one()
        erasure.note = {**erasure.note, "events": 5}
        pseudonymised = db.scalars(select(ChainLink).where(ChainLink.session_id == session_id,
                                                           ChainLink.kind == "pseudonymised")).one()
        pseudonymised.note = {**pseudonymised.note, "day": "2027-01-04"}
    verdict = verify(catalogue, session_id)
    e, p = marks["erasure"], marks["pseudonymised"]
    assert said(verdict)[-2:] == [
        ("link", e, None, f"第 {e} 环（erasure）的内容被改动 / the erasure at position {e} was altered"),
        ("link", p, None, f"第 {p} 环（pseudonymised）的内容被改动 / the pseudonymised at position {p} was altered")]
    assert verdict.first == e and not verdict.intact


def test_a_gap_of_several_links_is_counted_from_where_it_starts(catalogue):
    session_id, seqs, at = quarantined_show(catalogue)
    with catalogue.sessions.begin() as db:
        links = db.scalars(select(ChainLink.position).where(ChainLink.session_id == session_id).order_by(
            ChainLink.position)).all()
        db.execute(delete(ChainLink).where(ChainLink.session_id == session_id, ChainLink.position.in_((2, 3, 4))))
    verdict = verify(catalogue, session_id)
    assert verdict.links == len(links) - 3
    assert said(verdict)[0] == ("removed", 2, None, "链上第 2 环起缺了 3 环 / 3 links missing from position 2")
    assert said(verdict)[1][:2] == ("link", 5)  # the link after the gap no longer chains to the one before it


def test_the_seal_counts_what_it_closes_and_names_each_count_that_differs(catalogue):
    session_id, seqs, at = quarantined_show(catalogue)
    with catalogue.sessions.begin() as db:
        seal = db.scalars(select(ChainLink).where(ChainLink.session_id == session_id,
                                                  ChainLink.kind == "seal")).one()
        note, last = dict(seal.note), seal.position
        events = len(db.scalars(select(ChainLink.id).where(ChainLink.session_id == session_id,
                                                           ChainLink.kind == "event")).all())
        assert (note["links"], note["events"], note["quarantined"]) == (last, events, 3) and events >= 3
        seal.note = {**note, "quarantined": 2, "last": "0" * 64}
    assert said(verify(catalogue, session_id)) == [
        ("seal", last, None, f"第 {last} 环（seal）的内容被改动 / the seal at position {last} was altered"),
        ("seal", last, None, "封存记录与它封存的链不符（quarantined、last）/ the seal does not match the chain it closes "
                             "(quarantined, last)")]


def test_the_findings_beyond_those_kept_are_counted(catalogue, monkeypatch):
    import app.store.chain_check as chain_check

    session_id, seqs, at = quarantined_show(catalogue)
    with catalogue.sessions.begin() as db:
        db.execute(delete(QuarantinedEvent).where(QuarantinedEvent.session_id == session_id))
    monkeypatch.setattr(chain_check, "KEPT", 2)
    verdict = verify(catalogue, session_id)
    assert [f[:3] for f in said(verdict)] == [("removed", at[s], s) for s in sorted(seqs.values())[:2]]
    assert verdict.more == 1 and KEPT == 1000


def test_only_an_erasure_mark_vouches_for_a_token(catalogue):
    """A token written into another kind of mark (by hand) excuses nothing: the event it replaced a viewer in is
    changed, not erased."""
    from app.store.chain import mark
    from app.store.models import EventRecord

    session_id, seqs, at = quarantined_show(catalogue)
    with catalogue.sessions.begin() as db:
        assert mark(db, session_id, "pseudonymised", {"day": "2027-01-05", "token": "erased:0badc0de"})
        seq, position = db.execute(select(ChainLink.seq, ChainLink.position).where(
            ChainLink.session_id == session_id, ChainLink.kind == "event", ChainLink.seq.in_(
                select(EventRecord.seq).where(EventRecord.session_id == session_id, EventRecord.type == "comment")))
            .order_by(ChainLink.position).limit(1)).one()  # a viewer's comment: its viewer is personal data
        db.execute(update(EventRecord).where(EventRecord.session_id == session_id, EventRecord.seq == seq)
                   .values(user_id="erased:0badc0de"))
    assert said(verify(catalogue, session_id)) == [
        ("changed", position, seq, f"事件 seq {seq} (comment) 的观众信息被改动 / the viewer of event seq {seq} (comment) "
                                   "was changed")]


def test_the_events_asked_for_are_handed_back_in_the_chains_order_only_where_they_match(catalogue):
    from app.store.models import EventRecord

    core = SessionCore(catalogue)
    session_id = core.start("收集 collect", platform="douyin")
    for n in range(4):
        core.bus.publish(Event(T.COMMENT, {"user_id": f"c{n}", "nickname": "看客", "text": f"第 {n} 条"}))
        core.bus.publish(Event(T.LIKE, {"user_id": f"c{n}", "count": 1}))
    core.end()
    with catalogue.session() as db:
        comments = db.execute(select(ChainLink.position, ChainLink.seq).where(
            ChainLink.session_id == session_id, ChainLink.kind == "event",
            ChainLink.seq.in_(select(EventRecord.seq).where(EventRecord.session_id == session_id,
                                                            EventRecord.type == "comment"))).order_by(
            ChainLink.position)).all()
    verdict = verify(catalogue, session_id, collect=("comment",))
    assert verdict.intact and [(p, s, t, payload["text"]) for p, s, t, payload in verdict.collected] == [
        (position, seq, "comment", f"第 {n} 条") for n, (position, seq) in enumerate(comments)]
    with catalogue.session() as db:
        links = len(db.scalars(select(ChainLink.id).where(ChainLink.session_id == session_id)).all())
    assert verdict.session_id == session_id and verdict.links == links > len(comments) * 2
    assert verify(catalogue, session_id).collected == ()  # nothing asked for, nothing handed back
    with catalogue.sessions.begin() as db:
        db.execute(update(EventRecord).where(EventRecord.session_id == session_id,
                                             EventRecord.seq == comments[1][1]).values(payload={"text": "改了"}))
    changed = verify(catalogue, session_id, collect=("comment",))
    assert [seq for _p, seq, _t, _payload in changed.collected] == [comments[0][1], comments[2][1], comments[3][1]]


def test_each_event_pseudonymised_is_counted_by_its_column_or_its_payload(catalogue):
    """On a show the retention policy marked, each event whose viewer is a pseudonym counts once — found in the
    user_id column or only inside the payload (a share names who shared it there)."""
    from app.store.chain import mark
    from app.store.models import EventRecord

    core = SessionCore(catalogue)
    session_id = core.start("去标识 pseudonyms", platform="douyin")
    seqs = [core.bus.publish(Event(T.COMMENT, {"user_id": f"c{n}", "nickname": "看客", "text": "x"})).seq
            for n in range(2)]
    share = core.bus.publish(Event(T.SHARE, {"via": {"user_id": "c9", "nickname": "分享者"}})).seq
    core.end()
    with catalogue.sessions.begin() as db:
        assert db.scalar(select(EventRecord.user_id).where(EventRecord.session_id == session_id,
                                                           EventRecord.seq == share)) is None
        assert mark(db, session_id, "pseudonymised", {"day": "2027-02-01", "events": 3, "quarantined": 0})
        for seq in seqs:
            db.execute(update(EventRecord).where(EventRecord.session_id == session_id, EventRecord.seq == seq)
                       .values(user_id=f"p:{seq:012d}"))
        db.execute(update(EventRecord).where(EventRecord.session_id == session_id, EventRecord.seq == share)
                   .values(payload={"via": {"user_id": "p:00000000abcd", "nickname": "p:00000000abcd"}}))
    verdict = verify(catalogue, session_id)
    assert said(verdict) == [
        ("pseudonymised", None, None, "3 条事件的观众信息已按保留策略去标识化（2027-02-01）/ the viewers of 3 events were "
                                      "pseudonymised by the retention policy (2027-02-01)")]
    assert verdict.intact
