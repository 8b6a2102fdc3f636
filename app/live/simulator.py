"""The demo audience (模拟观众): a seeded, realistic room for demo mode, rehearsals and load tests.

Viewers enter, stay a while and leave; those in the room comment in Chinese (size, price, shipping, greetings,
"买了", questions about the pinned product), like, send gifts, follow; orders follow the pinned product and rise
with a live coupon or a flash sale; coupons get claimed. The online count is the viewers in the room now, so it
never exceeds the viewers who came (UV), and a product window's audience never exceeds the session's UV. The
proportions are a selling room's (docs/metrics.md): about 2 % of viewers buy, GPM in the hundreds to low
thousands of yuan, a comment from each viewer every several minutes. From 1 to 5,000 events per second.
Everything goes through the bus like a platform feed would.
"""

from __future__ import annotations

import random
import threading
import time
from array import array
from dataclasses import dataclass

from app.kernel.bus import EventBus
from app.kernel.events import Event, EventType

GREETINGS = ["主播好！", "来了来了", "晚上好～", "第一次来，关注了", "哈喽大家好", "又来支持啦"]
QUESTIONS = ["这个多大尺寸？", "有没有大码？", "多少钱？", "能便宜点吗", "什么时候发货？", "包邮吗？", "发什么快递",
             "可以七天无理由吗", "有赠品吗", "颜色有几种", "适合送人吗", "保质期多久", "券怎么领？", "链接在哪"]
ABOUT_PRODUCT = ["{}还有货吗？", "{}多大容量/尺码？", "{}怎么买？", "想要{}", "{}和上次的比哪个好", "{}能再讲讲吗",
                 "{}有优惠吗？", "{}上链接！"]
REACTIONS = ["买了", "已下单", "拍了拍了", "好看！", "太划算了", "等了好久", "主播辛苦了", "666", "冲冲冲", "求返场"]
GIFTS = [("小心心", 10), ("玫瑰", 100), ("棒棒糖", 990), ("直播间火箭", 100_00)]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["小美", "阿杰", "橘子", "桃桃", "大熊", "momo", "Lily", "Kevin", "小鹿", "静静", "老王", "晓晓", "可乐", "芒果"]
# every nickname once, shared by the viewers who are given it: a string of its own per viewer was ~120 bytes each,
# the simulator's largest part of a show's memory (bench/ui_stall.py --trace)
NICKNAMES = tuple(surname + given for surname in SURNAMES for given in GIVEN)


ENTER_SHARE = 0.12  # of the events: viewers entering
COMMENT_SHARE = 0.07  # comments: at 20 events/s ~85 a minute, ~210 with questions about a pinned product


class RehearsalOnly(ValueError):
    """Something only a rehearsal may use (the simulated audience, the demo assistant) asked for in a Live
    session; the message says why (中文 / English)."""


SIMULATOR_IN_LIVE = ("直播模式只接收真实的直播间数据，不能使用模拟观众或演示场控（虚假互动违反平台规则和《网络直播营销管理办法"
                     "（试行）》）；请切换到演练模式 / a Live session takes real room events only: the simulated audience "
                     "and the demo assistant are rehearsal tools (fake interaction breaks platform rules); switch "
                     "to Rehearsal to use them")



@dataclass(frozen=True)
class SimulatorConfig:
    events_per_second: float = 20.0
    seed: int = 1
    base_online: int = 800  # the viewers in the room once it has filled (they come and go around it)
    max_users: int = 200_000
    buy_chance: float = 0.025  # of a "commerce" roll (11 % of events) without a coupon: ~2 % of viewers buy


class AudienceSimulator:
    """Publishes simulated platform events at `events_per_second`; `room` (a LiveRoom) steers the orders."""

    def __init__(self, bus: EventBus, room=None, config: SimulatorConfig | None = None) -> None:
        self.bus, self.room = bus, room
        self.config = config or SimulatorConfig()
        if not 1 <= self.config.events_per_second <= 5000:
            raise ValueError("events_per_second must be between 1 and 5000")
        self._random = random.Random(self.config.seed)
        self.came = 0  # viewers who came, every one counted once (`max_users` at most)
        # viewers by number (viewer n is "u{n}", its nickname a function of n and the seed): what the simulator
        # remembers of those who left is four bytes each, no string (issue #32: the bench's audience of 200,000)
        self._present: list[int] = []  # the viewers in the room now
        self._where: dict[int, int] = {}  # viewer → index in _present
        # who may come back: viewers who left before the product window now on began (one who was in the room at
        # its start and came back during it would be counted twice in its audience); those who left since wait
        self._returnable = array("I")
        self._left_since = array("I")
        self._pinned_seen: object = None
        self._name_salt = self._random.getrandbits(32)
        self._last_online_second = -1
        self._orders = 0
        self._room_now = None  # the room's snapshot for the batch being generated
        self._keyword: str | None | bool = False
        self.published = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- running live -------------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="audience simulator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(3)

    def _run(self) -> None:
        tick = 0.02
        started = time.monotonic()
        owed = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            owed += self.config.events_per_second * tick
            count, owed = int(owed), owed - int(owed)
            for event in self.generate(count, self.bus.stream_time() or (now - started)):
                self.bus.publish(event)
                self.published += 1
            self._stop.wait(max(0.0, tick - (time.monotonic() - now)))

    # --- generating (deterministic for a seed) -----------------------------------------------------------
    def generate(self, count: int, stream_time: float) -> list[Event]:
        """`count` platform events for around `stream_time`, plus a room-stats event once a second."""
        events: list[Event] = []
        self._room_now = None  # taken on the batch's first commerce event only: most batches need none
        self._keyword: str | None | bool = False  # the open draw's keyword, read on the batch's first comment
        second = int(stream_time)
        if second != self._last_online_second:
            self._new_window_check()
            self._leave(max(1, second - self._last_online_second) if self._last_online_second >= 0 else 1)
            self._last_online_second = second
            events.append(Event(EventType.ONLINE, {"online": len(self._present)}))
        r = self._random
        for _ in range(count):
            roll = r.random()
            if roll < ENTER_SHARE or not self._present:
                events.append(self._enter())
            elif roll < ENTER_SHARE + COMMENT_SHARE:
                events.append(self._comment())
            elif roll < 0.84:
                events.append(Event(EventType.LIKE, {"user_id": self._someone(), "count": r.randint(1, 5)}))
            elif roll < 0.86:
                gift, value = r.choice(GIFTS)
                events.append(Event(EventType.GIFT, {"user_id": self._someone(), "gift": gift, "count": 1,
                                                     "value_cents": value}))
            elif roll < 0.88:
                events.append(Event(EventType.FOLLOW, {"user_id": self._someone()}))
            elif roll < 0.89:
                events.append(Event(EventType.SHARE, {"user_id": self._someone()}))
            else:
                events.append(self._commerce())
        return events

    def _new_window_check(self) -> None:
        """Once a second, before anyone leaves: a new product window (the pin changed) lets those who left before
        it come back; without a room there are no windows and anyone who left may."""
        pinned = self.room.view(lambda s: s.pinned_product) if self.room is not None else object()
        if pinned != self._pinned_seen:
            self._pinned_seen = pinned
            self._returnable.extend(self._left_since)
            del self._left_since[:]

    def _enter(self) -> Event:
        """A new viewer, or (one in five, and always once max_users have come) one who left coming back
        (`_returnable`): never someone in the room now, nor anyone who was there when the window began."""
        viewer = None
        if self._returnable and (self.came >= self.config.max_users or self._random.random() < 0.2):
            index = self._random.randrange(len(self._returnable))
            self._returnable[index], self._returnable[-1] = self._returnable[-1], self._returnable[index]
            viewer = self._returnable.pop()
        if viewer is None and self.came < self.config.max_users:
            self.came += 1
            viewer = self.came
        if viewer is None:  # everyone who ever came is in the room: one of them enters again (a page reload)
            viewer = self._random.choice(self._present)
        else:
            self._where[viewer] = len(self._present)
            self._present.append(viewer)
        return Event(EventType.ENTER, {"user_id": f"u{viewer}", "nickname": self._nickname(viewer)})

    def _nickname(self, viewer: int) -> str:
        """Viewer n's nickname, the same each time (a multiplicative hash of n and the seed's salt)."""
        return NICKNAMES[((viewer ^ self._name_salt) * 0x9E3779B1 & 0xFFFFFFFF) % len(NICKNAMES)]

    def _leave(self, seconds: int) -> None:
        """Viewers leave at the rate they come, so the room fills towards `base_online` and then holds there
        (each stays base_online ÷ entries-per-second seconds on average)."""
        arrivals = self.config.events_per_second * ENTER_SHARE
        share = min(1.0, arrivals / max(1, self.config.base_online) * seconds)
        expected = len(self._present) * share
        leaving = int(expected) + (self._random.random() < expected - int(expected))
        for _ in range(min(leaving, len(self._present))):
            index = self._random.randrange(len(self._present))
            user, last = self._present[index], self._present[-1]
            self._present[index], self._where[last] = last, index
            self._present.pop()
            del self._where[user]
            self._left_since.append(user)

    def _someone(self) -> str:
        """A viewer in the room now."""
        return f"u{self._random.choice(self._present)}"

    def _someone_named(self) -> tuple[str, str]:
        """A viewer in the room now: (id, nickname)."""
        viewer = self._random.choice(self._present)
        return f"u{viewer}", self._nickname(viewer)

    def _comment(self) -> Event:
        user, nickname = self._someone_named()
        r = self._random.random()
        text = self._random.choice(GREETINGS if r < 0.25 else QUESTIONS if r < 0.7 else REACTIONS)
        if self.room is not None and self._random.random() < 0.4:  # while a 福袋 is open, many send its keyword
            if self._keyword is False:  # once a batch, read under the room's lock (no copy of the room)
                self._keyword = self.room.view(lambda s: s.draw.keyword if s.draw is not None and s.draw.open
                                               else None)
            text = self._keyword or text
        return Event(EventType.COMMENT, {"user_id": user, "nickname": nickname, "text": text})

    def _commerce(self) -> Event:
        """A viewer thinking of buying: most ask about the pinned product and leave it at that; a few buy (the
        pinned product mostly); a live coupon gets claimed and lifts buying, a flash sale brings a rush."""
        if self._room_now is None and self.room is not None:
            # one private copy of the room per batch: the orders follow it, never the live state the bus changes
            self._room_now = self.room.snapshot().state
        state = self._room_now
        r = self._random
        if state is not None:
            live_coupons = [c for c in state.coupons.values() if c.live and c.remaining > 0]
            if live_coupons and r.random() < 0.4:
                return Event(EventType.COUPON_CLAIMED, {"user_id": self._someone(),
                                                        "coupon_id": r.choice(live_coupons).id})
            sale = state.flash_sale
            pinned = state.pinned_product
            in_stock = [p for p in state.products.values() if p.stock > 0]
            chance = self.config.buy_chance * (3 if live_coupons else 1)
            if sale is not None and sale.stock > 0 and r.random() < 0.5:
                return self._order(sale.product_id, sale.price_cents)
            if r.random() < chance:
                if pinned is not None and state.products[pinned].stock > 0 and r.random() < 0.8:
                    return self._order(pinned, state.products[pinned].live_price_cents)
                if in_stock:
                    product = r.choice(in_stock)
                    return self._order(product.id, product.live_price_cents)
            if pinned is not None:
                user, nickname = self._someone_named()
                title = (state.products[pinned].title.split() or [""])[0][:8]  # what viewers call it
                return Event(EventType.COMMENT, {"user_id": user, "nickname": nickname,
                                                 "text": r.choice(ABOUT_PRODUCT).format(title)})
        return Event(EventType.LIKE, {"user_id": self._someone(), "count": 1})

    def _order(self, product_id: int, price_cents: int) -> Event:
        self._orders += 1
        quantity = 1 if self._random.random() < 0.85 else 2
        user, nickname = self._someone_named()
        return Event(EventType.ORDER, {"user_id": user, "nickname": nickname, "product_id": product_id,
                                       "quantity": quantity, "amount_cents": price_cents * quantity,
                                       "order_id": f"o{self.config.seed}-{self._orders}"})
