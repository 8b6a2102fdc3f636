"""手机机位 / 连麦 from a control surface: `obsws-python` (a client no one here wrote) calls the console's guest vendor
requests over a real socket while an aiortc phone sits in a seat — the seats listed, one put on air (the phone is
told, a second client hears `guest_changed`), its level set, taken off and hung up — and every bad request is a
status code with a sentence, never an exception past the door."""

from __future__ import annotations

import time

import obsws_python as obs
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from app.console import ConsoleService
from app.doors import Doors
from app.guests.control import REQUESTS, guest_request
from app.guests.feed import FeedShelf
from app.remote.obsws import VENDOR, RequestFailed, Status
from app.store.db import Database
from tests.guests.phone import Phone, PhoneThread

PASSWORD = "guest-deck-pw-41"


@pytest.fixture
def console(tmp_path, monkeypatch, qapp_offscreen):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    service = ConsoleService(Database(f"sqlite:///{tmp_path / 'console.db'}"))
    server = service.doors.open_control(host="127.0.0.1", port=0, password=PASSWORD)
    yield service, server
    service.close()


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def call(deck, kind: str, data: dict | None = None) -> dict:
    return deck.call_vendor_request(VENDOR, kind, data or {}).response_data


def refused(deck, kind: str, data: dict) -> int:
    with pytest.raises(obs.error.OBSSDKRequestError) as error:
        call(deck, kind, data)
    return error.value.code


def test_a_stream_deck_puts_a_phone_on_air_sets_its_level_and_hangs_it_up(console):
    service, server = console
    doors = service.doors
    deck = obs.ReqClient(host="127.0.0.1", port=server.port, password=PASSWORD, timeout=10)
    events = obs.EventClient(host="127.0.0.1", port=server.port, password=PASSWORD, timeout=10)
    heard: list[tuple[str, dict]] = []

    def on_vendor_event(data):
        heard.append((data.event_type, data.event_data))

    events.callback.register(on_vendor_event)
    phones = PhoneThread()
    try:
        assert call(deck, "get_guests") == {"doorOpen": False, "guests": []}
        assert refused(deck, "accept_guest", {"seat": "手机1"}) == Status.INVALID_RESOURCE_STATE  # door closed
        invite = doors.invite_guest("手机1", "camera", host="127.0.0.1", port=0)
        token = invite.links[0].split("#t=", 1)[1]
        phone = Phone(doors.guests.port)
        assert phones.run(phone.join(token=token))["type"] == "answer"
        wait_until(lambda: doors.guests.feed("手机1").latest().count >= 3)

        (seat,) = call(deck, "get_guests")["guests"]
        assert seat["seat"] == "手机1" and seat["kind"] == "camera" and seat["connected"] is True
        assert seat["onAir"] is False and seat["level"] == 1.0 and seat["size"] == [640, 360]
        assert seat["heard"] is False  # a phone camera's sound: out of the program until asked for

        assert call(deck, "accept_guest", {"seat": "手机1"}) == {"seat": "手机1", "onAir": True}
        assert doors.guests.book.accepted("手机1")
        assert phones.run(phone.next_message()) == {"type": "state", "accepted": True}  # the phone is told
        assert call(deck, "get_guests")["guests"][0]["onAir"] is True
        assert call(deck, "set_guest_level", {"seat": "手机1", "level": 0.5}) == {"seat": "手机1", "level": 0.5}
        assert doors.guests.feed("手机1").gain == 0.5
        assert call(deck, "set_guest_heard", {"seat": "手机1", "heard": True}) == {"seat": "手机1", "heard": True}
        assert doors.guests.feed("手机1").heard and call(deck, "get_guests")["guests"][0]["heard"] is True
        assert call(deck, "guest_off_air", {"seat": "手机1"})["onAir"] is False
        assert not doors.guests.book.accepted("手机1")

        assert call(deck, "hang_up_guest", {"seat": "手机1"}) == {"seat": "手机1", "hungUp": True}
        wait_until(lambda: not doors.guests.feed("手机1").latest().connected)
        assert call(deck, "get_guests")["guests"] == []
        assert refused(deck, "accept_guest", {"seat": "手机1"}) == Status.RESOURCE_NOT_FOUND  # its link is void
        wait_until(lambda: len(heard) >= 3)
        assert heard == [("guest_changed", {"seat": "手机1", "onAir": True}),
                         ("guest_changed", {"seat": "手机1", "onAir": False}),
                         ("guest_changed", {"seat": "手机1", "onAir": False, "hungUp": True})]
        phones.run(phone.hang_up())
    finally:
        phones.close()
        deck.disconnect()
        events.disconnect()


def test_bad_guest_requests_are_each_a_status_and_a_sentence(console):
    service, server = console
    service.doors.invite_guest("手机1", "camera", host="127.0.0.1", port=0)
    deck = obs.ReqClient(host="127.0.0.1", port=server.port, password=PASSWORD, timeout=10)
    try:
        assert refused(deck, "accept_guest", {}) == Status.MISSING_REQUEST_FIELD
        assert refused(deck, "accept_guest", {"seat": 7}) == Status.INVALID_REQUEST_FIELD_TYPE
        assert refused(deck, "accept_guest", {"seat": "  "}) == Status.REQUEST_FIELD_EMPTY
        assert refused(deck, "accept_guest", {"seat": "\u0000\u200b"}) == Status.INVALID_REQUEST_FIELD
        assert refused(deck, "hang_up_guest", {"seat": "手机2"}) == Status.RESOURCE_NOT_FOUND
        assert refused(deck, "set_guest_level", {"seat": "手机1"}) == Status.MISSING_REQUEST_FIELD
        assert refused(deck, "set_guest_level", {"seat": "手机1", "level": "loud"}) == Status.INVALID_REQUEST_FIELD_TYPE
        assert refused(deck, "set_guest_level", {"seat": "手机1", "level": True}) == Status.INVALID_REQUEST_FIELD_TYPE
        assert refused(deck, "set_guest_level", {"seat": "手机1", "level": 2.5}) == Status.REQUEST_FIELD_OUT_OF_RANGE
        assert refused(deck, "set_guest_level", {"seat": "手机1", "level": -0.1}) == Status.REQUEST_FIELD_OUT_OF_RANGE
        assert refused(deck, "set_guest_heard", {"seat": "手机1"}) == Status.MISSING_REQUEST_FIELD
        assert refused(deck, "set_guest_heard", {"seat": "手机1", "heard": "yes"}) == Status.INVALID_REQUEST_FIELD_TYPE
        assert not service.doors.guests.feed("手机1").heard
        assert service.doors.guests.feed("手机1").gain == 1.0  # nothing refused changed anything
        assert not service.doors.guests.book.accepted("手机1")
        assert call(deck, "set_guest_level", {"seat": "手机1", "level": 2})["level"] == 2.0  # the edges are levels
        assert call(deck, "set_guest_level", {"seat": " 手机1 ", "level": 0})["level"] == 0.0  # as the CLI cleans it
    finally:
        deck.disconnect()


@pytest.fixture(scope="module")
def open_doors(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path_factory.mktemp("data")))  # the door's certificate
        doors = Doors(lambda: None, lambda: None, lambda: "console", lambda: None, guest_seats=FeedShelf())
        doors.invite_guest("手机1", "camera", host="127.0.0.1", port=0)
        yield doors
        doors.close()


_values = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(REQUESTS),
       data=st.dictionaries(st.sampled_from(["seat", "level", "heard", "other"]),
                            _values | st.lists(_values, max_size=3) | st.just("手机1"), max_size=3))
def test_any_request_data_is_an_answer_or_a_refusal(open_doors, kind, data):
    try:
        answer = guest_request(open_doors, kind, data)
    except RequestFailed as exc:
        assert exc.code in vars(Status).values() and " / " in exc.comment  # 中文 / English
        return
    assert isinstance(answer, dict)
    if kind == "set_guest_level":
        assert 0.0 <= answer["level"] <= 2.0
    if "手机1" not in open_doors.guests.book:  # whatever it did, the seat is there for the next example
        open_doors.invite_guest("手机1", "camera", host="127.0.0.1", port=0)
    open_doors.set_guest_level("手机1", 1.0)
    open_doors.hear_guest("手机1", False)


def test_each_refusal_says_what_and_which_seat_and_every_answer_has_its_fields(open_doors):
    def refusal(kind, data, doors=open_doors):
        with pytest.raises(RequestFailed) as refused:
            guest_request(doors, kind, data)
        return refused.value.code, refused.value.comment

    assert refusal("set_guest_level", {"seat": "手机1"}) == (Status.MISSING_REQUEST_FIELD,
                                                           "缺少字段 / missing field: level")
    assert refusal("set_guest_level", {"seat": "手机1", "level": "x"}) == (
        Status.INVALID_REQUEST_FIELD_TYPE, "字段类型不对 / level must be a number")
    assert refusal("set_guest_level", {"seat": "手机1", "level": float("nan")}) == (
        Status.REQUEST_FIELD_OUT_OF_RANGE, "音量需在 0–2 之间 / level is 0 to 2 (1: as it arrives)")
    for kind in ("accept_guest", "hang_up_guest", "set_guest_heard"):
        assert refusal(kind, {"seat": "手机9", "heard": True}) == (Status.RESOURCE_NOT_FOUND,
                                                                  "没有这个机位 / no seat named '手机9'")
    assert refusal("nope", {"seat": "手机1"}) == (Status.UNKNOWN_REQUEST_TYPE,
                                                 "未知操作 / unknown vendor request 'nope'")
    assert refusal("x" * 60, {"seat": "手机1"})[1].endswith(repr("x" * 40))  # a long name cut in the sentence
    closed = Doors(lambda: None, lambda: None, lambda: "console", lambda: None, guest_seats=FeedShelf())
    assert refusal("accept_guest", {"seat": "手机1"}, closed) == (Status.INVALID_RESOURCE_STATE,
                                                                 "手机机位未开启 / the guests' door is closed")

    open_doors.accept_guest("手机1", False)  # the fixture's seat as another test may have left it: off air, not heard
    open_doors.hear_guest("手机1", False)
    assert guest_request(open_doors, "set_guest_level", {"seat": "手机1", "level": 0.33333})["level"] == 0.33333
    (seat,) = guest_request(open_doors, "get_guests", {})["guests"]
    assert seat == {"seat": "手机1", "kind": "camera", "state": "invited", "onAir": False, "connected": False,
                    "level": 0.333, "heard": False, "size": None}
    assert guest_request(open_doors, "set_guest_heard", {"seat": "手机1", "heard": True})["heard"] is True
    assert open_doors.guests.feed("手机1").heard
    assert guest_request(open_doors, "set_guest_heard", {"seat": "手机1", "heard": False})["heard"] is False
    assert not open_doors.guests.feed("手机1").heard  # told off, not only on
    open_doors.set_guest_level("手机1", 1.0)
