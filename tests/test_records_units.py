"""The checks of app/records.py taken one by one (issue #31), fast: a recording against digests made by hand for
every case (what each finding says, where it starts, which seconds), the 福袋 draws recomputed from a show's log
(a flagged comment and the staff's own never enter, an erasure said as an erasure, changed winners named), the
day's anchor and a bundle's files against its manifest."""

from __future__ import annotations

import hashlib
import json
import os

import pytest
from sqlalchemy import select, update

from app.erasure import erase_viewer
from app.kernel.events import PLATFORM, Event, EventType as T
from app.media.digest import GrowingFile, Segment, as_recorded, digest_range
from app.records import (_erased_fair, _file_findings, _seconds, anchor_findings, anchor_statement, check_draws,
                         check_recording)
from app.session import SessionCore
from app.store.chain_check import Finding
from app.store.models import EventRecord

STAFF = "assistant:小李"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def recording(tmp_path):
    """1,000 bytes: a header [0, 100), segments [100, 400) at 2 s, [400, 700) at 4 s, the close [700, 1000) at 6 s."""
    data = os.urandom(1000)
    path = tmp_path / "show.mkv"
    path.write_bytes(data)
    digests = [
        (3, 10, T.RECORDING_SEGMENT.value, {"file": "show.mkv", "start": 100, "end": 400, "sha256": sha(data[100:400]),
                                             "media_s": 2.0}),
        (5, 20, T.RECORDING_SEGMENT.value, {"file": "show.mkv", "start": 400, "end": 700, "sha256": sha(data[400:700]),
                                             "media_s": 4.0}),
        (8, 30, T.RECORDING_CLOSED.value, {"file": "show.mkv", "start": 700, "end": 1000, "sha256": sha(data[700:]),
                                            "media_s": 6.0, "head_end": 100, "head": sha(data[:100]), "size": 1000}),
    ]
    return path, data, digests


def test_an_intact_recording_gives_nothing_and_digest_range_reads_what_is_there(recording):
    path, data, digests = recording
    assert check_recording(path, digests) == []
    assert digest_range(path, 100, 400) == (sha(data[100:400]), 300)
    assert digest_range(path, 900, 1200) == (sha(data[900:]), 100)  # the file is shorter: what there was
    assert as_recorded(path).name == "show.as-recorded.mkv"


@pytest.mark.parametrize("offset, position, seq, span, byte_span", [
    (150, 3, 10, "0–2", "100–400"), (500, 5, 20, "2–4", "400–700"), (999, 8, 30, "4–6", "700–1000")])
def test_a_changed_byte_is_named_at_its_digest_with_its_seconds_and_bytes(recording, offset, position, seq, span,
                                                                         byte_span):
    path, data, digests = recording
    changed = bytearray(data)
    changed[offset] ^= 0xFF
    path.write_bytes(bytes(changed))
    english = span.replace("–", " and ")
    assert check_recording(path, digests) == [Finding(
        "recording-changed", position, seq, f"录像第 {span} 秒（字节 {byte_span}）被改动 / the recording was changed "
                                            f"between second {english} (bytes {byte_span})")]


def test_the_header_a_cut_and_bytes_added_are_each_named(recording):
    path, data, digests = recording
    path.write_bytes(b"X" + data[1:])
    assert check_recording(path, digests) == [Finding("recording-changed", 8, 30, "录像的文件头被改动 / the "
                                                                                   "recording's header was changed")]
    path.write_bytes(data[:550])
    assert check_recording(path, digests) == [Finding(
        "recording-truncated", 5, 20, "录像被截短：只剩 550 字节，第 2–4 秒起缺失 / the recording was cut: 550 bytes left, "
                                      "missing from second 2 on")]
    path.write_bytes(data + b"tail")
    assert check_recording(path, digests) == [Finding(
        "recording-added", 8, 30, "录像结束后被加了 4 字节 / 4 bytes were added after the recording's end")]


def test_a_recording_that_did_not_close_is_verified_up_to_its_last_digest(recording):
    path, data, digests = recording
    path.write_bytes(data[:820])
    assert check_recording(path, digests[:2]) == [Finding(
        "unclosed", None, None, "录像没有正常结束（崩溃或仍在录制）：已校验到第 4 秒，之后的 120 字节无法校验 / the recording did "
                                "not close (a crash, or still recording): verified up to second 4; the 120 bytes after "
                                "it cannot be")]


def test_a_missing_file_no_digests_and_digests_that_skip_are_said(recording, tmp_path):
    path, data, digests = recording
    gone = tmp_path / "gone.mkv"
    assert check_recording(gone, digests) == [Finding("recording-missing", 3, 10, "录像文件 gone.mkv 不在了 / the "
                                                                                    "recording gone.mkv is missing")]
    assert check_recording(None, digests) == [Finding("recording-missing", 3, 10, "录像文件 ? 不在了 / the recording ? "
                                                                                    "is missing")]
    assert check_recording(path, []) == [Finding("undigested", None, None, "录像录制时还没有摘要，无法校验 / the recording "
                                                                           "was made before recordings were digested: "
                                                                           "it cannot be verified")]
    assert check_recording(gone, []) == [] and check_recording(None, []) == []
    skipping = [digests[0], digests[2]]
    assert check_recording(path, skipping) == [Finding("recording-changed", 8, 30, "录像摘要不连续（字节 400 起）/ the "
                                                                                    "recording's digests skip from byte 400")]


def test_a_digest_that_is_not_ours_is_passed_over_and_the_next_still_checked(recording):
    path, data, digests = recording
    odd = (4, 15, T.RECORDING_SEGMENT.value, {"start": "100", "end": 400, "sha256": "x"})
    assert check_recording(path, [digests[0], odd, *digests[1:]]) == []
    changed = bytearray(data)
    changed[800] ^= 1
    path.write_bytes(bytes(changed))
    assert [f.seq for f in check_recording(path, [digests[0], odd, *digests[1:]])] == [30]
    assert _seconds(None) == "?" and _seconds("4") == "?" and _seconds(2.4) == "2"


def test_the_bytes_as_recorded_are_checked_when_a_repair_kept_them(recording):
    path, data, digests = recording
    as_recorded(path).write_bytes(data)
    path.write_bytes(b"a remuxed copy")
    assert check_recording(path, digests) == []
    path.unlink()
    assert check_recording(path, digests) == []  # the copy gone, the bytes as recorded still there


def test_growing_file_digests_each_segment_after_the_header_and_the_head_at_the_close(tmp_path):
    path = tmp_path / "g.mkv"
    segments: list[Segment] = []
    growing = GrowingFile(path, segments.append, every_s=1.0)
    path.write_bytes(b"H" * 10)
    growing.opened()
    assert growing.head_end == 10
    with open(path, "ab") as out:
        out.write(b"a" * 5)
    growing.wrote(0.5)  # not a second of media yet
    assert segments == []
    growing.wrote(1.0)
    with open(path, "ab") as out:
        out.write(b"b" * 7)
    growing.wrote(1.5)  # the next digest at 2.0
    growing.wrote(2.0)
    growing.wrote(2.5)  # nothing written since: no empty segment
    growing.closed()
    assert [(s.start, s.end, s.media_s, s.closed) for s in segments] == [(10, 15, 1.0, False), (15, 22, 2.0, False),
                                                                        (22, 22, 2.5, True)]
    assert segments[0].sha256 == sha(b"a" * 5) and segments[-1].head == sha(b"H" * 10)
    assert segments[0].payload() == {"file": "g.mkv", "start": 10, "end": 15, "sha256": sha(b"a" * 5), "media_s": 1.0}
    assert segments[-1].payload() == {"file": "g.mkv", "start": 22, "end": 22, "sha256": sha(b""), "media_s": 2.5,
                                      "head_end": 10, "head": sha(b"H" * 10), "size": 22}


def test_growing_file_stops_once_the_file_cannot_be_read_and_a_failing_handler_is_survived(tmp_path):
    path = tmp_path / "g.mkv"
    told: list = []
    growing = GrowingFile(path, lambda segment: told.append(segment) or 1 / 0, every_s=1.0)
    growing.opened()  # no file: the failure is kept, nothing raises
    assert growing.failed and growing.head_end == 0
    growing.wrote(5.0)
    growing.closed()
    assert told == []
    path.write_bytes(b"data")
    again = GrowingFile(path, lambda segment: told.append(segment) or 1 / 0, every_s=1.0)
    again.opened()
    with open(path, "ab") as out:
        out.write(b"more")
    again.wrote(1.0)  # the handler raises: logged, the recording goes on
    again.closed()
    assert len(told) == 2 and again.failed is None and again.offset == 8


def test_growing_file_digests_no_empty_segment_and_a_header_never_written_as_empty(tmp_path, caplog):
    path = tmp_path / "g.mkv"
    segments: list[Segment] = []
    growing = GrowingFile(path, segments.append, every_s=1.0)
    path.write_bytes(b"abc")  # the muxer failed before its header was written: `opened` never came
    growing.wrote(1.0)
    growing.wrote(2.0)  # a second of media passed, nothing written since: no empty segment
    growing.closed()
    assert [(s.start, s.end, s.media_s, s.head_end, s.head) for s in segments] == [(0, 3, 1.0, 0, ""),
                                                                                   (3, 3, 2.0, 0, sha(b""))]
    closed_at_once = []
    GrowingFile(path, closed_at_once.append).closed()
    assert [(s.start, s.end, s.media_s, s.head) for s in closed_at_once] == [(0, 3, 0.0, sha(b""))]
    with caplog.at_level("ERROR", logger="app.media.digest"):
        GrowingFile(path, lambda segment: 1 / 0).closed()
    assert [r.getMessage() for r in caplog.records] == ["a recording digest was not handed on"]


@pytest.mark.parametrize("error, said", [(OSError(5, "Input/output error"), "Input/output error"),
                                         (OSError("no strerror"), "no strerror")])
def test_growing_file_stops_when_its_bytes_cannot_be_read(tmp_path, monkeypatch, error, said):
    import app.media.digest as digest

    path = tmp_path / "g.mkv"
    path.write_bytes(b"header")
    told: list = []
    growing = GrowingFile(path, told.append, every_s=1.0)
    growing.opened()

    def unreadable(*_args):
        raise error

    monkeypatch.setattr(digest, "digest_range", unreadable)
    with open(path, "ab") as out:
        out.write(b"packets")
    growing.wrote(1.0)
    assert growing.failed == said and told == []
    monkeypatch.undo()
    growing.wrote(5.0)
    growing.closed()
    assert told == [] and growing.failed == said  # digesting stopped at the failure; the recording went on


def test_digest_range_reads_a_range_longer_than_its_chunk(tmp_path, monkeypatch):
    import app.media.digest as digest

    monkeypatch.setattr(digest, "CHUNK", 7)
    data = os.urandom(100)
    path = tmp_path / "r.bin"
    path.write_bytes(data)
    assert digest_range(path, 3, 40) == (sha(data[3:40]), 37)
    assert digest_range(path, 90, 130) == (sha(data[90:]), 10)


# --- the draws --------------------------------------------------------------------------------------------------

def _draw_show(database) -> tuple[int, int]:
    """A show with a 福袋: three viewers enter by its keyword; a comment hidden by a banned word and the staff's own
    comment hold the keyword too and never enter."""
    core = SessionCore(database, banned_words=["违禁"])
    session_id = core.start("福袋 draw")
    core.room.start_draw("保温杯", "福袋来了", 2, 60, "anyone", STAFF)
    for n in range(3):
        core.bus.publish(Event(T.COMMENT, {"user_id": f"v{n}", "nickname": f"看客{n}", "text": "福袋来了"},
                               actor=PLATFORM))
    core.bus.publish(Event(T.COMMENT, {"user_id": "hidden", "nickname": "藏", "text": "福袋来了 违禁"}, actor=PLATFORM))
    core.bus.publish(Event(T.COMMENT, {"user_id": "staff", "nickname": "小李", "text": "福袋来了"}, actor=STAFF))
    core.room.stop_draw(STAFF)
    core.end()
    with database.session() as db:
        seq = db.scalar(select(EventRecord.seq).where(EventRecord.session_id == session_id,
                                                      EventRecord.type == T.DRAW_WINNERS.value))
    return session_id, seq


def test_a_fair_draw_recomputes_and_changed_winners_are_named(catalogue):
    session_id, seq = _draw_show(catalogue)
    with catalogue.session() as db:
        assert check_draws(db, session_id, set()) == (1, [])
        winners = db.scalar(select(EventRecord.payload).where(EventRecord.session_id == session_id,
                                                              EventRecord.seq == seq))
    assert {w["user_id"] for w in winners["winners"]} <= {"v0", "v1", "v2"}
    with catalogue.sessions.begin() as db:
        db.execute(update(EventRecord).where(EventRecord.session_id == session_id, EventRecord.seq == seq).values(
            payload={**winners, "winners": [{"user_id": "hidden", "nickname": "藏"}]}))
    with catalogue.session() as db:
        draw_id = winners["draw_id"]
        assert check_draws(db, session_id, set()) == (1, [Finding(
            "draw", None, seq, f"福袋 {draw_id} 复核不符：中奖者不是种子给出的 / draw {draw_id} does not recompute: its "
                               "winners are not those its seed gives")])


def test_a_draw_whose_entrants_were_erased_is_said_as_erased(catalogue):
    session_id, seq = _draw_show(catalogue)
    with catalogue.session() as db:
        draw_id = db.scalar(select(EventRecord.payload).where(EventRecord.session_id == session_id,
                                                              EventRecord.seq == seq))["draw_id"]
    assert erase_viewer(catalogue, "", "v1") is not None
    with catalogue.sessions.begin() as db:  # whether the sorted ids still give the same winners is chance: make
        # sure they do not, as when the erased entrant's token sorts elsewhere
        db.execute(update(EventRecord).where(EventRecord.session_id == session_id, EventRecord.seq == seq).values(
            payload={"draw_id": draw_id, "entrants": 3, "winners": [{"user_id": "nobody", "nickname": "无"}]}))
    with catalogue.session() as db:
        fair = _erased_fair(db, session_id)
        assert fair == {draw_id} and _erased_fair(db, session_id + 1) == set()
        assert check_draws(db, session_id, fair) == (1, [Finding(
            "erased", None, seq, f"福袋 {draw_id} 的参与者已按请求删除，删除前复核为公平 / the entrants of draw {draw_id} "
                                 "were erased on request; it checked fair just before")])


# --- the anchor and the bundle's files ------------------------------------------------------------------------

def test_an_anchor_is_checked_against_its_seals_and_the_shows_seal(tmp_path):
    seals = [[1, "a" * 64], [2, "b" * 64]]
    anchor = {"studio": "一号", "day": "2026-12-04", "seals": seals,
              "digest": hashlib.sha256(anchor_statement("一号", "2026-12-04", seals)).hexdigest()}
    assert anchor_findings(anchor, 2, "b" * 64) == [] and anchor_findings(None, 2, "b" * 64) == []
    assert anchor_findings(anchor, 3, None) == []  # an unsealed show: nothing to look for
    assert anchor_findings(anchor, 2, "c" * 64) == ["anchor: 当日存证锚里没有这一场的封存 / the day's anchor does not "
                                                    "list this show's seal"]
    assert anchor_findings({**anchor, "day": "2026-12-05"}, 2, "b" * 64) == [
        "anchor: 当日存证锚的摘要不符 / the day's anchor does not match its seals"]
    assert anchor_findings({**anchor, "seals": seals + ["junk"]}, 2, "b" * 64) == [
        "anchor: 当日存证锚的摘要不符 / the day's anchor does not match its seals"]
    assert anchor_findings({**anchor, "signature": {"alg": "ed25519", "key": "00", "sig": "00"}}, 2, "b" * 64) == [
        "anchor: 当日存证锚的签名不符 / the day's anchor's signature does not match"]


def test_a_bundles_files_are_checked_against_its_manifest(tmp_path):
    (tmp_path / "recording").mkdir()
    (tmp_path / "events.jsonl").write_text("{}\n")
    (tmp_path / "recording" / "a.mkv").write_bytes(b"video")
    manifest = {"files": {"events.jsonl": {"sha256": sha(b"{}\n")}, "recording/a.mkv": {"sha256": sha(b"video")},
                          "chain.jsonl": {"sha256": "0"}}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "extra.txt").write_text("mine")
    assert _file_findings(tmp_path, manifest) == ("chain.jsonl: 缺失 missing", "extra.txt: 不在清单上 not in the manifest")
    (tmp_path / "recording" / "a.mkv").write_bytes(b"VIDEO")
    assert "recording/a.mkv: 与清单不符 differs from the manifest" in _file_findings(tmp_path, manifest)
    assert _file_findings(tmp_path, {"files": "junk"})[0] == "events.jsonl: 不在清单上 not in the manifest"


# --- a bundle written and read back ---------------------------------------------------------------------------

def test_a_bundle_carries_its_studios_erasures_and_reads_the_show_as_the_store_does(catalogue, no_keyring, tmp_path,
                                                                                   monkeypatch):
    """An erased entrant's token sorts before every "v…" id, so the draw no longer recomputes: the store and the
    bundle must both say it as an erasure (the bundle reads that from its erasures file), and another studio's
    erasure on the same database stays out of this studio's bundle."""
    from app.records import export_bundle, verify_bundle, verify_show
    from app.store.db import Database
    from app.store.models import Erasure

    import app.records as records

    monkeypatch.setattr(records, "BATCH", 2)  # rows loaded into the bundle's store two at a time, as thousands are
    session_id, seq = _draw_show(catalogue)
    assert erase_viewer(catalogue, "", "v2") is not None
    other = Database(catalogue.url, studio="别的工作室")
    try:
        other_session, _ = _draw_show(other)
        assert erase_viewer(other, "", "v2") is not None
        other_here = verify_show(other, other_session)
        other_there = verify_bundle(export_bundle(other, other_session, tmp_path / "other"))
    finally:
        other.close()
    for here, there in ((verify_show(catalogue, session_id),
                         verify_bundle(export_bundle(catalogue, session_id, tmp_path / "a" / "b" / "bundle"))),
                        (other_here, other_there)):
        assert here.said("erased") and here.intact and here.draws == 1 and not here.said("draw")
        assert [(f.kind, f.seq) for f in there.show.verdict.findings] == [(f.kind, f.seq)
                                                                          for f in here.verdict.findings]
        assert there.intact and there.show.draws == 1 and there.show.verdict.links == here.verdict.links
    said = [(f.kind, f.seq) for f in verify_show(catalogue, session_id).verdict.findings]
    assert ("erased", seq) in said and {kind for kind, _seq in said} == {"erased"}  # the draw, the erased rows
    rows = [json.loads(line) for line in (tmp_path / "a" / "b" / "bundle" / "erasures.jsonl").read_text(
        encoding="utf-8").splitlines()]
    with catalogue.session() as db:
        stored = db.execute(select(Erasure.erased_at, Erasure.token, Erasure.draws).where(
            Erasure.studio_id == catalogue.studio_id)).all()
    assert rows == [{"erased_at": at, "token": token, "draws": draws} for at, token, draws in stored]
    assert len(rows) == 1 and rows[0]["draws"][0]["verified"] is True


def test_a_bundles_manifest_names_the_show_its_files_and_its_signer(catalogue, no_keyring, tmp_path):
    from app.records import FORMAT, export_bundle, verify_bundle
    from app.signing import StudioKey
    from app.store.models import LiveSession

    session_id, _ = _draw_show(catalogue)
    with catalogue.session() as db:
        show = db.get(LiveSession, session_id)
        expected = {"id": session_id, "title": "福袋 draw", "kind": show.kind, "status": show.status,
                    "started_at": show.started_at, "ended_at": show.ended_at, "host": show.host,
                    "platform": show.platform, "recording": ""}
    empty = tmp_path / "empty"
    empty.mkdir()  # a folder made beforehand and still empty is taken
    folder = export_bundle(catalogue, session_id, empty)
    text = (folder / "manifest.json").read_text(encoding="utf-8")
    assert '"title": "福袋 draw"' in text and '\n "format": ' in text  # Chinese as written, a key a line
    manifest = json.loads(text)
    assert manifest["session"] == expected and manifest["format"] == FORMAT
    assert manifest["studio"] == catalogue.studio and manifest["studio_id"] == catalogue.studio_id
    assert set(manifest) == {"format", "console", "studio", "studio_id", "session", "exported_at", "files", "anchor"}
    assert manifest["files"] == {name: {"sha256": sha((folder / name).read_bytes()),
                                        "bytes": (folder / name).stat().st_size}
                                 for name in ("chain.jsonl", "erasures.jsonl", "events.jsonl", "quarantined.jsonl")}
    verdict = verify_bundle(folder)
    assert verdict.intact and verdict.show.recording == "" and verdict.signed_by is None and verdict.problems == ()
    public = StudioKey(catalogue.studio).create()
    signed = export_bundle(catalogue, session_id, tmp_path / "signed")
    assert verify_bundle(signed).signed_by == public and verify_bundle(signed).intact
    manifest = json.loads((signed / "manifest.json").read_text(encoding="utf-8"))
    manifest["signature"]["sig"] = "00" * 64
    (signed / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    verdict = verify_bundle(signed)
    assert verdict.signed_by is None and verdict.problems == ("manifest.json: 签名不符 / its signature does not match",)
    for missing in (session_id + 100,):
        with pytest.raises(KeyError) as raised:
            export_bundle(catalogue, missing, tmp_path / "missing")
        assert raised.value.args == (missing,) and not (tmp_path / "missing").exists()


def test_what_a_bundles_lines_and_manifest_cannot_be_is_said_by_line_in_both_languages(tmp_path):
    from app.records import FORMAT, BundleError, _manifest, _read_jsonl

    path = tmp_path / "events.jsonl"
    assert list(_read_jsonl(path)) == []  # no file: no rows
    path.write_bytes(b'{"a": 1}\n{}\nnope\n')
    with pytest.raises(BundleError) as raised:
        list(_read_jsonl(path))
    assert str(raised.value) == "events.jsonl 第 3 行不是 JSON / line 3 of events.jsonl is not JSON"
    path.write_bytes(b'{}\n\xff\xfe\n')
    with pytest.raises(BundleError, match="line 2 of events.jsonl is not JSON"):
        list(_read_jsonl(path))
    path.write_bytes(b'{}\n[1]\n')
    with pytest.raises(BundleError) as raised:
        list(_read_jsonl(path))
    assert str(raised.value) == "events.jsonl 第 2 行不是对象 / line 2 of events.jsonl is not an object"
    good = {"format": FORMAT, "session": {"id": 1}}
    for manifest in (good, [good], {**good, "format": "other/1"}, {**good, "session": {"id": "1"}},
                     {**good, "session": [1]}):
        (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        if manifest is good:
            assert _manifest(tmp_path) == good
            continue
        with pytest.raises(BundleError) as raised:
            _manifest(tmp_path)
        assert str(raised.value) == f"{tmp_path} 不是本软件的存证包 / {tmp_path} is not a records bundle of this " \
                                    f"console ({FORMAT})"
    (tmp_path / "manifest.json").write_text("{", encoding="utf-8")
    with pytest.raises(BundleError, match=r"manifest.json unreadable: JSONDecodeError\)"):
        _manifest(tmp_path)


def test_a_bundle_whose_rows_the_store_refuses_says_what_refused_them(catalogue, no_keyring, tmp_path):
    from app.records import BundleError, export_bundle, verify_bundle

    session_id, _ = _draw_show(catalogue)
    folder = export_bundle(catalogue, session_id, tmp_path / "bundle")
    first = (folder / "events.jsonl").read_text(encoding="utf-8").splitlines()[0]
    with open(folder / "events.jsonl", "a", encoding="utf-8") as out:
        out.write(first + "\n")  # the same seq twice
    with pytest.raises(BundleError) as raised:
        verify_bundle(folder)
    assert str(raised.value) == ("存证包的内容无法载入：IntegrityError / the bundle's contents cannot be loaded: "
                                 "IntegrityError")


def test_what_is_signed_begins_with_its_kind_and_names_its_fields():
    """The signed statements' bytes: changed, every signature made before would stop verifying."""
    from app.records import Anchor, anchor_statement, manifest_statement
    from app.store.chain import canonical

    seals = [(1, "ab"), (2, "cd")]
    assert anchor_statement("一号", "2026-12-04", seals) == b"anchor-console/1\nanchor\n" + canonical(
        {"studio": "一号", "day": "2026-12-04", "seals": [[1, "ab"], [2, "cd"]]})
    assert manifest_statement({"format": "f", "signature": {"sig": "x"}}) == b"anchor-console/1\nbundle\n" + \
        canonical({"format": "f"})
    anchor = Anchor("一号", "2026-12-04", tuple(seals), "d" * 64, {"alg": "ed25519"})
    assert anchor.as_json() == {"studio": "一号", "day": "2026-12-04", "seals": [[1, "ab"], [2, "cd"]],
                                "digest": "d" * 64, "signature": {"alg": "ed25519"}}
    assert "signature" not in Anchor("一号", "2026-12-04", (), "d" * 64).as_json()


def test_the_days_anchor_takes_the_shows_started_from_midnight_to_midnight_and_signs_when_asked(catalogue,
                                                                                               no_keyring):
    import datetime as dt

    from app.records import day_anchor
    from app.signing import StudioKey
    from app.store.models import LiveSession

    first, _ = _draw_show(catalogue)
    second, _ = _draw_show(catalogue)
    day = dt.date(2026, 12, 4)
    midnight = dt.datetime.combine(day, dt.time()).timestamp()
    tomorrow = dt.datetime.combine(day + dt.timedelta(days=1), dt.time()).timestamp()
    with catalogue.sessions.begin() as db:
        db.get(LiveSession, first).started_at = midnight
        db.get(LiveSession, second).started_at = tomorrow
    assert [sid for sid, _link in day_anchor(catalogue, day).seals] == [first]
    assert [sid for sid, _link in day_anchor(catalogue, day + dt.timedelta(days=1)).seals] == [second]
    StudioKey(catalogue.studio).create()
    assert day_anchor(catalogue, day).signature is not None and day_anchor(catalogue, day, sign=False).signature is None
