"""预警 while the show is on: rules a manager would set (online falling fast, the product being explained converting far
below the show's usual, stock nearly gone, a wave of complaint words, a coupon or flash sale ending with stock
left, the stream's health), each alert with why and what to do, one per cause per few minutes.

`AlertWatch` is a bus subscriber with its own small state, built from the events alone (plus the stock the room
started with, logged with the rules in `alerts_armed`), so a replayed show fires the same alerts at the same
moments (`replay_alerts`; tested). Rules over time (online, conversion) are read at each whole second of stream
time with the events before it: when an event at or after that second arrives, or from the room's clock once the
second is `GRACE_S` behind; rules on one event (stock, complaints, a coupon or flash sale ending) fire at that
event's time. The stream's health is not in the log: those alerts come from `health()` once a second and are
logged as they fired (a replay keeps them, it cannot recompute them).

Alerts go on the bus as `alert` events: the console, the assistants and the teleprompter show them, the overlays
never do (they draw the room, not the bus); the review lists them with its moments.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass, fields
from statistics import median
from typing import Callable, Iterable

from app.kernel.events import SYSTEM, Event, EventType
from app.kernel.viewers import ViewerTable
from app.text import clean_line
from app.values import MAX_COUNT, safe_int

COMPLAINTS = ("退款", "假货", "质量", "卡了", "没声音", "听不清")
GRACE_S = 1.0  # the clock reads a second once it is this far behind: every event before it has been delivered
HEALTH = "health"
MAX_STREAM_S = 7 * 86400.0  # a stream time past a week is not a show's: its event is not read (each second is)


@dataclass(frozen=True)
class AlertRules:
    """The thresholds, with the defaults a studio starts from (docs/metrics.md, 预警)."""

    online_drop: float = 0.30  # online fell by this share …
    online_window_s: float = 120.0  # … from its highest within this many seconds
    online_min: int = 50  # below this many online a fall is noise
    conversion_ratio: float = 0.5  # the window converts below this share of the show's running median …
    conversion_audience: int = 100  # … once this many could have seen it (and for the windows in the median)
    conversion_seconds: float = 60.0  # … and it has run this long
    stock_at_most: int = 5
    complaint_words: tuple[str, ...] = COMPLAINTS
    complaints: int = 5  # this many comments with a complaint word …
    complaint_window_s: float = 60.0  # … within this many seconds
    cooldown_s: float = 180.0  # one alert per cause per this many seconds
    quiet_s: float = 30.0  # the room's feed silent this long (health)

    def to_json(self) -> dict:
        return {**asdict(self), "complaint_words": list(self.complaint_words)}

    @classmethod
    def from_json(cls, data: object) -> AlertRules:
        """Rules from JSON (a file, the log's alerts_armed): each value checked, a bad one left at its default."""
        if not isinstance(data, dict):
            return cls()
        kept = {}
        for f in fields(cls):
            value, default = data.get(f.name), getattr(cls(), f.name)
            if f.name == "complaint_words":
                words = [clean_line(w, 20) for w in value[:1000] if isinstance(w, str)] if isinstance(
                    value, list) else []
                words = list(dict.fromkeys(w for w in words if w))[:100]  # one line each, as comments are kept
                if words:
                    kept[f.name] = tuple(words)
            elif isinstance(default, float) and isinstance(value, (int, float)) and 0 <= value <= 86400:
                kept[f.name] = float(value)
            elif isinstance(default, int) and isinstance(value, int) and not isinstance(value, bool) \
                    and 0 <= value <= MAX_COUNT:
                kept[f.name] = value
        if "online_drop" in kept and not 0 < kept["online_drop"] < 1:
            del kept["online_drop"]
        return cls(**kept)


@dataclass(frozen=True)
class Alert:
    at: float  # the stream time it fired at
    rule: str  # online_drop | conversion | stock | complaints | coupon_left | flash_left | health
    key: str  # its cause: one alert per key per cooldown
    text: str  # what happened (中文 / English)
    advice: str  # what to do (中文 / English)

    def payload(self) -> dict:
        return {"at": round(self.at, 3), "rule": self.rule, "key": self.key, "text": self.text,
                "advice": self.advice}

    @classmethod
    def from_payload(cls, p: dict) -> Alert:
        return cls(float(p.get("at", 0.0)), str(p.get("rule", "")), str(p.get("key", "")), str(p.get("text", "")),
                   str(p.get("advice", "")))


@dataclass
class _Window:
    product_id: int
    start: float
    online_at_start: int
    entrants: ViewerTable  # who entered during it, once each
    buyers: set

    @property
    def audience(self) -> int:
        return self.online_at_start + len(self.entrants)

    @property
    def conversion(self) -> float:
        return len(self.buyers) / self.audience if self.audience else 0.0


class AlertWatch:
    """Call it with every event of the show (a bus subscriber); `tick(now)` from the room's clock; `health(report)`
    once a second. Each alert is handed to `publish` outside the watch's lock."""

    def __init__(self, rules: AlertRules | None = None, stock: dict[int, int] | None = None,
                 publish: Callable[[Alert], None] | None = None) -> None:
        self.rules = rules or AlertRules()
        self.publish = publish
        self.fired: list[Alert] = []
        self._lock = threading.Lock()
        self._stock = dict(stock or {})
        self._second = 0  # the next whole second to read
        self._online: deque[tuple[float, int]] = deque()
        self._online_now = 0
        self._window: _Window | None = None
        self._closed: list[float] = []  # conversions of the show's finished windows with enough audience
        self._complaints: deque[float] = deque()
        self._coupons: dict[int, int] = {}
        self._sale: list | None = None  # [product id, stock]
        self._last: dict[str, float] = {}

    # --- the bus's side -----------------------------------------------------------------------------------
    def __call__(self, event: Event) -> None:
        if (event.type in (EventType.ALERT, EventType.ALERTS_ARMED) or event.stream_time is None
                or not 0.0 <= event.stream_time <= MAX_STREAM_S):
            return
        with self._lock:
            out = self._until(event.stream_time)
            out += self._apply(event)
        self._hand_on(out)

    def tick(self, now: float | None) -> None:
        """From the room's clock: read the seconds that are GRACE_S behind `now` (stream time)."""
        if now is None or not 0.0 <= now <= MAX_STREAM_S:
            return
        with self._lock:
            out = self._until(now - GRACE_S)
        self._hand_on(out)

    def health(self, t: float, problems: Iterable[tuple[str, str, str]]) -> None:
        """The stream's health at stream time t, as `app.health.health_problems` words it: (cause, what, what to
        do) for each output failing, frames dropped, the feed quiet."""
        with self._lock:
            out = [a for key, text, advice in problems if (a := self._fire(t, HEALTH, key, text, advice))]
        self._hand_on(out)

    def _hand_on(self, alerts: list[Alert]) -> None:
        for alert in alerts:
            if self.publish is not None:
                self.publish(alert)

    # --- under the lock -----------------------------------------------------------------------------------
    def _fire(self, at: float, rule: str, key: str, text: str, advice: str) -> Alert | None:
        last = self._last.get(key)
        if last is not None and at - last < self.rules.cooldown_s:
            return None
        self._last[key] = at
        alert = Alert(at, rule, key, text, advice)
        self.fired.append(alert)
        return alert

    def _until(self, t: float) -> list[Alert]:
        """Read every whole second s ≤ t not read yet, each with the events before it."""
        out: list[Alert] = []
        while self._second <= t:
            out += self._read(float(self._second))
            self._second += 1
        return out

    def _read(self, s: float) -> list[Alert]:
        r, out = self.rules, []
        while self._online and self._online[0][0] < s - r.online_window_s:
            self._online.popleft()
        peak = max((n for _, n in self._online), default=0)
        if peak >= r.online_min and self._online_now <= peak * (1 - r.online_drop):
            alert = self._fire(s, "online_drop", "online",
                               f"在线从 {peak} 跌到 {self._online_now}（{1 - self._online_now / peak:.0%}）/ online fell "
                               f"from {peak} to {self._online_now}",
                               "换节奏：上福利、发券或换爆款讲解 / change the pace: a giveaway, a coupon or the best "
                               "seller")
            out += [alert] if alert else []
        w = self._window
        if (w is not None and len(self._closed) >= 2 and s - w.start >= r.conversion_seconds
                and w.audience >= r.conversion_audience):
            usual = median(self._closed)
            if usual > 0 and w.conversion < usual * r.conversion_ratio:
                alert = self._fire(s, "conversion", f"conversion:{w.product_id}:{w.start:.3f}",
                                   f"当前讲解转化 {w.conversion:.1%}，本场中位 {usual:.1%} / this explanation converts "
                                   f"{w.conversion:.1%}, the show's median {usual:.1%}",
                                   "讲卖点与价格锚点，或换下一个商品 / the selling points and the price anchor, or the "
                                   "next product")
                out += [alert] if alert else []
        return out

    def _apply(self, event: Event) -> list[Alert]:
        t, p, kind = event.stream_time, event.payload, event.type
        user = p.get("user_id") or None
        if kind == EventType.ONLINE:
            self._online_now = safe_int(p.get("online", 0), maximum=MAX_COUNT)
            self._online.append((t, self._online_now))
        elif kind in (EventType.PRODUCT_PINNED, EventType.PRODUCT_UNPINNED, EventType.SESSION_ENDED):
            w = self._window
            if w is not None and w.audience >= self.rules.conversion_audience:
                self._closed.append(w.conversion)
            self._window = None
            if kind == EventType.PRODUCT_PINNED:
                self._window = _Window(safe_int(p.get("product_id")), t, self._online_now, ViewerTable("B"), set())
        elif kind == EventType.ENTER and user and self._window is not None:
            self._window.entrants[user] = 1
        elif kind == EventType.ORDER:
            return self._order(t, p, user)
        elif kind == EventType.STOCK_CHANGED:
            return self._stock_now(t, safe_int(p.get("product_id")), safe_int(p.get("stock"), maximum=MAX_COUNT))
        elif kind == EventType.COMMENT:
            return self._comment(t, str(p.get("text", "")))
        elif kind == EventType.COUPON_DROPPED:
            self._coupons[safe_int(p.get("coupon_id"))] = safe_int(p.get("quantity"), maximum=MAX_COUNT)
        elif kind == EventType.COUPON_CLAIMED:
            cid = safe_int(p.get("coupon_id"))
            if cid in self._coupons:
                self._coupons[cid] = max(0, self._coupons[cid] - 1)
        elif kind == EventType.COUPON_ENDED:
            left = self._coupons.pop(safe_int(p.get("coupon_id")), 0)
            if p.get("reason") == "expired" and left > 0:
                alert = self._fire(t, "coupon_left", f"coupon:{p.get('coupon_id')}",
                                   f"优惠券到时结束，还剩 {left} 张 / a coupon ended on time with {left} left",
                                   "下次少发或延长时间；现在可以口播提醒 / drop fewer or longer next time; say it now")
                return [alert] if alert else []
        elif kind == EventType.FLASH_SALE_STARTED:
            self._sale = [safe_int(p.get("product_id")), safe_int(p.get("stock"), maximum=MAX_COUNT)]
        elif kind == EventType.FLASH_SALE_ENDED:
            sale, self._sale = self._sale, None
            if sale is not None and p.get("reason") == "time" and sale[1] > 0:
                alert = self._fire(t, "flash_left", f"flash:{sale[0]}",
                                   f"秒杀到时结束，还剩 {sale[1]} 件 / a flash sale ended on time with {sale[1]} left",
                                   "价格或时机不对：下次换品或缩短 / price or moment missed: another product or shorter")
                return [alert] if alert else []
        return []

    def _order(self, t: float, p: dict, user) -> list[Alert]:
        product = safe_int(p.get("product_id"))
        quantity = safe_int(p.get("quantity", 1), default=1, maximum=MAX_COUNT)
        w = self._window
        if w is not None and user and product == w.product_id:
            w.buyers.add(user)
        if self._sale is not None and self._sale[0] == product:
            self._sale[1] = max(0, self._sale[1] - quantity)
        if product in self._stock:
            return self._stock_now(t, product, max(0, self._stock[product] - quantity))
        return []

    def _stock_now(self, t: float, product: int, stock: int) -> list[Alert]:
        before = self._stock.get(product)
        self._stock[product] = stock
        if stock <= self.rules.stock_at_most and (before is None or before > self.rules.stock_at_most):
            alert = self._fire(t, "stock", f"stock:{product}", f"商品 {product} 库存只剩 {stock} / product {product}: "
                               f"{stock} left in stock", "补库存、改成预售或换下一个商品 / restock, switch to "
                                                         "pre-sale or move on")
            return [alert] if alert else []
        return []

    def _comment(self, t: float, text: str) -> list[Alert]:
        if not any(word in text for word in self.rules.complaint_words):
            return []
        self._complaints.append(t)
        while self._complaints and self._complaints[0] < t - self.rules.complaint_window_s:
            self._complaints.popleft()
        if len(self._complaints) >= self.rules.complaints:
            alert = self._fire(t, "complaints", "complaints",
                               f"{self.rules.complaint_window_s:.0f} 秒内 {len(self._complaints)} 条投诉类评论 / "
                               f"{len(self._complaints)} complaints in {self.rules.complaint_window_s:.0f} s",
                               "看评论：画面或声音有问题先修，质量问题当场回应 / read them: fix the picture or sound "
                               "first, answer quality doubts on air")
            return [alert] if alert else []
        return []


def armed_event(rules: AlertRules, stock: dict[int, int]) -> Event:
    """What the log keeps at the start so a replay reads the show as it was watched."""
    return Event(EventType.ALERTS_ARMED, {"rules": rules.to_json(), "stock": {str(k): v for k, v in stock.items()}},
                 actor=SYSTEM)


def alert_event(alert: Alert) -> Event:
    return Event(EventType.ALERT, alert.payload(), actor=SYSTEM)


def replay_alerts(events: Iterable[Event]) -> list[Alert]:
    """The alerts a show's events fire (health alerts aside: they are not in the log), in the order they fire;
    the rules and stock from its `alerts_armed` (a show without one: none)."""
    watch = None
    for event in events:
        if event.type == EventType.ALERTS_ARMED:
            stock = event.payload.get("stock") or {}
            watch = AlertWatch(AlertRules.from_json(event.payload.get("rules")),
                               {int(k): safe_int(v, maximum=MAX_COUNT) for k, v in stock.items()
                                if str(k).isdecimal() and len(str(k)) <= 18})
        elif watch is not None:
            watch(event)
    return [] if watch is None else list(watch.fired)


__all__ = ["Alert", "AlertRules", "AlertWatch", "COMPLAINTS", "alert_event", "armed_event", "replay_alerts"]
