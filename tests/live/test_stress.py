"""The room's and the bus's locks under load: three assistants' verbs beside the audience at 2,000 events/s.

Issue #11 found a lock-order deadlock (room lock → bus lock against bus lock → room lock) that froze the whole
console within minutes. This test runs the same mix for a minute (ANCHOR_STRESS_SECONDS) under a watchdog: every
thread must keep making progress, the run must end, and every event the bus numbered must be in the event log.
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
import traceback

from sqlalchemy import func, select

from app.commerce.room import ActionRefused
from app.commerce.undo import UndoableVerbs
from app.session import SessionCore
from app.live.simulator import AudienceSimulator, SimulatorConfig
from app.store.models import EventRecord

SECONDS = float(os.environ.get("ANCHOR_STRESS_SECONDS", "60"))
STALL_S = 15.0  # a thread that makes no progress for this long is stuck (the deadlock froze them for good)


def _stacks() -> str:
    frames = sys._current_frames()
    return "\n".join(f"--- {t.name}\n" + "".join(traceback.format_stack(frames[t.ident]))
                     for t in threading.enumerate() if t.ident in frames)


def looping(name: str, step, stop: threading.Event, progress: dict, problems: list) -> threading.Thread:
    """A thread that runs `step(rnd)` until `stop`, counting its rounds in `progress[name]`; what it raises is
    reported in `problems` (with the test's failure)."""
    progress[name] = 0
    rnd = random.Random(name)

    def loop() -> None:
        try:
            while not stop.is_set():
                step(rnd)
                progress[name] += 1
        except Exception as exc:  # noqa: BLE001 - reported with the test's failure
            problems.append(f"{name}: {type(exc).__name__}: {exc}")
    return threading.Thread(target=loop, name=name, daemon=True)


def watch(progress: dict, problems: list, seconds: float) -> None:
    """The watchdog: until `seconds` pass or a problem is reported, fail with every thread's stack as soon as one
    thread's count has not moved for STALL_S."""
    deadline = time.monotonic() + seconds
    last = dict(progress)
    last_change = dict.fromkeys(last, time.monotonic())
    while time.monotonic() < deadline and not problems:
        time.sleep(0.5)
        for key, value in dict(progress).items():
            if value != last[key]:
                last[key], last_change[key] = value, time.monotonic()
        stuck = [k for k, t in last_change.items() if time.monotonic() - t > STALL_S]
        assert not stuck, f"no progress for {STALL_S:.0f} s in {stuck}: deadlock?\n{_stacks()}"


def run_watched(threads: list[threading.Thread], stop: threading.Event, progress: dict, problems: list,
                seconds: float, join_s: float = 10.0) -> None:
    """Start `looping` threads, watch them (`watch`) for `seconds`, stop them and fail with every stack if one is
    still alive after `join_s`; what they reported in `problems` fails the test."""
    for thread in threads:
        thread.start()
    watch(progress, problems, seconds)
    stop.set()
    for thread in threads:
        thread.join(join_s)
    assert not [t.name for t in threads if t.is_alive()], _stacks()
    assert not problems, problems


def _assistant(core: SessionCore, name: str, stop: threading.Event, progress: dict, seed: int) -> None:
    verbs = UndoableVerbs(core.room, f"assistant:{name}")
    rnd = random.Random(seed)
    products = list(core.room.state.products)
    coupons = list(core.room.state.coupons)
    moves = [
        lambda: verbs.do("pin_product", rnd.choice(products)),
        lambda: verbs.do("next_product"),
        lambda: verbs.do("set_live_price", rnd.choice(products), rnd.randint(100, 50_000)),
        lambda: verbs.do("set_stock", rnd.choice(products), rnd.randint(0, 500)),
        lambda: verbs.do("drop_coupon", rnd.choice(coupons), rnd.randint(1, 50), rnd.uniform(0.2, 3)),
        lambda: verbs.do("stop_coupon", rnd.choice(coupons)),
        lambda: verbs.do("start_flash_sale", rnd.choice(products), 990, rnd.randint(1, 5), rnd.uniform(0.2, 3)),
        lambda: verbs.do("stop_flash_sale"),
        lambda: verbs.do("start_draw", "福袋", "冲", rnd.randint(1, 3), rnd.uniform(0.2, 3), "anyone"),
        lambda: verbs.do("stop_draw"),  # the draw's close: entries end and winners are drawn in the dispatcher
        lambda: verbs.do("reply_comment", rnd.randint(1, 10**6), "观众", "发货吗", "48 小时内发货"),
        lambda: verbs.do("clear_reply"),
        lambda: verbs.do("pin_notice", f"{rnd.randint(18, 23)}:00 福袋"),
        lambda: verbs.do("unpin_notice"),
        lambda: core.faq.set_faqs(core.faq.faqs),  # an FAQ edit while live
        lambda: core.faq.suggestions(),
        lambda: verbs.undo(),
        lambda: core.room.view(lambda s: len(s.products)),
        lambda: core.metrics.snapshot(),
    ]
    while not stop.is_set():
        try:
            rnd.choice(moves)()
        except ActionRefused:
            pass
        progress[name] += 1
        time.sleep(rnd.uniform(0, 0.004))


def test_verbs_from_three_threads_beside_the_audience_never_deadlock(catalogue):
    core = SessionCore(catalogue)
    core.start("压力测试 stress")
    core.faq.auto = True  # the room's clock answers questions too: a fourth thread calling verbs
    simulator = AudienceSimulator(core.bus, core.room, SimulatorConfig(events_per_second=2000, seed=7))
    stop = threading.Event()
    progress = {f"场控{i}": 0 for i in range(3)}
    threads = [threading.Thread(target=_assistant, args=(core, name, stop, progress, i), name=name, daemon=True)
               for i, name in enumerate(progress)]
    # the metrics' lock from three sides: the bus applying events, the window reading figures, the writer taking
    # the state for a checkpoint every half second (app/store/checkpoint.py)
    core.writer.keep_checkpoints(core.metrics.state, every=0.5)
    progress["读数"] = 0

    def reader() -> None:
        while not stop.wait(0.01):
            core.metrics.snapshot(core.bus.stream_time())
            progress["读数"] += 1

    threads.append(threading.Thread(target=reader, name="读数", daemon=True))
    simulator.start()
    for thread in threads:
        thread.start()

    deadline = time.monotonic() + SECONDS
    last = {**progress, "audience": simulator.published, "bus": core.bus.last_seq}
    last_change = dict.fromkeys(last, time.monotonic())
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = {**progress, "audience": simulator.published, "bus": core.bus.last_seq}
        for key, value in now.items():
            if value != last[key]:
                last[key], last_change[key] = value, time.monotonic()
        stuck = [k for k, t in last_change.items() if time.monotonic() - t > STALL_S]
        assert not stuck, f"no progress for {STALL_S:.0f} s in {stuck}: deadlock?\n{_stacks()}"

    stop.set()
    simulator.stop()
    for thread in threads:
        thread.join(10)
    alive = [t.name for t in threads if t.is_alive()] + (["audience"] if simulator._thread.is_alive() else [])
    assert not alive, f"threads did not stop: {alive}\n{_stacks()}"
    core.end()

    assert all(count > 100 for count in progress.values()), progress  # every assistant got its verbs done
    assert simulator.published > 1000 * SECONDS * 0.5 or SECONDS < 5, simulator.published
    with catalogue.session() as db:
        stored = db.scalar(select(func.count()).select_from(EventRecord)
                           .where(EventRecord.session_id == core.session_id))
    assert stored == core.bus.last_seq  # nothing lost between the bus and the log
    assert core.bus.subscriber_errors == 0
    assert core.writer.stats.checkpoints > 0 or SECONDS < 5  # kept while all of it ran


def test_the_room_runs_its_own_clock_without_any_assistant(catalogue):
    """Issue #11 part 2: a 2-minute coupon must end in a real session, where no demo assistant calls tick()."""
    from app.kernel.events import EventType
    from app.store.eventlog import load_events
    from app.media.sources import wait_until

    core = SessionCore(catalogue)
    core.start("时钟 clock")
    coupon_id = sorted(core.room.state.coupons)[0]
    core.room.drop_coupon(coupon_id, 10, 0.3, "assistant:小李")
    product_id = core.room.state.run_sheet[0]
    core.room.start_flash_sale(product_id, 990, 1, 0.3, "assistant:小李")
    assert wait_until(lambda: core.room.view(lambda s: not s.coupons[coupon_id].live and s.flash_sale is None), 5)
    core.end()
    ended = {(e.type, e.payload.get("reason"), e.actor) for e in load_events(catalogue, core.session_id)
             if e.type in (EventType.COUPON_ENDED, EventType.FLASH_SALE_ENDED)}
    assert ended == {(EventType.COUPON_ENDED, "expired", "system"), (EventType.FLASH_SALE_ENDED, "time", "system")}


def test_scene_switches_and_edits_beside_the_render_never_deadlock():
    """The scenes' lock (switch, set_scenes, the render's frame_at) and the compositor's (set_layer, protect,
    layers, compose) under a render thread at full speed, two threads switching and editing scenes and one
    changing overlays, for min(ANCHOR_STRESS_SECONDS, 20) s under the same watchdog."""
    import numpy as np

    from app.media import yuv
    from app.media.compose import Compositor
    from app.media.scene_source import SceneSource
    from app.media.scenes import make_item, make_scene
    from app.media.sources import TestPatternSource

    compositor = Compositor(160, 90)
    layouts = [[make_scene("A", [make_item("camera"), make_item("overlay.card", 0.5, 0.5, 0.3, 0.3)]),
                make_scene("B", [make_item("camera", 0.1, 0.1, 0.5, 0.5), make_item("overlay.ticker", visible=False)])],
               [make_scene("B", [make_item("overlay.card")]), make_scene("C", [make_item("camera", opacity=0.5)])]]
    source = SceneSource({"camera": TestPatternSource(160, 90, 30)}, layouts[0], 160, 90)
    source.take_layers(compositor.layers)
    stop = threading.Event()
    progress = dict.fromkeys(("render", "switch", "edit", "overlays"), 0)

    def render():
        t = 0.0
        while not stop.is_set():
            frame = source.frame_at(t)
            compositor.compose(yuv.from_bgr(frame), t, skip=source.draws_layers)
            t += 1 / 30
            progress["render"] += 1

    def switch(rnd=random.Random(1)):
        while not stop.is_set():
            try:
                source.switch(rnd.choice(source.scene_names), rnd.choice(("cut", "fade")))
            except Exception as exc:  # a name edited away between reading it and switching: refused, not stuck
                assert "no scene" in str(exc)
            progress["switch"] += 1
            time.sleep(0.001)

    def edit(rnd=random.Random(2)):
        while not stop.is_set():
            source.set_scenes(rnd.choice(layouts))
            progress["edit"] += 1
            time.sleep(0.002)

    def overlays(rnd=random.Random(3)):
        while not stop.is_set():
            name = rnd.choice(("card", "ticker", "mark"))
            compositor.set_layer(name, np.full((10, 20, 4), rnd.randint(0, 255), np.uint8), rnd.randint(0, 150),
                                 rnd.randint(0, 80))
            if rnd.random() < 0.01:
                compositor.protect("mark")
            progress["overlays"] += 1
            time.sleep(0.001)

    threads = [threading.Thread(target=f, name=f.__name__, daemon=True) for f in (render, switch, edit, overlays)]
    for thread in threads:
        thread.start()
    seconds = min(SECONDS, 20.0)
    deadline = time.monotonic() + seconds
    last, last_change = dict(progress), dict.fromkeys(progress, time.monotonic())
    while time.monotonic() < deadline and all(t.is_alive() for t in threads):
        time.sleep(0.5)
        for key, value in progress.items():
            if value != last[key]:
                last[key], last_change[key] = value, time.monotonic()
        stuck = [k for k, t in last_change.items() if time.monotonic() - t > STALL_S]
        assert not stuck, f"no progress for {STALL_S:.0f} s in {stuck}: deadlock?\n{_stacks()}"
    died = [t.name for t in threads if not t.is_alive()]
    stop.set()
    for thread in threads:
        thread.join(10)
    assert not died, f"a thread raised: {died}"  # (its traceback is in the captured stderr)
    assert not [t.name for t in threads if t.is_alive()], _stacks()
    assert all(count > 50 for count in progress.values()), progress
