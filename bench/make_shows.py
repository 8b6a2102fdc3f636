"""Generated real shows for the manager's views (多场分析): a studio's weeks of shows with hosts and start hours, a
pool of viewer accounts of whom some come back, entries, comments, likes, pins, orders and follows, written
straight into the event log (as the writer would) — for the insights benchmark and the screenshots.

    from bench.make_shows import generate
    generate(database, shows=40, viewers=800, seed=1)
"""

from __future__ import annotations

import random
import time

from app.kernel.events import Event, EventType as T
from app.store.models import EventRecord, LiveSession, Product
from app.store.writer import event_row

DAY = 86400.0


def _products(database) -> list[int]:
    from sqlalchemy import select

    with database.session() as db:
        ids = list(db.scalars(select(Product.id).where(Product.studio_id == database.studio_id)
                              .order_by(Product.id)))
    return ids or [1, 2, 3, 4]


def generate(database, shows: int = 40, viewers: int = 800, seed: int = 1, start: float | None = None,
             events_per_show: int | None = None, platform: str = "douyin") -> list[int]:
    """`shows` ended real shows of the database's studio, two a day at 12:00 or 20:00 (local), from `start`
    (default: so the last is yesterday); each with about `viewers` entering (half of them seen before) and, when
    `events_per_show` is given, comments and likes up to that many events. Returns the session ids."""
    rng = random.Random(seed)
    products = _products(database)
    start = start if start is not None else time.time() - (shows // 2 + 1) * DAY
    midnight = start - (start - time.timezone) % DAY  # the local midnight before start (a zone without DST)
    pool = [f"{7_100_000_000 + n}" for n in range(viewers * 6)]
    seen: list[str] = []
    ids = []
    for n in range(shows):
        day, evening = divmod(n, 2)
        started = midnight + day * DAY + (20 if evening else 12) * 3600
        host = "小雅" if (n // 2) % 3 else "阿杰"
        lift = 1.3 if host == "小雅" and evening else 1.0
        events, t = [], 0.0

        def add(kind: T, **payload) -> None:
            events.append(Event(kind, payload, "platform", started + t, t, len(events) + 1))

        count = max(10, int(rng.gauss(viewers, viewers * 0.15)))
        audience = [rng.choice(seen) if seen and rng.random() < 0.5 else rng.choice(pool) for _ in range(count)]
        seen.extend(audience[: count // 3])
        order = rng.sample(products, k=min(len(products), rng.randint(3, 6)))
        step = 3 * 3600 / (count + 1)
        window_every = count // len(order) + 1
        for i, user in enumerate(audience):
            t += step * rng.uniform(0.5, 1.5)
            if i % window_every == 0:
                add(T.PRODUCT_PINNED, product_id=order[i // window_every])
                add(T.ONLINE, online=int(count * rng.uniform(0.15, 0.3)))
            add(T.ENTER, user_id=user, nickname="观众")
            if rng.random() < 0.025 * lift:
                pinned = order[min(i // window_every, len(order) - 1)]
                add(T.ORDER, user_id=user, product_id=pinned, amount_cents=rng.choice([5900, 8900, 12900, 19900]),
                    order_id=f"{seed}-{n}-{i}")
            if rng.random() < 0.04:
                add(T.FOLLOW, user_id=user, nickname="观众")
        extra = (events_per_show or 0) - len(events)
        while extra > 0:
            t += 0.01
            user = rng.choice(audience)
            add(T.COMMENT if rng.random() < 0.6 else T.LIKE, user_id=user, nickname="观众", text="好看", count=1)
            extra -= 1
        t += 1.0
        add(T.SESSION_ENDED)
        with database.sessions.begin() as db:
            row = LiveSession(studio_id=database.studio_id, title=f"{'晚场' if evening else '午场'} 第{n + 1}场",
                              status="ended", started_at=started, ended_at=started + t, host=host, platform=platform,
                              tags=["新话术"] if n >= shows // 2 else ["旧话术"])
            db.add(row)
            db.flush()
            ids.append(row.id)
        rows = [event_row(row.id, e) for e in events]
        with database.engine.begin() as conn:
            for i in range(0, len(rows), 20_000):
                conn.execute(EventRecord.__table__.insert(), rows[i:i + 20_000])
    return ids
