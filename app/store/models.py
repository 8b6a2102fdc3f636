"""SQLAlchemy 2 models: catalogue (products, coupons, scripts), sessions and their event log.

Money is stored as integer fen (分, cents) so sums are exact. Fields the metrics aggregate over (user, product,
amount) are columns of the event log, not only JSON, so a summary over a million events stays an indexed query.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class CouponKind(StrEnum):
    FULL_REDUCTION = "full_reduction"  # 满减: spend ≥ threshold, minus discount
    DISCOUNT = "discount"  # 折扣: pay rate × price (0.9 = 9折)
    NO_THRESHOLD = "no_threshold"  # 无门槛: minus discount


class SessionStatus(StrEnum):
    PLANNED = "planned"
    LIVE = "live"
    ENDED = "ended"
    INTERRUPTED = "interrupted"  # found live at start-up after a crash; data kept


class SectionKind(StrEnum):
    OPENING = "opening"  # 开场
    SELLING_POINTS = "selling_points"  # 卖点
    PRICE_ANCHOR = "price_anchor"  # 价格锚定
    URGENCY = "urgency"  # 逼单
    CALL_TO_ACTION = "call_to_action"  # 福利/引导


DEFAULT_STUDIO_ID = 1  # the studio a database's data belonged to before studios (migration 0008)


class Studio(Base):
    """工作室: one team's catalogue, coupons, FAQ and sessions on a database several studios share. A console works
    for one studio (`Database(studio=…)`); a manager's review may list them all."""

    __tablename__ = "studios"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[float] = mapped_column(Float)
    # retention (app/retention.py): shows kept this many days (three years: 《网络直播营销管理办法（试行）》), viewers'
    # ids and names pseudonymised after this many (0: never)
    keep_days: Mapped[int] = mapped_column(Integer, default=1095, server_default="1095")
    pseudonymise_days: Mapped[int] = mapped_column(Integer, default=365, server_default="365")


def _studio_column() -> Mapped[int]:
    return mapped_column(ForeignKey("studios.id"), index=True, server_default=str(DEFAULT_STUDIO_ID))


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("studio_id", "sku", name="uq_products_studio_sku"),)  # a SKU per studio

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = _studio_column()
    sku: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(64), default="")
    list_price_cents: Mapped[int] = mapped_column(Integer)
    live_price_cents: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    image: Mapped[str] = mapped_column(String(500), default="")
    selling_points: Mapped[list] = mapped_column(JSON, default=list)
    platform_item_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)  # 商品ID on the shop

    scripts: Mapped[list[Script]] = relationship(back_populates="product", cascade="all, delete-orphan")


class Coupon(Base):
    __tablename__ = "coupons"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = _studio_column()
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    threshold_cents: Mapped[int] = mapped_column(Integer, default=0)
    discount_cents: Mapped[int] = mapped_column(Integer, default=0)
    rate: Mapped[float] = mapped_column(Float, default=1.0)
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    valid_from: Mapped[float | None] = mapped_column(Float, nullable=True)  # unix time
    valid_to: Mapped[float | None] = mapped_column(Float, nullable=True)
    product_skus: Mapped[list] = mapped_column(JSON, default=list)  # empty: the whole room


class Script(Base):
    __tablename__ = "scripts"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200), default="")

    product: Mapped[Product] = relationship(back_populates="scripts")
    sections: Mapped[list[ScriptSection]] = relationship(back_populates="script", cascade="all, delete-orphan",
                                                         order_by="ScriptSection.position")


class ScriptSection(Base):
    __tablename__ = "script_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    script_id: Mapped[int] = mapped_column(ForeignKey("scripts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)

    script: Mapped[Script] = relationship(back_populates="sections")


class FaqPair(Base):
    """自动回复: a question's keywords and its answer, for one product or (product_id None) for the whole room."""

    __tablename__ = "faqs"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = _studio_column()
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), nullable=True,
                                                   index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    topic: Mapped[str] = mapped_column(String(40))
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(String(400))


class SessionKind(StrEnum):
    LIVE = "live"  # 直播: real destinations, real room events only
    REHEARSAL = "rehearsal"  # 演练: simulated audience allowed, marked on every frame, kept apart in the review


class LiveSession(Base):
    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = _studio_column()
    title: Mapped[str] = mapped_column(String(200))
    run_sheet: Mapped[list] = mapped_column(JSON, default=list)  # ordered product ids
    destinations: Mapped[list] = mapped_column(JSON, default=list)  # redacted URLs only, never keys
    recording_path: Mapped[str] = mapped_column(String(500), default="")
    started_at: Mapped[float | None] = mapped_column(Float, nullable=True)  # unix time
    ended_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default=SessionStatus.PLANNED)
    kind: Mapped[str] = mapped_column(String(20), default="live")  # SessionKind: live | rehearsal
    owner: Mapped[str | None] = mapped_column(String(200), nullable=True)  # host:pid:start of the live process
    heartbeat_at: Mapped[float | None] = mapped_column(Float, nullable=True)  # unix time, every few seconds
    host: Mapped[str] = mapped_column(String(40), default="", server_default="")  # 主播, as given at go-live
    platform: Mapped[str] = mapped_column(String(20), default="", server_default="")  # douyin | bilibili | … | ""
    tags: Mapped[list | None] = mapped_column(JSON, nullable=True, default=None)  # the manager's labels (A/B groups)
    pseudonymised_at: Mapped[float | None] = mapped_column(Float, nullable=True)  # its viewers, by the retention policy


class EventRecord(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    wall_time: Mapped[float] = mapped_column(Float)
    stream_time: Mapped[float | None] = mapped_column(Float, nullable=True)
    type: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    product_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    amount_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # up to values.MAX_CENTS
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)

    __table_args__ = (
        Index("ix_events_session_seq", "session_id", "seq", unique=True),
        Index("ix_events_session_type_time", "session_id", "type", "stream_time", "user_id"),
    )


class QuarantinedEvent(Base):
    """An event the log could not store (a value the database refuses): kept here with the reason, as text,
    so one bad event never blocks the ones after it and nothing is lost silently."""

    __tablename__ = "quarantined_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(300))
    event_text: Mapped[str] = mapped_column(Text)  # the whole event, as readable text (not JSON-typed)
    quarantined_at: Mapped[float] = mapped_column(Float)


class ChainLink(Base):
    """One link of a show's hash chain (app/store/chain.py): what it chains (kind, the event's seq), the digests of
    its content and of its personal data, the link's own hash; `note` for the first link (the salt) and the seal."""

    __tablename__ = "chain_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    content: Mapped[str] = mapped_column(String(64))
    personal: Mapped[str] = mapped_column(String(64), default="")
    link: Mapped[str] = mapped_column(String(64))
    note: Mapped[dict | None] = mapped_column(JSON, nullable=True)

    __table_args__ = (Index("ix_chain_links_session_position", "session_id", "position", unique=True),)


class SessionCounts(Base):
    """A session's audience in bulk (entries, comments, likes, shares: app/store/aggregates.py), counted once —
    by the live metrics when the show ends, or by SQL the first time its review opens — so a long show's review
    opens at once. Valid while no bulk event after `through_seq` exists (orders imported later are not bulk)."""

    __tablename__ = "session_counts"

    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    through_seq: Mapped[int] = mapped_column(BigInteger)
    bulk_events: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(10))  # live | sql
    counts: Mapped[dict] = mapped_column(JSON)
    saved_at: Mapped[float] = mapped_column(Float)


class SessionCheckpoint(Base):
    """A live show's metrics as they stood at `through_seq` (app/store/checkpoint.py), kept every few seconds by the
    event writer, so the review of a show that was killed replays only what came after. Holds viewers' ids: it is
    dropped when the show ends or its review is kept, and by an erasure or pseudonymisation of the show."""

    __tablename__ = "session_checkpoints"

    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    through_seq: Mapped[int] = mapped_column(BigInteger)
    events: Mapped[int] = mapped_column(BigInteger)  # the log's rows with seq ≤ through_seq when it was kept
    state: Mapped[bytes] = mapped_column(LargeBinary)  # SessionMetrics.state(): app/store/checkpoint.encode
    saved_at: Mapped[float] = mapped_column(Float)


class ShowFigures(Base):
    """What the views across shows read of one ended show (app/insights.py): its review's figures and explanation
    windows as JSON, kept once; forgotten when the show's log changes after it (an order import), rebuilt on the
    next reading."""

    __tablename__ = "show_figures"

    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    studio_id: Mapped[int] = mapped_column(Integer, index=True)
    through_seq: Mapped[int] = mapped_column(BigInteger)
    figures: Mapped[dict] = mapped_column(JSON)
    saved_at: Mapped[float] = mapped_column(Float)


class ShowViewer(Base):
    """One platform account seen in one show: whether it entered, its paid orders, whether it followed. Personal
    data (《个人信息保护法》): kept as the platform gave the id, erasable per viewer (the counts stay)."""

    __tablename__ = "show_viewers"
    __table_args__ = (Index("ix_show_viewers_account", "studio_id", "platform", "user_id", "started_at"),)

    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    studio_id: Mapped[int] = mapped_column(Integer)
    platform: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[float] = mapped_column(Float)  # the show's start (unix time): weeks and "earlier" from it
    entered: Mapped[bool] = mapped_column(Boolean)
    orders: Mapped[int] = mapped_column(Integer)
    paid_cents: Mapped[int] = mapped_column(BigInteger)
    followed: Mapped[bool] = mapped_column(Boolean)


class Erasure(Base):
    """A viewer's data erased on request (《个人信息保护法》 第四十七条): when, which studio and platform, the token
    that replaced the account id (so counts and who-came-back stay true), how much was changed, and the 福袋 draws
    of the touched shows as verified just before (their fairness check reads the ids the erasure replaced). Never
    the erased id or name."""

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(Integer, index=True)
    platform: Mapped[str] = mapped_column(String(20))
    token: Mapped[str] = mapped_column(String(64))
    erased_at: Mapped[float] = mapped_column(Float)
    shows: Mapped[int] = mapped_column(Integer)
    events: Mapped[int] = mapped_column(Integer)
    draws: Mapped[list] = mapped_column(JSON)  # [{"session_id", "draw_id", "verified"}] checked before the erasure
