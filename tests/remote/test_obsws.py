"""控制面板: the console's obs-websocket v5 subset, driven by `obsws-python` (a client no one here wrote, unchanged)
and probed with raw frames: the handshake and its password, scenes, stream, record, mute, the room's verbs as
vendor requests, the events, and the door's refusals (bad frames, wrong passwords, floods) beside a working client."""

from __future__ import annotations

import asyncio
import json

import obsws_python as obs
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.console import AUDIO_INPUT, ConsoleService, LiveOptions
from app.media.sources import wait_until
from app.remote.obsws import (REQUESTS, Close, ObsWebSocketServer, Status, Subscription, VENDOR, auth_string)
from app.store.db import Database

PASSWORD = "studio-deck-pw-7"


@pytest.fixture
def console(tmp_path, monkeypatch, qapp_offscreen):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    service = ConsoleService(Database(f"sqlite:///{tmp_path / 'console.db'}"))
    # what StartStream goes live with here: a rehearsal recorded to a file, the simulated audience on
    service.control_options = lambda: LiveOptions(recording_path=str(tmp_path / "deck.mkv"), audience_rate=50)
    server = service.doors.open_control(port=0, password=PASSWORD)
    yield service, server
    service.close()


def client(server, **kwargs):
    return obs.ReqClient(host="127.0.0.1", port=server.port, password=PASSWORD, timeout=10, **kwargs)


def test_a_stream_deck_drives_scenes_stream_record_and_mute(console, caplog):
    service, server = console
    heard: list[tuple[str, object]] = []
    events = obs.EventClient(host="127.0.0.1", port=server.port, password=PASSWORD, timeout=10)

    def on_current_program_scene_changed(data):
        heard.append(("scene", data.scene_name))

    def on_stream_state_changed(data):
        heard.append(("stream", data.output_active))

    def on_record_state_changed(data):
        heard.append(("record", data.output_active))

    def on_input_mute_state_changed(data):
        heard.append(("mute", data.input_muted))

    events.callback.register([on_current_program_scene_changed, on_stream_state_changed, on_record_state_changed,
                              on_input_mute_state_changed])
    deck = client(server)
    try:
        version = deck.get_version()
        assert version.rpc_version == 1 and "SetCurrentProgramScene" in version.available_requests
        scenes = deck.get_scene_list()
        assert {s["sceneName"] for s in scenes.scenes} == set(service.desk.scene_names())
        assert deck.get_current_program_scene().scene_name == service.desk.scene_names()[0]

        deck.start_stream()  # the go-live, as the console's own button does it
        assert service.live and deck.get_stream_status().output_active
        assert deck.get_record_status().output_active  # the go-live records
        deck.set_current_program_scene("商品特写 Product")
        assert service.desk.program_scene == "商品特写 Product"
        assert deck.toggle_input_mute(AUDIO_INPUT).input_muted is True and service.desk.settings.muted
        assert deck.get_input_mute(AUDIO_INPUT).input_muted is True
        deck.set_input_mute(AUDIO_INPUT, False)
        first = service.room_snapshot().state.run_sheet[0]
        answer = deck.call_vendor_request(VENDOR, "pin_product", {"args": [first]})
        assert service.room_snapshot().state.pinned_product == first and answer.response_data["seq"] > 0
        assert 0 <= answer.response_data["streamTime"] <= service.broadcast.stream_time()  # when it landed
        room = deck.call_vendor_request(VENDOR, "get_room").response_data
        assert room["live"] and room["pinnedProduct"] == service.room_snapshot().state.products[first].title
        deck.call_vendor_request(VENDOR, "next_product", {"args": []})
        undone = deck.call_vendor_request(VENDOR, "undo").response_data
        assert undone["undone"] and undone["streamTime"] >= answer.response_data["streamTime"]
        assert service.room_snapshot().state.pinned_product == first  # the button's verb undone like the console's
        stats = deck.get_stats()
        assert stats.memory_usage > 0
        with pytest.raises(obs.error.OBSSDKRequestError) as refused:
            deck.start_record()  # the go-live records already
        assert refused.value.code == Status.OUTPUT_RUNNING
        deck.stop_stream()
        assert not service.live and not deck.get_stream_status().output_active

        deck.start_record()  # recording only: a go-live without destinations
        assert service.live and not service.broadcast.options.destinations
        path = deck.stop_record().output_path
        assert path.endswith("deck.mkv") and not service.live
        with pytest.raises(obs.error.OBSSDKRequestError) as twice:
            deck.stop_stream()
        assert twice.value.code == Status.OUTPUT_NOT_RUNNING

        assert wait_until(lambda: ("record", False) in heard[heard.index(("record", True)) + 1:]
                          if ("record", True) in heard else False, 10)
        # the stop's StreamStateChanged and RecordStateChanged may reach the client in either order
        assert wait_until(lambda: len([x for x in heard if x[0] == "stream"]) >= 4, 10)
        assert ("scene", "商品特写 Product") in heard and ("mute", True) in heard and ("mute", False) in heard
        assert [x for x in heard if x[0] == "stream"] == [("stream", True), ("stream", False),
                                                         ("stream", True), ("stream", False)]
    finally:
        deck.disconnect()
        events.disconnect()
    assert PASSWORD not in caplog.text


def test_wrong_passwords_are_refused_slowly_and_locked_out_while_a_deck_works(console):
    service, server = console
    deck = client(server)
    for attempt in range(5):
        with pytest.raises(Exception):  # obsws-python raises on the 4009 close
            obs.ReqClient(host="127.0.0.1", port=server.port, password=f"guess-{attempt}", timeout=10)
    assert server.refused == 5 and server.guard.lockouts == 1
    with pytest.raises(Exception):  # locked out now: even the right password waits
        client(server)
    assert deck.get_version().rpc_version == 1  # the identified client never noticed


def frames(port: int, sends: list, password: str | None = PASSWORD, identify: bool = True, read: int = 1):
    """Raw frames over a real socket: Hello, (Identify), then each of `sends`; the replies, and the close code."""
    async def run():
        replies, code = [], None
        async with connect(f"ws://127.0.0.1:{port}", subprotocols=["obswebsocket.json"]) as socket:
            hello = json.loads(await socket.recv())
            replies.append(hello)
            try:
                if identify:
                    auth = hello["d"].get("authentication")
                    data = {"rpcVersion": 1, "eventSubscriptions": 0}
                    if auth and password is not None:
                        data["authentication"] = auth_string(password, auth["salt"], auth["challenge"])
                    await socket.send(json.dumps({"op": 1, "d": data}))
                    replies.append(json.loads(await socket.recv()))
                for frame in sends:
                    await socket.send(frame if isinstance(frame, (str, bytes)) else json.dumps(frame))
                    for _ in range(read):
                        replies.append(json.loads(await asyncio.wait_for(socket.recv(), 10)))
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
        return replies, code
    return asyncio.run(run())


def request(kind, data=None, ident="r1"):
    return {"op": 6, "d": {"requestType": kind, "requestId": ident, **({"requestData": data} if data is not None
                                                                       else {})}}


def test_the_protocol_answers_with_its_own_codes(console):
    service, server = console
    replies, code = frames(server.port, [request("NoSuchRequest"), {"op": 6, "d": {"requestId": 5}},
                                         request("SetCurrentProgramScene", {}), request("SetCurrentProgramScene",
                                                                                         {"sceneName": "没有"}),
                                         request("SetInputMute", {"inputName": AUDIO_INPUT, "inputMuted": "yes"}),
                                         request("GetInputMute", {"inputName": "camera"}),
                                         request("StopStream"), request("CallVendorRequest",
                                                                        {"vendorName": "x", "requestType": "y"}),
                                         request("CallVendorRequest", {"vendorName": VENDOR, "requestType": "nope"}),
                                         request("CallVendorRequest", {"vendorName": VENDOR,
                                                                       "requestType": "pin_product",
                                                                       "requestData": {"args": ["一"]}})])
    hello, identified, *answers = replies
    assert hello["op"] == 0 and hello["d"]["rpcVersion"] == 1 and "challenge" in hello["d"]["authentication"]
    assert identified == {"op": 2, "d": {"negotiatedRpcVersion": 1}}
    codes = [a["d"]["requestStatus"]["code"] for a in answers]
    assert codes == [Status.UNKNOWN_REQUEST_TYPE, Status.MISSING_REQUEST_TYPE, Status.MISSING_REQUEST_FIELD,
                     Status.RESOURCE_NOT_FOUND, Status.INVALID_REQUEST_FIELD_TYPE, Status.INVALID_RESOURCE_STATE,
                     Status.OUTPUT_NOT_RUNNING, Status.RESOURCE_NOT_FOUND, Status.UNKNOWN_REQUEST_TYPE,
                     Status.GENERIC_ERROR]
    assert answers[0]["d"]["requestId"] == "r1" and answers[1]["d"]["requestId"] == 5
    assert all(not a["d"]["requestStatus"]["result"] for a in answers)
    batch, _ = frames(server.port, [{"op": 8, "d": {"requestId": "b", "haltOnFailure": True, "requests": [
        {"requestType": "GetVersion"}, {"requestType": "Nope"}, {"requestType": "GetSceneList"}]}}])
    results = batch[-1]["d"]["results"]
    assert batch[-1]["op"] == 9 and [r["requestStatus"]["code"] for r in results] == [100, 204]  # halted


@pytest.mark.parametrize("sends, identify, password, expected", [
    (["{not json"], True, PASSWORD, Close.MESSAGE_DECODE_ERROR),
    ([{"op": 6}], True, PASSWORD, Close.MISSING_DATA_FIELD),
    ([{"op": 42, "d": {}}], True, PASSWORD, Close.UNKNOWN_OP_CODE),
    ([{"op": 1, "d": {"rpcVersion": 1}}], True, PASSWORD, Close.ALREADY_IDENTIFIED),
    ([request("GetVersion")], False, PASSWORD, Close.NOT_IDENTIFIED),  # a request before Identify
    ([], True, None, Close.AUTHENTICATION_FAILED),  # no authentication string
])
def test_a_bad_frame_closes_only_its_own_connection(console, sends, identify, password, expected):
    service, server = console
    deck = client(server)
    replies, code = frames(server.port, sends, password=password, identify=identify)
    assert code == expected
    assert deck.get_version().rpc_version == 1  # the others carry on


def test_an_unsupported_rpc_version_is_closed_with_its_code(console):
    _service, server = console

    async def run():
        async with connect(f"ws://127.0.0.1:{server.port}") as socket:
            await socket.recv()
            await socket.send(json.dumps({"op": 1, "d": {"rpcVersion": 2}}))
            with pytest.raises(ConnectionClosed) as closed:
                await socket.recv()
            return closed.value.rcvd.code
    assert asyncio.run(run()) == Close.UNSUPPORTED_RPC_VERSION


def test_a_flood_is_refused_per_connection(console):
    service, server = console
    replies, _ = frames(server.port, [request("GetVersion", ident=i) for i in range(120)])
    answers = [r["d"]["requestStatus"] for r in replies[2:]]
    refused = [a for a in answers if a["code"] == Status.GENERIC_ERROR and "too many" in a["comment"]]
    assert len(answers) == 120 and refused and answers[0]["result"] and server.rate_limited == len(refused)
    assert client(server).get_version().rpc_version == 1  # another connection has its own allowance


def test_without_a_password_it_is_this_machine_only(tmp_path):
    class Nothing:  # no request reaches it here
        pass

    with pytest.raises(ValueError, match="ANCHOR_OBS_PASSWORD"):
        ObsWebSocketServer(Nothing(), host="0.0.0.0", port=0).start()
    server = ObsWebSocketServer(Nothing(), host="127.0.0.1", port=0)
    server.start()
    try:
        replies, code = frames(server.port, [], password=None)
        assert "authentication" not in replies[0]["d"] and replies[1]["op"] == 2 and code is None
    finally:
        server.stop()


def test_every_request_named_in_the_issue_is_served():
    wanted = {"GetVersion", "GetStats", "GetStreamStatus", "StartStream", "StopStream", "ToggleStream",
              "GetRecordStatus", "StartRecord", "StopRecord", "ToggleRecord", "GetSceneList", "GetCurrentProgramScene",
              "SetCurrentProgramScene", "GetInputList", "GetInputMute", "SetInputMute", "ToggleInputMute",
              "CallVendorRequest"}
    assert wanted <= set(REQUESTS)
    assert Subscription.ALL == 2047


def test_headless_demo_takes_a_deck_and_ends_when_it_stops_the_stream(tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import free_port

    port = free_port()
    env = {**os.environ, "ANCHOR_CONSOLE_DATA": str(tmp_path), "ANCHOR_OBS_PASSWORD": PASSWORD,
           "QT_QPA_PLATFORM": "offscreen"}
    process = subprocess.Popen([sys.executable, "-m", "app", "demo", "--obs-websocket", str(port), "--duration",
                                "120", "--out", str(tmp_path / "d.mkv")], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = ""
        while "obs-websocket" not in line:
            line = process.stdout.readline()
            assert line, process.stderr.read()
        assert PASSWORD not in line and "ANCHOR_OBS_PASSWORD" in line
        deck = obs.ReqClient(host="127.0.0.1", port=port, password=PASSWORD, timeout=10)
        assert deck.get_stream_status().output_active
        deck.set_current_program_scene("主播+商品 Host + product")
        deck.stop_stream()
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert PASSWORD not in out + err
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


class _Quiet:
    """A control that answers every question and refuses every change, so any frame reaches a real handler."""

    def stream_status(self):
        return {"outputActive": False}

    record_status = stream_status

    def scene_names(self):
        return ["A", "B"]

    def program_scene(self):
        return "A"

    def input_list(self):
        return [("麦克风 Mic", "audio_input")]

    def input_muted(self, name):
        return False

    def stats(self):
        return {}

    def __getattr__(self, name):  # start_stream, set_program_scene, vendor_request, …: refused
        def refuse(*args):
            raise ValueError(f"{name} refused")
        return refuse


from hypothesis import given, settings, strategies as st  # noqa: E402

from tests.strategies import any_text  # noqa: E402

_json = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | any_text(30),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text(12), inner,
                                                                                 max_size=4), max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.binary(max_size=60), st.text(max_size=60), _json.map(json.dumps),
                 st.fixed_dictionaries({"op": st.sampled_from([3, 6, 8]), "d": st.one_of(
                     _json, st.fixed_dictionaries({"requestType": st.sampled_from(sorted(REQUESTS) + ["Nope"]),
                                                   "requestId": _json, "requestData": _json,
                                                   "requests": st.lists(_json, max_size=3)}))}).map(json.dumps)))
def test_no_frame_raises_past_the_server(frame):
    """Whatever a client sends once identified is answered with a frame or closes with a protocol code."""
    from app.remote.obsws import _Client

    server = ObsWebSocketServer(_Quiet(), port=0)
    client = _Client("127.0.0.1")
    reply = asyncio.run(server._message(client, frame))
    assert not isinstance(reply, str) or reply.encode()  # a frame the socket can send (no lone surrogate)
    assert reply is None or isinstance(reply, str) and json.loads(reply)["op"] in (2, 7, 9) \
        or isinstance(reply, tuple) and 4000 <= reply[0] <= 4012
