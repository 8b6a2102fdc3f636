"""自动回复 FAQ auto-reply: the questions viewers keep asking, recognised in their comments and answered on stream.

Each product carries FAQ pairs (keywords → answer: 尺码, 发货, 保质期…), and the room has its own for any product
(发货, 包邮, 售后). A comment that contains one of a pair's keywords while that product is pinned (or any product,
for the room's own pairs) is a question on that pair's topic: the product's pairs are tried first, in order, then
the room's. Every recognised question becomes a `faq_asked` event on the bus (so the review counts what viewers
kept asking, per product window); the first of a topic in `cooldown_s` is *suggested* to the 场控 with its answer,
and a wave of the same question gives that one suggestion. One click (or, with auto-reply on, the room's clock)
puts it on stream as a reply card "@nickname: answer" through the room's `reply_comment` verb.

Answers go on stream: each is checked against the Advertising-Law extreme-word list when it is saved and again by
the verb, and one with an extreme word is refused with the words named.
"""

from __future__ import annotations

import functools
import threading
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.compliance.extreme_words import ExtremeWordChecker
from app.kernel.bus import EventBus
from app.kernel.events import PLATFORM, SYSTEM, Event, EventType
from app.kernel.moderation import clean_text
from app.text import cut, graphemes

MAX_TOPIC = 20
MAX_KEYWORD = 20
MAX_KEYWORDS = 12
MAX_ANSWER = 200
MAX_PAIRS = 50  # per product, and for the room
REPLY_COOLDOWN_S = 30.0  # one suggestion per product and topic in this long, however many ask
REPLY_SHOWN_S = 12.0  # a reply card stays on stream this long
SUGGESTIONS_KEPT = 30  # suggestions waiting for the 场控 (the oldest go first)
STALE_S = 90.0  # auto-reply does not answer a question older than this
KEYWORD_SEPARATORS = "/、，,"  # between a pair's keywords in a catalogue cell


class FaqError(ValueError):
    """An FAQ pair that cannot be used; the message says why (中文 / English)."""

    def within(self, zh: str, en: str) -> FaqError:
        """The same reason, said of a place (第 3 行 / row 3): still one "中文 / English" message."""
        chinese, _, english = str(self).partition(" / ")
        return FaqError(f"{zh}：{chinese} / {en}: {english or chinese}")


@dataclass(frozen=True)
class Faq:
    """One pair. `topic` names it in the review (the first keyword unless given); `keywords` are matched in
    comments case-folded; `product_id` None: the room's own, for any product."""

    topic: str
    keywords: tuple[str, ...]
    answer: str
    product_id: int | None = None


@dataclass(frozen=True)
class Suggestion:
    """A question worth answering now, with the answer the catalogue has for it."""

    comment_seq: int
    user_id: str
    nickname: str
    question: str
    topic: str
    answer: str
    product_id: int | None  # the product pinned when it was asked
    time: float  # stream time


@functools.lru_cache(maxsize=1)
def _checker() -> ExtremeWordChecker:
    return ExtremeWordChecker.from_file()


def answer_problem(answer: str, limit: int = MAX_ANSWER, name: tuple[str, str] = ("回复", "the answer")) -> str | None:
    """Why this text cannot go on stream (an answer, or with `name` a notice), 中文 / English; None if it can."""
    if not answer:
        return f"{name[0]}内容为空 / {name[1]} is empty"
    if graphemes(answer) > limit:
        return f"{name[0]}最多 {limit} 字 / {name[1]} is at most {limit} characters"
    hits = _checker().check(answer)
    if hits:
        words = "、".join(dict.fromkeys(h.word for h in hits))
        return f"{name[0]}含极限词：{words} / {name[1]} has extreme words (Advertising Law): {words}"
    return None


def make_faq(topic: str, keywords: Iterable[str] | str, answer: str, product_id: int | None = None) -> Faq:
    """A checked pair, or FaqError with the reason. Keywords may be given as one text split at / 、 , ，."""
    if isinstance(keywords, str):
        for separator in KEYWORD_SEPARATORS:
            keywords = keywords.replace(separator, "/")
        keywords = keywords.split("/")
    # folded, inner spaces dropped (a comment is matched without its spaces), repeats dropped
    words = tuple(dict.fromkeys(w for w in ("".join(clean_text(k, MAX_KEYWORD + 1).split()).casefold()
                                            for k in keywords) if w))
    if not words:
        raise FaqError("问答需要至少一个关键词 / an FAQ pair needs at least one keyword")
    if len(words) > MAX_KEYWORDS or any(graphemes(w) > MAX_KEYWORD for w in words):
        raise FaqError(f"关键词最多 {MAX_KEYWORDS} 个、每个最多 {MAX_KEYWORD} 字 / at most {MAX_KEYWORDS} keywords of at "
                       f"most {MAX_KEYWORD} characters")
    answer = clean_text(answer, MAX_ANSWER + 1).strip()
    problem = answer_problem(answer)
    if problem:
        raise FaqError(problem)
    topic = clean_text(topic, MAX_TOPIC).strip() or cut(words[0], MAX_TOPIC)
    return Faq(topic, words, answer, product_id)


def parse_cell(cell: str, product_id: int | None = None) -> list[Faq]:
    """A catalogue cell of pairs: `尺码/码数/多大=均码，155–175 都能穿 | 发货/几天到=48 小时内发货` (pairs split at |
    or a line break; keywords at / 、 , ，; the first keyword names the topic). FaqError names the pair at fault."""
    pairs = [p.strip() for p in (cell or "").replace("\r", "\n").replace("\n", "|").split("|") if p.strip()]
    if len(pairs) > MAX_PAIRS:
        raise FaqError(f"问答最多 {MAX_PAIRS} 条 / at most {MAX_PAIRS} FAQ pairs")
    faqs = []
    for number, pair in enumerate(pairs, 1):
        cut = min((i for i in (pair.find("="), pair.find("＝")) if i >= 0), default=-1)  # the first, either width
        keywords, answer = pair[:cut], pair[cut + 1:]
        if cut < 0:
            shown = pair[:30].replace(" / ", "/")
            raise FaqError(f"第 {number} 条问答缺少“=”：{shown} / FAQ pair {number} has no '=' between keywords and "
                           f"answer: {shown}")
        try:
            faqs.append(make_faq("", keywords, answer, product_id))
        except FaqError as exc:
            raise exc.within(f"第 {number} 条问答", f"FAQ pair {number}") from None
    return faqs


def match(text: str, faqs: Sequence[Faq], product_id: int | None) -> Faq | None:
    """The pair a comment asks about: the pinned product's pairs first, in order, then the room's; None if none."""
    folded = "".join(text.split()).casefold()
    if not folded:
        return None
    for wanted in (product_id, None) if product_id is not None else (None,):
        for faq in faqs:
            if faq.product_id == wanted and any(word in folded for word in faq.keywords):
                return faq
    return None


class FaqResponder:
    """A bus subscriber: recognises questions (publishing `faq_asked` for each), keeps the suggestions, and, with
    `auto` on, answers them from `step()` (the room's clock thread; never from the bus's dispatcher, where a verb
    must not be called)."""

    def __init__(self, bus: EventBus, faqs: Sequence[Faq] = (), cooldown_s: float = REPLY_COOLDOWN_S) -> None:
        self.bus = bus
        self.cooldown_s = cooldown_s
        self.auto = False
        self._faqs: tuple[Faq, ...] = tuple(faqs)
        self._pinned: int | None = None  # followed from the events, in the bus's order
        self._suggested: dict[tuple[int | None, str], float] = {}  # (product, topic) → when last suggested
        self._lock = threading.Lock()  # guards the suggestions (dispatcher adds; UI and clock take)
        self._suggestions: deque[Suggestion] = deque(maxlen=SUGGESTIONS_KEPT)
        self.asked = 0  # questions recognised
        self.replied = 0  # auto-replies made
        self._unsubscribe = bus.subscribe(self)

    def close(self) -> None:
        self._unsubscribe()

    def set_faqs(self, faqs: Sequence[Faq]) -> None:
        """The catalogue's pairs changed (an edit while live): used from the next comment on."""
        self._faqs = tuple(faqs)

    @property
    def faqs(self) -> tuple[Faq, ...]:
        return self._faqs

    def __call__(self, event: Event) -> None:
        kind = event.type
        if kind == EventType.PRODUCT_PINNED:
            self._pinned = event.payload.get("product_id")
        elif kind in (EventType.PRODUCT_UNPINNED, EventType.SESSION_ENDED):
            self._pinned = None
        elif kind == EventType.COMMENT and not event.flagged and event.actor == PLATFORM:
            self._on_comment(event)

    def _on_comment(self, event: Event) -> None:
        p = event.payload
        text = p.get("text")
        if not isinstance(text, str):
            return
        faq = match(text, self._faqs, self._pinned)
        if faq is None:
            return
        self.asked += 1
        t = event.stream_time if event.stream_time is not None else 0.0
        key = (self._pinned if faq.product_id is not None else None, faq.topic)
        last = self._suggested.get(key)
        suggested = last is None or t - last >= self.cooldown_s
        user, nickname = str(p.get("user_id") or ""), str(p.get("nickname") or "观众")
        if suggested:
            self._suggested[key] = t
            with self._lock:
                self._suggestions.append(Suggestion(event.seq, user, nickname, text, faq.topic, faq.answer,
                                                    self._pinned, t))
        self.bus.publish(Event(EventType.FAQ_ASKED, {
            "comment_seq": event.seq, "user_id": user, "nickname": nickname, "question": text, "topic": faq.topic,
            "product_id": self._pinned, "suggested": suggested, **({"answer": faq.answer} if suggested else {})},
            actor=SYSTEM))  # the console recognised it; the viewer's words are the comment's

    def suggestions(self) -> tuple[Suggestion, ...]:
        """The suggestions waiting now, oldest first (a copy)."""
        with self._lock:
            return tuple(self._suggestions)

    def dismiss(self, comment_seq: int) -> None:
        """Taken (answered by hand, or dismissed): no longer waiting."""
        with self._lock:
            self._suggestions = deque((s for s in self._suggestions if s.comment_seq != comment_seq),
                                      maxlen=SUGGESTIONS_KEPT)

    def step(self, room, now: float | None, actor: str) -> Event | None:
        """With auto-reply on: answer the oldest waiting question that is not stale once no reply is on stream.
        Call from the room's clock, never from a bus subscriber. Returns the reply published, if any."""
        if not self.auto or now is None:
            return None
        if room.view(lambda s: s.reply is not None and now < s.reply.until):
            return None
        with self._lock:
            while self._suggestions and now - self._suggestions[0].time > STALE_S:
                self._suggestions.popleft()
            if not self._suggestions:
                return None
            suggestion = self._suggestions.popleft()
        try:
            reply = room.reply_comment(suggestion.comment_seq, suggestion.nickname, suggestion.question,
                                       suggestion.answer, actor)
        except ValueError:  # ActionRefused: the answer changed under it, the show ended…
            return None
        self.replied += 1
        return reply
