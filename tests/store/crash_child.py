"""Run by test_writer's crash test: a live session publishing events until it is killed with SIGKILL."""

import sys

from app.kernel.events import Event, EventType
from app.session import SessionCore
from app.store.db import Database

core = SessionCore(Database(sys.argv[1]))
session_id = core.start("崩溃测试 crash test")
print(session_id, flush=True)
n = 0
while True:
    n += 1
    core.bus.publish(Event(EventType.COMMENT, {"user_id": f"u{n % 50}", "nickname": "x", "text": f"评论 {n}"}))
    if n % 200 == 0:
        import time

        time.sleep(0.01)
