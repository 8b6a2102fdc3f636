"""Retention (issue #31): a studio's policy (3 years kept, viewers pseudonymised after one by default) applied to
real shows on SQLite and PostgreSQL: a show past its years is deleted with its recording; a show past its year has
every viewer's id and name replaced by the same pseudonym in every show, while its figures, its returning viewers
and its chain still verify (said as pseudonymised); an erased viewer stays erased; a live show and a recent one are
never touched; the command line sets and applies the policy."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select, update

from app import insights
from app.erasure import erase_viewer
from app.kernel.events import Event, EventType as T
from app.records import verify_show
from app.retention import QUARANTINE_TEXT, Policy, apply_policy, policy, set_policy
from app.review import load_review
from app.session import SessionCore
from app.store.models import ChainLink, EventRecord, LiveSession, QuarantinedEvent, ShowViewer
from tests.conftest import run_cli

DAY = 86400.0
VIEWERS = [("dy_7788123", "小红薯爱买"), ("dy_5566001", "买买买"), ("dy_42", "老客")]


def a_show(database, days_ago: float, recording=None, live: bool = False) -> int:
    core = SessionCore(database)
    session_id = core.start(f"{days_ago} 天前", platform="douyin", recording_path=str(recording or ""))
    core.bus.publish(Event(T.COUPON_DEFINED, {"coupon_id": 1, "name": "满99减10", "kind": "amount",
                                              "threshold_cents": 9900, "discount_cents": 1000, "rate": None,
                                              "quantity": 10}))
    for n, (user, name) in enumerate(VIEWERS):
        core.bus.publish(Event(T.ENTER, {"user_id": user, "nickname": name}))
        core.bus.publish(Event(T.COMMENT, {"user_id": user, "nickname": name, "text": "好看"}))
        core.bus.publish(Event(T.ORDER, {"user_id": user, "nickname": name, "product_id": 1, "quantity": 1,
                                         "amount_cents": 9900 + n, "order_id": f"{session_id}-{n}"}))
    core.bus.publish(Event(T.SHARE, {"via": {"user_id": VIEWERS[0][0], "nickname": VIEWERS[0][1]}}))
    core.bus.publish(Event(T.ORDER, {"user_id": VIEWERS[1][0], "product_id": 1, "quantity": 1,
                                     "amount_cents": 2**63, "order_id": "refused"}))  # quarantined, with an id
    if live:
        core._clock_stop.set()
        core._clock.join(5)
        core.writer.close()
        core.room.close()
        core.faq.close()
    else:
        core.end()
        insights.keep(database, session_id)
    started = time.time() - days_ago * DAY
    with database.sessions.begin() as db:
        db.execute(update(LiveSession).where(LiveSession.id == session_id).values(started_at=started))
    return session_id


def stored(database, session_id: int) -> str:
    with database.session() as db:
        rows = [str(r) for r in db.execute(select(EventRecord.user_id, EventRecord.payload).where(
            EventRecord.session_id == session_id))]
        rows += [r for r in db.scalars(select(QuarantinedEvent.event_text).where(
            QuarantinedEvent.session_id == session_id))]
        rows += [r for r in db.scalars(select(ShowViewer.user_id).where(ShowViewer.session_id == session_id))]
    return "\n".join(rows)


def test_the_policy_deletes_what_is_past_its_years_and_pseudonymises_what_is_past_its_year(catalogue, no_keyring,
                                                                                            tmp_path):
    assert policy(catalogue) == Policy(1095, 365)
    recording = tmp_path / "old.mkv"
    recording.write_bytes(b"\x1a\x45\xdf\xa3 old")
    (tmp_path / "old.as-recorded.mkv").write_bytes(b"as recorded")
    gone = a_show(catalogue, 1100, recording)
    first = a_show(catalogue, 400)
    second = a_show(catalogue, 380)
    recent = a_show(catalogue, 10)
    live = a_show(catalogue, 500, live=True)
    erase_viewer(catalogue, "douyin", VIEWERS[2][0])  # erased on request before the policy came
    before = {sid: load_review(catalogue, sid).metrics for sid in (first, second, recent)}
    untouched = {sid: stored(catalogue, sid) for sid in (recent, live)}

    report = apply_policy(catalogue)

    assert report.deleted == (gone,) and report.recordings == 2 and report.pseudonymised == (first, second)
    assert not recording.exists() and not (tmp_path / "old.as-recorded.mkv").exists()
    with catalogue.session() as db:
        assert db.get(LiveSession, gone) is None
        for table in (EventRecord, QuarantinedEvent, ChainLink, ShowViewer):
            assert db.scalar(select(func.count()).select_from(table).where(table.session_id == gone)) == 0
    for sid in (first, second):
        text = stored(catalogue, sid)
        for user, name in VIEWERS:
            assert user not in text and name not in text, (sid, user, name)
        assert "满99减10" in text  # a coupon's name is not a viewer's
        assert QUARANTINE_TEXT in text
        after = load_review(catalogue, sid).metrics
        assert after == before[sid]  # every figure as it was
        result = verify_show(catalogue, sid)
        assert result.intact and {f.kind for f in result.verdict.findings} == {"pseudonymised", "erased"}
    with catalogue.session() as db:  # the same viewer, the same pseudonym in every show: returning viewers stay
        kept = {sid: set(db.scalars(select(ShowViewer.user_id).where(ShowViewer.session_id == sid)))
                for sid in (first, second)}
    assert kept[first] == kept[second] and len(kept[first]) == 3
    assert {user for user in kept[first] if user.startswith("p:")} and any(u.startswith("erased:") for u in kept[first])
    assert {sid: stored(catalogue, sid) for sid in (recent, live)} == untouched
    assert apply_policy(catalogue).pseudonymised == ()  # once is enough


def test_a_policy_out_of_range_is_refused_in_both_languages(catalogue):
    assert set_policy(catalogue, keep_days=3650, pseudonymise_days=0) == Policy(3650, 0)
    assert policy(catalogue) == Policy(3650, 0)
    for keep, pseudo in ((0, 10), (40000, 10), (10, -1), (10, 40000)):
        with pytest.raises(ValueError, match=" / "):
            set_policy(catalogue, keep, pseudo)
    assert policy(catalogue) == Policy(3650, 0)


def test_never_pseudonymise_leaves_the_viewers(catalogue, no_keyring):
    set_policy(catalogue, pseudonymise_days=0)
    sid = a_show(catalogue, 800)
    assert apply_policy(catalogue).pseudonymised == ()
    assert VIEWERS[0][1] in stored(catalogue, sid)


def test_the_command_line_shows_sets_and_applies_the_policy(tmp_path, monkeypatch):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    shown = run_cli("records", "policy")
    assert shown.returncode == 0 and "1095" in shown.stdout and "365" in shown.stdout
    changed = run_cli("records", "policy", "--keep-days", "1200", "--pseudonymise-days", "200")
    assert changed.returncode == 0 and "1200" in changed.stdout and "200" in changed.stdout
    bad = run_cli("records", "policy", "--keep-days", "0")
    assert bad.returncode == 2 and "keep days" in bad.stderr and "Traceback" not in bad.output
    applied = run_cli("records", "retain")
    assert applied.returncode == 0 and "0 shows pseudonymised, 0 shows deleted" in applied.stdout


def test_the_console_a_person_starts_applies_the_policy(catalogue, no_keyring, qapp_offscreen):
    from app.console import ConsoleService
    from app.store.db import Database

    old = a_show(catalogue, 400)
    service = ConsoleService(Database(catalogue.url), apply_retention=True)
    try:
        service.history.close()  # waits for it
        assert service.history.retained.pseudonymised == (old,)
    finally:
        service.close()
    assert VIEWERS[0][1] not in stored(catalogue, old)
    unasked = ConsoleService(Database(catalogue.url))  # a console a program opens for its own use leaves it
    try:
        recent_old = a_show(catalogue, 400)
        unasked.history.close()
        assert unasked.history.retained is None
    finally:
        unasked.close()
    assert VIEWERS[0][1] in stored(catalogue, recent_old)


def test_a_pseudonym_is_the_studios_hmac_of_the_value_and_only_viewers_get_one():
    import hashlib
    import hmac

    from app.retention import Pseudonyms
    from app.store.chain import ERASED_NAME

    names = Pseudonyms(b"s" * 32)
    expected = "p:" + hmac.new(b"s" * 32, b"dy_42", hashlib.sha256).hexdigest()[:12]
    assert names.of("dy_42") == expected and names.of(42) == "p:" + hmac.new(
        b"s" * 32, b"42", hashlib.sha256).hexdigest()[:12]
    assert Pseudonyms(b"t" * 32).of("dy_42") != expected  # another studio's secret, another pseudonym
    payload = {"user_id": "a", "nickname": "甲", "name": "甲", "text": "好看", "count": 3, "flag": True,
               "via": {"uid": 7, "name": "乙", "uname": "乙"}, "coupon": {"name": "满99减10"}, "buyer": "丙",
               "winners": [{"user_id": "b", "nickname": "丁"}, {"user_id": "erased:x", "nickname": ERASED_NAME}],
               "done": {"user_id": "p:0123456789ab", "nickname": True}}
    out = names.payload(payload)
    assert out == {"user_id": names.of("a"), "nickname": names.of("甲"), "name": names.of("甲"), "text": "好看",
                   "count": 3, "flag": True,
                   "via": {"uid": names.of(7), "name": names.of("乙"), "uname": names.of("乙")},
                   "coupon": {"name": "满99减10"}, "buyer": names.of("丙"),
                   "winners": [{"user_id": names.of("b"), "nickname": names.of("丁")},
                               {"user_id": "erased:x", "nickname": ERASED_NAME}],
                   "done": {"user_id": "p:0123456789ab", "nickname": True}}
    assert {"name": "乙"} == names.payload({"name": "乙"})  # a name with no id beside it is not a viewer's
    assert names.payload({"uid": "u", "name": "乙"})["name"] == names.of("乙")


def test_pseudonymising_a_show_marks_it_once_and_counts_what_it_changed(catalogue, no_keyring, monkeypatch):
    import datetime as dt

    from app import retention
    from app.retention import Pseudonyms, pseudonymise_show
    from app.store.models import SessionCounts

    monkeypatch.setattr(retention, "BATCH", 4)  # the log read in several slices
    target, other = a_show(catalogue, 400), a_show(catalogue, 400)
    with catalogue.session() as db:
        assert "review" in db.get(SessionCounts, target).counts  # kept at the show's end
        personal = sum(1 for (user, payload) in db.execute(select(EventRecord.user_id, EventRecord.payload).where(
            EventRecord.session_id == target)) if user is not None or "via" in (payload or {}))
    changed = pseudonymise_show(catalogue, target, Pseudonyms(b"k" * 32))
    assert changed == personal
    with catalogue.session() as db:
        mark = db.scalars(select(ChainLink).where(ChainLink.session_id == target).order_by(
            ChainLink.position.desc()).limit(1)).one()
        assert mark.kind == "pseudonymised" and mark.note == {"day": dt.date.today().isoformat(), "events": changed,
                                                              "quarantined": 1}
        assert db.get(LiveSession, target).pseudonymised_at is not None
        assert db.get(LiveSession, other).pseudonymised_at is None
        counts = db.get(SessionCounts, target).counts
        assert "review" not in counts and counts  # the kept review dropped, to be rebuilt; the counts stay
    assert VIEWERS[1][1] in stored(catalogue, other)


def test_the_policy_takes_its_days_to_the_edge_and_keeps_what_is_not_given(catalogue):
    assert set_policy(catalogue, keep_days=1) == Policy(1, 365)
    assert set_policy(catalogue, pseudonymise_days=36500) == Policy(1, 36500)
    assert set_policy(catalogue, keep_days=36500) == Policy(36500, 36500)
    assert policy(catalogue) == Policy(36500, 36500)


def test_a_show_is_due_by_the_day_it_started(catalogue, no_keyring):
    sid = a_show(catalogue, 0)
    with catalogue.session() as db:
        started = db.get(LiveSession, sid).started_at
    assert apply_policy(catalogue, now=started + 365 * DAY).pseudonymised == ()  # not yet: a year to the second
    assert apply_policy(catalogue, now=started + 365 * DAY + 1).pseudonymised == (sid,)
    assert apply_policy(catalogue, now=started + 1095 * DAY).deleted == ()
    assert apply_policy(catalogue, now=started + 1095 * DAY + 1).deleted == (sid,)


def test_a_recording_that_cannot_be_removed_is_said_and_the_show_still_goes(catalogue, no_keyring, tmp_path, caplog):
    stuck = tmp_path / "stuck.mkv"
    stuck.mkdir()  # a folder where the file was: unlink fails
    sid = a_show(catalogue, 1200, stuck)
    report = apply_policy(catalogue)
    assert report.deleted == (sid,) and report.recordings == 0
    assert "recording stuck.mkv not removed" in caplog.text
