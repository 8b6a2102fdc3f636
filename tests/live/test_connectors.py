"""The connectors against local servers that replay a room in each tool's exact wire format (written here from
the formats' documentation, not from the connector's code): every kind of message, junk frames, a dropped
connection with a resend after it, and a burst of 2,000 messages in a second. The console's store must end up
with exactly the expected events, once each, and the junk counted."""

from __future__ import annotations

import asyncio
import json
import struct
import threading
import time
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.live.test_boundaries import json_values

from app.catalogue import ensure_sample_catalogue
from app.kernel.events import PLATFORM
from app.live.bilibili import Bilibili
from app.live.connectors import dialect_for, open_feed
from app.live.douyin_grab import DouyinGrab
from app.live.feed import FeedClient
from app.session import SessionCore
from app.store.db import Database
from app.store.eventlog import load_events

BURST = 2_000


class ReplayServer:
    """A real websockets server on loopback: connection N runs the N-th session coroutine `session(socket)`;
    after the last one the connection is held open until the server stops."""

    def __init__(self, sessions) -> None:
        self.sessions, self.connections, self.received = list(sessions), 0, []
        self.port = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _handler(self, socket) -> None:
        self.connections += 1
        if self.sessions:
            await self.sessions.pop(0)(socket)
        if self.sessions:
            await socket.close()  # the tool went away: the feed must come back by itself
        else:
            await self._stop.wait()

    async def _main(self) -> None:
        from websockets.asyncio.server import serve

        self._stop = asyncio.Event()
        async with serve(self._handler, "127.0.0.1", 0, max_size=2**22) as server:
            self.port = server.sockets[0].getsockname()[1]
            self._loop = asyncio.get_running_loop()
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        assert self._ready.wait(5)
        return self

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)


def wait(predicate, timeout=20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def core(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'c.db'}")
    ensure_sample_catalogue(database)
    session = SessionCore(database)
    session.start("直播 Live")
    yield session
    session.end()
    database.close()


def stored(core) -> list[tuple]:
    """The platform's events in the store, as (type, the fields the test checks), in order."""
    core.end()
    return [(str(e.type), {k: v for k, v in e.payload.items() if k in FIELDS}) for e in
            load_events(core.database, core.session_id) if e.actor == PLATFORM]


FIELDS = {"user_id", "nickname", "text", "count", "gift", "value_cents", "online"}


# --- DouyinBarrageGrab ---------------------------------------------------------------------------------------
def dy(kind: int, msg_id: int, **data) -> str:
    """A frame as the tool pushes it: the message serialised again as a JSON string inside `Data`."""
    return json.dumps({"Type": kind, "ProcessName": "直播伴侣", "Data": json.dumps({"MsgId": msg_id, **data},
                                                                                ensure_ascii=False)},
                      ensure_ascii=False)


def dy_user(n: int, name: str) -> dict:
    return {"Id": 100_000_000_000 + n, "ShortId": n, "DisplayId": f"dy{n}", "Nickname": name, "Level": 3,
            "PayLevel": 0, "Gender": 2, "HeadImgUrl": "https://p3.example/a.jpg", "SecUid": f"MS4w{n}",
            "FansClub": {"ClubName": "", "Level": 0}, "FollowerCount": 12, "FollowStatus": 0}


def test_douyin_grab_replay_every_type_junk_reconnect_and_a_burst(core):
    alice, bob = dy_user(1, "小鹿"), dy_user(2, "阿强")
    first = [
        dy(1, 11, User=alice, Content="几号发货？", RoomId=7300000000000000001, WebRoomId=940152769375),
        dy(2, 12, User=bob, Content="为主播点赞了", Count=15, Total=300, RoomId="7300000000000000001"),  # ids as text
        dy(3, 13, User=bob, Content="来了", CurrentCount=812),
        dy(4, 14, User=alice, Content="关注了主播"),
        dy(5, 15, User=bob, Content="送出了 小心心", GiftId=5655, GiftName="小心心", GroupId=1, GiftCount=3,
           RepeatCount=3, DiamondCount=1),
        dy(6, 16, User=alice, OnlineUserCount=1234, TotalUserCount=56789, OnlineUserCountStr="1234"),
        dy(7, 17, User=alice, Content="加入了粉丝团", Type=2, Level=1),
        dy(8, 18, User=bob, Content="分享了直播间", ShareType=1),
        # junk, each counted and dropped
        "{not json", "[1, 2]", json.dumps({"Type": 42, "Data": "{}"}), json.dumps({"Type": True, "Data": "{}"}),
        json.dumps({"Type": 1, "ProcessName": "chrome", "Data": "not json"}),
        dy(1, 19, User={"Nickname": "无名"}, Content="没有 Id"),
        dy(1, 20, User=alice, Content=["不是", "文本"]),
        '{"Type": 6, "Data": "{\\"OnlineUserCount\\": 1e400}"}',
        dy(5, 21, User=bob, GiftName="嘉年华", GiftCount=10**9, DiamondCount=30000),
        dy(9, 22, User=alice, Content="直播已结束"),
    ]
    burst = [dy(1, 1000 + n, User=dy_user(100 + n % 50, f"观众{n % 50}"), Content=f"第{n}条") for n in range(BURST)]

    async def session_one(socket):
        for frame in first:
            await socket.send(frame)

    async def session_two(socket):
        await socket.send(first[0])  # the tool resends the last message it had after a reconnect: same MsgId
        started = time.monotonic()
        for n, frame in enumerate(burst):
            await socket.send(frame)
            await asyncio.sleep(max(0.0, started + (n + 1) / BURST - time.monotonic()))  # 2,000 a second

    with ReplayServer([session_one, session_two]) as server:
        feed = open_feed(f"douyin-grab://127.0.0.1:{server.port}", core.bus)
        feed.max_backoff = 0.2
        feed.start()
        try:
            assert wait(lambda: feed.stats.published >= 7 + BURST)
        finally:
            feed.stop()
    stats = feed.stats
    assert (stats.malformed, stats.unknown, stats.unmapped, stats.duplicates) == (7, 2, 2, 1)
    assert stats.reconnects >= 1 and server.connections == 2
    assert stats.by_kind["1 弹幕 comment"] == 4 + 1 + BURST and stats.by_kind["5 礼物 gift"] == 2
    assert stored(core) == [
        ("comment", {"user_id": "100000000001", "nickname": "小鹿", "text": "几号发货？"}),
        ("like", {"user_id": "100000000002", "nickname": "阿强", "count": 15}),
        ("enter", {"user_id": "100000000002", "nickname": "阿强"}),
        ("follow", {"user_id": "100000000001", "nickname": "小鹿"}),
        ("gift", {"user_id": "100000000002", "nickname": "阿强", "gift": "小心心", "count": 3, "value_cents": 30}),
        ("online", {"online": 1234}),
        ("share", {"user_id": "100000000002", "nickname": "阿强"}),
        *[("comment", {"user_id": str(100_000_000_100 + n % 50), "nickname": f"观众{n % 50}", "text": f"第{n}条"})
          for n in range(BURST)],
    ]


# --- Bilibili --------------------------------------------------------------------------------------------------
HEADER = struct.Struct(">IHHII")  # packet length, header length (16), version, operation, sequence


def bili(operation: int, body: bytes, version: int = 0) -> bytes:
    return HEADER.pack(16 + len(body), 16, version, operation, 1) + body


def cmd(command: dict) -> bytes:
    return bili(5, json.dumps(command, ensure_ascii=False).encode())


def batch(*packets: bytes) -> bytes:
    """Several packets deflated into one, as the server sends them to a client that asked for protover 2."""
    return bili(5, zlib.compress(b"".join(packets)), version=2)


def danmu(uid: int, name: str, text: str, stamp: int, crc: str = "a1b2c3d4") -> dict:
    return {"cmd": "DANMU_MSG", "info": [[0, 1, 25, 16777215, stamp, 1024 + stamp % 97, 0, crc, 0, 0, 0, "", 0,
                                          "{}", "{}", {"mode": 0}], text, [uid, name, 0, 0, 0, 10000, 1, ""],
                                         [], [5, 0, 9868950, ">50000"], ["", ""], 0, 0, None,
                                         {"ts": stamp // 1000, "ct": "AB12"}, 0, 0, [0]]}


def gift(uid, name, gift_name, num, price, coin_type, tid) -> dict:
    return {"cmd": "SEND_GIFT", "data": {"uid": uid, "uname": name, "giftName": gift_name, "num": num,
                                         "price": price, "coin_type": coin_type, "total_coin": price * num,
                                         "tid": tid, "rnd": tid, "giftId": 31036, "action": "投喂",
                                         "timestamp": 1764570000}}


def interact(uid, name, msg_type) -> dict:
    return {"cmd": "INTERACT_WORD", "data": {"uid": uid, "uname": name, "msg_type": msg_type, "roomid": 21452505,
                                             "timestamp": 1764570000}}


def test_bilibili_replay_packets_batches_junk_heartbeats_reconnect_and_a_burst(core):
    room, seen = 21452505, {"auth": [], "heartbeats": 0}

    async def handshake(socket) -> None:
        auth = await socket.recv()  # the first packet must be the client's AUTH (op 7)
        length, header, _version, operation, _seq = HEADER.unpack_from(auth)
        assert (length, header, operation) == (len(auth), 16, 7)
        seen["auth"].append(json.loads(auth[16:]))
        await socket.send(bili(8, b'{"code":0}'))

    async def answer_heartbeats(socket) -> None:
        async for packet in socket:
            if HEADER.unpack_from(packet)[3] == 2:
                seen["heartbeats"] += 1
                await socket.send(bili(3, (1234).to_bytes(4, "big")))

    async def session_one(socket):
        await handshake(socket)
        await socket.send(cmd(danmu(1001, "小鹿", "这个多少钱", 1764570000123)))
        await socket.send(batch(
            cmd(gift(1002, "阿强", "辣条", 5, 100, "silver", "t1")),  # silver: free
            cmd(gift(1002, "阿强", "小花花", 2, 1000, "gold", "t2")),  # 2,000 gold = ¥2
            cmd(interact(1003, "Lily", 1)), cmd(interact(1003, "Lily", 2)), cmd(interact(1003, "Lily", 3)),
            cmd(interact(1003, "Lily", 6)),  # a kind of interaction with no console event
            cmd({"cmd": "LIKE_INFO_V3_CLICK", "data": {"uid": 1004, "uname": "橘子", "like_text": "为主播点赞了"}}),
            cmd({"cmd": "ONLINE_RANK_COUNT", "data": {"count": 88, "online_count": 1500}}),
            cmd({"cmd": "WATCHED_CHANGE", "data": {"num": 9000, "text_small": "9000"}}),
            cmd({"cmd": "SUPER_CHAT_MESSAGE", "data": {"id": 77, "uid": 1005, "price": 30, "message": "主播看看我",
                                                       "user_info": {"uname": "大熊"}}}),
            cmd({"cmd": "GUARD_BUY", "data": {"uid": 1006, "username": "舰长甲", "num": 1, "price": 198000,
                                              "gift_name": "舰长", "guard_level": 3}}),
            cmd({"cmd": "SOME_NEW_THING", "data": {}}),  # unknown: counted
            cmd(danmu(0, "小***", "游客的弹幕", 1764570000999, crc="deadbeef")),  # a guest: no uid
        ))
        for junk in (b"\x00\x00\x00\x05", bili(5, b"{not json"), bili(5, zlib.compress(b"x"), version=2)[:-3],
                     bili(5, b"\x00" * 8, version=2), cmd({"cmd": "DANMU_MSG", "info": [[0], "太短"]}),
                     bili(5, b"{}", version=3)):
            await socket.send(junk)
        await socket.send("a text frame")
        try:
            await asyncio.wait_for(answer_heartbeats(socket), timeout=0.8)  # a few heartbeats, then hang up
        except TimeoutError:
            pass

    async def session_two(socket):
        await handshake(socket)
        await socket.send(cmd(danmu(1001, "小鹿", "这个多少钱", 1764570000123)))  # resent after the reconnect
        started = time.monotonic()
        for first in range(0, BURST, 100):  # the server batches: 100 comments a packet, 2,000 a second
            await socket.send(batch(*(cmd(danmu(2000 + n % 40, f"观众{n % 40}", f"第{n}条", 1764570001000 + n))
                                      for n in range(first, first + 100))))
            await asyncio.sleep(max(0.0, started + (first + 100) / BURST - time.monotonic()))

    with ReplayServer([session_one, session_two]) as server:
        dialect = Bilibili(f"bilibili://{room}?server=ws://127.0.0.1:{server.port}/sub")
        dialect.heartbeat_s = 0.2
        feed = FeedClient(f"bilibili://{room}", core.bus, max_backoff=0.2, dialect=dialect)
        feed.start()
        try:
            assert wait(lambda: feed.stats.published >= 12 + BURST)
        finally:
            feed.stop()
    stats = feed.stats
    assert seen["auth"][0] == {"uid": 0, "roomid": room, "protover": 3, "platform": "web", "type": 2}
    assert len(seen["auth"]) == 2 and seen["heartbeats"] >= 2 and stats.reconnects >= 1
    assert (stats.malformed, stats.unknown, stats.unmapped, stats.duplicates) == (7, 1, 2, 1)
    assert stats.by_kind["heartbeat reply"] == seen["heartbeats"]
    assert stored(core) == [
        ("comment", {"user_id": "1001", "nickname": "小鹿", "text": "这个多少钱"}),
        ("gift", {"user_id": "1002", "nickname": "阿强", "gift": "辣条", "count": 5, "value_cents": 0}),
        ("gift", {"user_id": "1002", "nickname": "阿强", "gift": "小花花", "count": 2, "value_cents": 200}),
        ("enter", {"user_id": "1003", "nickname": "Lily"}),
        ("follow", {"user_id": "1003", "nickname": "Lily"}),
        ("share", {"user_id": "1003", "nickname": "Lily"}),
        ("like", {"user_id": "1004", "nickname": "橘子", "count": 1}),
        ("online", {"online": 1500}),
        ("comment", {"user_id": "1005", "nickname": "大熊", "text": "主播看看我"}),
        ("gift", {"user_id": "1005", "nickname": "大熊", "gift": "醒目留言 Super Chat", "count": 1,
                  "value_cents": 3000}),
        ("gift", {"user_id": "1006", "nickname": "舰长甲", "gift": "舰长", "count": 1, "value_cents": 19800}),
        ("comment", {"user_id": "crc:deadbeef", "nickname": "小***", "text": "游客的弹幕"}),
        *[("comment", {"user_id": str(2000 + n % 40), "nickname": f"观众{n % 40}", "text": f"第{n}条"})
          for n in range(BURST)],
    ]


def test_bilibili_refusal_is_a_reason_and_a_retry(core):
    async def refuse(socket):
        await socket.recv()
        await socket.send(bili(8, b'{"code":-101}'))
        await asyncio.sleep(1)

    with ReplayServer([refuse, refuse, refuse]) as server:
        feed = open_feed(f"bilibili://5?server=ws://127.0.0.1:{server.port}/sub&key=s3cr3t-key-777", core.bus)
        feed.max_backoff = 0.2
        feed.start()
        try:
            assert wait(lambda: server.connections >= 2)
        finally:
            feed.stop()
    assert "refused" in feed.stats.last_error and "-101" in feed.stats.last_error
    assert "s3cr3t-key-777" not in feed.name and feed.stats.published == 0


def test_feed_addresses_are_checked_with_a_reason():
    assert isinstance(dialect_for("douyin-grab://127.0.0.1"), DouyinGrab)
    assert dialect_for("douyin-grab://127.0.0.1").ws_url() == "ws://127.0.0.1:8888"
    assert isinstance(dialect_for("bilibili://21452505"), Bilibili)
    for bad, words in (("http://x", "unknown feed address"), ("bilibili://abc", "room number"),
                       ("douyin-grab://", "needs a host")):
        with pytest.raises(ValueError, match=words):
            dialect_for(bad)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300), json_values.map(json.dumps),
                 st.fixed_dictionaries({"cmd": st.sampled_from(["DANMU_MSG", "SEND_GIFT", "SUPER_CHAT_MESSAGE"]),
                                        "info": json_values, "data": json_values}).map(json.dumps)))
def test_no_frame_raises_past_a_dialect(raw):
    """Whatever arrives, each dialect returns counted items (or refuses the connection by name)."""
    for dialect in (DouyinGrab("douyin-grab://127.0.0.1"), Bilibili("bilibili://1"), dialect_for("ws://x")):
        try:
            items = dialect.parse(raw)
        except ConnectionError:
            continue  # Bilibili's auth refusal: the feed reconnects
        assert all(item.problem in (None, "unknown", "malformed") for item in items)
        for item in items:  # what reaches the bus encodes (a lone surrogate in a frame cannot break the store)
            if item.event is not None:
                json.dumps(item.event.payload, ensure_ascii=False).encode()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(min_size=0, max_size=40), max_size=5), st.integers(0, 3), st.integers(0, 9))
def test_bilibili_packets_of_any_shape_are_counted(bodies, version, operation):
    raw = b"".join(HEADER.pack(16 + len(b), 16, version, operation, 1) + b for b in bodies)
    try:
        items = Bilibili("bilibili://1").parse(raw)
    except ConnectionError:
        return
    assert len(items) >= len(bodies) or any(item.problem for item in items)


def test_headless_live_mode_runs_a_real_room(tmp_path, monkeypatch):
    """`anchor-console live --feed douyin-grab://…`: a Live session without a window, its events from the tool,
    no simulated audience; the review lists it with the real shows."""
    from tests.conftest import run_cli

    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    viewers = [dy_user(n, f"观众{n}") for n in range(5)]

    async def room(socket):
        await socket.send(dy(6, 1, User=viewers[0], OnlineUserCount=321))
        for n, viewer in enumerate(viewers):
            await socket.send(dy(1, 10 + n, User=viewer, Content=f"你好{n}"))
            await asyncio.sleep(0.05)
        await socket.send("junk")

    with ReplayServer([room]) as server:
        result = run_cli("live", "--feed", f"douyin-grab://127.0.0.1:{server.port}", "--duration", "4",
                         "--out", str(tmp_path / "live.mkv"), "--host", " 小李\u202e ", timeout=90)
    assert result.returncode == 0, result.output
    assert "feed: 6 events from 7 frames" in result.stdout and "malformed 1" in result.stdout
    assert "peak online 321" in result.stdout
    listed = run_cli("review")
    assert "直播 Live" in listed.stdout and "#1" in listed.stdout  # a real show, listed without --rehearsals
    report = run_cli("review", "1")
    assert report.returncode == 0 and "321" in report.stdout
    across = run_cli("insights", "--csv", str(tmp_path / "insights"))  # the show with its host and platform
    assert across.returncode == 0 and "小李: 1 场 shows" in across.stdout, across.output
    shows = (tmp_path / "insights" / "insights-shows.csv").read_text(encoding="utf-8-sig").splitlines()
    assert shows[1].split(",")[3:5] == ["小李", "douyin"]


def payloads(items) -> list:
    return [(item.kind, item.problem, str(item.event.type) if item.event else None,
             {k: v for k, v in item.event.payload.items() if k in FIELDS | {"target", "super_chat"}}
             if item.event else None) for item in items]


def test_douyin_grab_messages_one_by_one():
    """Each frame alone through the dialect (no socket): the exact event, the kind it is counted under, and the
    class of every problem."""
    parse = DouyinGrab("douyin-grab://127.0.0.1").parse
    user = dy_user(7, "桃子")
    assert payloads(parse(dy(2, 1, User=user))) == [
        ("2 点赞 like", None, "like", {"user_id": "100000000007", "nickname": "桃子", "count": 1})]  # Count absent: 1
    assert payloads(parse(dy(5, 2, User=user, GiftName="啤酒", GiftCount=2, DiamondCount=2))) == [
        ("5 礼物 gift", None, "gift",
         {"user_id": "100000000007", "nickname": "桃子", "gift": "啤酒", "count": 2, "value_cents": 40})]
    assert payloads(parse(dy(8, 3, User=user, ShareType=112))) == [
        ("8 分享 share", None, "share", {"user_id": "100000000007", "nickname": "桃子", "target": 112})]
    assert payloads(parse(dy(8, 3, User=user, ShareType=True))) == [
        ("8 分享 share", None, "share", {"user_id": "100000000007", "nickname": "桃子"})]
    no_id = {**user, "Id": 0}
    assert parse(dy(3, 4, User=no_id))[0].event.payload["user_id"] == "dy7"  # falls back to DisplayId
    assert parse(json.dumps({"Type": 3, "Data": {"MsgId": 5, "User": user}}))[0].event is not None  # an object
    assert [i.source_id for i in parse(dy(1, 0, User=user, Content="x"))] == [None]  # MsgId 0: no identity
    assert [i.source_id for i in parse(dy(1, 9, User=user, Content="x"))] == ["dy:9"]
    for frame, problem in ((b"\x00", "malformed"), ("{", "malformed"), ("3", "malformed"),
                           (json.dumps({"Type": 10, "Data": "{}"}), "unknown"),
                           (json.dumps({"Type": "1", "Data": "{}"}), "unknown"),
                           (json.dumps({"Type": 1, "Data": "[]"}), "malformed"),
                           (json.dumps({"Type": 1, "Data": 5}), "malformed"),
                           (dy(2, 1, User=user, Count=0), "malformed"),
                           (dy(2, 1, User="桃子"), "malformed"),
                           (dy(5, 1, User=user, GiftCount=1), "malformed"),  # no GiftName
                           (dy(5, 1, User=user, GiftName="x", GiftCount=-1), "malformed"),
                           (dy(6, 1, OnlineUserCount=-5), "malformed"),
                           (dy(6, 1, OnlineUserCount=10**9 + 1), "malformed"),
                           (dy(1, 1, User={**user, "Id": True, "DisplayId": "", "SecUid": ""}), "malformed")):
        assert [item.problem for item in parse(frame)] == [problem], frame
    assert [(i.kind, i.event, i.problem) for i in parse(dy(7, 1, User=user))] == [("7 粉丝团 fan club", None, None)]


def test_the_kuaishou_forks_other_room_never_mixes_into_the_show():
    """The 2026 fork of DouyinBarrageGrab also reads Kuaishou rooms and sends them on the same socket, the frame
    marked `Platform` 2 (1 or missing: Douyin). The address says which room is the show's; the other's messages are
    counted as not mapped; a wrong platform in the address is refused with a reason."""
    user = dy_user(8, "快手观众")
    kuaishou = json.dumps({**json.loads(dy(1, 11, User=user, Content="老铁666")), "Platform": 2}, ensure_ascii=False)
    douyin = json.dumps({**json.loads(dy(1, 12, User=user, Content="抖音的")), "Platform": 1}, ensure_ascii=False)
    for address, shown, skipped in (("douyin-grab://127.0.0.1", douyin, kuaishou),
                                    ("douyin-grab://127.0.0.1:8888?platform=kuaishou", kuaishou, douyin)):
        parse = DouyinGrab(address).parse
        (taken,) = parse(shown)
        assert taken.event is not None and taken.problem is None
        (other,) = parse(skipped)
        assert (other.event, other.problem) == (None, None) and other.kind.endswith("other room")
    assert DouyinGrab("douyin-grab://127.0.0.1").parse(dy(1, 13, User=user, Content="没有 Platform"))[0].event
    with pytest.raises(ValueError, match="douyin or kuaishou"):
        DouyinGrab("douyin-grab://127.0.0.1?platform=huya")


def test_bilibili_commands_one_by_one():
    parse = Bilibili("bilibili://1").parse
    assert payloads(parse(cmd({**danmu(9, "甲", "你好", 1764570000000), "cmd": "DANMU_MSG:4:0:2:2:2:0"}))) == [
        ("DANMU_MSG", None, "comment", {"user_id": "9", "nickname": "甲", "text": "你好"})]  # suffixes dropped
    assert payloads(parse(cmd({"cmd": "ONLINE_RANK_COUNT", "data": {"count": 88}}))) == [
        ("ONLINE_RANK_COUNT", None, "online", {"online": 88})]
    assert payloads(parse(cmd(interact(3, "乙", 4))) + parse(cmd(interact(3, "乙", 5)))) == [
        ("INTERACT_WORD", None, "follow", {"user_id": "3", "nickname": "乙"})] * 2
    assert payloads(parse(cmd(gift(3, "乙", "x", 1, 5, "gold", "")))) == [
        ("SEND_GIFT", None, "gift", {"user_id": "3", "nickname": "乙", "gift": "x", "count": 1, "value_cents": 0})]
    assert parse(cmd(gift(3, "乙", "x", 1, 5, "gold", "")))[0].source_id is None  # no tid, no rnd: no identity
    two = parse(bili(5, json.dumps({"cmd": "LIVE"}).encode()) + bili(3, b"\x00\x00\x00\x01"))
    assert [(i.kind, i.control, i.problem) for i in two] == [("LIVE", False, None), ("heartbeat reply", True, None)]
    assert [i.problem for i in parse(bili(4, b"{}"))] == ["unknown"]
    assert [i.problem for i in parse(cmd({"cmd": "SEND_GIFT", "data": "x"}))] == ["malformed"]
    assert [i.problem for i in parse(cmd({"cmd": 5}))] == ["malformed"]
    assert [i.problem for i in parse(HEADER.pack(20, 12, 0, 5, 1) + b"{}{}")] == ["malformed"]  # header too short
    bomb = bili(5, zlib.compress(b"\x00" * (5 * 2**20)), version=2)
    assert [i.problem for i in parse(bomb)] == ["malformed"]
    nested = bili(5, zlib.compress(batch(batch(cmd({"cmd": "LIVE"})))), version=2)
    assert [i.problem for i in parse(nested)] == ["malformed"]
    assert [i.kind for i in parse(batch(batch(cmd({"cmd": "LIVE"}))))] == ["LIVE"]  # two levels are allowed
    with pytest.raises(ConnectionError, match="-101"):
        parse(bili(8, b'{"code": -101}'))
    with pytest.raises(ConnectionError):
        parse(bili(8, b"not json"))
    hello = Bilibili("bilibili://77?uid=5&key=k1").hello()[0]
    assert HEADER.unpack_from(hello)[3] == 7 and json.loads(hello[16:]) == {
        "uid": 5, "roomid": 77, "protover": 3, "platform": "web", "type": 2, "key": "k1"}
    assert HEADER.unpack_from(Bilibili("bilibili://77").heartbeat())[3] == 2


def test_every_douyin_type_exactly():
    """Each documented Type alone: the event, its kind, who it is from, and nothing for 7 and 9."""
    parse = DouyinGrab("douyin-grab://127.0.0.1").parse
    user = dy_user(3, "橘子")
    who = {"user_id": "100000000003", "nickname": "橘子"}
    expected = {
        1: ("comment", {**who, "text": "在吗"}), 2: ("like", {**who, "count": 4}), 3: ("enter", who),
        4: ("follow", who), 5: ("gift", {**who, "gift": "玫瑰", "count": 1, "value_cents": 10}),
        6: ("online", {"online": 0}), 8: ("share", who),
    }
    for kind in range(1, 10):
        items = parse(dy(kind, 50 + kind, User=user, Content="在吗", Count=4, GiftName="玫瑰", GiftCount=1,
                         DiamondCount=1, OnlineUserCount=0))
        assert len(items) == 1 and items[0].problem is None and items[0].source_id == f"dy:{50 + kind}"
        event = items[0].event
        if kind in (7, 9):
            assert event is None and not items[0].control
            continue
        assert items[0].kind.startswith(f"{kind} ") and event.actor == PLATFORM
        assert (str(event.type), {k: v for k, v in event.payload.items() if k != "target"}) == expected[kind]


def test_bilibili_identities_and_defaults():
    """What makes two messages the same one (a resend) and what does not; values a message may leave out."""
    parse = Bilibili("bilibili://1").parse
    first, again = parse(cmd(danmu(9, "甲", "一", 1764570000000))), parse(cmd(danmu(9, "甲", "一", 1764570000000)))
    later = parse(cmd(danmu(9, "甲", "一", 1764570000097)))  # same rnd (stamp % 97), a later stamp: a new message
    assert first[0].source_id == again[0].source_id != later[0].source_id
    other_rnd = danmu(9, "甲", "一", 1764570000000)
    other_rnd["info"][0][5] = 7
    assert parse(cmd(other_rnd))[0].source_id != first[0].source_id
    by_tid = gift(3, "乙", "x", 0, 100, "gold", "tid-1")
    by_rnd = gift(3, "乙", "x", 1, 100, "gold", "")
    by_rnd["data"]["rnd"] = "rnd-1"
    del by_rnd["data"]["total_coin"]
    a, b = parse(cmd(by_tid))[0], parse(cmd(by_rnd))[0]
    assert (a.source_id, a.event.payload["count"]) == ("bili:gift:tid-1", 0)  # a zero count is allowed
    assert (b.source_id, b.event.payload["value_cents"]) == ("bili:gift:rnd-1", 0)  # no total: nothing paid
    everything = parse(batch(cmd(danmu(1, "a", "b", 1764570000000)), cmd(by_tid), cmd(interact(2, "c", 1)),
                             cmd({"cmd": "LIKE_INFO_V3_CLICK", "data": {"uid": 3, "uname": "d"}}),
                             cmd({"cmd": "ONLINE_RANK_COUNT", "data": {"count": 5}}),
                             cmd({"cmd": "GUARD_BUY", "data": {"uid": 4, "username": "e", "num": 2, "price": 1000,
                                                               "gift_name": "舰长"}}),
                             cmd({"cmd": "SUPER_CHAT_MESSAGE", "data": {"uid": 5, "price": 1, "message": "f",
                                                                        "user_info": {"uname": "g"}}})))
    assert all(item.event.actor == PLATFORM for item in everything)
    assert [str(i.event.type) for i in everything] == ["comment", "gift", "enter", "like", "online", "gift",
                                                       "comment", "gift"]
    assert everything[5].event.payload["value_cents"] == 200  # 2 × 1,000 gold ÷ 10
    assert [i.source_id for i in everything[6:]] == [None, None]  # a super chat without an id has no identity
    assert [i.problem for i in parse(cmd({"cmd": "GUARD_BUY", "data": {"uid": 4, "username": "e", "num": 0,
                                                                        "price": 1, "gift_name": "x"}}))] == \
        ["malformed"]  # a guard is bought at least once


def test_the_edges_of_each_value():
    """The documented ranges and defaults, at their edges: a big room's online count is not a like count."""
    douyin, bili_parse = DouyinGrab("douyin-grab://127.0.0.1").parse, Bilibili("bilibili://1").parse
    user = dy_user(4, "丙")
    assert douyin(dy(6, 1, OnlineUserCount=50_000_000))[0].event.payload == {"online": 50_000_000}
    assert bili_parse(cmd({"cmd": "ONLINE_RANK_COUNT", "data": {"count": 50_000_000}}))[0].event.payload == \
        {"online": 50_000_000}
    assert douyin(dy(2, 1, User=user, Count=10**7))[0].event.payload["count"] == 10**7
    gift_default = douyin(dy(5, 1, User=user, GiftName="x"))[0].event.payload  # no GiftCount, no DiamondCount
    assert (gift_default["count"], gift_default["value_cents"]) == (1, 0)
    big = douyin(dy(5, 1, User=user, GiftName="x", GiftCount=10**7, DiamondCount=10))[0].event.payload
    assert big["value_cents"] == 10**9  # 10^7 gifts × 10 抖币 × 10 fen: within the money range
    assert [i.problem for i in douyin(dy(1, 1, User=user))] == ["malformed"]  # a comment without Content
    assert [i.problem for i in douyin(dy(5, 1, User=user, GiftName=5))] == ["malformed"]
    assert [i.problem for i in douyin(dy(4, 1, User={**user, "Id": ""}))] == [None]  # DisplayId stands in
    assert douyin(dy(4, 1, User={**user, "Nickname": None}))[0].event.payload["nickname"] == ""
    many = bili_parse(cmd(gift(3, "乙", "x", 10**7, 1, "gold", "t")))[0].event.payload
    assert (many["count"], many["value_cents"]) == (10**7, 10**6)


def test_bilibili_packet_edges_and_replies():
    parse = Bilibili("bilibili://1").parse
    assert [(i.kind, i.control) for i in parse(bili(8, b'{"code": 0}'))] == [("auth reply", True)]
    assert [(i.kind, i.control) for i in parse(bili(3, b""))] == [("heartbeat reply", True)]  # a bare header
    assert [i.kind for i in parse(bili(5, json.dumps({"cmd": "LIVE"}).encode(), version=1))] == ["LIVE"]
    assert [i.problem for i in parse(bili(5, b"{}", version=4))] == ["malformed"]
    assert [i.problem for i in parse(bili(5, b""))] == ["malformed"]  # an empty command
    short = HEADER.pack(16, 16, 0, 5, 1)  # a header and nothing else, then a packet that claims too much
    assert [i.problem for i in parse(short + HEADER.pack(40, 16, 0, 5, 1) + b"{}")] == ["malformed", "malformed"]
    guest = parse(cmd(danmu(0, "游客", "hi", 1764570000000, crc="c0ffee01")))[0].event.payload
    assert guest["user_id"] == "crc:c0ffee01" and guest["nickname"] == "游客" and guest["text"] == "hi"
    silver = parse(cmd(gift(3, "乙", "辣条", 9, 100, "silver", "s")))[0].event.payload
    assert silver == {"user_id": "3", "nickname": "乙", "gift": "辣条", "count": 9, "value_cents": 0}
    guard = parse(cmd({"cmd": "GUARD_BUY", "data": {"uid": 4, "username": "e", "num": 1, "price": 198000,
                                                    "gift_name": "舰长"}}))[0].event.payload
    assert guard == {"user_id": "4", "nickname": "e", "gift": "舰长", "count": 1, "value_cents": 19800}
    assert Bilibili("bilibili://5?server=ws://10.0.0.2:9/sub").ws_url() == "ws://10.0.0.2:9/sub"
    assert Bilibili("bilibili://5").ws_url().startswith("wss://") and Bilibili("bilibili://5").headers() is None
