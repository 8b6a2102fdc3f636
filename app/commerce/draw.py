"""福袋 / 抽奖 Lucky draw, provably fair: commit, collect, reveal.

When a draw opens, the room picks a random seed and publishes only its commitment, SHA-256(seed). Viewers enter by
sending the keyword (口令) in a comment while it is open: one entry per viewer however often they comment; a hidden
comment (blocked viewer, banned word) or the console's own (streamer, assistants) never enters; optionally only
followers, or only viewers who had entered the room before the draw opened. When it closes, the room publishes the
seed (`draw_ended`: entries close there, in the log's order) and then the winners drawn from the sorted entrants
with it (`draw_winners`). Anyone with the event log recomputes the same entrants and winners (`recompute`): the
seed matches its commitment, so it was fixed before anyone entered.

The draw of k winners from n sorted entrants, step i = 0..k-1: index = SHA-256(seed ‖ "winner" ‖ i as 4 bytes,
big-endian) read as a big-endian integer, modulo the entrants left; that entrant wins and leaves the list.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Container, Iterable
from dataclasses import dataclass

from app.kernel.events import PLATFORM, Event, EventType
from app.kernel.viewers import ViewerTable

WHO = ("anyone", "followers", "entered_before")  # who may enter
MAX_WINNERS = 1000
MAX_KEYWORD = 20
MAX_PRIZE = 100


def new_seed() -> bytes:
    return secrets.token_bytes(32)


def commitment(seed: bytes) -> str:
    return hashlib.sha256(seed).hexdigest()


def pick_winners(entrants: Iterable[str], seed: bytes, count: int) -> list[str]:
    """`count` winners (fewer if fewer entered) from the entrants, sorted first, with the seed (module text)."""
    pool = sorted(set(entrants))
    winners = []
    for i in range(min(count, len(pool))):
        digest = hashlib.sha256(seed + b"winner" + i.to_bytes(4, "big")).digest()
        winners.append(pool.pop(int.from_bytes(digest, "big") % len(pool)))
    return winners


def enters(event: Event, keyword: str, who: str, followers: Container[str], entered_before: Container[str]
           ) -> str | None:
    """The user id this comment enters into the draw, or None."""
    if event.type != EventType.COMMENT or event.actor != PLATFORM or event.flagged:
        return None
    user = event.payload.get("user_id")
    if not isinstance(user, str) or not user or keyword not in str(event.payload.get("text", "")):
        return None
    if who == "followers" and user not in followers:
        return None
    if who == "entered_before" and user not in entered_before:
        return None
    return user


class Entries:
    """The room's side of its draws, kept from the log as it is applied: who follows, when each viewer first entered
    (to tell who had entered before a draw began) and who entered the draw open now (user → nickname). The room's
    private parts — never in its state, whose snapshots go to overlays and assistants — and `recompute`'s sets kept
    in one entry a viewer of a viewers' table (app/kernel/viewers.py: a hashed key and four bytes, no string): the
    follow bit, and above it the draws begun when they first entered + 1 (0: never entered), so "entered before the
    draw" needs no copy of the room when a draw begins. Not thread-safe: the room calls it under its state lock."""

    FOLLOWS, ENTERED = 1, 2  # the follow bit; the first entry's stamp counted in twos above it

    def __init__(self) -> None:
        self.audience = ViewerTable("I")
        self.begun = 0  # draws begun in the log
        self.entrants: dict[str, str] = {}  # the latest draw's, user → nickname
        # `enters`' two rules over the audience, made when a draw begins, not for every comment
        self._followers, self._entered_before = _Followers(self.audience), _EnteredBefore(self.audience, 0)

    def entered(self, user: object) -> None:
        """An ENTER by `user` (a viewer's first stamps when they came)."""
        if isinstance(user, str):
            key, was = self.audience.find(user)
            if was < self.ENTERED:
                self.audience.put(key, was | (self.begun + 1) * self.ENTERED)

    def followed(self, user: object) -> None:
        if isinstance(user, str):
            key, was = self.audience.find(user)
            self.audience.put(key, was | self.FOLLOWS)

    def began(self) -> None:
        """A DRAW_STARTED: a new draw's entrants, none yet."""
        self.entrants = {}
        self.begun += 1
        self._entered_before = _EnteredBefore(self.audience, self.begun)

    def comment(self, event: Event, keyword: str, who: str) -> int:
        """A comment while the draw is open: enters its viewer if it may (`enters`); the entrants now."""
        user = enters(event, keyword, who, self._followers, self._entered_before)
        if user is not None and user not in self.entrants:
            self.entrants[user] = str(event.payload.get("nickname") or user)
        return len(self.entrants)

    def winners(self, seed: bytes, count: int) -> list[dict[str, str]]:
        """The draw's winners from its entrants with the revealed seed, as DRAW_WINNERS names them."""
        return [{"user_id": u, "nickname": self.entrants[u]} for u in pick_winners(self.entrants, seed, count)]


class _Followers:
    """`user in` it: the viewer follows (`Entries.audience`)."""

    __slots__ = ("_audience",)

    def __init__(self, audience: ViewerTable) -> None:
        self._audience = audience

    def __contains__(self, user: object) -> bool:
        return isinstance(user, str) and bool(self._audience.get(user) & Entries.FOLLOWS)


class _EnteredBefore:
    """`user in` it: the viewer first entered before the `draw`-th draw began (`Entries.audience`)."""

    __slots__ = ("_audience", "_draw")

    def __init__(self, audience: ViewerTable, draw: int) -> None:
        self._audience, self._draw = audience, draw

    def __contains__(self, user: object) -> bool:
        return isinstance(user, str) and 0 < self._audience.get(user) // Entries.ENTERED <= self._draw


@dataclass(frozen=True)
class Recomputed:
    draw_id: int
    entrants: int
    winners: list[str]
    seed_matches: bool  # SHA-256(revealed seed) is the commitment published at the start
    winners_match: bool  # the winners published are the ones the seed gives

    @property
    def fair(self) -> bool:
        return self.seed_matches and self.winners_match


def recompute(events: Iterable[Event], draw_id: int) -> Recomputed:
    """A draw checked from the event log alone (events in sequence order). KeyError if it did not start, end and
    name its winners in this log."""
    started = ended = named = None
    followers: set[str] = set()
    entered: set[str] = set()
    entered_before: set[str] = set()
    entrants: set[str] = set()
    for event in events:
        p = event.payload
        if event.type == EventType.DRAW_STARTED and p.get("draw_id") == draw_id:
            started, entered_before = event, set(entered)
            continue
        if event.type == EventType.DRAW_ENDED and p.get("draw_id") == draw_id:
            ended = event
        elif event.type == EventType.DRAW_WINNERS and p.get("draw_id") == draw_id:
            named = event
            break
        elif event.type == EventType.FOLLOW and isinstance(p.get("user_id"), str):
            followers.add(p["user_id"])
        elif event.type == EventType.ENTER and isinstance(p.get("user_id"), str):
            entered.add(p["user_id"])
        if started is not None and ended is None:
            user = enters(event, started.payload["keyword"], started.payload["who"], followers, entered_before)
            if user is not None:
                entrants.add(user)
    if started is None or ended is None or named is None:
        raise KeyError(f"draw {draw_id} did not start, end and name its winners in this log")
    seed = bytes.fromhex(ended.payload["seed"])
    winners = pick_winners(entrants, seed, started.payload["winners"])
    return Recomputed(draw_id, len(entrants), winners, commitment(seed) == started.payload["commitment"],
                      winners == [w["user_id"] for w in named.payload["winners"]])
