"""Each show's log as a hash chain (issue #31): every stored event, every quarantined one and every imported order is
a link that carries the SHA-256 of its own content and of the link before it; the show's end seals the chain. An
event changed, removed, added or put in another's place after the fact no longer matches its link, and a link
changed no longer matches the next one: `verify` (app/store/chain_check.py) names each, from the first on.

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
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import insert, select

from app.store.models import ChainLink

VERSION = "anchor-console/1"
ZERO = "0" * 64
PERSONAL_KEYS = frozenset({"user_id", "uid", "nickname", "uname", "name", "buyer"})
MASK = "~"
EVENT_FIELDS = ("wall_time", "stream_time", "type", "actor", "user_id", "product_id", "amount_cents",
                "flagged", "payload")
QUARANTINE_FIELDS = ("type", "reason", "event_text", "quarantined_at")
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


__all__ = ["Chain", "canonical", "event_digests", "extend", "load_chain", "mark", "quarantine_digests"]
