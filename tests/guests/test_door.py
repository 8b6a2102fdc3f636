"""The guests' door over real sockets: the page and its policy, a phone (aiortc) joining with its one-time token,
its picture in the seat's feed and on air once accepted, the rejoin key, revocation, and the door's discipline
against what a stranger on the LAN might send."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from websockets.asyncio.client import connect

from app.guests import door as door_module
from app.guests.door import GuestDoor, cap_bitrate
from app.guests.invites import Refused
from app.guests.source import GuestSource
from app.remote.guard import PairingGuard
from tests.guests.phone import Phone, tls


@pytest.fixture
def door(tmp_path):
    opened = GuestDoor(host="127.0.0.1", port=0, folder=tmp_path)
    opened.start()
    yield opened
    opened.stop()


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def get(door, path: str):
    return urllib.request.urlopen(f"https://127.0.0.1:{door.port}{path}", context=tls(), timeout=5)


def test_the_page_and_its_script_are_served_with_a_strict_policy(door):
    page = get(door, "/")
    body = page.read().decode()
    assert page.status == 200 and '<script src="/join.js">' in body and "手机机位" in body
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy  # no outside or inline script
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    script = get(door, "/join.js")
    assert script.headers["Content-Type"].startswith("text/javascript") and b"RTCPeerConnection" in script.read()
    with pytest.raises(urllib.error.HTTPError) as missing:
        get(door, "/../assistant-server.key")
    assert missing.value.code == 404


def test_a_phone_joins_with_its_token_and_is_on_air_once_accepted(door):
    invitation = door.invite("手机1")
    assert door.link(invitation, "192.168.1.20") == f"https://192.168.1.20:{door.port}/#t={invitation.token}"
    guest = door.book.invite("嘉宾", "guest")
    assert door.link(guest, "10.0.0.2").endswith(f"/#t={guest.token}&k=guest")
    door.book.revoke("嘉宾")
    source = GuestSource(door.feed("手机1"), 640, 360)
    assert source.state() == "waiting"

    async def run():
        phone = Phone(door.port)
        answer = await phone.join(token=invitation.token)
        assert answer["type"] == "answer" and answer["seat"] == "手机1" and answer["kind"] == "camera"
        assert answer["accepted"] is False and answer["key"] != invitation.token
        assert "b=AS:4000" in answer["sdp"]
        await asyncio.to_thread(wait_until, lambda: door.feed("手机1").latest().count >= 5)
        assert source.state() == "pending"  # pictures arrive, nothing on air yet
        assert door.accept("手机1")
        assert await phone.next_message() == {"type": "state", "accepted": True}
        picture = source.frame_at(0.0)
        assert picture.shape == (360, 640, 3)
        blue, green, red = picture[180, 320].astype(int)
        assert green > 150 and red < 80 and blue < 80  # the phone's green, through VP8 and back
        i420 = source.i420_at(0.0, 1280, 720)
        assert i420.shape == (1080, 1280) and abs(int(np.median(i420[:720])) - 145) <= 6
        assert source.i420_at(0.0, 720, 1280) is None  # another shape: fitted in BGR by the scene
        door.accept("手机1", on_air=False)
        assert await phone.next_message() == {"type": "state", "accepted": False}
        await phone.hang_up()

    asyncio.run(run())
    wait_until(lambda: not door.feed("手机1").latest().connected)
    assert source.state() == "pending" and door.joined == 1


def test_a_token_lets_in_once_and_the_key_brings_the_same_phone_back(door, monkeypatch):
    monkeypatch.setattr(door_module, "WRONG_TOKEN_DELAY_S", 0.01)
    invitation = door.invite("嘉宾", "guest")

    async def run():
        first = Phone(door.port)
        key = (await first.join(token=invitation.token))["key"]
        await asyncio.to_thread(wait_until, lambda: door.feed("嘉宾").latest().connected)
        await first.hang_up()
        again = Phone(door.port)
        refused = await again.join(token=invitation.token)
        assert refused["type"] == "error" and invitation.token not in refused["reason"]
        back = Phone(door.port)
        answer = await back.join(key=key)
        assert answer["type"] == "answer" and answer["seat"] == "嘉宾" and answer["kind"] == "guest"
        count = door.feed("嘉宾").latest().count
        await asyncio.to_thread(wait_until, lambda: door.feed("嘉宾").latest().count > count + 5)
        door.invite("嘉宾", "guest")  # a new link: the phone before it is let go and its key no longer works
        await asyncio.to_thread(wait_until, lambda: not door.feed("嘉宾").latest().connected)
        stale = Phone(door.port)
        assert (await stale.join(key=key))["type"] == "error"
        for phone in (again, back, stale):
            await phone.hang_up()

    asyncio.run(run())


def test_a_revoked_seat_is_hung_up_and_its_slate_says_so(door):
    invitation = door.invite("手机2")
    door.accept("手机2")
    source = GuestSource(door.feed("手机2"), 640, 360)

    async def run():
        phone = Phone(door.port)
        await phone.join(token=invitation.token)
        await asyncio.to_thread(wait_until, lambda: source.state() == "live")
        assert source.notice is None
        assert door.revoke("手机2")
        await asyncio.to_thread(wait_until, lambda: phone.socket.close_code is not None)
        await phone.hang_up()

    asyncio.run(run())
    assert source.state() == "waiting" and source.notice.startswith("手机2：等待手机连接")  # as before any phone
    assert door.book.seats() == () and not door.revoke("手机2")


def test_wrong_secrets_lock_the_address_out(door, monkeypatch):
    monkeypatch.setattr(door_module, "WRONG_TOKEN_DELAY_S", 0.01)
    door.guard = PairingGuard(max_failures=3)
    invitation = door.invite("手机1")

    async def run():
        for guess in ("a" * 24, "b" * 24, "c" * 24):
            assert (await Phone(door.port).join(token=guess))["type"] == "error"
        locked = Phone(door.port)
        reply = await locked.join(token=invitation.token)  # the right token, but this address is locked out
        assert reply["type"] == "error" and "try again later" in reply["reason"]

    asyncio.run(run())
    assert door.guard.lockouts == 1 and door.joined == 0


async def _first_frame(port: int, raw: str | bytes) -> dict | None:
    async with connect(f"wss://127.0.0.1:{port}/signal", ssl=tls()) as socket:
        await socket.send(raw)
        try:
            return json.loads(await asyncio.wait_for(socket.recv(), 5))
        except Exception:  # noqa: BLE001 - closed without a word is an answer too
            return None


def test_malformed_first_frames_are_refused_and_the_door_stays_open(door, monkeypatch):
    monkeypatch.setattr(door_module, "WRONG_TOKEN_DELAY_S", 0.01)
    invitation = door.invite("手机1")
    offer = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    frames = ["not json", "[]", '{"type": "hello"}', json.dumps({"type": "join", "token": invitation.token}),
              json.dumps({"type": "join", "token": invitation.token, "sdp": "x" * 40_000}),
              json.dumps({"type": "join", "token": 7, "sdp": offer}), b"\x00\xff binary",
              json.dumps({"type": "join", "token": "\ud800", "sdp": offer}),
              json.dumps({"type": "join", "token": invitation.token, "sdp": offer * 5})]  # five media sections

    async def run():
        for raw in frames:
            reply = await _first_frame(door.port, raw)
            assert reply is None or reply["type"] == "error"
        # an offer aiortc cannot answer uses the token up but answers with an error, and the door goes on
        garbled = await _first_frame(door.port, json.dumps({"type": "join", "token": invitation.token,
                                                            "sdp": offer + "a=garbage\r\n"}))
        assert garbled["type"] == "error"
        fresh = door.invite("手机1")
        phone = Phone(door.port)
        assert (await phone.join(token=fresh.token))["type"] == "answer"
        await phone.hang_up()

    asyncio.run(run())


def test_a_socket_that_never_sends_its_offer_is_let_go(door, monkeypatch):
    monkeypatch.setattr(door_module, "JOIN_TIMEOUT_S", 0.2)

    async def run():
        async with connect(f"wss://127.0.0.1:{door.port}/signal", ssl=tls()) as socket:
            await asyncio.wait_for(socket.wait_closed(), 5)

    asyncio.run(run())
    assert door._unpaired == 0


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200),
                 st.dictionaries(st.sampled_from(["type", "token", "key", "sdp"]),
                                 st.one_of(st.none(), st.integers(), st.text(max_size=80), st.just("join"),
                                           st.just("m=video 9\r\n"), st.lists(st.integers(), max_size=3)))
                 .map(json.dumps)))
def test_a_first_frame_is_a_join_or_a_bilingual_refusal(tmp_path_factory, raw):
    door = _offline_door(tmp_path_factory)
    try:
        door._join(raw)
    except Refused as exc:
        assert " / " in str(exc)
    except ValueError as exc:
        assert " / " in str(exc)


_OFFLINE: list = []


def _offline_door(tmp_path_factory) -> GuestDoor:
    if not _OFFLINE:  # the parsing alone: a door never started
        _OFFLINE.append(GuestDoor(host="127.0.0.1", port=0, folder=tmp_path_factory.mktemp("guest-cert")))
        _OFFLINE[0].invite("手机1")
    return _OFFLINE[0]


def test_a_picture_larger_than_1080p_is_not_drawn():
    import av

    from app.guests.door import _pull
    from app.guests.feed import GuestFeed
    from aiortc.mediastreams import MediaStreamError

    class Track:
        kind = "video"

        def __init__(self, sizes):
            self.sizes = list(sizes)

        async def recv(self):
            if not self.sizes:
                raise MediaStreamError
            width, height = self.sizes.pop(0)
            return av.VideoFrame(width, height, "yuv420p")

    feed = GuestFeed("手机1")
    asyncio.run(_pull(Track([(1280, 720), (3840, 2160), (1920, 1080)]), feed))
    state = feed.latest()
    assert state.count == 2 and (state.frame.width, state.frame.height) == (1920, 1080)


def test_the_answer_asks_the_browser_for_at_most_the_door_s_bitrate():
    offer = "\r\n".join(["v=0", "m=audio 9 UDP 111", "c=IN IP4 0.0.0.0", "b=AS:64", "m=video 9 UDP 96",
                         "c=IN IP4 0.0.0.0", "b=AS:9000", "a=rtpmap:96 VP8/90000", ""])
    capped = cap_bitrate(offer, 2500).split("\r\n")
    assert capped == ["v=0", "m=audio 9 UDP 111", "c=IN IP4 0.0.0.0", "b=AS:64", "m=video 9 UDP 96",
                      "c=IN IP4 0.0.0.0", "b=AS:2500", "a=rtpmap:96 VP8/90000", ""]


def test_closing_the_door_hangs_up_every_phone_and_keeps_the_seats(tmp_path):
    from app.doors import Doors
    from app.guests.feed import FeedShelf

    shelf = FeedShelf()
    doors = Doors(lambda: None, lambda: None, lambda: "assistant:场控", lambda: None, shelf)
    door = doors.open_guests("127.0.0.1", 0)
    assert door.shelf is shelf  # the door fills the stage's seats
    invitation = door.invite("手机1")

    async def run():
        phone = Phone(door.port)
        await phone.join(token=invitation.token)
        await asyncio.to_thread(wait_until, lambda: shelf.feed("手机1").latest().count > 0)
        await asyncio.to_thread(doors.close)
        await asyncio.to_thread(wait_until, lambda: phone.socket.close_code is not None)
        await phone.hang_up()

    asyncio.run(run())
    assert doors.guests is None and not shelf.feed("手机1").latest().connected
    assert shelf.feed("手机1").latest().count > 0  # the seat is still the scenes' (its slate says signal lost)


def test_no_secret_reaches_the_log_even_at_debug(door, caplog, monkeypatch):
    import logging

    from app.redaction import install_log_redaction

    monkeypatch.setattr(door_module, "WRONG_TOKEN_DELAY_S", 0.01)
    install_log_redaction()
    invitation = door.invite("手机1")
    caplog.set_level(logging.DEBUG)

    async def run():
        phone = Phone(door.port)
        key = (await phone.join(token=invitation.token))["key"]
        await phone.hang_up()
        back = Phone(door.port)
        await back.join(key=key)  # the key goes over the wire too
        await back.hang_up()
        await Phone(door.port).join(token=invitation.token)  # a used token, refused
        return key

    key = asyncio.run(run())
    # the console's records (the test's own phone is a websockets client that logs what it sends)
    logged = "\n".join(record.getMessage() for record in caplog.records if record.name != "websockets.client")
    assert "TEXT '" in "\n".join(r.getMessage() for r in caplog.records)  # what websockets says at debug: quoted
    assert "RTCPeerConnection" in logged  # debug was on (aiortc's lines are there)
    assert "TEXT '" not in logged  # websockets quotes no frame (it cut the token in the middle: no mask finds half)
    assert invitation.token[:8] not in logged and key[:8] not in logged
