"""A show's records checked whole and handed over (issue #31 存证).

`verify_show` checks a stored show: its log against its hash chain (app/store/chain.py, checked by
app/store/chain_check.py), its recording against the digests the log holds (app/media/digest.py: a byte changed, a
cut, bytes added after the end are each named with the seconds of media they fall in), and every 福袋 draw
recomputed from the log (app/commerce/draw.py).

`export_bundle` writes a show's records to a folder another machine can check with `verify_bundle`, with nothing
but this console's code and the folder (the bundle format, version 1):

- `manifest.json`: the format, the console's version, the studio, the show, when it was exported, the SHA-256 and
  size of every other file in the bundle, the day's anchor of the show's day (`anchor`: the seals of the studio's
  shows that started that day, their digest, signed), and, when the studio has a signing key, `signature`: Ed25519
  over the manifest without it (app/signing.py), so the bundle proves which studio's key exported it;
- `events.jsonl`: one stored event per line, in seq order: `seq` and the fields the chain hashes (`wall_time`,
  `stream_time`, `type`, `actor`, `user_id`, `product_id`, `amount_cents`, `flagged`, `payload`), as stored;
- `quarantined.jsonl`: the events the store refused, one per line: `seq`, `type`, `reason`, `event_text`,
  `quarantined_at`;
- `chain.jsonl`: the chain's links in order: `position`, `kind`, `seq`, `content`, `personal`, `link`, `note`;
- `erasures.jsonl`: the studio's erasures on request (when, the token that replaced an account; never the account),
  so that an erased viewer is said as erased, not as tampering;
- `recording/NAME`: the recording as it was written (when a crash's repair replaced it with a playable copy, the
  bytes as recorded, which the repair keeps beside it as `STEM.as-recorded.SUFFIX`).

The bundle is verified by loading it into a throwaway SQLite store and running the same checks as on the studio's
own database, so a bundle and the show it came from give the same verdict; then its files against the manifest,
the manifest's signature and the anchor (does it list this show's seal; does its digest match its seals).

What the check cannot tell alone: whose key signed (it says the key's fingerprint, and whether it is this
machine's key of the studio: compare it with the fingerprint the studio published), and whether a day's anchor is
the one the studio posted that day (compare its digest with the posted one).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import sessionmaker

from app import __version__
from app.commerce.draw import recompute
from app.kernel.events import PLATFORM, Event, EventType
from app.media.digest import as_recorded, digest_range
from app.signing import StudioKey, check, fingerprint
from app.store.chain import EVENT_FIELDS, QUARANTINE_FIELDS, canonical
from app.store.chain_check import BATCH, NOT_TAMPERING, Finding, Verdict, _slices, _verify
from app.store.models import ChainLink, Erasure, EventRecord, LiveSession, QuarantinedEvent, Studio

FORMAT = "anchor-console-records/1"
RECORDING_KINDS = (EventType.RECORDING_SEGMENT.value, EventType.RECORDING_CLOSED.value)
_DRAW_READS = tuple(t.value for t in (EventType.COMMENT, EventType.FOLLOW, EventType.ENTER, EventType.DRAW_STARTED,
                                      EventType.DRAW_ENDED, EventType.DRAW_WINNERS))  # what `recompute` reads
_LINK_FIELDS = ("position", "kind", "seq", "content", "personal", "link", "note")


class BundleError(ValueError):
    """A folder that is not a readable bundle (a clear bilingual message)."""


# --- the recording ------------------------------------------------------------------------------------------------

def _seconds(value) -> str:
    return f"{float(value):.0f}" if isinstance(value, (int, float)) else "?"


def check_recording(path: Path | None, digests: list[tuple[int, int, str, dict]]) -> list[Finding]:
    """The recording at `path` (or its bytes as recorded, kept beside it by a repair) against its digests from the
    log, (position, seq, type, payload) in the chain's order."""
    if not digests:
        if path is not None and path.is_file():
            return [Finding("undigested", None, None, "录像录制时还没有摘要，无法校验 / the recording was made before "
                                                      "recordings were digested: it cannot be verified")]
        return []
    first_position, first_seq = digests[0][0], digests[0][1]
    if path is None or not (as_recorded(path).is_file() or path.is_file()):
        name = path.name if path is not None else "?"
        return [Finding("recording-missing", first_position, first_seq,
                        f"录像文件 {name} 不在了 / the recording {name} is missing")]
    original = as_recorded(path) if as_recorded(path).is_file() else path
    size = original.stat().st_size
    findings: list[Finding] = []
    previous_s, expected = 0.0, None
    for position, seq, _kind, payload in digests:
        start, end, sha = payload.get("start"), payload.get("end"), payload.get("sha256")
        if not (isinstance(start, int) and isinstance(end, int) and isinstance(sha, str)):
            continue  # not one of ours: its link holds it as it was written, and it vouches for nothing
        span = f"{_seconds(previous_s)}–{_seconds(payload.get('media_s'))}"
        if expected is not None and start != expected:
            findings.append(Finding("recording-changed", position, seq, f"录像摘要不连续（字节 {expected} 起）/ the "
                                                                        f"recording's digests skip from byte {expected}"))
        expected = end
        if size < end:
            findings.append(Finding("recording-truncated", position, seq,
                                    f"录像被截短：只剩 {size} 字节，第 {span} 秒起缺失 / the recording was cut: "
                                    f"{size} bytes left, missing from second {_seconds(previous_s)} on"))
            return findings
        if digest_range(original, start, end)[0] != sha:
            findings.append(Finding("recording-changed", position, seq,
                                    f"录像第 {span} 秒（字节 {start}–{end}）被改动 / the recording was changed between "
                                    f"second {span.replace('–', ' and ')} (bytes {start}–{end})"))
        previous_s = payload.get("media_s", previous_s)
    position, seq, kind, last = digests[-1]
    if kind == EventType.RECORDING_CLOSED.value:
        head_end, head = last.get("head_end"), last.get("head")
        if isinstance(head_end, int) and digest_range(original, 0, head_end)[0] != head:
            findings.append(Finding("recording-changed", position, seq, "录像的文件头被改动 / the recording's header "
                                                                        "was changed"))
        if size > (expected or 0):
            findings.append(Finding("recording-added", position, seq,
                                    f"录像结束后被加了 {size - expected} 字节 / {size - expected} bytes were added "
                                    "after the recording's end"))
    else:
        rest = size - (expected or 0)
        findings.append(Finding("unclosed", None, None,
                                f"录像没有正常结束（崩溃或仍在录制）：已校验到第 {_seconds(previous_s)} 秒，之后的 {rest} 字节"
                                f"无法校验 / the recording did not close (a crash, or still recording): verified up to "
                                f"second {_seconds(previous_s)}; the {rest} bytes after it cannot be"))
    return findings


# --- the 福袋 draws -----------------------------------------------------------------------------------------------

def _draw_events(connection, session_id: int) -> Iterator[Event]:
    """What a draw's recompute reads, in seq order, BATCH rows at a time."""
    query = select(EventRecord.seq, EventRecord.type, EventRecord.payload, EventRecord.actor, EventRecord.flagged) \
        .where(EventRecord.session_id == session_id, EventRecord.type.in_(_DRAW_READS))
    for seq, kind, payload, actor, flagged in _slices(connection, query, EventRecord.seq):
        yield Event(EventType(kind), payload if isinstance(payload, dict) else {}, actor or PLATFORM, seq=seq,
                    flagged=bool(flagged))


def check_draws(connection, session_id: int, erased_fair: set[int]) -> tuple[int, list[Finding]]:
    """Every draw that named its winners, recomputed from the log: (how many were checked, the unfair ones).
    `erased_fair`: draws an erasure on request found fair just before it replaced their entrants' ids."""
    named = connection.execute(select(EventRecord.seq, EventRecord.payload).where(
        EventRecord.session_id == session_id, EventRecord.type == EventType.DRAW_WINNERS.value)
        .order_by(EventRecord.seq)).all()
    findings = []
    draws = [(seq, p["draw_id"]) for seq, p in named if isinstance(p, dict) and isinstance(p.get("draw_id"), int)]
    for seq, draw_id in draws:
        try:
            fair = recompute(_draw_events(connection, session_id), draw_id).fair
        except (KeyError, ValueError, TypeError, AttributeError):
            fair = False
        if fair:
            continue
        if draw_id in erased_fair:
            findings.append(Finding("erased", None, seq, f"福袋 {draw_id} 的参与者已按请求删除，删除前复核为公平 / the "
                                                         f"entrants of draw {draw_id} were erased on request; it "
                                                         "checked fair just before"))
        else:
            findings.append(Finding("draw", None, seq, f"福袋 {draw_id} 复核不符：中奖者不是种子给出的 / draw {draw_id} "
                                                       "does not recompute: its winners are not those its seed gives"))
    return len(draws), findings


def _erased_fair(connection, session_id: int) -> set[int]:
    out = set()
    for (draws,) in connection.execute(select(Erasure.draws)):
        for draw in draws if isinstance(draws, list) else []:
            if isinstance(draw, dict) and draw.get("session_id") == session_id and draw.get("verified") is True:
                out.add(draw.get("draw_id"))
    return out


# --- a show, whole ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ShowVerdict:
    """The log's verdict with the recording's and the draws' findings in it; how many draws were recomputed."""

    verdict: Verdict
    draws: int = 0
    recording: str = ""  # the recording's file name ("" when the show had none)

    @property
    def intact(self) -> bool:
        return self.verdict.intact

    @property
    def tampered(self) -> int:
        """How many findings are tampering (the kept ones and those only counted)."""
        return sum(1 for f in self.verdict.findings if f.kind not in NOT_TAMPERING) + self.verdict.more

    @property
    def signed(self) -> str:
        """The fingerprint of the key that signed the seal ("" when it is not signed)."""
        return fingerprint(self.verdict.signed_by) if self.verdict.signed_by else ""

    def said(self, kind: str) -> bool:
        return any(f.kind == kind for f in self.verdict.findings)


def _whole(connection, session_id: int, recording: Path | None) -> ShowVerdict:
    verdict = _verify(connection, session_id, frozenset(RECORDING_KINDS))
    if not verdict.chained:
        return ShowVerdict(verdict)
    digests = list(verdict.collected)
    extra = check_recording(recording, digests)
    draws, unfair = check_draws(connection, session_id, _erased_fair(connection, session_id))
    findings = sorted(verdict.findings + tuple(extra) + tuple(unfair),
                      key=lambda f: (f.position if f.position is not None else float("inf"), f.kind))
    return ShowVerdict(replace(verdict, findings=tuple(findings), collected=()), draws,
                       recording.name if recording is not None else "")


def verify_show(database, session_id: int) -> ShowVerdict:
    """A stored show checked whole: its log, its recording and its draws. KeyError for a show that is not the
    studio's."""
    with database.session() as db:
        show = db.get(LiveSession, session_id)
        if show is None or show.studio_id != database.studio_id:
            raise KeyError(session_id)
        return _whole(db, session_id, Path(show.recording_path) if show.recording_path else None)


# --- the day's anchor ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Anchor:
    """The seals of a studio's shows that started on `day` (local time), and their digest: what a studio prints or
    posts each day, so that a show's records cannot be rebuilt later under the same seal. Signed by the studio's
    key when it has one."""

    studio: str
    day: str  # YYYY-MM-DD
    seals: tuple[tuple[int, str], ...]  # (session id, its seal's link)
    digest: str
    signature: dict | None = None

    def statement(self) -> bytes:
        return anchor_statement(self.studio, self.day, self.seals)

    def as_json(self) -> dict:
        data = {"studio": self.studio, "day": self.day, "seals": [list(seal) for seal in self.seals],
                "digest": self.digest}
        if self.signature is not None:
            data["signature"] = self.signature
        return data


def anchor_statement(studio: str, day: str, seals) -> bytes:
    return b"anchor-console/1\nanchor\n" + canonical({"studio": studio, "day": day,
                                                       "seals": [list(seal) for seal in seals]})


def day_anchor(database, day: dt.date, sign: bool = True) -> Anchor:
    """The studio's anchor of `day`: every sealed show that started that day, in the order of their ids."""
    start = dt.datetime.combine(day, dt.time()).timestamp()
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time()).timestamp()
    with database.session() as db:
        seals = tuple((sid, link) for sid, link in db.execute(
            select(ChainLink.session_id, ChainLink.link).join(LiveSession, LiveSession.id == ChainLink.session_id)
            .where(LiveSession.studio_id == database.studio_id, LiveSession.started_at >= start,
                   LiveSession.started_at < end, ChainLink.kind == "seal").order_by(ChainLink.session_id)))
    statement = anchor_statement(database.studio, day.isoformat(), seals)
    signer = StudioKey(database.studio).signer() if sign else None
    return Anchor(database.studio, day.isoformat(), seals, hashlib.sha256(statement).hexdigest(),
                  signer(statement) if signer is not None else None)


def anchor_findings(anchor, session_id: int, seal: str | None) -> list[str]:
    """What is wrong with a bundle's anchor (its digest, its signature, whether it lists the show's seal)."""
    if not isinstance(anchor, dict):
        return []
    seals = anchor.get("seals") if isinstance(anchor.get("seals"), list) else []
    pairs = [tuple(item) for item in seals if isinstance(item, list) and len(item) == 2]
    out = []
    statement = anchor_statement(str(anchor.get("studio")), str(anchor.get("day")), pairs)
    if hashlib.sha256(statement).hexdigest() != anchor.get("digest") or len(pairs) != len(seals):
        out.append("anchor: 当日存证锚的摘要不符 / the day's anchor does not match its seals")
    if "signature" in anchor and not check(statement, anchor["signature"]):
        out.append("anchor: 当日存证锚的签名不符 / the day's anchor's signature does not match")
    if seal is not None and (session_id, seal) not in pairs:
        out.append("anchor: 当日存证锚里没有这一场的封存 / the day's anchor does not list this show's seal")
    return out


# --- the bundle ---------------------------------------------------------------------------------------------------

def _sha_file(path: Path) -> str:
    return digest_range(path, 0, path.stat().st_size)[0]


def _jsonl(path: Path, rows) -> None:
    with open(path, "wb") as out:
        for row in rows:
            out.write(canonical(row) + b"\n")


def export_bundle(database, session_id: int, folder: str | Path) -> Path:
    """The show's records written to `folder` (made; must be empty or new). KeyError for a show that is not the
    studio's; BundleError for a folder that is not empty."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BundleError(f"{folder} 已存在且不是空文件夹 / {folder} exists and is not an empty folder")
    with database.session() as db:
        show = db.get(LiveSession, session_id)
        if show is None or show.studio_id != database.studio_id:
            raise KeyError(session_id)
        folder.mkdir(parents=True, exist_ok=True)
        events = select(EventRecord.seq, *(getattr(EventRecord, f) for f in EVENT_FIELDS)).where(
            EventRecord.session_id == session_id)
        _jsonl(folder / "events.jsonl", (dict(zip(("seq",) + EVENT_FIELDS, row))
                                         for row in _slices(db, events, EventRecord.seq)))
        quarantined = select(QuarantinedEvent.id, QuarantinedEvent.seq,
                             *(getattr(QuarantinedEvent, f) for f in QUARANTINE_FIELDS)).where(
            QuarantinedEvent.session_id == session_id)
        _jsonl(folder / "quarantined.jsonl", (dict(zip(("seq",) + QUARANTINE_FIELDS, row[1:]))
                                              for row in _slices(db, quarantined, QuarantinedEvent.id)))
        links = select(*(getattr(ChainLink, f) for f in _LINK_FIELDS)).where(ChainLink.session_id == session_id)
        _jsonl(folder / "chain.jsonl", (dict(zip(_LINK_FIELDS, row))
                                        for row in _slices(db, links, ChainLink.position)))
        _jsonl(folder / "erasures.jsonl", ({"erased_at": at, "token": token, "draws": draws} for at, token, draws in
                                           db.execute(select(Erasure.erased_at, Erasure.token, Erasure.draws).where(
                                               Erasure.studio_id == show.studio_id).order_by(Erasure.id))))
        info = {"id": show.id, "title": show.title, "kind": show.kind, "status": show.status,
                "started_at": show.started_at, "ended_at": show.ended_at, "host": show.host,
                "platform": show.platform, "recording": ""}
        recording = Path(show.recording_path) if show.recording_path else None
    if recording is not None:
        source = as_recorded(recording) if as_recorded(recording).is_file() else recording
        if source.is_file():
            (folder / "recording").mkdir()
            shutil.copyfile(source, folder / "recording" / recording.name)
            info["recording"] = recording.name
    files = {str(p.relative_to(folder).as_posix()): {"sha256": _sha_file(p), "bytes": p.stat().st_size}
             for p in sorted(folder.rglob("*")) if p.is_file()}
    manifest = {"format": FORMAT, "console": __version__, "studio": database.studio, "studio_id": database.studio_id,
                "session": info, "exported_at": time.time(), "files": files}
    if info["started_at"]:
        manifest["anchor"] = day_anchor(database, dt.date.fromtimestamp(info["started_at"])).as_json()
    signer = StudioKey(database.studio).signer()
    if signer is not None:
        manifest["signature"] = signer(manifest_statement(manifest))
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder


def manifest_statement(manifest: dict) -> bytes:
    """What a bundle's signature signs: its manifest without the signature (which lists every file's SHA-256)."""
    return b"anchor-console/1\nbundle\n" + canonical({k: v for k, v in manifest.items() if k != "signature"})


def _read_jsonl(path: Path) -> Iterator[dict]:
    if not path.is_file():
        return
    with open(path, "rb") as source:
        for number, line in enumerate(source, 1):
            try:
                row = json.loads(line)
            except (ValueError, UnicodeDecodeError):
                raise BundleError(f"{path.name} 第 {number} 行不是 JSON / line {number} of {path.name} is not "
                                  "JSON") from None
            if not isinstance(row, dict):
                raise BundleError(f"{path.name} 第 {number} 行不是对象 / line {number} of {path.name} is not an "
                                  "object")
            yield row


def _load(connection, table, rows: Iterator[dict], fields: tuple[str, ...], fixed: dict) -> None:
    batch = []
    for row in rows:
        batch.append({**{name: row.get(name) for name in fields}, **fixed})
        if len(batch) >= BATCH:
            connection.execute(insert(table), batch)
            batch = []
    if batch:
        connection.execute(insert(table), batch)


@dataclass(frozen=True)
class BundleVerdict:
    """A bundle's check: the show's verdict as the bundle holds it; what else differs (files against the manifest,
    the manifest's signature, the day's anchor); who signed the manifest."""

    show: ShowVerdict
    manifest: dict
    problems: tuple[str, ...]  # "NAME: what" for files changed, missing or not listed; the signature; the anchor
    signed_by: str | None = None  # the public key (hex) whose valid signature the manifest carries

    @property
    def intact(self) -> bool:
        return self.show.intact and not self.problems


def _manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BundleError(f"{folder} 不是存证包（manifest.json 读不了）/ {folder} is not a records bundle "
                          f"(manifest.json unreadable: {type(exc).__name__})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(
            manifest.get("session"), dict) or not isinstance(manifest["session"].get("id"), int):
        raise BundleError(f"{folder} 不是本软件的存证包 / {folder} is not a records bundle of this console ({FORMAT})")
    return manifest


def _file_findings(folder: Path, manifest: dict) -> tuple[str, ...]:
    listed = manifest.get("files") if isinstance(manifest.get("files"), dict) else {}
    out = []
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {"manifest.json"}
    for name in sorted(present | set(listed)):
        entry = listed.get(name)
        if name not in present:
            out.append(f"{name}: 缺失 missing")
        elif not isinstance(entry, dict):
            out.append(f"{name}: 不在清单上 not in the manifest")
        elif entry.get("sha256") != _sha_file(folder / name):
            out.append(f"{name}: 与清单不符 differs from the manifest")
    return tuple(out)


def verify_bundle(folder: str | Path) -> BundleVerdict:
    """A bundle checked with nothing but the folder: BundleError when it is not one."""
    from app.store.db import make_engine, upgrade

    folder = Path(folder)
    manifest = _manifest(folder)
    session_id = manifest["session"]["id"]
    name = manifest["session"].get("recording") or ""
    recording = folder / "recording" / Path(str(name)).name if name else None
    with tempfile.TemporaryDirectory(prefix="anchor-bundle-") as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'bundle.db'}")
        try:
            upgrade(engine)
            with sessionmaker(engine).begin() as db:
                # the throwaway store's own studio holds the show and its erasure tokens (the studio that exported it
                # may have any id in its database: it is named in the manifest, not needed here)
                studio = db.scalar(select(Studio.id).order_by(Studio.id).limit(1))
                db.execute(insert(LiveSession).values(id=session_id, studio_id=studio, title="bundle",
                                                      recording_path=""))
                _load(db, EventRecord, _read_jsonl(folder / "events.jsonl"), ("seq",) + EVENT_FIELDS,
                      {"session_id": session_id})
                _load(db, QuarantinedEvent, _read_jsonl(folder / "quarantined.jsonl"), ("seq",) + QUARANTINE_FIELDS,
                      {"session_id": session_id})
                _load(db, ChainLink, _read_jsonl(folder / "chain.jsonl"), _LINK_FIELDS, {"session_id": session_id})
                _load(db, Erasure, _read_jsonl(folder / "erasures.jsonl"), ("erased_at", "token", "draws"),
                      {"studio_id": studio, "platform": "", "shows": 0, "events": 0})
            with sessionmaker(engine)() as db:
                show = _whole(db, session_id, recording)
                seal = db.scalar(select(ChainLink.link).where(ChainLink.session_id == session_id,
                                                              ChainLink.kind == "seal").limit(1))
        except BundleError:
            raise
        except Exception as exc:  # noqa: BLE001 - a row the store refuses: the bundle is not as written
            raise BundleError(f"存证包的内容无法载入：{type(exc).__name__} / the bundle's contents cannot be loaded: "
                              f"{type(exc).__name__}") from None
        finally:
            engine.dispose()
    problems = list(_file_findings(folder, manifest))
    problems += anchor_findings(manifest.get("anchor"), session_id, seal)
    signed_by = None
    if "signature" in manifest:
        if check(manifest_statement(manifest), manifest["signature"]):
            signed_by = manifest["signature"]["key"]
        else:
            problems.append("manifest.json: 签名不符 / its signature does not match")
    return BundleVerdict(show, manifest, tuple(problems), signed_by)


__all__ = ["FORMAT", "Anchor", "BundleError", "BundleVerdict", "ShowVerdict", "as_recorded", "check_draws", "check_recording",
           "day_anchor", "export_bundle", "verify_bundle", "verify_show"]
