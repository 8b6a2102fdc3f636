"""Who may come in through the guests' door: one invitation per seat (手机机位 "phone 1", 连麦嘉宾 "嘉宾"), a
one-time token that expires, and once claimed a rejoin key that lets the same phone come back after a drop until
the seat is revoked. Nothing is on air until the console accepts the seat.

The tokens are secrets: they reach only the link (in its fragment, which a browser never sends to a server or a
Referer) and never logs, errors or the database. Thread-safe: the door's thread claims, the UI invites and accepts.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.kernel.moderation import clean_text
from app.redaction import register_secret

KINDS = {"camera": "手机机位", "guest": "连麦嘉宾"}  # a camera sends; a guest also sees and hears the program
INVITE_TTL_S = 600.0  # an invitation not used within ten minutes is void (a new one is one click)
MAX_SEATS = 4
SEAT_NAME_MAX = 24
TOKEN_BYTES = 18  # 144 bits: guessing is hopeless even without the door's lockout


class Refused(ValueError):
    """An invitation or a rejoin key that does not let anyone in: the reason in Chinese and English (no secret)."""


@dataclass(frozen=True)
class Invitation:
    seat: str
    kind: str
    token: str
    ttl_s: float


@dataclass(frozen=True)
class Ticket:
    """What a claim or a rejoin gives the door: the seat, its kind and the key to come back with."""

    seat: str
    kind: str
    key: str


@dataclass(frozen=True)
class SeatView:
    """A seat as the console shows it. state: "invited" (link not used yet), "expired", "joined" (a phone claimed
    it; `connected` says whether it is there now)."""

    seat: str
    kind: str
    state: str
    accepted: bool
    expires_in: float


@dataclass
class _Seat:
    kind: str
    token: str | None
    expires_at: float
    key: str | None = None
    accepted: bool = False


def seat_name(raw: object) -> str:
    """A seat's name as plain text (the cleaning comments get), 1–24 characters; Refused otherwise."""
    name = clean_text(raw if isinstance(raw, str) else "", SEAT_NAME_MAX).strip()
    if not name:
        raise Refused(f"机位名称需为 1–{SEAT_NAME_MAX} 个字符 / a seat's name is 1–{SEAT_NAME_MAX} characters")
    return name


class InviteBook:
    def __init__(self, clock: Callable[[], float] = time.monotonic, ttl_s: float = INVITE_TTL_S,
                 max_seats: int = MAX_SEATS) -> None:
        self._clock, self.ttl_s, self.max_seats = clock, ttl_s, max_seats
        self._seats: dict[str, _Seat] = {}
        self._lock = threading.Lock()

    def invite(self, seat: str, kind: str = "camera") -> Invitation:
        """A new invitation for `seat` (a new seat, or a fresh link for one: its old link and its phone's rejoin
        key stop working). Refused for an unknown kind, a bad name or when MAX_SEATS seats are taken."""
        seat = seat_name(seat)
        if kind not in KINDS:
            raise Refused(f"机位类型需为 {'/'.join(KINDS)} / a seat's kind is one of {', '.join(KINDS)}")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        register_secret(token)
        with self._lock:
            if seat not in self._seats and len(self._seats) >= self.max_seats:
                raise Refused(f"最多 {self.max_seats} 个机位，请先移除一个 / at most {self.max_seats} seats: remove one "
                              f"first")
            self._seats[seat] = _Seat(kind, token, self._clock() + self.ttl_s)
        return Invitation(seat, kind, token, self.ttl_s)

    def claim(self, token: object) -> Ticket:
        """The phone opening its link: the token is used up and the seat gets a rejoin key. Refused when the token
        is unknown, used or expired (the same sentence for each: a guesser learns nothing)."""
        guess, key, now = _secret(token), secrets.token_urlsafe(TOKEN_BYTES), self._clock()
        with self._lock:
            found = next(((name, seat) for name, seat in self._seats.items() if seat.token is not None
                          and hmac.compare_digest(seat.token.encode(), guess)), None)
            if found is None or now >= found[1].expires_at:
                raise Refused(_NO_ENTRY)
            name, seat = found
            seat.token, seat.key = None, key
            ticket = Ticket(name, seat.kind, key)
        register_secret(key)  # only a key given out is remembered: guesses cost the mask nothing
        return ticket

    def rejoin(self, key: object) -> Ticket:
        """The same phone coming back after a drop (its page kept the key). Refused once the seat is revoked or
        invited anew."""
        guess = _secret(key)
        with self._lock:
            for name, seat in self._seats.items():
                if seat.key is not None and hmac.compare_digest(seat.key.encode(), guess):
                    return Ticket(name, seat.kind, seat.key)
        raise Refused(_NO_ENTRY)

    def accept(self, seat: str, on_air: bool = True) -> bool:
        """Let the seat's picture on air (or take it off); False for a seat that is not there."""
        with self._lock:
            found = self._seats.get(seat)
            if found is None:
                return False
            found.accepted = bool(on_air)
            return True

    def accepted(self, seat: str) -> bool:
        with self._lock:
            found = self._seats.get(seat)
            return found is not None and found.accepted

    def __contains__(self, seat: object) -> bool:
        with self._lock:
            return seat in self._seats

    def revoke(self, seat: str) -> bool:
        """The seat is gone: its link and its phone's key stop working (the door hangs up on it)."""
        with self._lock:
            return self._seats.pop(seat, None) is not None

    def seats(self) -> tuple[SeatView, ...]:
        now = self._clock()
        with self._lock:
            return tuple(SeatView(name, s.kind, "joined" if s.key else "expired" if now >= s.expires_at else "invited",
                                  s.accepted, max(0.0, s.expires_at - now) if s.key is None else 0.0)
                         for name, s in self._seats.items())


def _secret(raw: object) -> bytes:
    """A token or key from outside as bytes to compare in constant time (any text: a lone surrogate too)."""
    if not isinstance(raw, str) or not raw:
        raise Refused(_NO_ENTRY)
    return raw.encode("utf-8", "surrogatepass")


_NO_ENTRY = "邀请无效或已过期，请让主播重新生成二维码 / this invitation is not valid or has expired: ask for a new code"
