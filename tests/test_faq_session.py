"""自动回复 in a real session (SQLite and PostgreSQL): the questions are logged beside the comments, the room's
clock answers them when auto-reply is on, and the review (kept at the end, or rebuilt) counts them per window."""

from __future__ import annotations

from sqlalchemy import select

from app.catalogue import ensure_sample_catalogue
from app.kernel.events import Event, EventType as T
from app.media.sources import wait_until
from app.review import format_report, load_review, product_rows, replay_review
from app.session import SessionCore
from app.store.eventlog import load_events
from app.store.models import Product


def test_questions_are_logged_answered_by_the_clock_and_counted_in_the_review(database):
    ensure_sample_catalogue(database)  # the sample's products and FAQ pairs
    core = SessionCore(database)
    session_id = core.start("问答专场", kind="rehearsal")
    with database.session() as db:
        cup = db.scalar(select(Product.id).where(Product.sku == "CUP-500"))
    replies = []
    core.bus.subscribe(lambda e: replies.append(e) if e.type == T.COMMENT_REPLIED else None)
    core.room.pin_product(cup, "assistant:场控")
    say = lambda user, text: core.bus.publish(Event(T.COMMENT, {"user_id": user, "nickname": user, "text": text}))  # noqa: E731
    say("小鹿", "这个杯子多大呀")
    say("阿杰", "尺寸多大")
    say("橘子", "什么时候发货")
    say("桃桃", "主播好")
    assert not wait_until(lambda: bool(replies), 0.6)  # auto-reply is off: the room's clock answers nothing
    core.faq.auto = True
    assert wait_until(lambda: bool(replies), 10)  # the clock (every 0.25 s) answers the oldest question
    first = replies[0]
    assert first.actor == "assistant:自动回复" and first.payload["nickname"] == "小鹿"
    assert first.payload["answer"].startswith("500ml") and core.room.snapshot().state.reply is not None
    core.end()

    events = load_events(database, session_id)
    asked = [e.payload for e in events if e.type == T.FAQ_ASKED]
    assert [(a["nickname"], a["topic"], a["suggested"]) for a in asked] == [
        ("小鹿", "容量", True), ("阿杰", "容量", False), ("橘子", "发货", True)]
    review = load_review(database, session_id)  # kept at the end of the show
    assert dict(review.metrics.products[0].questions) == {"容量": 2, "发货": 1}
    assert review.metrics.questions == replay_review(database, session_id).metrics.questions
    assert any(m.kind == "comment_replied" and m.label.startswith("回复 @小鹿：500ml") for m in review.markers)
    header, rows = product_rows(review)
    assert header[-1] == "常问 asked" and rows[0][1][-1] == "容量 2、发货 1" and rows[-1][1][-1] == "—"
    assert "常问 asked most: 容量 2、发货 1" in format_report(review)
