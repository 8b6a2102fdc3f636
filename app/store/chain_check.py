"""Checking a show's stored log against its hash chain (issue #31; the encoding and the links are app/store/chain.py):
`verify` reads the log and the chain side by side in slices and names what was changed, removed, added or moved, from
the first on, and what was done to the records on purpose (an erasure, pseudonyms, a missing seal), which is said but
is not tampering.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from app.signing import check
from app.store.chain import (EVENT_FIELDS, PSEUDONYM, QUARANTINE_FIELDS, ZERO, _masked, event_digests, link_of,
                             note_digest, quarantine_digests, seal_statement)
from app.store.models import ChainLink, EventRecord, QuarantinedEvent

BATCH = 5000  # rows read at once while verifying
KEPT = 1000  # findings kept in a verdict (the rest counted)
NOT_TAMPERING = frozenset({"erased", "pseudonymised", "unsealed", "unclosed", "undigested"})  # said, not tampering
NOTE_KINDS = ("genesis", "seal", "erasure", "pseudonymised")  # links whose content is the digest of their note


@dataclass(frozen=True)
class Finding:
    """One thing found: `kind` changed | removed | added | reordered | link | seal | unsealed | erased; the link's
    position and the event's seq where known; what it is (中文 / English)."""

    kind: str
    position: int | None
    seq: int | None
    what: str


@dataclass(frozen=True)
class Verdict:
    session_id: int
    links: int
    sealed: bool
    findings: tuple[Finding, ...]
    chained: bool = True  # False: the show was recorded before its log was chained
    more: int = 0  # findings beyond the KEPT first ones, counted only
    collected: tuple[tuple[int, int, str, dict], ...] = ()  # (position, seq, type, payload) of the events asked for
    # that match their links, in the chain's order
    signed_by: str | None = None  # the public key (hex) whose valid signature the seal carries

    @property
    def intact(self) -> bool:
        """Nothing changed, removed, added or reordered (an erasure on request, a missing seal, a recording that did
        not close are said, but are not tampering)."""
        return self.chained and not any(f.kind not in NOT_TAMPERING for f in self.findings)

    @property
    def first(self) -> int | None:
        """The position of the first link from which the log (or what it vouches for) differs from its chain."""
        positions = [f.position for f in self.findings if f.position is not None and f.kind not in NOT_TAMPERING]
        return min(positions) if positions else None


def _tokens(connection, studio_id: int | None) -> set[str]:
    from app.store.models import Erasure

    query = select(Erasure.token)
    if studio_id is not None:
        query = query.where(Erasure.studio_id == studio_id)
    return {token for (token,) in connection.execute(query)}


def _holds(value, tokens: set[str]) -> bool:
    if isinstance(value, dict):
        return any(_holds(v, tokens) for v in value.values())
    if isinstance(value, list):
        return any(_holds(v, tokens) for v in value)
    return isinstance(value, str) and (value in tokens or any(t in value for t in tokens if len(value) > len(t)))


def _label(seq: int | None, kind: str | None) -> str:
    return f"seq {seq}" + (f" ({kind})" if kind else "")


class _Findings:
    """What was found, the first KEPT of them kept (a log emptied would otherwise give a million), all counted."""

    def __init__(self) -> None:
        self.kept: list[Finding] = []
        self.more = 0
        self.pseudonymised = 0  # events and quarantined events pseudonymised by the retention policy: said once

    def add(self, kind: str, position: int | None, seq: int | None, what: str) -> None:
        if len(self.kept) < KEPT:
            self.kept.append(Finding(kind, position, seq, what))
        else:
            self.more += 1


def _slices(connection, query, key):
    """The rows of `query` ordered by `key` (its first column, unique), read BATCH at a time: a million rows are
    never held at once."""
    after = None
    while True:
        page = query if after is None else query.where(key > after)
        rows = connection.execute(page.order_by(key).limit(BATCH)).all()
        if not rows:
            return
        yield from rows
        after = rows[-1][0]


def verify(database, session_id: int, collect: Iterable[str] = ()) -> Verdict:
    """Check a show's stored log against its chain, both read in slices (a million events are never held at once);
    the events of the types in `collect` that match their links are handed back (`Verdict.collected`). KeyError for
    a show that is not the studio's."""
    from app.store.models import LiveSession

    with database.session() as db:
        show = db.get(LiveSession, session_id)
        if show is None or show.studio_id != database.studio_id:
            raise KeyError(session_id)  # another studio's show is not this console's to vouch for
        return _verify(db, session_id, frozenset(collect))


def _verify(connection, session_id: int, collect: frozenset[str] = frozenset()) -> Verdict:
    found = _Findings()
    genesis = connection.execute(select(ChainLink.kind, ChainLink.note).where(
        ChainLink.session_id == session_id, ChainLink.position == 0)).first()
    if genesis is None and connection.execute(select(ChainLink.id).where(
            ChainLink.session_id == session_id).limit(1)).first() is None:
        return Verdict(session_id, 0, False, (), chained=False)
    note = genesis[1] if genesis is not None and genesis[0] == "genesis" and isinstance(genesis[1], dict) else {}
    salt = note.get("salt")
    if not isinstance(salt, str):
        return Verdict(session_id, 0, False, (Finding(
            "link", 0, None, "链的第一环被改动，无法校验 / the chain's first link was altered: nothing can be checked"),))
    links, sealed, quarantine, signed_by, marks = _check_links(connection, session_id, found)
    studio = note.get("studio_id")
    tokens = _tokens(connection, studio if isinstance(studio, int) else None) | marks["tokens"]
    pseudonymised = marks["pseudonymised"]
    collected: list[tuple[int, int, str, dict]] = []
    _check_events(connection, session_id, salt, (tokens, pseudonymised), found, collect, collected)
    _check_quarantine(connection, session_id, salt, quarantine, (tokens, pseudonymised), found)
    if found.pseudonymised:
        n = found.pseudonymised
        found.add("pseudonymised", None, None, f"{n} 条事件的观众信息已按保留策略去标识化（{pseudonymised}）/ the viewers "
                                               f"of {n} events were pseudonymised by the retention policy ({pseudonymised})")
    if not sealed:
        found.add("unsealed", None, None, "这一场没有封存（直播中，或异常结束）：已校验到最后一环 / the show is not sealed "
                                          "(live, or it did not end cleanly): checked up to its last link")
    findings = sorted(found.kept, key=lambda f: (f.position if f.position is not None else math.inf, f.kind))
    return Verdict(session_id, links, sealed, tuple(findings), more=found.more, collected=tuple(collected),
                   signed_by=signed_by)


def _check_links(connection, session_id: int, found: _Findings) -> tuple[int, bool, dict[int, list], str | None,
                                                                       dict]:
    """Each link against the one before it, the notes of the first link, the seal and the marks after it against
    their digests, the seal against what it closes (how many links, events and quarantined events, and the last
    link) and its signature; the quarantined events' links (few) handed back by seq, the key that signed the seal,
    and what the marks say (the erasures' tokens; when the viewers were pseudonymised)."""
    previous, expected, sealed, count, signed_by = ZERO, 0, False, 0, None
    marks: dict = {"tokens": set(), "pseudonymised": ""}
    kinds = {"event": 0, "quarantined": 0}
    quarantine: dict[int, list] = {}
    query = select(ChainLink.position, ChainLink.kind, ChainLink.seq, ChainLink.content, ChainLink.personal,
                   ChainLink.link, ChainLink.note).where(ChainLink.session_id == session_id)
    for position, kind, seq, content, personal, link, note in _slices(connection, query, ChainLink.position):
        count += 1
        if position != expected:
            gap = position - expected
            found.add("removed", expected, None, f"链上第 {expected} 环起缺了 {gap} 环 / {gap} links missing from "
                                                 f"position {expected}")
        expected = position + 1
        if link_of(previous, position, kind, seq, content, personal) != link:
            found.add("link", position, seq, f"第 {position} 环被改动 / link {position} was altered")
        if kind in NOTE_KINDS:
            if note_digest(kind, note or {}) != content:
                found.add("seal" if kind == "seal" else "link", position, None,
                          f"第 {position} 环（{kind}）的内容被改动 / the {kind} at position {position} was altered")
            elif kind == "erasure" and isinstance((note or {}).get("token"), str):
                marks["tokens"].add(note["token"])
            elif kind == "pseudonymised":
                marks["pseudonymised"] = str((note or {}).get("day", "?"))
            if kind == "seal":
                sealed = True
                closes = {"links": position, "events": kinds["event"], "quarantined": kinds["quarantined"],
                          "last": previous}
                differs = [key for key, value in closes.items() if (note or {}).get(key) != value]
                if differs:
                    found.add("seal", position, None, f"封存记录与它封存的链不符（{'、'.join(differs)}）/ the seal does "
                                                      f"not match the chain it closes ({', '.join(differs)})")
                if isinstance(note, dict) and "signature" in note:
                    if check(seal_statement(session_id, note), note["signature"]):
                        signed_by = note["signature"]["key"]
                    else:
                        found.add("signature", position, None, "封存的签名不符 / the seal's signature does not match")
        elif kind in kinds:
            kinds[kind] += 1
            if kind == "quarantined":
                quarantine.setdefault(seq, []).append((position, content, personal))
        previous = link
    return count, sealed, quarantine, signed_by, marks


def _check_events(connection, session_id: int, salt: str, marks: tuple[set[str], str], found: _Findings,
                  collect: frozenset[str] = frozenset(), collected: list | None = None) -> None:
    """The events (by seq) and their links (by position: the order written, which is the seqs' but for a row
    retried late) read side by side: the rows are read up to each link's seq, and a row waits in a small table
    until its link comes, so neither is held whole and a million events take one pass of each. A link whose row
    was not read by then has none: removed (or the seq chained twice)."""
    links = _slices(connection, select(ChainLink.position, ChainLink.seq, ChainLink.content, ChainLink.personal)
                    .where(ChainLink.session_id == session_id, ChainLink.kind.in_(("event", "import"))),
                    ChainLink.position)
    rows = _slices(connection, select(EventRecord.seq, *(getattr(EventRecord, name) for name in EVENT_FIELDS))
                   .where(EventRecord.session_id == session_id), EventRecord.seq)
    mismatched: dict[str, tuple[int, str, int]] = {}  # content now → seq, type, position of rows unlike their link
    waiting: dict[int, dict] = {}
    row = next(rows, None)
    for position, seq, content, personal in links:
        while row is not None and row[0] <= seq:
            waiting[row[0]] = dict(zip(EVENT_FIELDS, row[1:]))
            row = next(rows, None)
        if seq in waiting:
            data = waiting.pop(seq)
            if _compare(seq, data, (position, content, personal), salt, marks, mismatched, found) and \
                    data["type"] in collect and collected is not None:
                collected.append((position, seq, data["type"], data["payload"]))
        else:
            found.add("removed", position, seq, f"事件 seq {seq} 被删除 / event seq {seq} was removed")
    while row is not None:
        waiting[row[0]] = dict(zip(EVENT_FIELDS, row[1:]))
        row = next(rows, None)
    for seq, data in sorted(waiting.items()):
        label = _label(seq, data["type"])
        found.add("added", None, seq, f"事件 {label} 不在链上（事后加入）/ event {label} is not on the chain: added "
                                      "after the fact")
    _moved(connection, session_id, mismatched, found)


def _pseudonymous(data: dict) -> bool:
    """The event row's personal values hold a pseudonym (app/retention.py). A pseudonym cannot be checked without
    the studio's secret: on a show the retention policy has pseudonymised, the viewers are vouched for no more."""
    found: list = [] if data["user_id"] is None else [data["user_id"]]
    _masked(data["payload"] or {}, found)
    return any(isinstance(value, str) and value.startswith(PSEUDONYM) for value in found)


def _compare(seq: int, data: dict, link: tuple, salt: str, marks: tuple[set[str], str],
             mismatched: dict[str, tuple[int, str, int]], found: _Findings) -> bool:
    """One event against its link: True when it matches."""
    position, chained, chained_personal = link
    content, personal = event_digests(data, salt)
    if content == chained and personal == chained_personal:
        return True
    label = _label(seq, data["type"])
    tokens, pseudonymised = marks
    if content == chained:  # only the personal data differs: erased on request, pseudonymised, or changed
        if pseudonymised and _pseudonymous(data):
            found.pseudonymised += 1
        elif _holds(data["user_id"], tokens) or _holds(data["payload"], tokens):
            found.add("erased", position, seq, f"事件 {label} 的个人信息已按请求删除 / the personal data of event {label}"
                                               " was erased on request")
        else:
            found.add("changed", position, seq, f"事件 {label} 的观众信息被改动 / the viewer of event {label} was "
                                                 "changed")
    elif len(mismatched) < KEPT:
        mismatched[content] = (seq, data["type"], position)
    else:
        found.add("changed", position, seq, f"事件 {label} 被改动 / event {label} was changed")
    return False


def _moved(connection, session_id: int, mismatched: dict[str, tuple[int, str, int]], found: _Findings) -> None:
    """Rows unlike their own link: holding another seq's chained content (moved: reordered), or changed."""
    contents = list(mismatched)
    held: dict[str, int] = {}
    for i in range(0, len(contents), 500):
        held.update((content, seq) for seq, content in connection.execute(
            select(ChainLink.seq, ChainLink.content).where(ChainLink.session_id == session_id,
                                                           ChainLink.content.in_(contents[i:i + 500]))))
    for content, (seq, kind, position) in mismatched.items():
        label = _label(seq, kind)
        if content in held and held[content] != seq:
            found.add("reordered", position, seq, f"事件 {label} 处放的是原 seq {held[content]} 的事件（顺序被调换）/ "
                                                  f"event {label} holds what seq {held[content]} held: reordered")
        else:
            found.add("changed", position, seq, f"事件 {label} 被改动 / event {label} was changed")


def _check_quarantine(connection, session_id: int, salt: str, chained: dict[int, list],
                      marks: tuple[set[str], str], found: _Findings) -> None:
    tokens, pseudonymised = marks
    waiting = {seq: list(links) for seq, links in chained.items()}
    query = select(QuarantinedEvent.id, *(getattr(QuarantinedEvent, name) for name in QUARANTINE_FIELDS),
                   QuarantinedEvent.seq).where(QuarantinedEvent.session_id == session_id)
    for row in _slices(connection, query, QuarantinedEvent.id):
        data, seq = dict(zip(QUARANTINE_FIELDS, row[1:-1])), row[-1]
        content, personal = quarantine_digests(data, salt)
        links = waiting.get(seq) or []
        match = next((link for link in links if link[1] == content), None)
        if match is None:
            found.add("changed" if links else "added", links[0][0] if links else None, seq,
                      f"隔离事件 seq {seq} 被改动 / quarantined event seq {seq} was changed" if links else
                      f"隔离事件 seq {seq} 不在链上 / quarantined event seq {seq} is not on the chain")
            if links:
                links.pop(0)
            continue
        links.remove(match)
        if personal != match[2]:
            if pseudonymised and isinstance(data["event_text"], str) and data["event_text"].startswith(PSEUDONYM):
                found.pseudonymised += 1
                continue
            erased = _holds(data["event_text"], tokens)
            found.add("erased" if erased else "changed", match[0], seq,
                      f"隔离事件 seq {seq} 的个人信息已按请求删除 / the personal data of quarantined event seq {seq} was "
                      "erased on request" if erased else
                      f"隔离事件 seq {seq} 的文本被改动 / the text of quarantined event seq {seq} was changed")
    for seq, links in waiting.items():
        for position, _content, _personal in links:
            found.add("removed", position, seq, f"隔离事件 seq {seq} 被删除 / quarantined event seq {seq} was removed")


__all__ = ["NOT_TAMPERING", "Finding", "Verdict", "verify"]
