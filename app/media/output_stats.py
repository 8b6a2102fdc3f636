"""What every output shares and reports, apart from how it sends: its stats and its one error type. Both the file
outputs (`outputs.py`) and the RTMP push (`rtmp.py`) import this, so neither imports the other back."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


class DestinationError(ValueError):
    """A destination that cannot be used; the message is safe to show (no secrets)."""


@dataclass
class OutputStats:
    name: str
    packets: int = 0
    bytes: int = 0
    video_frames: int = 0  # video packets written (sent, for RTMP): the output's frame rate over time
    queue_depth: int = 0
    dropped: Counter = field(default_factory=Counter)
    error: str | None = None
    connected: bool = True
    reconnects: int = 0
    restarts: dict[str, int] = field(default_factory=dict)
    congestion: float = 0.0  # buffered duration ÷ drop threshold (RTMP); ≥ 1 means dropping
    connected_since: float | None = None  # wall-clock time of the last (re)connect (RTMP)
    latency_ms_p95: float | None = None  # capture → muxed, video packets (files)
