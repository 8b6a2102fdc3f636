"""A studio's signing key (issue #31): Ed25519 kept in the OS keyring (or, with none, a file only its owner reads),
never logged; the show's seal signed with it, so that a log changed and its whole chain rebuilt — which a chain
alone cannot show — is found by the signature; the day's anchor lists the day's seals, signed, and a bundle
carries it and its own signature, checked on the other side; the command line creates and shows the key."""

from __future__ import annotations

import datetime as dt
import json
import stat

import keyring
import pytest
from hypothesis import given, strategies as st
from sqlalchemy import select, update

from app.kernel.events import Event, EventType as T
from app.records import day_anchor, export_bundle, verify_bundle, verify_show
from app.redaction import redact
from app.session import SessionCore
from app.signing import KeyExists, StudioKey, check, fingerprint, pseudonym_secret
from app.store.chain import event_digests, link_of, note_digest
from app.store.chain_check import verify
from app.store.models import ChainLink, EventRecord, LiveSession
from tests.conftest import run_cli
from tests.test_destinations import _DictKeyring


def test_without_a_keyring_the_key_is_a_file_only_its_owner_reads_and_is_never_logged(no_keyring):
    key = StudioKey("一号直播间")
    assert key.signer() is None and key.public() is None  # signing is optional: no key, no signature
    public = key.create()
    assert key.where == "file"
    (path,) = list((no_keyring / "keys").iterdir())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    secret = path.read_text()
    assert secret not in public and redact(f"[{secret}]") == "[****]"
    with pytest.raises(KeyExists):
        key.create()
    assert StudioKey("一号直播间").public() == public and StudioKey("二号直播间").public() is None
    signature = key.signer()(b"statement")
    assert signature["key"] == public and check(b"statement", signature)
    assert not check(b"statement!", signature)
    assert not check(b"statement", {**signature, "key": StudioKey("二号直播间").create()})
    assert len(fingerprint(public)) == 19 and fingerprint(public).count(" ") == 3


def test_with_a_keyring_the_key_lives_there_and_no_file_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    previous = keyring.get_keyring()
    backend = _DictKeyring()
    keyring.set_keyring(backend)
    try:
        key = StudioKey("一号直播间")
        public = key.create()
        assert key.where == "keyring" and ("AnchorConsole-signing", "一号直播间") in backend.passwords
        assert not (tmp_path / "data" / "keys").exists()
        fresh = StudioKey("一号直播间")
        assert fresh.where == "" and fresh.public() == public and fresh.where == "keyring"
        secret = pseudonym_secret("一号直播间")
        assert backend.passwords[("AnchorConsole-pseudonyms", "一号直播间")] == secret.hex()
        key.remove()
        assert StudioKey("一号直播间").public() is None
    finally:
        keyring.set_keyring(previous)


@given(st.one_of(st.none(), st.text(), st.dictionaries(st.sampled_from(["alg", "key", "sig"]),
                                                       st.one_of(st.text(), st.integers(), st.none()))))
def test_any_signature_a_hostile_file_holds_is_refused_never_raised(signature):
    assert check(b"x", signature) is False


def _a_signed_show(database) -> tuple[int, list[int]]:
    core = SessionCore(database)
    session_id = core.start("签名 signed")
    orders = [core.bus.publish(Event(T.ORDER, {"user_id": f"u{n}", "product_id": 1, "quantity": 1,
                                               "amount_cents": 9900, "order_id": f"o{n}"})).seq for n in range(5)]
    core.end()
    return session_id, orders


def _rebuild(database, session_id: int) -> None:
    """What a forger with the database does after changing the log: every link and the seal made again to match
    (the hashes are not secret); the seal's signature cannot be made again without the key, so it is kept."""
    with database.sessions.begin() as db:
        links = db.scalars(select(ChainLink).where(ChainLink.session_id == session_id)
                           .order_by(ChainLink.position)).all()
        salt = links[0].note["salt"]
        rows = {r.seq: r for r in db.scalars(select(EventRecord).where(EventRecord.session_id == session_id))}
        previous = "0" * 64
        for link in links:
            if link.kind == "event":
                row = rows[link.seq]
                link.content, link.personal = event_digests({name: getattr(row, name) for name in (
                    "wall_time", "stream_time", "type", "actor", "user_id", "product_id", "amount_cents", "flagged",
                    "payload")}, salt)
            if link.kind == "seal":
                link.note = {**link.note, "last": previous}
                link.content = note_digest("seal", link.note)
            link.link = previous = link_of(previous, link.position, link.kind, link.seq, link.content, link.personal)


def test_a_log_changed_and_its_chain_rebuilt_is_found_by_the_seals_signature(database, no_keyring):
    public = StudioKey(database.studio).create()
    session_id, orders = _a_signed_show(database)
    verdict = verify(database, session_id)
    assert verdict.intact and verdict.signed_by == public
    with database.sessions.begin() as db:
        db.execute(update(EventRecord).where(EventRecord.session_id == session_id, EventRecord.seq == orders[2])
                   .values(amount_cents=1))
    assert [f.kind for f in verify(database, session_id).findings] == ["changed"]
    _rebuild(database, session_id)
    verdict = verify(database, session_id)
    assert [f.kind for f in verdict.findings] == ["signature"] and not verdict.intact  # the chain alone: intact
    assert verdict.signed_by is None
    with database.session() as db:
        seal = db.scalar(select(ChainLink.position).where(ChainLink.session_id == session_id,
                                                          ChainLink.kind == "seal"))
    assert [(f.kind, f.position, f.seq, f.what) for f in verdict.findings] == [
        ("signature", seal, None, "封存的签名不符 / the seal's signature does not match")]
    assert verdict.first == seal


def test_the_days_anchor_lists_the_days_seals_signed_and_a_bundle_carries_it(database, no_keyring, tmp_path):
    first, _ = _a_signed_show(database)  # no key yet: an unsigned seal
    public = StudioKey(database.studio).create()
    second, _ = _a_signed_show(database)
    third, _ = _a_signed_show(database)
    yesterday = dt.datetime.now() - dt.timedelta(days=1)
    with database.sessions.begin() as db:
        db.execute(update(LiveSession).where(LiveSession.id == third).values(started_at=yesterday.timestamp()))
    anchor = day_anchor(database, dt.date.today())
    assert [sid for sid, _ in anchor.seals] == [first, second]
    assert verify(database, first).signed_by is None and verify(database, second).signed_by == public
    assert verify_show(database, second).signed == fingerprint(public) and verify_show(database, first).signed == ""
    assert anchor.signature["key"] == public and check(anchor.statement(), anchor.signature)
    assert day_anchor(database, dt.date.today()).digest == anchor.digest  # the same seals, the same anchor
    assert [sid for sid, _ in day_anchor(database, yesterday.date()).seals] == [third]
    folder = export_bundle(database, second, tmp_path / "bundle")
    result = verify_bundle(folder)
    assert result.intact and result.signed_by == public and result.show.verdict.signed_by == public
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["anchor"]["digest"] == anchor.digest
    manifest["anchor"]["seals"] = [seal for seal in manifest["anchor"]["seals"] if seal[0] != second]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    problems = verify_bundle(folder).problems
    assert any("does not list this show's seal" in p for p in problems)
    assert any("anchor does not match" in p for p in problems)
    assert any("manifest.json" in p and "signature" in p for p in problems)


def test_the_command_line_creates_and_shows_the_key_and_prints_the_days_anchor(tmp_path):
    import os

    env = {"ANCHOR_CONSOLE_DATA": str(tmp_path / "data")}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        missing = run_cli("records", "key", "show")
        assert missing.returncode == 1 and "records key create" in missing.stdout
        made = run_cli("records", "key", "create")
        assert made.returncode == 0 and "指纹 fingerprint" in made.stdout, made.output
        shown = run_cli("records", "key", "show")
        assert shown.stdout.splitlines()[-1] == made.stdout.splitlines()[-1]
        assert run_cli("records", "key", "create").returncode == 2
        anchor = run_cli("records", "anchor", "--day", "2026-01-02")
        assert anchor.returncode == 0 and "锚 anchor:" in anchor.stdout and "签名 signature" in anchor.stdout
        bad = run_cli("records", "anchor", "--day", "2026-13-40")
        assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr and "Traceback" not in bad.output
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_the_fingerprint_and_the_pseudonym_secret_are_what_they_say(no_keyring):
    import hashlib

    public = "ab" * 32
    digest = hashlib.sha256(bytes.fromhex(public)).hexdigest()
    assert fingerprint(public) == f"{digest[0:4]} {digest[4:8]} {digest[8:12]} {digest[12:16]}"
    secret = pseudonym_secret("一号直播间")
    assert len(secret) == 32 and pseudonym_secret("一号直播间") == secret != pseudonym_secret("二号直播间")
    files = sorted(p.suffix for p in (no_keyring / "keys").iterdir())
    assert files == [".pseudonyms", ".pseudonyms"]  # apart from any signing key
    StudioKey("一号直播间").create()
    with pytest.raises(KeyExists, match="一号直播间"):
        StudioKey("一号直播间").create()
    assert pseudonym_secret("一号直播间") == secret  # a signing key made later changes nothing


def test_a_key_is_read_from_the_folder_given_and_any_key_read_is_never_logged(no_keyring, tmp_path):
    import hashlib

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    def file_of(studio: str, suffix: str) -> str:
        return f"{hashlib.sha256(studio.encode()).hexdigest()[:16]}.{suffix}"

    folder = tmp_path / "elsewhere"
    key = StudioKey("一号直播间", folder=folder)
    assert key.where == "" and key.public() is None and key.where == ""  # nothing there: nowhere
    public = key.create()
    assert [p.name for p in folder.iterdir()] == [file_of("一号直播间", "ed25519")]
    fresh = StudioKey("一号直播间", folder=folder)
    assert fresh.public() == public and fresh.where == "file"
    assert not (no_keyring / "keys").exists()  # the folder given, not the data folder's
    # a key put there by hand (copied from the studio's other machine) is kept out of the logs once read
    by_hand = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()).hex()
    (folder / file_of("二号直播间", "ed25519")).write_text(by_hand + "\n", encoding="ascii")
    assert StudioKey("二号直播间", folder=folder).public() is not None
    assert redact(f"[{by_hand}]") == "[****]"
    secret = pseudonym_secret("一号直播间", folder=folder)
    assert (folder / file_of("一号直播间", "pseudonyms")).read_text(encoding="ascii") == secret.hex()
    assert not (no_keyring / "keys").exists()
