"""What a full collection costs with a show's viewers on record: the metrics and the room fed N viewers (each
enters, comments, follows; one in twenty buys), then `gc.collect()` timed. The reference in the same run: the same
ids also held the way they were before (in sets: the metrics' viewers, interacting, buyers, a window's entrants,
the room's entered and followers). Issue #11: full collections paused every thread ~0.3 s an hour into a show.

It also weighs what the metrics and the room keep of each viewer: the bytes of their viewers' tables
(app/kernel/viewers.py: `SessionMetrics._users`, the open window's entrants, the room's `draw.Entries.audience`; a
hashed key and a value each, no string) against, in the same run, what a dict entry a viewer in each took as they
were kept before (`sys.getsizeof` of three dicts filled the same way, plus the ids' strings they kept alive), and the
Python heap the whole state grew by (tracemalloc; the ids are made before it starts and are not the state's).

    ulimit -v 8000000; .venv/bin/python bench/gc_viewers.py --viewers 200000
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def full_collection_ms(runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        gc.collect()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=200_000)
    args = parser.parse_args()
    from app.commerce.room import LiveRoom, ProductState
    from app.kernel.bus import EventBus
    from app.kernel.events import Event, EventType as T
    from app.metrics.live import SessionMetrics

    bus = EventBus()
    bus.go_live()
    room = LiveRoom(bus, [ProductState(1, "CUP", "保温杯", 100, 90, 10**9)])
    metrics = SessionMetrics()
    bus.subscribe(metrics)
    room.pin_product(1, "assistant:a")
    empty = full_collection_ms()
    ids = [f"{100_000_000_000 + n}" for n in range(args.viewers)]
    import tracemalloc

    tracemalloc.start()
    for n, user in enumerate(ids):
        bus.publish(Event(T.ENTER, {"user_id": user}))
        bus.publish(Event(T.COMMENT, {"user_id": user, "text": "好"}))
        bus.publish(Event(T.FOLLOW, {"user_id": user}))
        if n % 20 == 0:
            bus.publish(Event(T.ORDER, {"user_id": user, "product_id": 1, "amount_cents": 90, "order_id": f"o{n}"}))
    room.start_draw("杯", "冲", 1, 60, "entered_before", "assistant:a")  # as a draw that has begun
    state_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    tables = (metrics._users, metrics.windows[0].entrants, room._entries.audience)  # noqa: SLF001
    ours_bytes = sum(table.nbytes() for table in tables)
    before = [{}, {}, {}]  # as kept before the tables: the metrics' users, the window's entrants, the room's audience
    for user in ids:
        for kept in before:
            kept[user] = 1
    before_bytes = sum(sys.getsizeof(d) for d in before) + sum(sys.getsizeof(user) for user in ids)
    del before
    ours = full_collection_ms()
    as_before = [set(ids), set(ids), set(ids[::20]), set(ids), set(ids[::20]), set(ids), set(ids)]
    reference = full_collection_ms()
    del as_before
    print(json.dumps({"viewers": args.viewers, "full_collection_ms": {
        "before_any_viewer": round(empty, 2), "ours": round(ours, 2),
        "reference_plus_the_same_ids_in_sets": round(reference, 2)},
        "ratio_reference_over_ours": round(reference / ours, 1),
        "bytes_per_viewer": {"ours_tables": round(ours_bytes / args.viewers, 1),
                             "reference_a_dict_entry_each_and_the_ids": round(before_bytes / args.viewers, 1)},
        "state_heap_mb": round(state_bytes / 2**20, 1)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
