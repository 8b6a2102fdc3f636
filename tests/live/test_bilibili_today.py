"""Bilibili as the web client hears it today (issue #28), replayed by a loopback server written from the current
public description of the protocol (blivedm's parsers), not from the connector: brotli batches (protover 3),
INTERACT_WORD_V2 and SEND_GIFT_V2 carrying protobuf in `data.pb` — encoded here with pure-protobuf, a protobuf
implementation the connector does not use — the heartbeat reply with the echoed heartbeat after its declared
length, the not-logged-in notice, one dropped connection. The store must hold exactly the room's events, once."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import threading
import zlib
from dataclasses import dataclass, field
from typing import Annotated

import brotli
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pure_protobuf.annotations import Field
from pure_protobuf.message import BaseMessage

from app.live.bilibili import MASKED, MAX_INFLATED, Bilibili
from app.live.feed import FeedClient
from tests.live.test_connectors import HEADER, ReplayServer, cmd, core, stored, wait  # noqa: F401 (core: a fixture)
from tests.live.test_connectors import bili as packet  # a packet as the server frames it


# --- the messages as the server encodes them (field numbers from the web client's current models) ---------
@dataclass
class InteractWordV2(BaseMessage):
    uid: Annotated[int, Field(1)] = 0
    uname: Annotated[str, Field(2)] = ""
    msg_type: Annotated[int, Field(5)] = 0
    timestamp: Annotated[int, Field(7)] = 0


@dataclass
class GiftItem(BaseMessage):
    gift_id: Annotated[int, Field(1)] = 0
    gift_name: Annotated[str, Field(2)] = ""
    num: Annotated[int, Field(3)] = 0
    price: Annotated[int, Field(5)] = 0
    total_coin: Annotated[int, Field(7)] = 0
    coin_type: Annotated[str, Field(8)] = ""
    tid: Annotated[str, Field(9)] = ""
    timestamp: Annotated[int, Field(10)] = 0
    rnd: Annotated[str, Field(12)] = ""
    action: Annotated[str, Field(18)] = ""


@dataclass
class BlindGift(BaseMessage):
    original_gift_name: Annotated[str, Field(3)] = ""
    original_gift_price: Annotated[int, Field(6)] = 0


@dataclass
class SendGiftV2(BaseMessage):
    uid: Annotated[int, Field(1)] = 0
    uname: Annotated[str, Field(2)] = ""
    face: Annotated[str, Field(3)] = ""
    guard_level: Annotated[int, Field(5)] = 0
    blind_gift: Annotated[BlindGift, Field(9)] = field(default_factory=BlindGift)
    gift_list: Annotated[list[GiftItem], Field(10)] = field(default_factory=list)


def pb(message: BaseMessage) -> str:
    return base64.b64encode(bytes(message)).decode()


def brotli_batch(*packets: bytes) -> bytes:
    """Packets compressed into one, as the server sends them to a client that asked for protover 3."""
    return packet(5, brotli.compress(b"".join(packets)), version=3)


def interact_v2(uid: int, name: str, msg_type: int) -> bytes:
    return cmd({"cmd": "INTERACT_WORD_V2", "data": {"dmscore": 12, "pb": pb(InteractWordV2(uid, name, msg_type,
                                                                                         1764570000))}})


def gift_v2(uid: int, name: str, *items: GiftItem, blind: BlindGift | None = None) -> bytes:
    return cmd({"cmd": "SEND_GIFT_V2", "data": {"pb": pb(SendGiftV2(uid, name, "https://i0.hdslb.com/face.jpg", 0,
                                                                     blind or BlindGift(), list(items)))}})


def item(name: str, num: int, price: int, coin_type: str, tid: str, total: int | None = None) -> GiftItem:
    return GiftItem(31036, name, num, price, price * num if total is None else total, coin_type, tid, 1764570000,
                    tid, "投喂")


def heartbeat_reply(popularity: int) -> bytes:
    """As the real server sends it: the declared length covers the 4-byte popularity; the heartbeat the client
    sent is echoed after it, outside that length (blivedm's web client notes it and reads 4 bytes only)."""
    return HEADER.pack(20, 16, 1, 3, 0) + popularity.to_bytes(4, "big") + b"[object Object]"


def test_a_room_in_todays_shapes_is_read_exactly(core, caplog):
    room, seen = 21452505, {"auth": [], "heartbeats": 0}

    async def handshake(socket) -> None:
        auth = await socket.recv()
        seen["auth"].append(json.loads(auth[16:]))
        await socket.send(packet(8, b'{"code":0}'))

    async def answer_heartbeats(socket) -> None:
        async for message in socket:
            if HEADER.unpack_from(message)[3] == 2:
                seen["heartbeats"] += 1
                await socket.send(heartbeat_reply(1))

    async def session_one(socket) -> None:
        await handshake(socket)
        await socket.send(brotli_batch(cmd({"cmd": "LOG_IN_NOTICE", "data": {
            "notice_msg": "为保护用户隐私，未登录无法查看他人昵称", "image_web": "", "image_app": ""}})))
        await socket.send(brotli_batch(
            *(interact_v2(3000 + n, f"观众{n}", 1) for n in range(6)),  # six entries
            interact_v2(3000, "观众0", 2), interact_v2(3001, "观众1", 3),  # a follow, a share
            interact_v2(3002, "观众2", 6),  # liked: taken from LIKE_INFO_V3_CLICK, not here
            gift_v2(3003, "阿强", item("辣条", 5, 100, "silver", "s1")),  # silver: free
            gift_v2(3004, "小鹿", item("小花花", 10, 100, "gold", "g1"), item("牛哇", 2, 100, "gold", "g2")),
            gift_v2(3005, "大熊", item("心动卡", 1, 15000, "gold", "g3", total=5200),  # a blind box: what was paid
                    blind=BlindGift("心动盲盒", 5200)),
            cmd({"cmd": "COMBO_SEND", "data": {"uid": 3004, "uname": "小鹿", "gift_name": "小花花",
                                                "combo_num": 10, "combo_total_coin": 1000}}),  # a summary
        ))
        await socket.send(brotli_batch(  # the same gift in the old JSON form too: published once (its tid)
            cmd({"cmd": "SEND_GIFT", "data": {"uid": 3004, "uname": "小鹿", "giftName": "小花花", "num": 10,
                                              "price": 100, "coin_type": "gold", "total_coin": 1000, "tid": "g1",
                                              "rnd": "g1"}})))
        await socket.send(brotli_batch(*(cmd({"cmd": "A_NEW_THING", "data": {}}) for _ in range(5))))
        try:
            await asyncio.wait_for(answer_heartbeats(socket), timeout=0.8)
        except TimeoutError:
            pass

    async def session_two(socket) -> None:
        await handshake(socket)
        await socket.send(brotli_batch(interact_v2(3009, "晚到的", 1)))

    with ReplayServer([session_one, session_two]) as server:
        dialect = Bilibili(f"bilibili://{room}?server=ws://127.0.0.1:{server.port}/sub&buvid=B1D-XYZ-9")
        dialect.heartbeat_s = 0.2
        feed = FeedClient(f"bilibili://{room}", core.bus, max_backoff=0.2, dialect=dialect)
        with caplog.at_level(logging.WARNING, logger="app.live.feed"):
            feed.start()
            try:
                assert wait(lambda: feed.stats.published >= 13)
            finally:
                feed.stop()
    stats = feed.stats_copy()
    assert seen["auth"][0] == {"uid": 0, "roomid": room, "protover": 3, "platform": "web", "type": 2,
                               "buvid": "B1D-XYZ-9"}
    assert seen["heartbeats"] >= 2 and stats.by_kind["heartbeat reply"] == seen["heartbeats"]
    assert stats.malformed == 0  # the echoed heartbeat is not read as a packet
    assert (stats.unknown, stats.duplicates, stats.reconnects) == (5, 1, 1)  # one drop; the stop is no reconnect
    assert stats.notice == MASKED and stats.problems_by_kind == {"unknown A_NEW_THING": 5}
    unknown_lines = [r for r in caplog.records if "A_NEW_THING" in r.getMessage()]
    assert len(unknown_lines) == 1  # logged once, counted five times
    assert "B1D-XYZ-9" not in caplog.text
    assert stored(core) == [
        *(("enter", {"user_id": str(3000 + n), "nickname": f"观众{n}"}) for n in range(6)),
        ("follow", {"user_id": "3000", "nickname": "观众0"}),
        ("share", {"user_id": "3001", "nickname": "观众1"}),
        ("gift", {"user_id": "3003", "nickname": "阿强", "gift": "辣条", "count": 5, "value_cents": 0}),
        ("gift", {"user_id": "3004", "nickname": "小鹿", "gift": "小花花", "count": 10, "value_cents": 100}),
        ("gift", {"user_id": "3004", "nickname": "小鹿", "gift": "牛哇", "count": 2, "value_cents": 20}),
        ("gift", {"user_id": "3005", "nickname": "大熊", "gift": "心动卡", "count": 1, "value_cents": 520}),
        ("enter", {"user_id": "3009", "nickname": "晚到的"}),
    ]


def test_a_refused_brotli_auth_falls_back_to_zlib_and_zlib_batches_still_read():
    dialect = Bilibili("bilibili://77?uid=5&key=k1")
    assert json.loads(dialect.hello()[0][16:])["protover"] == 3 and dialect.notice is None  # logged in
    with pytest.raises(ConnectionError, match="protover 2"):
        dialect.parse(packet(8, b'{"code":-101}'))
    assert json.loads(dialect.hello()[0][16:])["protover"] == 2
    assert json.loads(Bilibili("bilibili://77?protover=2").hello()[0][16:])["protover"] == 2
    batch = packet(5, zlib.compress(interact_v2(1, "甲", 1)), version=2)
    assert [p.event.payload["user_id"] for p in dialect.parse(batch)] == ["1"]
    with pytest.raises(ValueError):
        Bilibili("bilibili://77?protover=4")


def test_hostile_compressed_batches_and_protobuf_are_counted_never_raised():
    parse = Bilibili("bilibili://1").parse
    bomb = packet(5, brotli.compress(b"\x00" * (MAX_INFLATED + 1)), version=3)
    assert [(p.problem, p.reason) for p in parse(bomb)] == [("malformed", f"a batch inflating past {MAX_INFLATED} "
                                                                         "bytes")]
    def said(frame):
        return [(p.kind, p.problem, p.reason[:24]) for p in parse(frame)]

    assert said(packet(5, brotli.compress(cmd({"cmd": "LIVE"}))[:-2], version=3)) == [
        ("brotli", "malformed", "a cut brotli batch")]
    assert said(packet(5, b"not brotli at all", version=3)) == [("brotli", "malformed", "bad brotli data (brotli:")]
    assert said(packet(5, brotli.compress(b""), version=3)) == [("brotli", "malformed", "an empty batch")]
    assert said(packet(5, brotli.compress(cmd({"cmd": "LIVE"})), version=3)) == [("LIVE", None, "")]
    nested = packet(5, brotli.compress(packet(5, brotli.compress(packet(5, brotli.compress(cmd({"cmd": "LIVE"})),
                                                                          version=3)), version=3)), version=3)
    assert said(nested) == [("brotli", "malformed", "compressed batches neste")]
    for bad in ("***", 5, None, base64.b64encode(b"\xff\xff\xff").decode(),
                base64.b64encode(b"\x12\x02\xff\xfe").decode()):  # field 2 (uname): bytes that are not UTF-8
        for kind in ("INTERACT_WORD_V2", "SEND_GIFT_V2"):
            (result,) = parse(cmd({"cmd": kind, "data": {"pb": bad}}))
            assert result.problem == "malformed" and kind in result.reason, (kind, bad)
    too_many = gift_v2(1, "甲", *(item("辣条", 1, 100, "silver", f"t{n}") for n in range(101)))
    assert parse(too_many)[0].problem == "malformed"
    assert parse(gift_v2(1, "甲", item("辣条", 1, 100, "gold", "x", total=-5)))[0].problem == "malformed"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["INTERACT_WORD_V2", "SEND_GIFT_V2"]))
def test_any_protobuf_bytes_are_an_event_or_a_counted_problem(raw, kind):
    results = Bilibili("bilibili://1").parse(cmd({"cmd": kind, "data": {"pb": base64.b64encode(raw).decode()}}))
    assert all(r.problem in (None, "malformed") and r.kind == kind for r in results)


class RoomInit:
    """Bilibili's room_init API on loopback: ?id=SHORT → the long room id (a real HTTP server)."""

    def __init__(self, rooms: dict[int, int]) -> None:
        import http.server
        import urllib.parse

        asked = self.asked = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the library's name)
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                short = int(query["id"][0])
                asked.append(short)
                body = json.dumps({"code": 0, "msg": "ok", "data": {"room_id": rooms.get(short, short),
                                                                    "short_id": short, "uid": 9}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/room/v1/Room/room_init"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_a_short_room_id_is_looked_up_once_and_without_network_the_feed_says_so(core):
    import socket

    auths = []

    async def session(socket_) -> None:
        auths.append(json.loads((await socket_.recv())[16:]))
        await socket_.send(packet(8, b'{"code":0}'))
        await socket_.send(brotli_batch(interact_v2(1, "甲", 1)))

    with RoomInit({6: 7734200}) as api, ReplayServer([session]) as server:
        dialect = Bilibili(f"bilibili://6?server=ws://127.0.0.1:{server.port}/sub&api={api.url}&key=k&uid=3")
        feed = FeedClient("bilibili://6", core.bus, max_backoff=0.2, dialect=dialect)
        feed.start()
        try:
            assert wait(lambda: feed.stats.published >= 1)
        finally:
            feed.stop()
    assert auths[0]["roomid"] == 7734200 and api.asked == [6] and feed.stats_copy().notice is None
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: as on a machine without network
    offline = Bilibili(f"bilibili://6?server=ws://127.0.0.1:1/sub&api=http://127.0.0.1:{port}/x&key=k&uid=3")
    offline.prepare()
    assert offline.room == 6 and "long id" in offline.notice and "短号" in offline.notice
    offline.prepare()  # asked once
    assert offline.notice.count("long id") == 1
    assert Bilibili("bilibili://6?server=ws://127.0.0.1:1/sub").api == ""  # a pasted server came with the long id
    assert Bilibili("bilibili://6").api.startswith("https://api.live.bilibili.com/")


def test_a_room_read_without_login_is_said_so_live_and_in_the_review(tmp_path, monkeypatch):
    """`anchor-console live` on a Bilibili room with no key: the summary says names and ids are masked, the
    session's log keeps it (viewers_masked), and the review marks its UV as not meaningful — in the text report
    and the HTML one."""
    from app.review import MASKED_UV
    from tests.conftest import run_cli

    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))

    async def room(socket_) -> None:
        await socket_.recv()
        await socket_.send(packet(8, b'{"code":0}'))
        await socket_.send(brotli_batch(*(interact_v2(0, "观***", 1) for _ in range(20)),  # uid 0: all alike
                                        cmd({"cmd": "A_NEW_THING", "data": {}})))

    with ReplayServer([room]) as server:
        result = run_cli("live", "--feed", f"bilibili://21452505?server=ws://127.0.0.1:{server.port}/sub",
                         "--duration", "4", "--out", str(tmp_path / "live.mkv"), timeout=90)
    assert result.returncode == 0, result.output
    assert "read without login" in result.stdout and "dropped unknown A_NEW_THING: 1" in result.stdout
    report = run_cli("review", "1", "--html", str(tmp_path / "r.html"))
    assert report.returncode == 0 and MASKED_UV in report.stdout, report.output
    assert "viewer ids hidden" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_each_command_field_by_field_without_a_socket():
    """The same shapes as the replays, one frame at a time through the dialect: each field where it belongs, each
    identity, and what a value out of range makes of the message (fast enough for mutation testing)."""
    parse = Bilibili("bilibili://1").parse

    def one(frame):
        (item,) = parse(frame)
        return item.kind, item.problem, item.source_id, (str(item.event.type), item.event.payload) if item.event \
            else None

    chat, paid = parse(cmd({"cmd": "SUPER_CHAT_MESSAGE", "data": {"id": 77, "uid": 1005, "price": 30,
                                                                  "message": "看看我", "user_info": {"uname": "大熊"}}}))
    assert (str(chat.event.type), chat.event.payload) == ("comment", {"user_id": "1005", "nickname": "大熊",
                                                                      "text": "看看我", "super_chat": True})
    assert chat.source_id == "bili:sc:77" and (str(paid.event.type), paid.event.payload, paid.source_id) == (
        "gift", {"user_id": "1005", "nickname": "大熊", "gift": "醒目留言 Super Chat", "count": 1, "value_cents": 3000},
        "bili:scgift:77")
    assert [i.source_id for i in parse(cmd({"cmd": "SUPER_CHAT_MESSAGE", "data": {
        "uid": 1, "price": 1, "message": "x", "user_info": {"uname": "y"}}}))] == [None, None]  # no id: no identity
    assert one(cmd({"cmd": "GUARD_BUY", "data": {"uid": 1006, "username": "舰长甲", "num": 2, "price": 198000,
                                                 "gift_name": "舰长", "guard_level": 3}})) == (
        "GUARD_BUY", None, None, ("gift", {"user_id": "1006", "nickname": "舰长甲", "gift": "舰长", "count": 2,
                                           "value_cents": 39600}))
    assert one(cmd({"cmd": "LIKE_INFO_V3_CLICK", "data": {"uid": 1004, "uname": "橘子"}})) == (
        "LIKE_INFO_V3_CLICK", None, None, ("like", {"user_id": "1004", "nickname": "橘子", "count": 1}))
    assert one(cmd({"cmd": "ONLINE_RANK_COUNT", "data": {"count": 88, "online_count": 1500}}))[3] == (
        "online", {"online": 1500})
    assert one(interact_v2(3001, "观众1", 3)) == ("INTERACT_WORD_V2", None, None,
                                                  ("share", {"user_id": "3001", "nickname": "观众1"}))
    for msg_type, kind in ((1, "enter"), (2, "follow"), (4, "follow"), (5, "follow")):
        assert one(interact_v2(7, "丙", msg_type))[3][0] == kind
    assert one(interact_v2(7, "丙", 6)) == ("INTERACT_WORD_V2", None, None, None)  # liked: known, no event here
    gifts = parse(gift_v2(3004, "小鹿", item("小花花", 10, 100, "gold", "g1"), item("辣条", 3, 100, "silver", "",
                                                                                  total=300)))
    assert [(g.source_id, g.event.payload) for g in gifts] == [
        ("bili:gift:g1", {"user_id": "3004", "nickname": "小鹿", "gift": "小花花", "count": 10, "value_cents": 100}),
        (None, {"user_id": "3004", "nickname": "小鹿", "gift": "辣条", "count": 3, "value_cents": 0})]  # no tid, no rnd
    assert one(cmd({"cmd": "LOG_IN_NOTICE", "data": {"notice_msg": "未登录"}})) == ("LOG_IN_NOTICE", None, None, None)
    for bad in ({"cmd": "GUARD_BUY", "data": {"uid": 1, "username": "x", "num": 0, "price": 1, "gift_name": "y"}},
                {"cmd": "SUPER_CHAT_MESSAGE", "data": {"uid": 1, "price": -1, "message": "x",
                                                       "user_info": {"uname": "y"}}},
                {"cmd": "LIKE_INFO_V3_CLICK", "data": {"uid": -1, "uname": "x"}},
                {"cmd": "ONLINE_RANK_COUNT", "data": {"count": "many"}},
                {"cmd": "INTERACT_WORD", "data": {"uid": 1, "uname": 5, "msg_type": 1}},
                {"cmd": "SEND_GIFT_V2", "data": "pb"}):
        assert one(cmd(bad))[1] == "malformed", bad
    masked = Bilibili("bilibili://1")
    assert masked.viewers_masked and masked.notice == MASKED
    logged_in = Bilibili("bilibili://1?key=k&uid=2")
    assert not logged_in.viewers_masked and logged_in.notice is None
    logged_in.parse(cmd({"cmd": "LOG_IN_NOTICE", "data": {}}))
    assert logged_in.viewers_masked and logged_in.notice == MASKED  # the room says so: believed
    auth = json.loads(Bilibili("bilibili://9?buvid=XY-1&key=k&uid=2").hello()[0][16:])
    assert auth == {"uid": 2, "roomid": 9, "protover": 3, "platform": "web", "type": 2, "buvid": "XY-1", "key": "k"}


def test_each_refusal_names_its_field_and_its_range_and_each_edge_is_taken():
    """What a value out of range makes of a command, word for word (the field's name in both languages, the range
    it must lie in), each range's ends taken, a guard's value floored to the fen, and every event the platform's."""
    from app.kernel.events import PLATFORM
    from app.live.bilibili_pb import MAX_GIFTS, gift_broadcast
    from app.values import MAX_CENTS, MAX_COUNT

    parse = Bilibili("bilibili://1").parse

    def guard(**data):
        return cmd({"cmd": "GUARD_BUY", "data": {"uid": 1, "username": "甲", "num": 1, "price": 0,
                                                 "gift_name": "舰长", **data}})

    def chat(**data):
        return cmd({"cmd": "SUPER_CHAT_MESSAGE", "data": {"uid": 1, "price": 0, "message": "x",
                                                          "user_info": {"uname": "乙"}, **data}})

    def refused(frame) -> str:
        (parsed,) = parse(frame)
        assert parsed.problem == "malformed" and parsed.event is None
        return parsed.reason

    between = "须在 {0}–{1} 之间 / {2} must be between {0} and {1}"
    assert refused(guard(num=0)) == "GUARD_BUY: BadValue 数量" + between.format(1, MAX_COUNT, "num")
    assert refused(guard(num=MAX_COUNT + 1)) == "GUARD_BUY: BadValue 数量" + between.format(1, MAX_COUNT, "num")
    assert refused(guard(price=-1)) == "GUARD_BUY: BadValue 单价" + between.format(0, MAX_CENTS, "price")
    assert refused(guard(price=MAX_CENTS, num=11)) == ("GUARD_BUY: BadValue 礼物价值"
                                                       + between.format(0, MAX_CENTS, "value"))
    assert refused(guard(username=5)) == "GUARD_BUY: MessageError username is not text"
    assert refused(guard(gift_name=None)) == "GUARD_BUY: MessageError gift_name is not text"
    assert refused(chat(price=-1)) == "SUPER_CHAT_MESSAGE: BadValue 价格" + between.format(0, MAX_CENTS // 100,
                                                                                          "price")
    assert refused(chat(price=MAX_CENTS // 100 + 1)).endswith(f"must be between 0 and {MAX_CENTS // 100}")
    assert refused(chat(user_info={"uname": 5})) == "SUPER_CHAT_MESSAGE: MessageError uname is not text"
    assert refused(chat(message=[])) == "SUPER_CHAT_MESSAGE: MessageError message is not text"
    assert refused(cmd({"cmd": "LIKE_INFO_V3_CLICK", "data": {"uid": 1, "uname": 5}})) == (
        "LIKE_INFO_V3_CLICK: MessageError uname is not text")
    too_many = gift_v2(1, "丙", *[item("小花花", 1, 100, "gold", f"t{n}") for n in range(MAX_GIFTS + 1)])
    assert refused(too_many) == f"SEND_GIFT_V2: MessageError SEND_GIFT_V2: more than {MAX_GIFTS} gifts in one message"

    taken = []
    for frame in (guard(num=MAX_COUNT), guard(price=19), guard(price=MAX_CENTS), chat(), chat(price=MAX_CENTS // 100),
                  cmd({"cmd": "LIKE_INFO_V3_CLICK", "data": {"uid": 1, "uname": "丁"}}),
                  gift_v2(1, "丙", *[item("小花花", 1, 100, "gold", f"t{n}") for n in range(MAX_GIFTS)])):
        parsed = parse(frame)
        assert all(p.problem is None for p in parsed), frame
        taken += [p.event for p in parsed]
    assert {event.actor for event in taken} == {PLATFORM}
    values = [(str(e.type), e.payload.get("count"), e.payload.get("value_cents")) for e in taken[:7]]
    assert values == [("gift", MAX_COUNT, 0), ("gift", 1, 1), ("gift", 1, MAX_CENTS // 10), ("comment", None, None),
                      ("gift", 1, 0), ("comment", None, None), ("gift", 1, MAX_CENTS)]  # 19 gold ÷ 10: 1 fen
    assert len(taken) == 8 + MAX_GIFTS

    by_rnd = GiftItem(31036, "辣条", 2, 100, 200, "gold", "", 1764570000, "r5", "投喂")  # no tid: its rnd names it
    (gift,) = parse(gift_v2(3, "戊", by_rnd))
    assert gift.source_id == "bili:gift:r5" and gift.event.payload["value_cents"] == 20
    (read,) = gift_broadcast(pb(SendGiftV2(3, "戊", "", 0, BlindGift(), [by_rnd]))).gifts
    assert (read.gift_id, read.gift_name, read.num, read.price, read.total_coin, read.coin_type, read.tid,
            read.rnd) == (31036, "辣条", 2, 100, 200, "gold", "", "r5")


def test_every_field_a_command_reads_is_named_when_it_is_not_what_it_should_be():
    """Each text field, the viewer's id at the 64-bit edge, the online count, a command without its data object and
    a protobuf field that is not text or too long: refused with the field's own name; what is taken is the
    platform's."""
    from app.kernel.events import PLATFORM
    from app.live.bilibili import OP_HEARTBEAT
    from app.live.bilibili_pb import MAX_PB_BYTES
    from app.values import MAX_COUNT, MAX_ONLINE
    from tests.live.test_connectors import danmu, gift

    parse = Bilibili("bilibili://1").parse

    def reason(command) -> str | None:
        parsed = parse(cmd(command))
        return parsed[0].reason if parsed[0].problem else None

    def dm(changes: dict) -> dict:
        command = danmu(9, "甲", "你好", 1764570000000)
        for (i, j), value in changes.items():
            command["info"][i][j] = value
        return command

    between = "须在 {0}–{1} 之间 / {2} must be between {0} and {1}"
    assert reason(dm({(2, 1): 5})) == "DANMU_MSG: MessageError uname is not text"
    bad_text = dm({})
    bad_text["info"][1] = 5
    assert reason(bad_text) == "DANMU_MSG: MessageError msg is not text"
    assert reason(dm({(2, 0): 0, (0, 7): None})) == "DANMU_MSG: MessageError uid_crc32 is not text"
    assert reason(dm({(2, 0): 2**63})) == "DANMU_MSG: BadValue 用户" + between.format(0, 2**63 - 1, "uid")
    (top,) = parse(cmd(dm({(2, 0): 2**63 - 1})))
    assert top.event.payload["user_id"] == str(2**63 - 1) and top.event.actor == PLATFORM

    sent = gift(5, "乙", "小花花", 2, 100, "gold", "t1")
    assert reason({**sent, "data": {**sent["data"], "uname": 5}}) == "SEND_GIFT: MessageError uname is not text"
    assert reason({**sent, "data": {**sent["data"], "giftName": 5}}) == "SEND_GIFT: MessageError giftName is not text"
    assert reason({**sent, "data": {**sent["data"], "num": -1}}) == ("SEND_GIFT: BadValue 礼物数"
                                                                     + between.format(0, MAX_COUNT, "num"))
    assert reason({**sent, "data": {**sent["data"], "total_coin": -1}}) == (
        "SEND_GIFT: BadValue 礼物价值" + between.format(0, 10**10, "total_coin"))
    (named,) = parse(cmd({**sent, "data": {**sent["data"], "rnd": "r1"}}))
    assert named.source_id == "bili:gift:t1" and named.event.actor == PLATFORM  # its tid before its rnd
    unpriced = {k: v for k, v in sent["data"].items() if k != "total_coin"}
    assert parse(cmd({**sent, "data": unpriced}))[0].event.payload["value_cents"] == 0  # no total: nothing paid
    assert reason({"cmd": "INTERACT_WORD", "data": {"uid": 1, "uname": None, "msg_type": 1}}) == (
        "INTERACT_WORD: MessageError uname is not text")
    (entered,) = parse(cmd({"cmd": "INTERACT_WORD", "data": {"uid": 1, "uname": "丙", "msg_type": 1}}))
    assert entered.event.actor == PLATFORM
    assert reason({"cmd": "ONLINE_RANK_COUNT", "data": {"online_count": -1}}) == (
        "ONLINE_RANK_COUNT: BadValue 在线人数" + between.format(0, MAX_ONLINE, "online"))
    for online in (0, MAX_ONLINE):
        (counted,) = parse(cmd({"cmd": "ONLINE_RANK_COUNT", "data": {"online_count": online}}))
        assert counted.event.payload == {"online": online} and counted.event.actor == PLATFORM
    assert reason({"cmd": "LIKE_INFO_V3_CLICK", "data": []}) == "LIKE_INFO_V3_CLICK: MessageError LIKE_INFO_V3_CLICK " \
                                                                "without a data object"
    assert reason({"cmd": "SEND_GIFT_V2", "data": {"pb": 5}}) == "SEND_GIFT_V2: MessageError SEND_GIFT_V2: pb is not text"
    longest = MAX_PB_BYTES * 4 // 3 + 4
    assert reason({"cmd": "SEND_GIFT_V2", "data": {"pb": "A" * (longest + 1)}}) == (
        "SEND_GIFT_V2: MessageError SEND_GIFT_V2: pb is too long")
    assert "too long" not in reason({"cmd": "SEND_GIFT_V2", "data": {"pb": "A" * longest}})  # read, then refused
    beat = Bilibili("bilibili://1").heartbeat()
    assert beat == HEADER.pack(18, 16, 1, OP_HEARTBEAT, 1) + b"{}"


def test_each_compressed_batch_refused_says_which_and_why_and_one_level_of_nesting_is_read(monkeypatch):
    """zlib and brotli batches: bad data, empty, cut, past the inflated limit (exactly at it is read), nested once
    (read) or twice (refused) — each as (its kind, malformed, the reason word for word)."""
    import app.live.bilibili as dialect
    from app.live.bilibili import MAX_INFLATED

    parse = Bilibili("bilibili://1").parse
    comment = cmd({"cmd": "LIKE_INFO_V3_CLICK", "data": {"uid": 7, "uname": "丁"}})

    def zl(body: bytes) -> bytes:
        return packet(5, zlib.compress(body), version=2)

    def br(body: bytes) -> bytes:
        return packet(5, brotli.compress(body), version=3)

    def said(frame) -> list[tuple]:
        return [(p.kind, p.problem, p.reason) for p in parse(frame)]

    for wrap in (zl, br):
        assert [p.event.payload["user_id"] for p in parse(wrap(comment))] == ["7"]
        assert [p.event.payload["user_id"] for p in parse(wrap(wrap(comment)))] == ["7"]  # a batch in a batch
    assert said(zl(zl(zl(comment)))) == [("zlib", "malformed", "deflated batches nested too deep")]
    assert said(br(br(br(comment)))) == [("brotli", "malformed", "compressed batches nested too deep")]
    assert said(zl(b"")) == [("zlib", "malformed", "an empty batch")]
    assert said(br(b"")) == [("brotli", "malformed", "an empty batch")]
    (bad,) = said(packet(5, b"\x00" * 8, version=2))
    assert bad[:2] == ("zlib", "malformed") and bad[2].startswith("bad zlib data (Error -3 ")
    (bad,) = said(packet(5, b"\xff" * 8, version=3))
    assert bad[:2] == ("brotli", "malformed") and bad[2].startswith("bad brotli data (")
    assert said(packet(5, brotli.compress(comment * 50)[:-3], version=3)) == [("brotli", "malformed",
                                                                             "a cut brotli batch")]
    past = b"\x00" * (MAX_INFLATED + 1)
    assert said(zl(past)) == [("zlib", "malformed", f"a batch inflating past {MAX_INFLATED} bytes")]
    assert said(br(past)) == [("brotli", "malformed", f"a batch inflating past {MAX_INFLATED} bytes")]
    filler = comment * (MAX_INFLATED // len(comment) - 1)
    at_the_limit = filler + cmd({"cmd": "LIVE", "pad": "x" * (MAX_INFLATED - len(filler) - len(cmd({"cmd": "LIVE",
                                                                                                   "pad": ""})))})
    assert len(at_the_limit) == MAX_INFLATED
    for wrap in (zl, br):
        read = parse(wrap(at_the_limit))
        assert len(read) == MAX_INFLATED // len(comment) and not any(p.problem for p in read)
    monkeypatch.setattr(dialect, "brotli", None)
    assert said(packet(5, b"anything", version=3)) == [("brotli", "malformed",
                                                        "a brotli batch, and no brotli decoder here")]


def test_the_address_and_the_long_room_id_at_their_edges_and_what_is_said_of_them(caplog):
    """The room, the login's uid and protover at their ranges' ends; the room_init API's answer at its edges; what
    is logged and said when the long id is found or cannot be looked up."""
    import socket

    from app.live.bilibili import UNRESOLVED

    needs = "bilibili:// 需要房间号，例如 bilibili://21452505 / bilibili:// needs a room number, e.g. bilibili://21452505"
    top = 2**63 - 1
    assert Bilibili(f"bilibili://{top}?uid={top}&protover=2&server=ws://x").room == top
    for bad in (f"bilibili://{top + 1}", "bilibili://0", f"bilibili://1?uid={top + 1}", "bilibili://1?protover=4",
                "bilibili://1?protover=1", "bilibili://"):
        with pytest.raises(ValueError) as refused:
            Bilibili(bad)
        assert str(refused.value) == needs, bad
    assert Bilibili("bilibili://1?protover=2").protover == 2 and Bilibili("bilibili://1").protover == 3
    assert Bilibili("bilibili://1?key=k").viewers_masked and Bilibili("bilibili://1?uid=2").viewers_masked
    caplog.set_level("INFO", logger="app.live.bilibili")
    with RoomInit({6: 7734200, 8: top, 9: top + 1, 10: 0}) as api:
        def looked_up(short: int, login: str = "&key=k&uid=3") -> Bilibili:
            dialect = Bilibili(f"bilibili://{short}?api={api.url}{login}")
            dialect.prepare()
            return dialect

        assert looked_up(6).room == 7734200 and "Bilibili room 6 is room 7734200" in caplog.text
        assert looked_up(8).room == top
        caplog.clear()
        same = looked_up(7)
        assert same.room == 7 and same.notice is None and "is room" not in caplog.text  # its own long id: no line
        for short in (9, 10):
            refused = looked_up(short)
            assert refused.room == short and refused.notice == UNRESOLVED.format(room=short)
        assert "Bilibili room 9: the long room id could not be looked up (BadValue)" in caplog.text
        masked = looked_up(10, login="")
        assert masked.notice == UNRESOLVED.format(room=10) + "；" + MASKED
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    caplog.clear()
    Bilibili(f"bilibili://6?api=http://127.0.0.1:{port}/x&key=k&uid=3").prepare()
    assert "Bilibili room 6: the long room id could not be looked up (URLError)" in caplog.text


def test_each_packet_refused_says_which_and_why_and_a_heartbeats_echo_is_not_one():
    """The packet level, word for word: a header cut short, a length that lies (too short for its header, shorter
    than the header it declares, past the frame's end), an operation or a body version this client does not read,
    a body that is not JSON or has no cmd — each (kind, problem, reason); after a heartbeat reply its echo is
    passed over, not refused."""
    parse = Bilibili("bilibili://1").parse

    def said(frame: bytes) -> list[tuple]:
        return [(p.kind, p.problem, p.reason) for p in parse(frame)]

    good = cmd({"cmd": "LIKE_INFO_V3_CLICK", "data": {"uid": 7, "uname": "丁"}})
    assert said(good + good[:10])[1:] == [("?", "malformed", "a truncated packet header")]
    assert said(HEADER.pack(15, 16, 1, 5, 1) + b"x" * 20) == [("?", "malformed", "a packet of bad length (15)")]
    assert said(HEADER.pack(20, 12, 1, 5, 1) + b"x" * 4) == [("?", "malformed", "a packet of bad length (20)")]
    assert said(HEADER.pack(40, 16, 1, 5, 1) + b"x" * 4) == [("?", "malformed", "a packet of bad length (40)")]
    assert said(HEADER.pack(16, 16, 1, 5, 1)) == [("?", "malformed", "not JSON (JSONDecodeError)")]  # an empty body
    assert said(packet(9, b"{}")) == [("op 9", "unknown", "operation 9")]
    assert said(packet(5, b"{}", version=4)) == [("version 4", "malformed", "body version 4")]
    assert said(packet(5, b"not json")) == [("?", "malformed", "not JSON (JSONDecodeError)")]
    assert said(packet(5, b'{"data": {}}')) == [("?", "malformed", "a command without cmd")]
    assert said(packet(5, b'["cmd"]')) == [("?", "malformed", "a command without cmd")]
    assert said(packet(5, b'{"cmd": "NEVER_SEEN"}')) == [("NEVER_SEEN", "unknown", "command NEVER_SEEN")]
    echoed = heartbeat_reply(1)
    assert [p.kind for p in parse(echoed)] == ["heartbeat reply"] and all(p.control for p in parse(echoed))
    assert said(echoed[:20] + b"\x00" * 8) == [("heartbeat reply", None, "")]  # a short echo: passed over too


def test_a_text_frame_a_long_command_name_and_the_lookup_asked_once_or_not_at_all(caplog):
    """A text frame is refused (the protocol is binary); an unknown command is named by its first 40 characters
    before any colon; the room_init API is asked once however often `prepare` runs, its answer of room 1 taken, and
    not at all where a server was named (no API then)."""
    parse = Bilibili("bilibili://1").parse
    assert [(p.kind, p.problem, p.reason) for p in parse("a text")] == [
        ("?", "malformed", "a text frame (the protocol is binary)")]
    name = "X" * 39 + "YZ"
    assert [(p.kind, p.problem, p.reason) for p in parse(cmd({"cmd": name + ":4:0"}))] == [
        ("X" * 39 + "Y", "unknown", "command " + "X" * 39 + "Y")]
    with RoomInit({6: 7734200, 5: 1}) as api:
        dialect = Bilibili(f"bilibili://6?api={api.url}&key=k&uid=3")
        dialect.prepare()
        dialect.prepare()
        assert dialect.room == 7734200 and api.asked == [6]
        lowest = Bilibili(f"bilibili://5?api={api.url}&key=k&uid=3")
        lowest.prepare()
        assert lowest.room == 1 and lowest.notice is None and api.asked == [6, 5]
    caplog.set_level("INFO", logger="app.live.bilibili")
    named = Bilibili("bilibili://6?server=ws://127.0.0.1:9/sub&key=k&uid=3")
    named.prepare()
    assert (named.api, named.room, named.notice) == ("", 6, None) and "Bilibili room" not in caplog.text
