"""DouyinBarrageGrab (抖音弹幕监听器) as a feed: the Windows tool captures a Douyin room's live messages (browser,
Douyin client or 直播伴侣) and pushes them on a local WebSocket, port 8888 by default.

Wire format (from the tool's README and its message classes, BarrageMessages.cs): one text frame per message,
`{"Type": N, "ProcessName": "…", "Data": "<the message as a JSON string>"}`. The message carries `MsgId`,
`User` (`Id`, `Nickname`, …), `Content`, `RoomId`/`WebRoomId` (numbers before v2.7.3, strings after) and its own
fields. Types and what the console makes of them:

| Type | the tool's name | console event |
|---|---|---|
| 1 | 弹幕消息 | comment: user, nickname, text (`Content`) |
| 2 | 点赞消息 | like: count (`Count`) |
| 3 | 进直播间 | enter |
| 4 | 关注消息 | follow |
| 5 | 礼物消息 | gift: name, count (`GiftCount`, the increment), value = `DiamondCount` × count × 10 fen (1 抖币 = ¥0.1) |
| 6 | 直播间统计 | online (`OnlineUserCount`) |
| 7 | 粉丝团消息 | none (counted as known, not mapped) |
| 8 | 直播间分享 | share (target in `ShareType`) |
| 9 | 下播 | none (counted; the room ended its live) |

The tool does not carry orders: they come from the shop's order export (the review's import). Commands the tool
accepts back (`{"Cmd": …}`) are never sent.

Forks of the tool that also read Kuaishou (快手) rooms add `Platform` to the frame (1 Douyin, the default when it
is missing; 2 Kuaishou) and send both rooms' messages on the one socket, in the same message classes. The feed
reads the platform its address names — `douyin-grab://HOST` Douyin, `douyin-grab://HOST?platform=kuaishou`
Kuaishou — and counts the other's messages as not mapped (`Platform 2 other room`), so two rooms never mix in one
show. Checked against the tool's message classes (HaoDong108/DouyinBarrageGrab 2024-09, the Kuaishou fork
2026-04): the fields read here have not moved; the fork's `Owner` (the anchor; `Onwer` in older versions, now a
placeholder text), `RoomTitle`, `IsAnchor` and `EnterTipType` are not read.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from app import values
from app.kernel.events import PLATFORM, Event, EventType
from app.text import outside_json
from app.live.feed import Dialect, MessageError, Parsed

DEFAULT_PORT = 8888
TYPE_NAMES = {1: "弹幕 comment", 2: "点赞 like", 3: "进房 enter", 4: "关注 follow", 5: "礼物 gift",
              6: "统计 room stats", 7: "粉丝团 fan club", 8: "分享 share", 9: "下播 live ended"}
DIAMOND_CENTS = 10  # 1 抖币 (diamond) = ¥0.10
PLATFORMS = {"douyin": 1, "kuaishou": 2}  # the forks' `Platform` field


class DouyinGrab(Dialect):
    name = "DouyinBarrageGrab"

    def __init__(self, url: str, token: str | None = None) -> None:
        super().__init__(url, token)
        parts = urlsplit(url)
        if not parts.hostname:
            raise ValueError("douyin-grab:// 需要主机，例如 douyin-grab://127.0.0.1:8888 / douyin-grab:// needs a host, "
                             "e.g. douyin-grab://127.0.0.1:8888")
        self._ws = f"ws://{parts.hostname}:{parts.port or DEFAULT_PORT}{parts.path or ''}"
        platform = parse_qs(parts.query).get("platform", ["douyin"])[0].lower()
        if platform not in PLATFORMS:
            raise ValueError(f"douyin-grab:// 的 platform 只能是 douyin 或 kuaishou / platform is douyin or kuaishou, "
                             f"not {platform[:20]!r}")
        self.platform = PLATFORMS[platform]

    def ws_url(self) -> str:
        return self._ws

    @property
    def platform_name(self) -> str:
        return next(name for name, number in PLATFORMS.items() if number == self.platform)

    def headers(self) -> dict | None:
        return None  # the tool has no token

    def parse(self, raw: str | bytes) -> list[Parsed]:
        if isinstance(raw, bytes):
            return [Parsed("?", problem="malformed", reason="binary frame")]
        try:
            pack = outside_json(raw)
        except (ValueError, RecursionError) as exc:
            return [Parsed("?", problem="malformed", reason=f"not JSON ({exc.__class__.__name__})")]
        if not isinstance(pack, dict):
            return [Parsed("?", problem="malformed", reason="a frame must be a JSON object")]
        kind = pack.get("Type")
        if isinstance(kind, bool) or not isinstance(kind, int) or kind not in TYPE_NAMES:
            return [Parsed(f"Type {str(kind)[:12]}", problem="unknown", reason=f"message type {str(kind)[:12]}")]
        platform = pack.get("Platform", PLATFORMS["douyin"])
        if platform != self.platform:  # the fork's other room on the same socket: counted, not this show's
            return [Parsed(f"Platform {str(platform)[:12]} other room")]
        label = f"{kind} {TYPE_NAMES[kind]}"
        try:
            data = pack.get("Data")
            message = outside_json(data) if isinstance(data, str) else data  # a string by the tool; tolerate an object
            if not isinstance(message, dict):
                raise MessageError("malformed", "Data must hold a JSON object")
            event = _event(kind, message)
        except MessageError as exc:
            return [Parsed(label, problem=exc.kind, reason=f"{label}: {exc}")]
        except (ValueError, RecursionError) as exc:  # Data not JSON, a value out of range
            return [Parsed(label, problem="malformed", reason=f"{label}: {exc}")]
        msg_id = message.get("MsgId")
        source_id = f"dy:{msg_id}" if isinstance(msg_id, (int, str)) and not isinstance(msg_id, bool) \
            and msg_id not in (0, "", "0") else None
        return [Parsed(label, event, source_id=source_id)]


def _user(message: dict) -> tuple[str, str]:
    user = message.get("User")
    if not isinstance(user, dict):
        raise MessageError("malformed", "no User object")
    uid = user.get("Id")
    if isinstance(uid, bool) or not isinstance(uid, (int, str)) or uid in ("", 0):
        uid = user.get("DisplayId") or user.get("SecUid")
    if isinstance(uid, bool) or not isinstance(uid, (int, str)) or str(uid) == "":
        raise MessageError("malformed", "User without an Id")
    nickname = user.get("Nickname")
    return str(uid)[:64], nickname if isinstance(nickname, str) else ""


def _event(kind: int, message: dict) -> Event | None:
    if kind in (7, 9):
        return None
    if kind == 6:
        online = values.whole(message.get("OnlineUserCount"), ("在线人数", "OnlineUserCount"), 0, values.MAX_ONLINE)
        return Event(EventType.ONLINE, {"online": online}, actor=PLATFORM)
    user_id, nickname = _user(message)
    base = {"user_id": user_id, "nickname": nickname}
    if kind == 1:
        text = message.get("Content")
        if not isinstance(text, str):
            raise MessageError("malformed", "a comment without Content")
        return Event(EventType.COMMENT, {**base, "text": text}, actor=PLATFORM)
    if kind == 2:
        count = values.whole(message.get("Count", 1), ("点赞数", "Count"), 1, values.MAX_COUNT)
        return Event(EventType.LIKE, {**base, "count": count}, actor=PLATFORM)
    if kind == 3:
        return Event(EventType.ENTER, base, actor=PLATFORM)
    if kind == 4:
        return Event(EventType.FOLLOW, base, actor=PLATFORM)
    if kind == 5:
        name = message.get("GiftName")
        if not isinstance(name, str):
            raise MessageError("malformed", "a gift without GiftName")
        count = values.whole(message.get("GiftCount", 1), ("礼物数", "GiftCount"), 0, values.MAX_COUNT)
        diamonds = values.whole(message.get("DiamondCount", 0), ("抖币", "DiamondCount"), 0, values.MAX_COUNT)
        value = values.whole(diamonds * count * DIAMOND_CENTS, ("礼物价值", "gift value"), 0, values.MAX_CENTS)
        return Event(EventType.GIFT, {**base, "gift": name, "count": count, "value_cents": value}, actor=PLATFORM)
    target = message.get("ShareType")
    payload = {**base, "target": target} if isinstance(target, int) and not isinstance(target, bool) else base
    return Event(EventType.SHARE, payload, actor=PLATFORM)
