"""A Bilibili live room's danmaku stream as a feed (`bilibili://ROOM`), written from the protocol as the open
`blivedm` client documents it (no code taken from it).

Wire format: binary WebSocket frames of packets, each a 16-byte big-endian header — packet length (header
included), header length (16), protocol version, operation, sequence — then the body. The client sends AUTH
(op 7, JSON `{"uid", "roomid", "protover", "platform", "type", "key"}`) once connected and a HEARTBEAT (op 2)
every 30 s; the server answers AUTH_REPLY (op 8, `{"code": 0}`), HEARTBEAT_REPLY (op 3, 4-byte popularity) and
SEND_MSG_REPLY (op 5) with commands: version 0 is one JSON command, version 2 a zlib-deflated run of further
packets (this client asks for 2: version 3, brotli, is counted as malformed since no brotli decoder is bundled).

Commands mapped (`cmd`, any `:suffix` dropped):
DANMU_MSG → comment (info[1] text, info[2][0] uid, info[2][1] name; a guest's uid 0 falls back to the
uid's CRC in info[0][7]); SEND_GIFT → gift (value: gold coins ÷ 10 = fen, silver is free); GUARD_BUY → gift
(舰长 etc., price in gold); SUPER_CHAT_MESSAGE → comment and a gift of its price in yuan; INTERACT_WORD →
enter (msg_type 1), follow (2, 4, 5), share (3); LIKE_INFO_V3_CLICK → like; ONLINE_RANK_COUNT → online
(`online_count` when present, else `count`). Known and counted, no event: WATCHED_CHANGE (viewers so far),
LIKE_INFO_V3_UPDATE (like total), LIVE, PREPARING, ROOM_REAL_TIME_MESSAGE_UPDATE, ENTRY_EFFECT, ONLINE_RANK_V2,
STOP_LIVE_ROOM_LIST, NOTICE_MSG, WIDGET_BANNER, HOT_RANK_CHANGED, INTERACT_WORD_V2 (protobuf). Anything else:
unknown, counted.

`bilibili://ROOM?server=wss://HOST:PORT/sub&key=TOKEN&uid=N`: the room's danmaku server and the token the
room's `getDanmuInfo` page gives a logged-in browser. Without `server` the public host is used; without a key
Bilibili may refuse or mask names. Fetching the token needs Bilibili's signed web API and a browser cookie,
which this console does not do (no network here to test it against): paste them from the browser.
"""

from __future__ import annotations

import json
import struct
import zlib
from urllib.parse import parse_qs, urlsplit

from app import values
from app.kernel.events import PLATFORM, Event, EventType
from app.text import outside_json
from app.live.feed import MAX_MESSAGE_BYTES, Dialect, FeedRefused, MessageError, Parsed

HEADER = struct.Struct(">IHHII")  # packet length, header length, version, operation, sequence
OP_HEARTBEAT, OP_HEARTBEAT_REPLY, OP_MESSAGE, OP_AUTH, OP_AUTH_REPLY = 2, 3, 5, 7, 8
DEFAULT_SERVER = "wss://broadcastlv.chat.bilibili.com:443/sub"
MAX_INFLATED = 4 * MAX_MESSAGE_BYTES  # a deflated batch may not grow past this (a zip bomb is malformed)
MAX_DEPTH = 2  # a deflated batch inside a deflated batch is the most there is
KNOWN_UNMAPPED = {"WATCHED_CHANGE", "LIKE_INFO_V3_UPDATE", "LIVE", "PREPARING", "ROOM_REAL_TIME_MESSAGE_UPDATE",
                  "ENTRY_EFFECT", "ONLINE_RANK_V2", "ONLINE_RANK_TOP3", "STOP_LIVE_ROOM_LIST", "NOTICE_MSG",
                  "WIDGET_BANNER", "HOT_RANK_CHANGED", "HOT_RANK_CHANGED_V2", "INTERACT_WORD_V2",
                  "COMBO_SEND", "SUPER_CHAT_MESSAGE_DELETE", "USER_TOAST_MSG", "ROOM_CHANGE"}


def packet(operation: int, body: bytes, version: int = 1) -> bytes:
    return HEADER.pack(HEADER.size + len(body), HEADER.size, version, operation, 1) + body


class Bilibili(Dialect):
    name = "Bilibili 直播"
    heartbeat_s = 30.0

    def __init__(self, url: str, token: str | None = None) -> None:
        super().__init__(url, token)
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        try:
            self.room = values.whole(int(parts.netloc or parts.path.strip("/")), ("房间号", "room"), 1, 2**63 - 1)
            self.uid = values.whole(int(query.get("uid", ["0"])[0]), ("用户", "uid"), 0, 2**63 - 1)
        except ValueError:
            raise ValueError("bilibili:// 需要房间号，例如 bilibili://21452505 / bilibili:// needs a room number, "
                             "e.g. bilibili://21452505") from None
        self.server = query.get("server", [DEFAULT_SERVER])[0]
        self.key = token or query.get("key", [""])[0]

    def ws_url(self) -> str:
        return self.server

    def headers(self) -> dict | None:
        return None

    def hello(self) -> list[str | bytes]:
        auth = {"uid": self.uid, "roomid": self.room, "protover": 2, "platform": "web", "type": 2}
        if self.key:
            auth["key"] = self.key
        return [packet(OP_AUTH, json.dumps(auth).encode())]

    def heartbeat(self) -> bytes:
        return packet(OP_HEARTBEAT, b"{}")

    def parse(self, raw: str | bytes) -> list[Parsed]:
        if not isinstance(raw, bytes):
            return [Parsed("?", problem="malformed", reason="a text frame (the protocol is binary)")]
        return self._packets(raw, 0)

    def _packets(self, data: bytes, depth: int) -> list[Parsed]:
        out: list[Parsed] = []
        offset = 0
        while offset < len(data):
            if len(data) - offset < HEADER.size:
                out.append(Parsed("?", problem="malformed", reason="a truncated packet header"))
                break
            length, header_length, version, operation, _seq = HEADER.unpack_from(data, offset)
            if header_length < HEADER.size or length < header_length or offset + length > len(data):
                out.append(Parsed("?", problem="malformed", reason=f"a packet of bad length ({length})"))
                break
            body = data[offset + header_length: offset + length]
            offset += length
            if operation == OP_HEARTBEAT_REPLY:
                out.append(Parsed("heartbeat reply", control=True))  # carries the old popularity figure only
            elif operation == OP_AUTH_REPLY:
                self._auth_reply(body)
                out.append(Parsed("auth reply", control=True))
            elif operation != OP_MESSAGE:
                out.append(Parsed(f"op {operation}", problem="unknown", reason=f"operation {operation}"))
            elif version == 2:
                out.extend(self._inflated(body, depth))
            elif version in (0, 1):
                out.extend(_command(body))
            else:
                out.append(Parsed(f"version {version}", problem="malformed",
                                  reason=f"body version {version} (this client asks for 2: zlib)"))
        return out

    @staticmethod
    def _auth_reply(body: bytes) -> None:
        try:
            code = outside_json(body).get("code")
        except (ValueError, AttributeError, RecursionError):
            code = None
        if code != 0:
            raise FeedRefused(f"Bilibili 拒绝了连接（认证码 {code}）/ Bilibili refused the connection (auth code {code})")

    def _inflated(self, body: bytes, depth: int) -> list[Parsed]:
        if depth >= MAX_DEPTH:
            return [Parsed("zlib", problem="malformed", reason="deflated batches nested too deep")]
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(body, MAX_INFLATED)
        except zlib.error as exc:
            return [Parsed("zlib", problem="malformed", reason=f"bad zlib data ({exc})")]
        if inflater.unconsumed_tail:
            return [Parsed("zlib", problem="malformed", reason=f"a batch inflating past {MAX_INFLATED} bytes")]
        if not data:
            return [Parsed("zlib", problem="malformed", reason="an empty batch")]
        return self._packets(data, depth + 1)


def _command(body: bytes) -> list[Parsed]:
    try:
        command = outside_json(body)
    except (ValueError, RecursionError) as exc:
        return [Parsed("?", problem="malformed", reason=f"not JSON ({exc.__class__.__name__})")]
    if not isinstance(command, dict) or not isinstance(command.get("cmd"), str):
        return [Parsed("?", problem="malformed", reason="a command without cmd")]
    cmd = command["cmd"].split(":", 1)[0][:40]
    try:
        events = _events(cmd, command)
    except (MessageError, ValueError, LookupError, TypeError) as exc:
        return [Parsed(cmd, problem="malformed", reason=f"{cmd}: {exc.__class__.__name__} {exc}"[:200])]
    if events is None and cmd not in KNOWN_UNMAPPED:
        return [Parsed(cmd, problem="unknown", reason=f"command {cmd}")]
    if not events:
        return [Parsed(cmd)]  # known, no console event: counted
    return [Parsed(cmd, event, source_id=source) for event, source in events]


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise MessageError("malformed", f"{what} is not text")
    return value


def _uid(value: object) -> int:
    return values.whole(value, ("用户", "uid"), 0, 2**63 - 1)


def _events(cmd: str, command: dict) -> list[tuple[Event, str | None]] | None:
    data = command.get("data")
    if cmd == "DANMU_MSG":
        info = command["info"]
        uid = _uid(info[2][0])
        user_id = str(uid) if uid else f"crc:{_text(info[0][7], 'uid_crc32')}"
        comment = {"user_id": user_id, "nickname": _text(info[2][1], "uname"), "text": _text(info[1], "msg")}
        stamp, rnd = info[0][4], info[0][5]
        return [(Event(EventType.COMMENT, comment, actor=PLATFORM), f"bili:dm:{user_id}:{stamp}:{rnd}")]
    if not isinstance(data, dict):
        return None if cmd not in _MAPPED else _refuse(cmd)
    if cmd == "SEND_GIFT":
        count = values.whole(data["num"], ("礼物数", "num"), 0, values.MAX_COUNT)
        gold = data.get("coin_type") == "gold"
        total = values.whole(data.get("total_coin", 0), ("礼物价值", "total_coin"), 0, values.MAX_CENTS)
        gift = {"user_id": str(_uid(data["uid"])), "nickname": _text(data["uname"], "uname"),
                "gift": _text(data["giftName"], "giftName"), "count": count, "value_cents": total // 10 if gold else 0}
        source = data.get("tid") or data.get("rnd")
        return [(Event(EventType.GIFT, gift, actor=PLATFORM), f"bili:gift:{source}" if source else None)]
    if cmd == "GUARD_BUY":
        count = values.whole(data["num"], ("数量", "num"), 1, values.MAX_COUNT)
        price = values.whole(data["price"], ("单价", "price"), 0, values.MAX_CENTS)
        gift = {"user_id": str(_uid(data["uid"])), "nickname": _text(data["username"], "username"),
                "gift": _text(data["gift_name"], "gift_name"), "count": count,
                "value_cents": values.whole(price * count // 10, ("礼物价值", "value"), 0, values.MAX_CENTS)}
        return [(Event(EventType.GIFT, gift, actor=PLATFORM), None)]
    if cmd == "SUPER_CHAT_MESSAGE":
        user_id, name = str(_uid(data["uid"])), _text(data["user_info"]["uname"], "uname")
        yuan = values.whole(data["price"], ("价格", "price"), 0, values.MAX_CENTS // 100)
        sc_id = data.get("id")
        return [(Event(EventType.COMMENT, {"user_id": user_id, "nickname": name,
                                            "text": _text(data["message"], "message"), "super_chat": True},
                       actor=PLATFORM), f"bili:sc:{sc_id}" if sc_id else None),
                (Event(EventType.GIFT, {"user_id": user_id, "nickname": name, "gift": "醒目留言 Super Chat",
                                         "count": 1, "value_cents": yuan * 100}, actor=PLATFORM),
                 f"bili:scgift:{sc_id}" if sc_id else None)]
    if cmd == "INTERACT_WORD":
        kind = {1: EventType.ENTER, 2: EventType.FOLLOW, 3: EventType.SHARE, 4: EventType.FOLLOW,
                5: EventType.FOLLOW}.get(data.get("msg_type"))
        if kind is None:
            return []  # a kind of interaction the console has no event for: counted as known
        who = {"user_id": str(_uid(data["uid"])), "nickname": _text(data["uname"], "uname")}
        return [(Event(kind, who, actor=PLATFORM), None)]
    if cmd == "LIKE_INFO_V3_CLICK":
        who = {"user_id": str(_uid(data["uid"])), "nickname": _text(data["uname"], "uname"), "count": 1}
        return [(Event(EventType.LIKE, who, actor=PLATFORM), None)]
    if cmd == "ONLINE_RANK_COUNT":
        online = values.whole(data.get("online_count", data.get("count")), ("在线人数", "online"), 0,
                              values.MAX_ONLINE)
        return [(Event(EventType.ONLINE, {"online": online}, actor=PLATFORM), None)]
    return None


_MAPPED = {"SEND_GIFT", "GUARD_BUY", "SUPER_CHAT_MESSAGE", "INTERACT_WORD", "LIKE_INFO_V3_CLICK", "ONLINE_RANK_COUNT"}


def _refuse(cmd: str):
    raise MessageError("malformed", f"{cmd} without a data object")
