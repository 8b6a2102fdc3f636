"""Which feed speaks which wire format: `open_feed(url, bus)` picks the dialect by the URL's scheme."""

from __future__ import annotations

from app.kernel.bus import EventBus
from app.live.bilibili import Bilibili
from app.live.douyin_grab import DouyinGrab
from app.live.feed import Dialect, FeedClient
from app.redaction import redact_url

SCHEMES = ("ws://", "wss://", "douyin-grab://", "bilibili://")


def dialect_for(url: str, token: str | None = None) -> Dialect:
    """The wire format by the URL's scheme; ValueError (中文 / English) for a scheme no dialect speaks."""
    if url.startswith(("ws://", "wss://")):
        return Dialect(url, token)
    if url.startswith("douyin-grab://"):
        return DouyinGrab(url, token)
    if url.startswith("bilibili://"):
        return Bilibili(url, token)
    raise ValueError(f"不认识的直播间数据地址 {redact_url(url)}：支持 ws:// wss://（协议 v1）、douyin-grab://主机:端口、"
                     f"bilibili://房间号 / unknown feed address {redact_url(url)}: use ws:// or wss:// (protocol v1), "
                     f"douyin-grab://HOST:PORT or bilibili://ROOM")



def open_feed(url: str, bus: EventBus, token: str | None = None) -> FeedClient:
    """A feed client (not started) for `url`; ValueError with the reason for an address no dialect speaks."""
    return FeedClient(url, bus, token, dialect=dialect_for(url, token))
