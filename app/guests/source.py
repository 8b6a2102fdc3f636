"""A seat as a scene source: the phone's newest picture while it is connected and accepted, otherwise a slate that
keeps its place and says why (waiting for the phone, waiting to be accepted, signal lost — it comes back by itself
when the phone reconnects)."""

from __future__ import annotations

import numpy as np

from app.guests.feed import GuestFeed
from app.media.interfaces import VideoSource
from app.media.slate import render_slate

STALE_S = 1.0  # no picture for this long: the slate says the signal is lost (a phone sends 15–30 a second)
_SLATES = {
    "waiting": ("等待手机连接 / waiting for the phone", "用手机扫描主播中控台上的二维码 / scan the console's QR code"),
    "pending": ("等待主播接受 / waiting to be accepted", "在中控台上点“上播” / press Accept on the console"),
    "lost": ("信号中断，正在重连 / signal lost, reconnecting", "手机会自动重连 / the phone reconnects by itself"),
}


class GuestSource(VideoSource):
    def __init__(self, feed: GuestFeed, width: int, height: int) -> None:
        self.feed, self._size = feed, (width, height)
        self._slates: dict[str, np.ndarray] = {}
        self._bgr: tuple[int, np.ndarray] | None = None

    def state(self) -> str:
        """"live", or the slate on air instead: "waiting", "pending", "lost"."""
        return _state(self.feed.latest())

    @property
    def notice(self) -> str | None:  # type: ignore[override]
        state = self.state()
        return None if state == "live" else f"{self.feed.seat}：{_SLATES[state][0]}"

    def frame_at(self, stream_time: float) -> np.ndarray:
        snap = self.feed.latest()
        state = _state(snap)
        if state != "live":
            return self._slate(state)
        if self._bgr is None or self._bgr[0] != snap.count:  # converted once per picture the phone sent
            self._bgr = (snap.count, snap.frame.to_ndarray(format="bgr24"))
        return self._bgr[1]

    def i420_at(self, stream_time: float, width: int, height: int) -> np.ndarray | None:
        snap = self.feed.latest()
        if _state(snap) != "live":
            return None
        frame = snap.frame
        if abs(frame.width * height - frame.height * width) > 0.01 * frame.height * width:
            return None  # another shape (a phone held upright): fitted in BGR by the caller
        return frame.reformat(width, height, "yuv420p").to_ndarray()  # a new array each call: the caller draws on it

    def _slate(self, state: str) -> np.ndarray:
        if state not in self._slates:  # drawn in the render thread, once each
            title, subtitle = _SLATES[state]
            self._slates[state] = render_slate(*self._size, f"{self.feed.seat}：{title}", subtitle)
        return self._slates[state]


def _state(snap) -> str:
    if snap.frame is None and not snap.connected:
        return "waiting"
    if not snap.accepted:
        return "pending"
    if snap.frame is None or not snap.connected or snap.age > STALE_S:
        return "lost"
    return "live"
