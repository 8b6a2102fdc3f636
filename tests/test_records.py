"""A show's records whole (issue #31 存证): a real rehearsal's recording is digested as it is written (segments on the
show's chain, the header and the tail at the close), and a byte flipped, a cut, bytes added, the header changed or
the file gone are each caught and named with the seconds they fall in; a crash leaves a verifiable prefix (and the
repair keeps the bytes as recorded); a 福袋 is recomputed as part of the check; a bundle exported and verified
in another process, with nothing but its folder, gives the show's verdict, and finds what was changed in it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import av
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select, update

import app.media.digest as digest
from app.broadcast import recording_event
from app.console import ConsoleService, LiveOptions
from app.kernel.events import PLATFORM, Event, EventType as T
from app.media.digest import GrowingFile, as_recorded
from app.records import BundleError, export_bundle, verify_bundle, verify_show
from app.session import SessionCore
from app.store.db import Database
from app.store.models import EventRecord
from tests.conftest import run_cli
from tests.media.probe import probe

STAFF = "assistant:存证测试"


@pytest.fixture(scope="module")
def live_show(tmp_path_factory, qapp_offscreen):
    """A 7-second rehearsal recorded to MKV by the real go-live, digested every 2 s of media."""
    folder = tmp_path_factory.mktemp("records")
    old, every = os.environ.get("ANCHOR_CONSOLE_DATA"), digest.SEGMENT_S
    os.environ["ANCHOR_CONSOLE_DATA"] = str(folder / "data")
    digest.SEGMENT_S = 2.0
    service = ConsoleService(Database())
    try:
        recording = folder / "show.mkv"
        service.go_live(LiveOptions(recording_path=str(recording), duration=7, width=320, height=180, fps=15,
                                    audience_rate=50))
        session_id = service.broadcast.core.session_id
        service.wait()
        service.stop()
        yield {"recording": recording, "session_id": session_id, "bytes": recording.read_bytes(),
               "url": service.database.url}
    finally:
        service.close()
        digest.SEGMENT_S = every
        if old is None:
            os.environ.pop("ANCHOR_CONSOLE_DATA", None)
        else:
            os.environ["ANCHOR_CONSOLE_DATA"] = old


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def show(tmp_path_factory, request):
    """A show made by the real session core (its writer, its chain), on SQLite and on PostgreSQL: a 福袋 three viewers
    enter, a few orders, and a 7-second recording written as the console writes one (app/media/outputs.py's
    options), digested every 2 s of media as the output thread digests it."""
    folder = tmp_path_factory.mktemp("records-fast")
    url = f"sqlite:///{folder / 'anchor.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres").url()
    database = Database(url)
    recording = folder / "show.mkv"
    core = SessionCore(database)
    session_id = core.start("存证 records", recording_path=str(recording))
    try:
        core.room.start_draw("保温杯一个", "福袋来了", 2, 60, "anyone", STAFF)
        for n in range(3):
            core.bus.publish(Event(T.COMMENT, {"user_id": f"v{n}", "nickname": f"看客{n}", "text": "福袋来了"},
                                   actor=PLATFORM))
            core.bus.publish(Event(T.ORDER, {"user_id": f"v{n}", "nickname": f"看客{n}", "product_id": 1,
                                             "quantity": 1, "amount_cents": 8900 + n, "order_id": f"o{n}"}))
        core.room.stop_draw(STAFF)
        core.bus.publish(Event(T.ORDER, {"user_id": "v9", "nickname": "看客9", "product_id": 1, "quantity": 1,
                                         "amount_cents": 2**63, "order_id": "o-huge"}))  # the store refuses it: quarantined
        growing = GrowingFile(recording, lambda segment: core.bus.publish(recording_event(segment)), every_s=2.0)
        _write(recording, 7, growing)
    finally:
        core.end()
        database.close()
    yield {"folder": folder, "recording": recording, "session_id": session_id, "bytes": recording.read_bytes(),
           "url": url}


def _store(show):
    database = Database(show["url"])
    try:
        yield database
    finally:
        database.close()
        show["recording"].write_bytes(show["bytes"])
        as_recorded(show["recording"]).unlink(missing_ok=True)


@pytest.fixture
def store(show):
    """The show's database, and its recording as written again afterwards (a test may tamper with it)."""
    yield from _store(show)


@pytest.fixture
def live_store(live_show):
    yield from _store(live_show)


def digests(database, session_id) -> list[tuple[int, str, dict]]:
    with database.session() as db:
        return [tuple(row) for row in db.execute(select(EventRecord.seq, EventRecord.type, EventRecord.payload).where(
            EventRecord.session_id == session_id, EventRecord.type.in_((T.RECORDING_SEGMENT.value,
                                                                         T.RECORDING_CLOSED.value)))
            .order_by(EventRecord.seq))]


def kinds(show_verdict) -> list[str]:
    return [f.kind for f in show_verdict.verdict.findings]


def test_the_recording_is_digested_as_it_is_written_and_the_show_verifies_whole(live_show, live_store):
    show, store = live_show, live_store
    rows = digests(store, show["session_id"])
    segments, (closed_seq, closed_type, closed) = rows[:-1], rows[-1]
    assert closed_type == T.RECORDING_CLOSED and len(segments) >= 2
    assert [t for _, t, _ in segments] == [T.RECORDING_SEGMENT] * len(segments)
    # one after another from the end of the header to the file's end; every 2 s of media
    assert segments[0][2]["start"] == closed["head_end"] > 0
    ends = [p["start"] for _, _, p in segments[1:]] + [closed["start"]]
    assert [p["end"] for _, _, p in segments] == ends
    assert closed["end"] == closed["size"] == len(show["bytes"])
    media = [p["media_s"] for _, _, p in segments]
    assert media == sorted(media) and all(b - a >= 2.0 for a, b in zip(media, media[1:]))
    with store.session() as db:
        ended = db.scalar(select(EventRecord.seq).where(EventRecord.session_id == show["session_id"],
                                                        EventRecord.type == T.SESSION_ENDED.value))
    assert closed_seq < ended  # the recording closed before the show's end sealed its chain
    result = verify_show(store, show["session_id"])
    assert result.intact and result.verdict.sealed and result.verdict.findings == ()
    assert result.recording == "show.mkv"
    assert probe(show["recording"]).frames >= 90  # and the file the digests vouch for plays


def _flip(path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_byte_flipped_in_the_recording_is_named_with_its_seconds(show, store):
    rows = digests(store, show["session_id"])
    seq, _, second = rows[1]  # the segment of seconds 2–4
    _flip(show["recording"], (second["start"] + second["end"]) // 2)
    result = verify_show(store, show["session_id"])
    assert not result.intact and kinds(result) == ["recording-changed"]
    (finding,) = result.verdict.findings
    assert finding.seq == seq and result.verdict.first == finding.position
    assert f"字节 {second['start']}–{second['end']}" in finding.what and "second 2 and 4" in finding.what


def test_a_cut_recording_is_named_from_where_it_is_missing(show, store):
    rows = digests(store, show["session_id"])
    cut_at = rows[1][2]["start"] + 10
    show["recording"].write_bytes(show["bytes"][:cut_at])
    result = verify_show(store, show["session_id"])
    assert kinds(result) == ["recording-truncated"] and result.verdict.findings[0].seq == rows[1][0]
    assert f"只剩 {cut_at} 字节" in result.verdict.findings[0].what and not result.intact


def test_bytes_added_after_the_end_and_a_changed_header_are_named(show, store):
    show["recording"].write_bytes(show["bytes"] + b"\x00" * 100)
    assert kinds(verify_show(store, show["session_id"])) == ["recording-added"]
    show["recording"].write_bytes(show["bytes"])
    _flip(show["recording"], 40)
    result = verify_show(store, show["session_id"])
    assert kinds(result) == ["recording-changed"] and "header" in result.verdict.findings[0].what


def test_a_recording_gone_is_named(show, store):
    show["recording"].unlink()
    result = verify_show(store, show["session_id"])
    assert kinds(result) == ["recording-missing"] and not result.intact


def test_a_draw_whose_winners_were_changed_does_not_recompute(show, store):
    with store.sessions.begin() as db:
        seq, payload = db.execute(select(EventRecord.seq, EventRecord.payload).where(
            EventRecord.session_id == show["session_id"], EventRecord.type == T.DRAW_WINNERS.value)).one()
        winners = [{"user_id": "v-friend", "nickname": "托"}] + payload["winners"][1:]
        db.execute(update(EventRecord).where(EventRecord.session_id == show["session_id"], EventRecord.seq == seq)
                   .values(payload={**payload, "winners": winners}))
    try:
        result = verify_show(store, show["session_id"])
        assert {"changed", "draw"} <= set(kinds(result)) and not result.intact
        assert any("福袋" in f.what and f.seq == seq for f in result.verdict.findings if f.kind == "draw")
    finally:
        with store.sessions.begin() as db:
            db.execute(update(EventRecord).where(EventRecord.session_id == show["session_id"], EventRecord.seq == seq)
                       .values(payload=payload))


# --- a crash, on both engines ----------------------------------------------------------------------------------

def _write(path, seconds: int, growing: GrowingFile | None, close: bool = True) -> None:
    """A small MKV written as the console's recordings are (a header, then clusters flushed as they close)."""
    container = av.open(str(path), "w", format="matroska", options={"cluster_time_limit": "1000",
                                                                      "flush_packets": "1"})
    stream = container.add_stream("libx264", rate=15)
    stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"
    container.start_encoding()
    if growing is not None:
        growing.opened()
    for i in range(seconds * 15):
        frame = av.VideoFrame.from_ndarray(np.full((96, 160, 3), (i * 7) % 255, np.uint8), format="bgr24")
        frame.pts = i
        for packet in stream.encode(frame):
            seconds = float(packet.pts * packet.time_base)  # before the muxer rescales it to its own time base
            container.mux(packet)
            if growing is not None:
                growing.wrote(seconds)
    if not close:
        return  # as a kill leaves it: what was flushed is on disk, no close
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    if growing is not None:
        growing.closed()


def test_a_crashed_recording_verifies_up_to_its_last_digest_and_its_repair_keeps_the_bytes(database, tmp_path):
    path = tmp_path / "crash.mkv"
    core = SessionCore(database)
    session_id = core.start("崩溃 crash", recording_path=str(path))
    try:
        growing = GrowingFile(path, lambda segment: core.bus.publish(recording_event(segment)), every_s=1.0)
        _write(path, 6, growing, close=False)
    finally:
        core.end()
    rows = digests(database, session_id)
    assert len(rows) >= 3 and {t for _, t, _ in rows} == {T.RECORDING_SEGMENT}
    result = verify_show(database, session_id)
    assert result.intact and kinds(result) == ["unclosed"] and "verified up to second" in \
        result.verdict.findings[0].what
    written = path.read_bytes()
    last = rows[-1][2]["end"]
    if len(written) > last:  # a byte after the last digest cannot be vouched for, and is said so, not accused
        _flip(path, len(written) - 1)
        assert verify_show(database, session_id).intact
    path.write_bytes(written)
    _flip(path, rows[0][2]["start"] + 5)
    result = verify_show(database, session_id)
    assert set(kinds(result)) == {"recording-changed", "unclosed"} and not result.intact
    path.write_bytes(written)
    # the repair (a playable copy, remuxed) keeps the bytes as recorded beside it: the digests still vouch for them
    from app.media.repair import repair_recording

    os.utime(path, (0, 0))
    assert repair_recording(path)
    assert as_recorded(path).read_bytes() == written and path.read_bytes() != written
    assert verify_show(database, session_id).intact


# --- the bundle -------------------------------------------------------------------------------------------------

def test_a_bundle_verifies_in_another_process_with_nothing_but_its_folder(show, store, tmp_path):
    folder = export_bundle(store, show["session_id"], tmp_path / "bundle")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "anchor-console-records/1" and manifest["session"]["id"] == show["session_id"]
    assert set(manifest["files"]) == {"events.jsonl", "quarantined.jsonl", "chain.jsonl", "erasures.jsonl",
                                      "recording/show.mkv"}
    assert (folder / "recording" / "show.mkv").read_bytes() == show["bytes"]
    (quarantined,) = [json.loads(line) for line in (folder / "quarantined.jsonl").read_text(encoding="utf-8").splitlines()]
    assert set(quarantined) == {"seq", "type", "reason", "event_text", "quarantined_at"} and "o-huge" in \
        quarantined["event_text"]
    here = verify_show(store, show["session_id"])
    there = verify_bundle(folder)
    assert there.intact and there.show.verdict.links == here.verdict.links and there.show.draws == 1
    # another machine's checkout: a copy of the console's code alone, an empty data folder, the bundle
    checkout = tmp_path / "checkout"
    root = digest.__file__.rsplit("/app/", 1)[0]
    shutil.copytree(f"{root}/app", checkout / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(f"{root}/resources", checkout / "resources")
    env = dict(os.environ, ANCHOR_CONSOLE_DATA=str(tmp_path / "elsewhere"), PYTHONPATH=str(checkout))
    probe_code = ("import sys, app; print(app.__file__, flush=True); from app.cli import main; "
                  f"sys.exit(main(['records', 'verify', {str(folder)!r}]))")
    proc = subprocess.run([sys.executable, "-c", probe_code], capture_output=True, text=True, timeout=120, env=env,
                          cwd=checkout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[0] == str(checkout / "app" / "__init__.py")  # that copy, not this tree
    assert "完好 intact" in proc.stdout and "福袋复核 draws recomputed 1" in proc.stdout


def test_a_repaired_recording_goes_in_the_bundle_as_it_was_recorded(show, store, tmp_path):
    """After a crash's repair the digests vouch for the bytes as recorded (kept beside the repaired file): those are
    what the bundle carries."""
    as_recorded(show["recording"]).write_bytes(show["bytes"])
    show["recording"].write_bytes(show["bytes"][:-100] + b"repaired" * 10)
    folder = export_bundle(store, show["session_id"], tmp_path / "bundle")
    assert (folder / "recording" / "show.mkv").read_bytes() == show["bytes"]
    assert verify_bundle(folder).intact


def test_what_was_changed_in_a_bundle_is_named(show, store, tmp_path):
    folder = export_bundle(store, show["session_id"], tmp_path / "bundle")
    lines = (folder / "events.jsonl").read_text(encoding="utf-8").splitlines()
    orders = [i for i, line in enumerate(lines) if json.loads(line)["type"] == "order"]
    row = json.loads(lines[orders[0]])
    row["amount_cents"], row["payload"]["amount_cents"] = 1, 1
    lines[orders[0]] = json.dumps(row, ensure_ascii=False)
    (folder / "events.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _flip(folder / "recording" / "show.mkv", len(show["bytes"]) // 2)
    quarantined = json.loads((folder / "quarantined.jsonl").read_text(encoding="utf-8"))
    quarantined["reason"] = "nothing to see"
    (folder / "quarantined.jsonl").write_text(json.dumps(quarantined, ensure_ascii=False) + "\n", encoding="utf-8")
    verdict = verify_bundle(folder)
    assert not verdict.intact
    assert {"changed", "recording-changed"} <= set(kinds(verdict.show))
    assert [f.seq for f in verdict.show.verdict.findings if f.kind == "changed"] == [row["seq"], quarantined["seq"]]
    assert {line.split(":")[0] for line in verdict.problems} == {"events.jsonl", "quarantined.jsonl",
                                                                 "recording/show.mkv"}
    result = run_cli("records", "verify", str(folder))
    assert result.returncode == 1 and "NOT intact" in result.stdout and "[recording-changed]" in result.stdout


def test_an_export_refuses_a_folder_in_use_and_a_folder_that_is_no_bundle_is_said(show, store, tmp_path):
    used = tmp_path / "used"
    used.mkdir()
    (used / "keep.txt").write_text("mine")
    with pytest.raises(BundleError, match="not an empty folder"):
        export_bundle(store, show["session_id"], used)
    assert [p.name for p in used.iterdir()] == ["keep.txt"]
    with pytest.raises(BundleError, match="manifest.json"):
        verify_bundle(used)
    result = run_cli("records", "verify", str(used))
    assert result.returncode == 2 and "not a records bundle" in result.stderr and "Traceback" not in result.output
    assert run_cli("records", "verify", str(tmp_path / "nowhere")).returncode == 2


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=st.binary(max_size=80), where=st.sampled_from(["events.jsonl", "chain.jsonl", "quarantined.jsonl",
                                                          "erasures.jsonl"]))
def test_any_line_in_a_bundle_is_refused_or_found_never_raised(show, tmp_path_factory, line, where):
    """Whatever a hostile hand puts in a bundle's files: a BundleError, or a verdict that is not intact."""
    base = tmp_path_factory.getbasetemp() / "hostile-source"
    if not base.exists():
        database = Database(show["url"])
        try:
            export_bundle(database, show["session_id"], base)
        finally:
            database.close()
    folder = tmp_path_factory.mktemp("hostile")
    shutil.copytree(base, folder, dirs_exist_ok=True)
    with open(folder / where, "ab") as out:
        out.write(line + b"\n")
    try:
        verdict = verify_bundle(folder)
    except BundleError as exc:
        assert "/" in str(exc)  # bilingual
        return
    assert not verdict.intact


def test_another_studio_on_the_same_database_neither_exports_nor_vouches_for_the_show(show, store, tmp_path):
    other = Database(store.url, studio="别的工作室")
    try:
        assert other.studio_id != store.studio_id
        with pytest.raises(KeyError):
            export_bundle(other, show["session_id"], tmp_path / "other")
        with pytest.raises(KeyError):
            verify_show(other, show["session_id"])
    finally:
        other.close()
    assert not (tmp_path / "other").exists()
