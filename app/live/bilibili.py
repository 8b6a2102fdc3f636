"""A Bilibili live room's danmaku stream as a feed (`bilibili://ROOM`), written from the protocol as the web client
speaks it today (read in the open `blivedm` client's current source; no code taken from it).

Wire format: binary WebSocket frames of packets, each a 16-byte big-endian header — packet length (header
included), header length (16), protocol version, operation, sequence — then the body. The client sends AUTH
(op 7, JSON `{"uid", "roomid", "protover", "platform", "type", "buvid", "key"}`) once connected and a HEARTBEAT
(op 2) every 30 s; the server answers AUTH_REPLY (op 8, `{"code": 0}`), HEARTBEAT_REPLY (op 3: a 4-byte popularity
inside the packet's declared length, then the echoed heartbeat body outside it — the rest of that frame is not
read as packets) and SEND_MSG_REPLY (op 5) with commands: version 0 is one JSON command, version 3 a
brotli-compressed run of further packets (what this client asks for, `protover` 3, as the web client does),
version 2 a zlib-deflated run (asked for with `?protover=2`, and by itself after the server refuses an auth that
asked for 3). Both are bounded: a batch inflating past MAX_INFLATED is malformed.

Commands mapped (`cmd`, any `:suffix` dropped):
DANMU_MSG → comment (info[1] text, info[2][0] uid, info[2][1] name; a guest's uid 0 falls back to the
uid's CRC in info[0][7]); SEND_GIFT and SEND_GIFT_V2 (protobuf in `data.pb`: `app/live/bilibili_pb.py`; one
gift per item of its list) → gift (value: what was paid, `total_coin` gold coins ÷ 10 = fen, 1,000 = ¥1; silver
is free; a gift is published once by its `tid` whichever form brought it; COMBO_SEND, the combo's summary, is not
counted again); GUARD_BUY → gift (舰长 etc., price in gold); SUPER_CHAT_MESSAGE → comment and a gift of its price
in yuan; INTERACT_WORD and INTERACT_WORD_V2 (protobuf) → enter (msg_type 1), follow (2, 4, 5), share (3); 6 (liked)
is left to LIKE_INFO_V3_CLICK → like; ONLINE_RANK_COUNT → online (`online_count` when present, else `count`);
LOG_IN_NOTICE (the room is read without login: names and viewer ids are masked) → the feed's notice.
Known and counted, no event: WATCHED_CHANGE (viewers so far), LIKE_INFO_V3_UPDATE (like total), LIVE, PREPARING,
ROOM_REAL_TIME_MESSAGE_UPDATE, ENTRY_EFFECT, ONLINE_RANK_V2, STOP_LIVE_ROOM_LIST, NOTICE_MSG, WIDGET_BANNER,
HOT_RANK_CHANGED, COMBO_SEND and the others in KNOWN_UNMAPPED. Anything else: unknown, counted.

`bilibili://ROOM?server=wss://HOST:PORT/sub&key=TOKEN&uid=N&buvid=B&protover=2&api=URL`: the room's danmaku
server, the token the room's `getDanmuInfo` page gives a logged-in browser, that browser's uid and its `buvid3`
cookie; without `server` a short room id is looked up (`prepare`: the `room_init` API, or `api`) before connecting. Without
`server` the public host is used; without a key and uid Bilibili masks names and sends every viewer as uid 0:
the feed says so (`notice`), and UV read from such a room means nothing. Fetching the token needs Bilibili's signed
web API and a browser cookie, which this console does not do (no network here to test it against): paste them
from the browser.
"""

from __future__ import annotations

import json
import logging
import struct
import zlib
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen

from app import values
from app.kernel.events import PLATFORM, Event, EventType
from app.redaction import register_secret
from app.text import outside_json
from app.live.bilibili_pb import PbError, gift_broadcast, interact_word
from app.live.feed import MAX_MESSAGE_BYTES, Dialect, FeedRefused, MessageError, Parsed

try:  # the web client's compression (PyPI `brotli`); without it the client asks for zlib (protover 2)
    import brotli
except ImportError:  # pragma: no cover - a dependency; kept optional so a broken wheel costs compression only
    brotli = None

log = logging.getLogger(__name__)

HEADER = struct.Struct(">IHHII")  # packet length, header length, version, operation, sequence
OP_HEARTBEAT, OP_HEARTBEAT_REPLY, OP_MESSAGE, OP_AUTH, OP_AUTH_REPLY = 2, 3, 5, 7, 8
DEFAULT_SERVER = "wss://broadcastlv.chat.bilibili.com:443/sub"
MAX_INFLATED = 4 * MAX_MESSAGE_BYTES  # a deflated batch may not grow past this (a zip bomb is malformed)
MAX_DEPTH = 2  # a deflated batch inside a deflated batch is the most there is
KNOWN_UNMAPPED = {"WATCHED_CHANGE", "LIKE_INFO_V3_UPDATE", "LIVE", "PREPARING", "ROOM_REAL_TIME_MESSAGE_UPDATE",
                  "ENTRY_EFFECT", "ONLINE_RANK_V2", "ONLINE_RANK_TOP3", "STOP_LIVE_ROOM_LIST", "NOTICE_MSG",
                  "WIDGET_BANNER", "HOT_RANK_CHANGED", "HOT_RANK_CHANGED_V2",
                  "COMBO_SEND", "SUPER_CHAT_MESSAGE_DELETE", "USER_TOAST_MSG", "USER_TOAST_MSG_V2", "ROOM_CHANGE",
                  "DANMU_AGGREGATION", "LIKE_INFO_V3_NOTICE", "ONLINE_RANK_TOP3", "POPULARITY_RED_POCKET_START",
                  "SPREAD_SHOW_FEET_V2", "GUARD_HONOR_THOUSAND", "AREA_RANK_CHANGED", "RANK_CHANGED_V2"}
ROOM_INIT_API = "https://api.live.bilibili.com/room/v1/Room/room_init"  # ?id=N → {"data": {"room_id": long id}}
RESOLVE_TIMEOUT_S = 4.0
UNRESOLVED = ("房间号 {room} 未能核对（没有网络？）：如果它是短号，请填直播间的长房间号 / room {room} could not be looked "
              "up (no network?): if it is a short id, give the room's long id")
MASKED = ("未登录读取：平台隐藏了昵称和观众 ID，UV 没有意义（在地址里加 key、uid、buvid） / read without login: "
          "names and viewer ids are masked by the platform, UV means nothing (add key, uid and buvid to the address)")


def packet(operation: int, body: bytes, version: int = 1) -> bytes:
    return HEADER.pack(HEADER.size + len(body), HEADER.size, version, operation, 1) + body


class Bilibili(Dialect):
    name = "Bilibili 直播"
    platform_name = "bilibili"
    heartbeat_s = 30.0

    def __init__(self, url: str, token: str | None = None) -> None:
        super().__init__(url, token)
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        try:
            self.room = values.whole(int(parts.netloc or parts.path.strip("/")), ("房间号", "room"), 1, 2**63 - 1)
            self.uid = values.whole(int(query.get("uid", ["0"])[0]), ("用户", "uid"), 0, 2**63 - 1)
            protover = values.whole(int(query.get("protover", ["3"])[0]), ("压缩", "protover"), 2, 3)
        except ValueError:
            raise ValueError("bilibili:// 需要房间号，例如 bilibili://21452505 / bilibili:// needs a room number, "
                             "e.g. bilibili://21452505") from None
        self.server = query.get("server", [DEFAULT_SERVER])[0]
        self.key = token or query.get("key", [""])[0]
        self.buvid = query.get("buvid", [""])[0]
        if self.buvid:
            register_secret(self.buvid)  # a browser's device id: never in a log
        self.protover = protover if brotli is not None else 2
        self.viewers_masked = not (self.key and self.uid)  # until the room says more
        self.notice = MASKED if self.viewers_masked else None
        # the room number as typed may be a short one (短号): the public host wants the long one. Asked of the
        # room_init API when the address names no danmaku server of its own (one pasted from the browser came
        # with the long id), or names the API (`api=`, a test's loopback server)
        self.api = query.get("api", [ROOM_INIT_API if "server" not in query else ""])[0]
        self._typed, self._resolved = self.room, False

    def ws_url(self) -> str:
        return self.server

    def prepare(self) -> None:
        """The long room id for a typed one, once (a short id such as 6 is room 7734200); without network the
        typed id is used and the notice asks for the long one when the room stays silent."""
        if not self.api or self.room != self._typed or self._resolved:
            return
        try:
            with urlopen(f"{self.api}?id={self._typed}", timeout=RESOLVE_TIMEOUT_S) as answer:  # noqa: S310 (https)
                data = outside_json(answer.read(64 * 1024)).get("data")
            room = values.whole(data["room_id"], ("房间号", "room_id"), 1, 2**63 - 1)
        except (OSError, ValueError, LookupError, TypeError, AttributeError, RecursionError) as exc:
            log.warning("Bilibili room %d: the long room id could not be looked up (%s)", self._typed,
                        exc.__class__.__name__)
            self.notice = UNRESOLVED.format(room=self._typed) + ("；" + self.notice if self.notice else "")
            self._resolved = True  # asked once: the typed id it is
            return
        self._resolved = True
        if room != self._typed:
            log.info("Bilibili room %d is room %d", self._typed, room)
        self.room = room

    def headers(self) -> dict | None:
        return None

    def hello(self) -> list[str | bytes]:
        auth = {"uid": self.uid, "roomid": self.room, "protover": self.protover, "platform": "web", "type": 2}
        if self.buvid:
            auth["buvid"] = self.buvid
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
            echo = bool(out) and out[-1].kind == "heartbeat reply"  # what follows a heartbeat reply may be its echo
            if len(data) - offset < HEADER.size:
                if not echo:
                    out.append(Parsed("?", problem="malformed", reason="a truncated packet header"))
                break
            length, header_length, version, operation, _seq = HEADER.unpack_from(data, offset)
            if header_length < HEADER.size or length < header_length or offset + length > len(data):
                if not echo:  # the heartbeat the client sent, echoed outside the reply's length: not a packet
                    out.append(Parsed("?", problem="malformed", reason=f"a packet of bad length ({length})"))
                break
            body = data[offset + header_length: offset + length]
            offset += length
            if operation == OP_HEARTBEAT_REPLY:  # popularity (an old figure); the echoed heartbeat may follow
                out.append(Parsed("heartbeat reply", control=True))
            elif operation == OP_AUTH_REPLY:
                self._auth_reply(body)
                out.append(Parsed("auth reply", control=True))
            elif operation != OP_MESSAGE:
                out.append(Parsed(f"op {operation}", problem="unknown", reason=f"operation {operation}"))
            elif version == 3:
                out.extend(self._unbrotli(body, depth))
            elif version == 2:
                out.extend(self._inflated(body, depth))
            elif version in (0, 1):
                out.extend(self._command(body))
            else:
                out.append(Parsed(f"version {version}", problem="malformed", reason=f"body version {version}"))
        return out

    def _auth_reply(self, body: bytes) -> None:
        try:
            code = outside_json(body).get("code")
        except (ValueError, AttributeError, RecursionError):
            code = None
        if code != 0:
            fallback = ""
            if self.protover == 3:  # a server that no longer takes brotli clients: zlib from the next attempt on
                self.protover = 2
                fallback = "；下次改用 zlib（protover 2）/ zlib (protover 2) from the next attempt"
            raise FeedRefused(f"Bilibili 拒绝了连接（认证码 {code}）/ Bilibili refused the connection (auth code "
                              f"{code}){fallback}")

    def _unbrotli(self, body: bytes, depth: int) -> list[Parsed]:
        if depth >= MAX_DEPTH:
            return [Parsed("brotli", problem="malformed", reason="compressed batches nested too deep")]
        if brotli is None:
            return [Parsed("brotli", problem="malformed", reason="a brotli batch, and no brotli decoder here")]
        decompressor = brotli.Decompressor()
        try:
            data = decompressor.process(body, output_buffer_limit=MAX_INFLATED)
        except brotli.error as exc:
            return [Parsed("brotli", problem="malformed", reason=f"bad brotli data ({exc})")]
        if len(data) > MAX_INFLATED:  # the limit bounds the buffer's growth (it stops within twice the limit)
            return [Parsed("brotli", problem="malformed", reason=f"a batch inflating past {MAX_INFLATED} bytes")]
        if not decompressor.is_finished():
            return [Parsed("brotli", problem="malformed", reason="a cut brotli batch")]
        if not data:
            return [Parsed("brotli", problem="malformed", reason="an empty batch")]
        return self._packets(data, depth + 1)

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

    def _command(self, body: bytes) -> list[Parsed]:
        parsed = _command(body)
        if parsed and parsed[0].kind == "LOG_IN_NOTICE":
            self.notice, self.viewers_masked = MASKED, True  # the room says it, whatever the address held
        return parsed


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


def _danmu(command: dict) -> list:
    info = command["info"]
    uid = _uid(info[2][0])
    user_id = str(uid) if uid else f"crc:{_text(info[0][7], 'uid_crc32')}"
    comment = {"user_id": user_id, "nickname": _text(info[2][1], "uname"), "text": _text(info[1], "msg")}
    stamp, rnd = info[0][4], info[0][5]
    return [(Event(EventType.COMMENT, comment, actor=PLATFORM), f"bili:dm:{user_id}:{stamp}:{rnd}")]


def _gift_event(uid, uname, name, num, coin_type, total_coin, tid) -> tuple[Event, str | None]:
    """One gift as paid: gold coins ÷ 10 = fen (1,000 gold = ¥1), silver free; `tid` its identity, so the same gift
    brought by SEND_GIFT and SEND_GIFT_V2 is published once."""
    count = values.whole(num, ("礼物数", "num"), 0, values.MAX_COUNT)
    total = values.whole(total_coin, ("礼物价值", "total_coin"), 0, values.MAX_CENTS)
    gift = {"user_id": str(_uid(uid)), "nickname": _text(uname, "uname"), "gift": _text(name, "giftName"),
            "count": count, "value_cents": total // 10 if coin_type == "gold" else 0}
    return Event(EventType.GIFT, gift, actor=PLATFORM), f"bili:gift:{tid}" if tid else None


def _send_gift(data: dict) -> list:
    return [_gift_event(data["uid"], data["uname"], data["giftName"], data["num"], data.get("coin_type"),
                        data.get("total_coin", 0), data.get("tid") or data.get("rnd"))]


def _send_gift_v2(data: dict) -> list:
    broadcast = gift_broadcast(data.get("pb"))
    return [_gift_event(broadcast.uid, broadcast.uname, gift.gift_name, gift.num, gift.coin_type, gift.total_coin,
                        gift.tid or gift.rnd) for gift in broadcast.gifts]


def _guard_buy(data: dict) -> list:
    count = values.whole(data["num"], ("数量", "num"), 1, values.MAX_COUNT)
    price = values.whole(data["price"], ("单价", "price"), 0, values.MAX_CENTS)
    gift = {"user_id": str(_uid(data["uid"])), "nickname": _text(data["username"], "username"),
            "gift": _text(data["gift_name"], "gift_name"), "count": count,
            "value_cents": values.whole(price * count // 10, ("礼物价值", "value"), 0, values.MAX_CENTS)}
    return [(Event(EventType.GIFT, gift, actor=PLATFORM), None)]


def _super_chat(data: dict) -> list:
    user_id, name = str(_uid(data["uid"])), _text(data["user_info"]["uname"], "uname")
    yuan = values.whole(data["price"], ("价格", "price"), 0, values.MAX_CENTS // 100)
    sc_id = data.get("id")
    return [(Event(EventType.COMMENT, {"user_id": user_id, "nickname": name,
                                        "text": _text(data["message"], "message"), "super_chat": True},
                   actor=PLATFORM), f"bili:sc:{sc_id}" if sc_id else None),
            (Event(EventType.GIFT, {"user_id": user_id, "nickname": name, "gift": "醒目留言 Super Chat",
                                     "count": 1, "value_cents": yuan * 100}, actor=PLATFORM),
             f"bili:scgift:{sc_id}" if sc_id else None)]


_INTERACTIONS = {1: EventType.ENTER, 2: EventType.FOLLOW, 3: EventType.SHARE, 4: EventType.FOLLOW,
                 5: EventType.FOLLOW}  # 6 (liked the streamer) comes as LIKE_INFO_V3_CLICK too: taken from there


def _interaction(uid, uname, msg_type) -> list:
    kind = _INTERACTIONS.get(msg_type)
    if kind is None:
        return []  # a kind of interaction the console has no event for: counted as known
    return [(Event(kind, {"user_id": str(_uid(uid)), "nickname": _text(uname, "uname")}, actor=PLATFORM), None)]


def _interact_word_v2(data: dict) -> list:
    word = interact_word(data.get("pb"))
    return _interaction(word.uid, word.uname, word.msg_type)


def _like(data: dict) -> list:
    who = {"user_id": str(_uid(data["uid"])), "nickname": _text(data["uname"], "uname"), "count": 1}
    return [(Event(EventType.LIKE, who, actor=PLATFORM), None)]


def _online(data: dict) -> list:
    online = values.whole(data.get("online_count", data.get("count")), ("在线人数", "online"), 0, values.MAX_ONLINE)
    return [(Event(EventType.ONLINE, {"online": online}, actor=PLATFORM), None)]


_MAPPED = {  # cmd → its data object's events
    "SEND_GIFT": _send_gift, "SEND_GIFT_V2": _send_gift_v2, "GUARD_BUY": _guard_buy,
    "SUPER_CHAT_MESSAGE": _super_chat, "INTERACT_WORD": lambda d: _interaction(d["uid"], d["uname"], d.get("msg_type")),
    "INTERACT_WORD_V2": _interact_word_v2, "LIKE_INFO_V3_CLICK": _like, "ONLINE_RANK_COUNT": _online,
    "LOG_IN_NOTICE": lambda d: [],  # the dialect takes the notice (names masked); no event
}


def _events(cmd: str, command: dict) -> list[tuple[Event, str | None]] | None:
    """The command's events; None for a command this client does not know."""
    if cmd == "DANMU_MSG":
        return _danmu(command)
    handler = _MAPPED.get(cmd)
    if handler is None:
        return None
    data = command.get("data")
    if not isinstance(data, dict):
        raise MessageError("malformed", f"{cmd} without a data object")
    try:
        return handler(data)
    except PbError as exc:
        raise MessageError("malformed", f"{cmd}: {exc}") from None
