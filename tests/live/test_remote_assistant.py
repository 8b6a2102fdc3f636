"""远程场控 over real sockets: a console goes live, an assistant on "another machine" (a websockets client on
loopback) pairs with the token, sees the room and comments, pins, changes a price, undoes; wrong tokens and junk
are refused without harm, and the token reaches no log."""

from __future__ import annotations

import json
import logging

import pytest

from app.commerce.room import ActionRefused
from app.console import ConsoleService, LiveOptions
from app.store.eventlog import load_events
from app.media.sources import wait_until
from app.remote.client import RemoteAssistant, RemoteError
from app.store.db import Database

TOKEN = "pair-7f3a-token"


@pytest.fixture
def live_console(tmp_path, monkeypatch, qapp_offscreen):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    service = ConsoleService(Database())
    server = service.doors.open_assistants(host="127.0.0.1", port=0, token=TOKEN)
    service.go_live(LiveOptions(recording_path=str(tmp_path / "s.mkv"), audience_rate=50))
    yield service, f"ws://127.0.0.1:{server.port}"
    service.close()


def test_assistant_on_the_lan_works_the_room(live_console, caplog):
    caplog.set_level(logging.DEBUG)
    service, url = live_console
    assistant = RemoteAssistant(url, TOKEN, name="小李").connect()
    try:
        assert assistant.actor == "assistant:小李" and service.doors.assistants.clients == ["assistant:小李"]
        room = service.broadcast.room
        assert assistant.state["live"] and len(assistant.state["products"]) == 6
        product = room.state.run_sheet[1]
        assert wait_until(lambda: (service.broadcast.stream_time() or 0) > 0.5, 10)  # the show's clock runs
        before = service.broadcast.stream_time()
        done = assistant.call("pin_product", product)
        assert room.state.pinned_product == product
        assert before <= done["stream_time"] <= service.broadcast.stream_time()  # when the pin landed (issue #28)
        assert wait_until(lambda: assistant.state.get("pinned_product") == product, 3)  # state pushed back
        assistant.call("set_live_price", product, 100)
        assert room.state.products[product].live_price_cents == 100
        assert "back to" in assistant.undo()
        assert room.state.products[product].live_price_cents != 100
        with pytest.raises(ActionRefused, match="already pinned"):
            assistant.call("pin_product", product)  # the room's own reason comes back
        with pytest.raises(ActionRefused, match="unknown verb"):
            assistant.call("close")
        with pytest.raises(ActionRefused, match="number"):
            assistant.call("set_stock", product, "many")
        assert wait_until(lambda: any(e["type"] == "comment" for e in assistant.events), 5)  # comments flow
        comment = next(e for e in assistant.events if e["type"] == "comment" and not e["hidden"])
        assistant.call("pin_comment", comment["seq"])
        assert room.state.pinned_comment.seq == comment["seq"]
        session_id = service.broadcast.core.session_id
    finally:
        assistant.close()
    service.stop()
    actors = {e.actor for e in load_events(service.database, session_id) if e.type in ("product_pinned",
                                                                                         "price_changed")}
    assert actors == {"assistant:小李"}  # logged as the remote assistant, through the one bus
    assert TOKEN not in caplog.text


def test_assistant_answers_questions_pins_notices_and_runs_a_draw(live_console):
    """The room tools from another machine: the questions the room recognised arrive with their answers, a reply
    and a notice go on stream, a draw opens, and the assistant's view of the room shows all three."""
    service, url = live_console
    assistant = RemoteAssistant(url, TOKEN, name="小李").connect()
    try:
        room = service.broadcast.room
        assert wait_until(lambda: any(e["type"] == "faq_asked" and e["data"].get("suggested")
                                      for e in list(assistant.events)), 15)  # the simulated audience asks
        asked = next(e["data"] for e in list(assistant.events) if e["type"] == "faq_asked" and e["data"]["suggested"])
        assert asked["answer"] and asked["topic"] and isinstance(asked["comment_seq"], int)
        with pytest.raises(ActionRefused, match="极限词"):
            assistant.call("reply_comment", asked["comment_seq"], asked["nickname"], asked["question"], "全网最低价")
        assistant.call("reply_comment", asked["comment_seq"], asked["nickname"], asked["question"], asked["answer"])
        assert room.snapshot().state.reply.answer == asked["answer"]
        assistant.call("pin_notice", "21:00 秒杀")
        assistant.call("start_draw", "保温杯一个", "福袋来了", 2, 60, "followers")
        assert wait_until(lambda: assistant.room().state.notice == "21:00 秒杀"
                          and assistant.room().state.draw is not None and assistant.room().state.reply is not None, 5)
        view = assistant.room().state
        assert view.reply.answer == asked["answer"] and view.draw.who == "followers" and view.draw.open
        assert "撤下公告" in assistant.undo() and room.snapshot().state.notice is None
    finally:
        assistant.close()


def test_wrong_token_and_junk_are_refused_without_harm(live_console):
    service, url = live_console
    with pytest.raises(RemoteError, match="wrong pairing token"):
        RemoteAssistant(url, "guess", name="x").connect()
    assert service.doors.assistants.refused == 1 and service.doors.assistants.clients == []

    import asyncio

    from websockets.asyncio.client import connect

    async def junk() -> list[dict]:
        async with connect(url) as socket:
            await socket.send(json.dumps({"type": "hello", "token": TOKEN, "name": "测试"}))
            replies = [json.loads(await socket.recv())]
            for frame in ("not json", json.dumps([1, 2]), json.dumps({"type": "verb", "verb": "pin_product",
                                                                         "args": "3"})):
                await socket.send(frame)
                while (reply := json.loads(await socket.recv()))["type"] in ("state", "events"):
                    pass
                replies.append(reply)
            return replies

    replies = asyncio.run(junk())
    assert replies[0]["type"] == "welcome"
    assert [r["type"] for r in replies[1:]] == ["error", "error", "error"] and service.doors.assistants.malformed == 3
    assert service.live  # the console did not notice


def test_not_live_is_a_clear_refusal(tmp_path, monkeypatch, qapp_offscreen):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    service = ConsoleService(Database())
    server = service.doors.open_assistants(host="127.0.0.1", port=0, token=TOKEN)
    try:
        assistant = RemoteAssistant(f"ws://127.0.0.1:{server.port}", TOKEN).connect()
        assert assistant.state == {"live": False}
        with pytest.raises(ActionRefused, match="not live"):
            assistant.call("next_product")
        assistant.close()
    finally:
        service.close()
    with pytest.raises(RemoteError):
        RemoteAssistant(f"ws://127.0.0.1:{server.port}", TOKEN).connect(timeout=3)  # the console has gone


def test_assist_command_line(live_console):
    import os
    import subprocess
    import sys

    service, url = live_console
    product = service.broadcast.room.state.run_sheet[2]
    commands = f"state\npin {product}\nprice {product} 66.6\nundo\nstock {product} lots\npin 999\nquit\n"
    result = subprocess.run([sys.executable, "-m", "app", "assist", url, "--name", "小王"], input=commands,
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "ANCHOR_ASSIST_TOKEN": TOKEN})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "connected as assistant:小王" in out and "库存" in out  # the room was listed
    assert out.count("ok #") == 2 and "undone" in out and "unknown product 999" in out and "? invalid" in out
    assert service.broadcast.room.state.pinned_product == product
    assert service.broadcast.room.state.products[product].live_price_cents != 6660  # undone
    assert TOKEN not in out + result.stderr
    bad = subprocess.run([sys.executable, "-m", "app", "assist", url], input="", capture_output=True, text=True,
                         timeout=60, env={**os.environ, "ANCHOR_ASSIST_TOKEN": "wrong-token"})
    assert bad.returncode == 2 and "wrong pairing token" in bad.stderr and "wrong-token" not in bad.stderr
