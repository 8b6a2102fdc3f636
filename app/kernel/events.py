"""The immutable event every fact of a live session becomes: platform events and assistant actions alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    # from the platform (or the simulator)
    COMMENT = "comment"  # 弹幕/评论: user_id, nickname, text
    LIKE = "like"  # 点赞: user_id, count
    GIFT = "gift"  # 礼物: user_id, gift, count, value_cents
    ENTER = "enter"  # 进入直播间: user_id
    FOLLOW = "follow"
    SHARE = "share"
    ORDER = "order"  # paid order: user_id, product_id, quantity, amount_cents, order_id
    REFUND = "refund"  # order_id, amount_cents
    ONLINE = "online"  # room stats: online (count)
    COUPON_CLAIMED = "coupon_claimed"  # user_id, coupon_id
    # from the assistant / streamer (validated commands)
    SESSION_STARTED = "session_started"
    SESSION_ENDED = "session_ended"
    PRODUCT_PINNED = "product_pinned"  # 讲解: product_id
    PRODUCT_UNPINNED = "product_unpinned"
    PRICE_CHANGED = "price_changed"  # product_id, live_price_cents
    STOCK_CHANGED = "stock_changed"  # product_id, stock
    COUPON_DEFINED = "coupon_defined"  # coupon_id, name, kind, threshold_cents, discount_cents, rate, quantity
    COUPON_DROPPED = "coupon_dropped"  # coupon_id, quantity, expires_at (stream time)
    COUPON_ENDED = "coupon_ended"  # coupon_id, reason (expired | sold out | stopped)
    FLASH_SALE_STARTED = "flash_sale_started"  # product_id, price_cents, stock, ends_at
    FLASH_SALE_ENDED = "flash_sale_ended"  # product_id, reason
    COMMENT_PINNED = "comment_pinned"  # seq of the comment event, nickname, text
    COMMENT_UNPINNED = "comment_unpinned"
    DRAW_STARTED = "draw_started"  # 福袋: draw_id, prize, keyword, winners (how many), who, ends_at, commitment
    DRAW_ENDED = "draw_ended"  # draw_id, seed (hex: SHA-256 of it is the commitment), reason; entries close here
    DRAW_WINNERS = "draw_winners"  # draw_id, entrants (how many), winners [{user_id, nickname}]
    FAQ_ASKED = "faq_asked"  # 自动回复: a comment recognised as a question: comment_seq, user_id, nickname, question,
    # topic, product_id (pinned then), suggested (the first of its topic lately), answer (when suggested)
    COMMENT_REPLIED = "comment_replied"  # a reply on stream: comment_seq, nickname, question, answer, until
    REPLY_CLEARED = "reply_cleared"
    NOTICE_PINNED = "notice_pinned"  # 公告 on stream: text
    NOTICE_UNPINNED = "notice_unpinned"
    VIEWERS_MASKED = "viewers_masked"  # the platform hides who viewers are (a room read without login): text
    SCENE_SWITCHED = "scene_switched"  # 切换场景: scene (the program scene's name), transition (cut | fade | start: the scene on air at go-live)
    ALERTS_ARMED = "alerts_armed"  # 预警 on: rules (app.metrics.alerts.AlertRules), stock at the start
    RECORDING_SEGMENT = "recording_segment"  # 录像摘要 (app/media/digest.py): file, start, end, sha256, media_s
    RECORDING_CLOSED = "recording_closed"  # the recording closed: its last segment, and head_end, head, size
    ALERT = "alert"  # 预警: at (stream time), rule, key (its cause), text, advice (中文 / English)


PLATFORM = "platform"
SYSTEM = "system"

# the audience's bulk: most of a long show's events; the review counts them in the database (app/store/aggregates.py)
# and replays only the rest one by one
BULK = frozenset({EventType.COMMENT, EventType.LIKE, EventType.ENTER, EventType.SHARE, EventType.GIFT,
                  EventType.FOLLOW})


@dataclass(frozen=True, slots=True)
class Event:
    """One fact. `seq` orders all events of a session; `stream_time` is seconds since go-live (None before),
    so the replay lines events up with the recording. `payload` is plain JSON-able data; treat it as
    read-only (it is not copied per subscriber, for speed at thousands of events per second)."""

    type: EventType
    payload: dict[str, Any]
    actor: str = PLATFORM  # platform | streamer | assistant:<name> | system
    wall_time: float = 0.0
    stream_time: float | None = None
    seq: int = 0
    flagged: bool = False  # e.g. a comment hidden by the banned-word list (kept in the log)
    extra: dict[str, Any] = field(default_factory=dict)  # connector-specific, not persisted
