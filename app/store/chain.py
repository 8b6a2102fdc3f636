"""Each show's log as a hash chain (issue #31): every stored event, every quarantined one and every imported order is
a link that carries the SHA-256 of its own content and of the link before it; the show's end seals the chain. An
event changed, removed, added or put in another's place after the fact no longer matches its link, and a link
changed no longer matches the next one: `verify` names each, from the first on.

The canonical encoding (version 1; the same on every machine and database):

- an event is its stored row: `wall_time`, `stream_time`, `type`, `actor`, `user_id`, `product_id`,
  `amount_cents`, `flagged`, `payload` (the payload as the database gives it back: JSON, so tuples are lists);
  a quarantined event is `type`, `reason`, `event_text`, `quarantined_at`; the event's `seq` is in its link, not in
  its content, so an event moved to another's place is found as moved;
- personal data is taken out and covered by its own digest, so that erasing a viewer on request (app/erasure.py)
  leaves the rest verifiable: the `user_id` column, every payload value under the keys `user_id`, `uid`,
  `nickname`, `uname`, `name`, `buyer` at any depth, and a quarantined event's text are replaced by "~" in the
  content, and `personal = SHA-256(salt ‖ JSON list of those values in order)` with the show's random salt (in its
  first link); the chain never holds the values;
- JSON with sorted keys, no spaces, UTF-8 (non-ASCII as itself), numbers as Python writes them (the shortest text
  that reads back as the same double);
- `content = SHA-256("anchor-console/1\\n" ‖ kind ‖ "\\n" ‖ JSON)` (personal data apart: the link holds both),
  `link = SHA-256(previous link ‖ "\\n" ‖ position ‖ "\\n" ‖ kind ‖ "\\n" ‖ seq ‖ "\\n" ‖ content ‖ "\\n" ‖ personal)`,
  all as lowercase hex; the first link's previous link is 64 zeros.

Link kinds: `genesis` (the show, its studio, its start and the salt), `event`, `quarantined`, `seal` (how many
links it closes), `import` (orders added from an export after the show: after the seal, never rewriting it), and
the marks of what was done to the records afterwards, after the seal too: `erasure` (a viewer erased on request:
the token that replaced them, app/erasure.py) and `pseudonymised` (every viewer's id and name replaced by a
pseudonym by the retention policy, app/retention.py); a mark's content is the digest of its note.

What a chain alone cannot prove: that nobody rebuilt the whole chain after changing the log (the hashes are not
secret). The seal is signed with the studio's key when it has one (app/signing.py: Ed25519 over `seal_statement`,
kept in the seal's note), and the day's anchor (app/records.py) lists the day's seals for the studio to post.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import insert, select

from app.signing import check
from app.store.models import ChainLink, EventRecord, QuarantinedEvent

VERSION = "anchor-console/1"
ZERO = "0" * 64
PERSONAL_KEYS = frozenset({"user_id", "uid", "nickname", "uname", "name", "buyer"})
MASK = "~"
EVENT_FIELDS = ("wall_time", "stream_time", "type", "actor", "user_id", "product_id", "amount_cents",
                "flagged", "payload")
QUARANTINE_FIELDS = ("type", "reason", "event_text", "quarantined_at")
BATCH = 5000  # rows read at once while verifying
KEPT = 1000  # findings kept in a verdict (the rest counted)
NOT_TAMPERING = frozenset({"erased", "pseudonymised", "unsealed", "unclosed", "undigested"})  # said, not tampering
NOTE_KINDS = ("genesis", "seal", "erasure", "pseudonymised")  # links whose content is the digest of their note
PSEUDONYM = "p:"  # how a pseudonymised viewer's id or name begins (app/retention.py)
TOKEN_PREFIX = "erased:"  # how the token that replaced an erased viewer's id begins (app/erasure.py)
ERASED_NAME = "已删除 erased"  # what replaced an erased viewer's name


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical(value) -> bytes:
    """The JSON text the chain hashes (see the module's docstring); ValueError for NaN or infinity."""
    return _CANONICAL.encode(value).encode()


def _sha(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for i, part in enumerate(parts):
        if i:
            digest.update(b"\n")
        digest.update(part.encode() if isinstance(part, str) else part)
    return digest.hexdigest()


def _key(key) -> str:
    """A payload's key as JSON writes it (what the database gives back)."""
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, (bool, int, float)):
        return json.dumps(key)
    raise TypeError(f"a payload key must be text or a number, not {type(key).__name__}")


def _masked(value, found: list):
    """`value` as the database gives it back (JSON: tuples as lists, keys as text) with the personal values
    replaced by MASK (collected in `found`, in the keys' order)."""
    if isinstance(value, dict):
        items = {_key(key): item for key, item in value.items()}
        out = {}
        for key in sorted(items):
            item = items[key]
            if key in PERSONAL_KEYS and isinstance(item, (str, int)) and not isinstance(item, bool):
                found.append(item)
                out[key] = MASK
            else:
                out[key] = _masked(item, found)
        return out
    if isinstance(value, (list, tuple)):
        return [_masked(item, found) for item in value]
    return value


def _plain(value):
    """As the database gives a stored value back: JSON's types (tuples as lists), -0.0 as 0.0."""
    if isinstance(value, float) and value == 0.0:
        return 0.0
    return value


def event_digests(row: dict, salt: str) -> tuple[str, str]:
    """(content, personal) of an event row: `app.store.writer.event_row`'s, or one read back."""
    found: list = []
    data = {name: _plain(row.get(name)) for name in EVENT_FIELDS}
    for name in ("wall_time", "stream_time"):  # a float column: 3 comes back as 3.0
        if isinstance(data[name], int) and not isinstance(data[name], bool):
            data[name] = float(data[name])
    data["payload"] = _masked(row.get("payload") or {}, found)
    if data["user_id"] is not None:
        found.insert(0, data["user_id"])
        data["user_id"] = MASK
    data["flagged"] = bool(data["flagged"])
    personal = _sha(salt, canonical(found))
    return _sha(VERSION, "event", canonical(data)), personal


def quarantine_digests(row: dict, salt: str) -> tuple[str, str]:
    data = {name: _plain(row.get(name)) for name in QUARANTINE_FIELDS}
    personal = _sha(salt, canonical([data["event_text"]]))
    data["event_text"] = MASK
    return _sha(VERSION, "quarantined", canonical(data)), personal


def note_digest(kind: str, note: dict) -> str:
    return _sha(VERSION, kind, canonical(note))


def seal_statement(session_id: int, note: dict) -> bytes:
    """What a seal's signature signs: the show and what the seal closes."""
    closes = {key: note.get(key) for key in ("links", "events", "quarantined", "last")}
    return VERSION.encode() + b"\nseal\n" + canonical({"session_id": session_id, **closes})


def link_of(previous: str, position: int, kind: str, seq: int | None, content: str, personal: str) -> str:
    return _sha(previous, str(position), kind, "" if seq is None else str(seq), content, personal)


@dataclass
class Chain:
    """A show's chain as its writer extends it: the last link and the next position. `draft` makes the rows of
    new links without changing the chain; `keep` takes them once their transaction has committed."""

    session_id: int
    salt: str
    last: str = ZERO
    position: int = 0
    sealed: bool = False
    _pending: tuple[str, int] | None = field(default=None, repr=False)

    @classmethod
    def begin(cls, session_id: int, studio_id: int, started_at: float | None) -> tuple[Chain, dict]:
        """A new show's chain and the row of its first link (the show, its studio, its start, the salt)."""
        chain = cls(session_id, secrets.token_hex(16))
        note = {"session_id": session_id, "studio_id": studio_id, "started_at": started_at, "salt": chain.salt}
        (row,) = chain.draft([("genesis", None, note_digest("genesis", note), "", note)])
        chain.keep()
        return chain, row

    def draft(self, links: Iterable[tuple[str, int | None, str, str, dict | None]]) -> list[dict]:
        """Rows for links (kind, seq, content, personal, note) after the chain's last, not yet taken."""
        rows, last, position = [], self.last, self.position
        for kind, seq, content, personal, note in links:
            last = link_of(last, position, kind, seq, content, personal)
            rows.append({"session_id": self.session_id, "position": position, "kind": kind, "seq": seq,
                         "content": content, "personal": personal, "link": last, "note": note})
            position += 1
        self._pending = (last, position)
        return rows

    def keep(self) -> None:
        if self._pending is not None:
            self.last, self.position = self._pending
            self._pending = None

    def events(self, rows: list[dict], kind: str = "event") -> list[dict]:
        """Link rows for event rows, in their order."""
        return self.draft((kind, row["seq"], *event_digests(row, self.salt), None) for row in rows)

    def quarantined(self, records: list[dict]) -> list[dict]:
        return self.draft(("quarantined", r["seq"], *quarantine_digests(r, self.salt), None) for r in records)

    def seal_row(self, events: int, quarantined: int, signer=None) -> dict:
        """The seal's link row; signed by `signer` (app.signing: the studio's key) when given."""
        note = {"links": self.position, "events": events, "quarantined": quarantined, "last": self.last}
        if signer is not None:
            note["signature"] = signer(seal_statement(self.session_id, note))
        (row,) = self.draft([("seal", None, note_digest("seal", note), "", note)])
        return row


def load_chain(connection, session_id: int) -> Chain | None:
    """The stored chain of a show, to extend (an import after the show); None for a show recorded without one."""
    first = connection.execute(select(ChainLink.note).where(ChainLink.session_id == session_id,
                                                            ChainLink.position == 0)).first()
    if first is None or not isinstance(first[0], dict) or not isinstance(first[0].get("salt"), str):
        return None
    last = connection.execute(select(ChainLink.position, ChainLink.link, ChainLink.kind)
                              .where(ChainLink.session_id == session_id)
                              .order_by(ChainLink.position.desc()).limit(1)).first()
    return Chain(session_id, first[0]["salt"], last[1], last[0] + 1, sealed=last[2] == "seal")


def extend(connection, session_id: int, rows: list[dict], kind: str = "import") -> int:
    """Chain event rows added after the show (an order export's import) as links of `kind`, in the same
    transaction as the rows; nothing for a show without a chain. The number of links added."""
    chain = load_chain(connection, session_id)
    if chain is None or not rows:
        return 0
    links = chain.events(rows, kind)
    connection.execute(insert(ChainLink), links)
    chain.keep()
    return len(links)


def mark(connection, session_id: int, kind: str, note: dict) -> bool:
    """A link of `kind` recording something done to the show's records after it (an erasure on request, its viewers
    pseudonymised), its `note` hashed as its content, in the caller's transaction; False for a show without a
    chain."""
    chain = load_chain(connection, session_id)
    if chain is None:
        return False
    connection.execute(insert(ChainLink), chain.draft([(kind, None, note_digest(kind, note), "", note)]))
    chain.keep()
    return True


# --- verification -----------------------------------------------------------------------------------------------

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


__all__ = ["NOT_TAMPERING", "Chain", "Finding", "Verdict", "canonical", "event_digests", "extend", "load_chain", "quarantine_digests",
           "verify"]
