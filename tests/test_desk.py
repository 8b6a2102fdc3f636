"""工作台: the studio's settings have one owner. Each write is checked whole, swaps an immutable value under one
lock, and tells the listeners after the lock is released; a stress test drives the desk from the window's thread,
two obs-websocket clients (obsws-python, unchanged) and a third writer at once, beside a live show, under the
watchdog of tests/live/test_stress.py, and every place the settings show ends at the desk's newest value."""

from __future__ import annotations

import random
import threading
import time

import obsws_python as obs
import pytest

from app.commerce.room import ActionRefused
from app.desk import Change, Desk, StudioSettings, differences
from app.media.filters import FilterError
from app.media.scenes import SceneError, make_item, make_scene
from app.media.sources import wait_until
from tests.live.test_stress import SECONDS, STALL_S, _stacks


def test_each_write_is_checked_whole_and_told_once_with_what_changed():
    desk = Desk()
    heard: list[frozenset[str]] = []
    desk.subscribe(lambda change: heard.append(change.fields))
    before = desk.settings
    assert desk.set_muted(True) is True and desk.set_muted(True) is False  # the same value again: no change
    desk.set_banned_words([" 加V ", "", "  ", "退钱"])
    desk.block_user("u1")
    desk.block_user("")  # nobody: nothing
    desk.place_overlay("comments", 10, 20)
    desk.set_overlay_enabled("comments", False)
    desk.reset_overlay_position("comments")
    desk.set_faq_auto(True)
    assert heard == [{"muted"}, {"banned_words"}, {"blocked_users"}, {"overlay_positions"}, {"overlay_enabled"},
                     {"overlay_positions"}, {"faq_auto"}]
    assert desk.changes == 7
    after = desk.settings
    assert before.muted is False and after.muted is True  # the old value never changed: readers keep a snapshot
    assert after.banned_words == ("加V", "退钱") and after.blocked_users == {"u1"}
    assert dict(after.overlay_enabled) == {"comments": False} and dict(after.overlay_positions) == {}
    assert differences(before, after) == {"muted", "banned_words", "blocked_users", "overlay_enabled", "faq_auto"}
    with pytest.raises(TypeError):
        after.overlay_enabled["card"] = True  # handed out read-only

    messages = {"overlay": r"^没有这个叠加层 / no overlay named 'nothing'$", "scene": r"^没有这个场景 / no scene named '没有这个'$",
                "scenes": r"^至少需要一个场景 / keep at least one scene$",
                "inputs": r"^来源列表格式不对 / the sources are not a list of name → source$",
                "background": r"^背景图无法打开 / the background picture cannot be used: ", "strength": "strength"}
    for key, refused, write in (("overlay", ActionRefused, lambda: desk.set_overlay_enabled("nothing", True)),
                                ("scene", ActionRefused, lambda: desk.switch_scene("没有这个")),
                                ("scenes", ActionRefused, lambda: desk.set_scenes([])),
                                ("inputs", SceneError, lambda: desk.set_inputs([("台", "testsrc")])),
                                ("background", FilterError, lambda: desk.set_filters(None, 0.2, "/no/such.png")),
                                ("strength", FilterError, lambda: desk.set_filters(None, 1.5))):
        with pytest.raises(refused, match=messages[key]):
            write()
    for refused, write in ((ActionRefused, lambda: desk.place_overlay("nothing", 1, 1)),
                           (ActionRefused, lambda: desk.set_overlay_enabled("nothing", True)),
                           (ActionRefused, lambda: desk.switch_scene("没有这个")),
                           (ActionRefused, lambda: desk.set_scenes([])),
                           (ActionRefused, lambda: desk.set_scenes(["not a scene"])),
                           (SceneError, lambda: desk.set_inputs([("台", "testsrc")])),
                           (SceneError, lambda: desk.set_inputs({"台": "testsrc", "坏": ""})),
                           (FilterError, lambda: desk.set_filters({"colour": (0, 0, 300)}, 0.2)),
                           (FilterError, lambda: desk.set_filters(None, 1.5)),
                           (FilterError, lambda: desk.set_filters(None, 0.2, "/no/such/picture.png"))):
        with pytest.raises(refused):
            write()
    assert desk.settings is after and len(heard) == 7  # a refused write changes nothing and tells nobody


def test_overlays_filters_and_sources_are_kept_as_written(tmp_path):
    import cv2
    import numpy as np

    desk = Desk()
    changes: list[Change] = []
    desk.subscribe(changes.append)
    desk.place_overlay("comments", 10, 20)
    desk.place_overlay("coupon", 30, 40)
    desk.reset_overlay_position("comments")
    assert dict(desk.settings.overlay_positions) == {"coupon": (30, 40)}  # the other kind keeps its place
    desk.set_overlay_enabled("coupon", True)
    assert dict(desk.settings.overlay_enabled) == {"coupon": True}
    desk.set_filters({"colour": [0, 255, 0], "similarity": 0.3}, 0.25)
    settings = desk.settings
    assert (settings.chroma.colour, settings.chroma.similarity, settings.beauty, settings.background) == (
        (0, 255, 0), 0.3, 0.25, "")
    picture = tmp_path / "back.png"
    cv2.imwrite(str(picture), np.zeros((8, 8, 3), np.uint8))
    desk.set_filters(None, 0, str(picture))
    assert (desk.settings.chroma, desk.settings.beauty, desk.settings.background) == (None, 0.0, str(picture))
    assert changes[-1].fields == {"chroma", "beauty", "background"} and changes[-1].transition == "cut"
    desk.set_inputs({"台": "testsrc", "logo": str(picture)})
    assert desk.scene_inputs() == ["camera", "product", "background", "台", "logo", "overlay.product_card",
                                   "overlay.comments", "overlay.coupon", "overlay.flash_sale", "overlay.pinned_comment",
                                   "overlay.draw", "overlay.reply", "overlay.notice"]


def test_a_failing_listener_is_logged(caplog):
    desk = Desk()
    desk.subscribe(lambda change: 1 / 0)
    desk.set_muted(True)
    assert "a listener of the studio's settings failed" in caplog.text and "ZeroDivisionError" in caplog.text


def test_scenes_replaced_keep_the_scene_on_air_or_fall_back_to_the_first():
    desk = Desk()
    names = desk.scene_names()
    assert desk.program_scene == names[0] and desk.switch_scene(names[0]) is False
    changes: list[Change] = []
    desk.subscribe(changes.append)
    assert desk.switch_scene(names[1], "fade", "assistant:控制面板") is True
    assert changes[-1] == Change(frozenset({"program_scene"}), "fade", "assistant:控制面板")
    assert desk.switch_scene(names[2]) and changes[-1].transition == "cut" and changes[-1].actor is None
    desk.switch_scene(names[1])
    desk.set_scenes([make_scene("新", [make_item("product")]), make_scene(names[1], [make_item("camera")])])
    assert desk.program_scene == names[1] and changes[-1].fields == {"scenes"}  # it stays on air, relaid
    desk.set_scenes([make_scene("新", [make_item("product")])])
    assert desk.program_scene == "新" and changes[-1].fields == {"scenes", "program_scene"}
    desk.set_inputs({" 场控台 ": "testsrc"})
    assert dict(desk.settings.inputs) == {"场控台": "testsrc"} and "场控台" in desk.scene_inputs()


def test_a_listener_is_told_outside_the_lock_and_one_failing_keeps_the_others_told():
    desk = Desk()
    told = []

    def writes_again(change: Change) -> None:  # would deadlock if the desk held its lock while telling
        if "muted" in change.fields and desk.settings.muted:
            desk.set_faq_auto(True)

    def fails(change: Change) -> None:
        raise RuntimeError("a broken listener")

    desk.subscribe(writes_again)
    desk.subscribe(fails)
    stop = desk.subscribe(told.append)
    done = threading.Event()
    threading.Thread(target=lambda: (desk.set_muted(True), done.set()), daemon=True).start()
    assert done.wait(5), _stacks()
    assert desk.settings.faq_auto and [c.fields for c in told] == [{"faq_auto"}, {"muted"}]
    stop()
    desk.set_muted(False)
    assert len(told) == 2  # unsubscribed: told nothing more


def test_two_writers_never_lose_each_others_change():
    """Read-modify-write under the lock: 4 threads block 500 viewers each and place overlays at once."""
    desk = Desk()
    kinds = ("comments", "product_card", "draw", "coupon")

    def writer(n: int) -> None:
        for i in range(500):
            desk.block_user(f"{n}-{i}")
            desk.place_overlay(kinds[n], i, n)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(desk.settings.blocked_users) == 2000
    assert dict(desk.settings.overlay_positions) == {kind: (499, n) for n, kind in enumerate(kinds)}


def test_the_console_hands_the_desk_out_and_keeps_no_copy(tmp_path):
    from app.console import ConsoleService
    from app.store.db import Database

    service = ConsoleService(Database(f"sqlite:///{tmp_path / 'c.db'}"), banned_words=[" 微信 ", ""],
                             actor="assistant:小王")
    try:
        assert isinstance(service.desk.settings, StudioSettings)
        assert service.desk.settings.banned_words == ("微信",) and service.actor == "assistant:小王"
        assert not hasattr(service, "studio") and not hasattr(service, "set_muted")
    finally:
        service.close()


# --- the stress test --------------------------------------------------------------------------------------------
PASSWORD = "desk-stress-pw-3"


def test_the_desk_from_the_window_and_control_surfaces_at_once_never_deadlocks_and_ends_applied(
        tmp_path, monkeypatch, qapp_offscreen):
    from app.console import AUDIO_INPUT, ConsoleService, LiveOptions
    from app.store.db import Database

    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    service = ConsoleService(Database(f"sqlite:///{tmp_path / 'stress.db'}"))
    server = service.doors.open_control(port=0, password=PASSWORD)
    broadcast = service.go_live(LiveOptions(recording_path=str(tmp_path / "stress.mkv"), width=320, height=180,
                                            fps=15, audience_rate=200))
    heard: list[bool] = []
    listener = obs.EventClient(host="127.0.0.1", port=server.port, password=PASSWORD, timeout=10)

    def on_input_mute_state_changed(data):
        heard.append(data.input_muted)

    listener.callback.register(on_input_mute_state_changed)
    names = service.desk.scene_names()
    layouts = [[make_scene(n, [make_item("camera")]) for n in names],
               [make_scene(n, [make_item("camera", 0.1, 0.1, 0.5, 0.5), make_item("overlay.comments")])
                for n in names[:2]]]
    stop = threading.Event()
    progress = {"window": 0, "deck 1": 0, "deck 2": 0, "moderator": 0}
    failures: list[str] = []

    def deck(name: str, seed: int) -> None:
        rnd = random.Random(seed)
        client = obs.ReqClient(host="127.0.0.1", port=server.port, password=PASSWORD, timeout=10)
        try:
            while not stop.is_set():
                try:
                    if rnd.random() < 0.5:
                        client.toggle_input_mute(AUDIO_INPUT)
                    else:
                        client.set_current_program_scene(rnd.choice(names))
                except obs.error.OBSSDKRequestError as exc:  # a scene edited away meanwhile: refused, not stuck
                    if "场景" not in str(exc) and "scene" not in str(exc):
                        failures.append(f"{name}: {exc}")
                progress[name] += 1
                time.sleep(0.06)  # ~15 requests a second: under the door's limit (20/s), as a deck's fast presses
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(f"{name}: {exc!r}")
        finally:
            client.disconnect()

    def moderator(rnd=random.Random(9)) -> None:
        while not stop.is_set():
            service.desk.block_user(f"viewer-{rnd.randint(0, 50)}")
            service.desk.set_faq_auto(rnd.random() < 0.5)
            progress["moderator"] += 1
            time.sleep(0.002)

    threads = [threading.Thread(target=deck, args=(f"deck {n}", n), name=f"deck {n}", daemon=True) for n in (1, 2)]
    threads.append(threading.Thread(target=moderator, name="moderator", daemon=True))
    for thread in threads:
        thread.start()
    rnd = random.Random(4)
    window_moves = [lambda: service.desk.set_muted(rnd.random() < 0.5),
                    lambda: service.desk.switch_scene(rnd.choice(service.desk.scene_names())),
                    lambda: service.desk.set_scenes(rnd.choice(layouts)),
                    lambda: service.desk.set_banned_words(rnd.sample(["加微信", "私聊", "退钱", "刷单"], 2)),
                    lambda: service.desk.place_overlay("comments", rnd.randint(0, 200), rnd.randint(0, 100)),
                    lambda: service.desk.set_overlay_enabled("product_card", rnd.random() < 0.5),
                    lambda: service.desk.reset_overlay_position("comments")]
    seconds = min(SECONDS, 20.0)
    deadline = time.monotonic() + seconds
    last, last_change = dict(progress), dict.fromkeys(progress, time.monotonic())
    try:
        while time.monotonic() < deadline:  # this thread is the window's: it writes between the checks
            try:
                rnd.choice(window_moves)()
            except ActionRefused:  # a scene name a deck's switch made stale
                pass
            progress["window"] += 1
            for key, value in progress.items():
                if value != last[key]:
                    last[key], last_change[key] = value, time.monotonic()
            stuck = [k for k, t in last_change.items() if time.monotonic() - t > STALL_S]
            assert not stuck, f"no progress for {STALL_S:.0f} s in {stuck}: deadlock?\n{_stacks()}"
            time.sleep(0.003)
        stop.set()
        for thread in threads:
            thread.join(15)
        assert not [t.name for t in threads if t.is_alive()], _stacks()
        assert not failures, failures
        assert all(count > 20 for count in progress.values()), progress
        assert service.live and broadcast.streaming  # the show went on through it all

        settings = service.desk.settings  # every place the settings show ends at the desk's newest value
        assert broadcast.pipeline.muted == settings.muted
        assert broadcast.scenes.program == settings.on_air_scene
        assert broadcast.scenes.scene_names == settings.scene_names
        assert broadcast.core.banned.words == tuple(sorted(settings.banned_words))
        assert broadcast.core.banned.blocked >= settings.blocked_users and broadcast.core.faq.auto == settings.faq_auto
        positions = {k: s.position for k, s in broadcast.overlays._state.items() if s.position is not None}
        assert positions == dict(settings.overlay_positions)
        assert broadcast.overlays._state["product_card"].enabled == settings.overlay_enabled.get("product_card", True)
        assert wait_until(lambda: heard and heard[-1] == settings.muted, 5), heard[-5:]  # the decks see it too
        print(f"desk stress {seconds:.0f} s: {progress}, {service.desk.changes} changes, {len(heard)} mute events")
    finally:
        stop.set()
        listener.disconnect()
        service.close()
