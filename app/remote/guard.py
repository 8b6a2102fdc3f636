"""The assistant server's door policy: verbs per assistant (a token bucket), failed pairings per address
(back-off, then a lockout), assistant names cleaned like comments and kept apart from each other and the console.

Limits (docs/protocol.md): a burst of 20 verbs, then 10 a second, per connection; 5 wrong tokens from one
address within 10 minutes lock that address out for 5 minutes, and every wrong token is answered only after
a second; at most 32 connections may wait to pair at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from app.kernel.moderation import clean_text

VERB_BURST = 20
VERBS_PER_SECOND = 10.0
MAX_FAILURES = 5  # wrong tokens from one address within FAILURE_WINDOW_S before it is locked out
FAILURE_WINDOW_S = 600.0
LOCKOUT_S = 300.0
WRONG_TOKEN_DELAY_S = 1.0  # a refusal is answered only after this: guessing costs time
MAX_UNPAIRED = 32
CLOSE_TIMEOUT_S = 1.0  # a peer that does not answer the closing handshake is let go after this: a Stop is not held
MAX_NAME_CHARS = 24
DEFAULT_NAME = "远程场控"


@dataclass
class TokenBucket:
    """`burst` verbs at once, refilled at `rate` a second."""

    rate: float = VERBS_PER_SECOND
    burst: float = VERB_BURST
    tokens: float = VERB_BURST
    stamp: float = field(default_factory=time.monotonic)

    def allow(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class PairingGuard:
    """Failed pairings per address: counted in a sliding window; too many lock the address out for a while."""

    def __init__(self, max_failures: int = MAX_FAILURES, window_s: float = FAILURE_WINDOW_S,
                 lockout_s: float = LOCKOUT_S) -> None:
        self.max_failures, self.window_s, self.lockout_s = max_failures, window_s, lockout_s
        self._failures: dict[str, list[float]] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()
        self.refused = 0  # wrong tokens, all addresses
        self.lockouts = 0  # addresses locked out so far

    def locked_for(self, address: str, now: float | None = None) -> float:
        """Seconds this address stays locked out (0: it may try)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            return max(0.0, self._locked_until.get(address, 0.0) - now)

    def failed(self, address: str, now: float | None = None) -> int:
        """Count a wrong token; returns how many this address has in the window (locks it at the limit)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self.refused += 1
            recent = [t for t in self._failures.get(address, []) if now - t < self.window_s] + [now]
            self._failures[address] = recent
            if len(recent) >= self.max_failures:
                self._locked_until[address] = now + self.lockout_s
                self._failures[address] = []
                self.lockouts += 1
            return len(recent)

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)


def clean_name(raw: object, taken: set[str]) -> str:
    """An assistant's name as plain text (the cleaning comments get: no control, direction or invisible
    characters, no newlines), at most 24 characters, and not one already `taken` (the console's own name is
    among them): a second 小李 becomes 小李#2."""
    name = clean_text(raw if isinstance(raw, str) else "", MAX_NAME_CHARS) or DEFAULT_NAME
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}#{n}"
    return candidate
