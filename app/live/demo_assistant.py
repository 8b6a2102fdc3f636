"""The demo assistant (演示场控) of a rehearsal: pins the run sheet in turn, pins a 公告 notice at the start, drops a
coupon now and then and runs a 福袋 lucky draw every few minutes, through the room's verbs like any assistant."""

from __future__ import annotations

import logging
import threading

from app.commerce.room import ActionRefused, LiveRoom
from app.live.simulator import SIMULATOR_IN_LIVE, RehearsalOnly

log = logging.getLogger(__name__)


class DemoAssistant:
    """Plays the 场控 in demo mode: pins the run sheet in turn and drops a coupon now and then."""

    def __init__(self, room: LiveRoom, rehearsal: bool, pin_every: float = 45.0) -> None:
        if not rehearsal:
            raise RehearsalOnly(SIMULATOR_IN_LIVE)
        self.room, self.pin_every = room, pin_every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo assistant", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)

    def _run(self) -> None:
        room = self.room
        second = 0
        while not self._stop.is_set():
            try:
                state = room.snapshot().state
                if second % int(self.pin_every) == 0:
                    if state.pinned_product is None or not self._try(room.next_product):
                        room.pin_product(state.run_sheet[0], "assistant:演示场控")
                if second % 60 == 5 and state.coupons:
                    coupon = next(iter(state.coupons.values()))
                    if not coupon.live:
                        room.drop_coupon(coupon.id, 50, 40, "assistant:演示场控")
                if second == 3 and state.notice is None:
                    room.pin_notice("点关注不迷路 · 每 3 分钟一个福袋", "assistant:演示场控")
                if second % 180 == 20 and (state.draw is None or not state.draw.open):
                    room.start_draw("保温杯一个", "福袋来了", 3, 60, "anyone", "assistant:演示场控")
            except ActionRefused as exc:
                log.info("demo assistant: %s", exc)
            second += 1
            self._stop.wait(1.0)

    @staticmethod
    def _try(action) -> bool:
        try:
            action("assistant:演示场控")
            return True
        except ActionRefused:
            return False
