"""Any frame an assistant sends becomes one reply (an `error` or a `result`), never an exception; the room's
state stays sound whatever the numbers (property-based, over the server's frame handler and a real room)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.commerce.room import CouponState, LiveRoom, ProductState
from app.kernel.bus import EventBus
from app.remote.guard import TokenBucket
from app.remote.server import VERBS, AssistantServer, _Client
from tests.live.test_boundaries import consistent, json_values, numbers
from tests.strategies import any_text


def _server() -> tuple[AssistantServer, LiveRoom]:
    bus = EventBus()
    bus.go_live()
    room = LiveRoom(bus, [ProductState(1, "CUP", "保温杯", 15900, 8900, 100), ProductState(2, "TEA", "龙井", 100, 90, 5)],
                    [CouponState(1, "满199减30", "full_reduction", 19900, 3000)], run_sheet=[1, 2])
    return AssistantServer(lambda: room, bus.stream_time, token="t"), room


verb_frames = st.fixed_dictionaries({"type": st.just("verb"), "verb": st.sampled_from([*VERBS, "undo", "x", ""]),
                                     # numbers, and text where a verb takes it (a draw's prize and keyword), any length
                                     "args": st.lists(st.one_of(numbers, any_text(300)), max_size=5)},
                                    optional={"id": json_values})
frames = st.one_of(verb_frames.map(lambda f: json.dumps(f, allow_nan=True, default=str)),
                   json_values.map(lambda v: json.dumps(v, allow_nan=True)), st.text(max_size=50),
                   st.binary(max_size=50), st.integers(1, 4000).map(lambda n: "[" * n + "]" * n))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(frames, min_size=1, max_size=8))
def test_every_frame_gets_one_reply_and_the_room_stays_sound(batch):
    server, room = _server()
    client = _Client("assistant:h", "127.0.0.1", bucket=TokenBucket(rate=1e9, burst=1e9, tokens=1e9))
    for raw in batch:
        reply = server._handle(client, raw)
        assert reply["type"] in ("error", "result")
        json.dumps(reply, allow_nan=False, ensure_ascii=False).encode()  # standard JSON, encodable as a frame
        if reply["type"] == "result" and not reply["ok"]:
            assert " / " in reply["reason"] or "undo" in reply["reason"]  # a reason in both languages
    consistent(room)
    json.dumps(server._state(), ensure_ascii=False).encode()  # every assistant's state frame still encodes
