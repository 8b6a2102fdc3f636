"""The comments dock's model: Qt's own items beside the events, kept in step through the cap, blocks and restyles."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.kernel.events import Event, EventType
from ui.docks.comments import CommentsDock, CommentsModel
from ui.i18n import tr


def comment(i: int, text: str = "", user: str = "", flagged: bool = False) -> Event:
    return Event(type=EventType.COMMENT, payload={"user_id": user or f"u{i}", "nickname": f"n{i}",
                                                   "text": text or f"hi {i}"}, seq=i, flagged=flagged)


def drawn(model: CommentsModel) -> list[str]:
    return [model.data(model.index(row, 0)) for row in range(model.rowCount())]


def in_step(model: CommentsModel) -> bool:
    return drawn(model) == [f"{e.payload['nickname']}：{e.payload['text']}" for e in model.rows]


def test_cap_trims_the_oldest_items_and_events_together(qapp_offscreen):
    model = CommentsModel(cap=5)
    model.add_batch([comment(i) for i in range(3)])
    model.add_batch([comment(i) for i in range(3, 7)] + [Event(type=EventType.LIKE, payload={"count": 1}, seq=99)])
    assert [e.seq for e in model.rows] == [2, 3, 4, 5, 6]
    assert in_step(model)
    model.add_batch([comment(i) for i in range(10, 22)])  # one batch over the cap keeps its latest
    assert [e.seq for e in model.rows] == [17, 18, 19, 20, 21] and in_step(model)


def test_flagged_comments_are_counted_not_drawn(qapp_offscreen):
    model = CommentsModel()
    model.add_batch([comment(1), comment(2, flagged=True), comment(3, flagged=True)])
    assert model.hidden == 2 and [e.seq for e in model.rows] == [1] and in_step(model)


def test_blocking_a_viewer_takes_every_row_of_theirs(qapp_offscreen):
    model = CommentsModel()
    model.add_batch([comment(1, user="a"), comment(2, user="b"), comment(3, user="a"), comment(4, user="a"),
                     comment(5, user="c")])
    model.hide_user("a")
    assert [e.seq for e in model.rows] == [2, 5] and in_step(model) and model.hidden == 3
    model.hide_user("nobody")
    assert model.hidden == 3 and model.rowCount() == 2


def test_questions_and_keywords_are_styled_and_restyled_when_the_words_change(qapp_offscreen):
    model = CommentsModel()
    model.keywords = ("发货",)
    model.add_batch([comment(1, "多少钱？"), comment(2, "今天发货吗"), comment(3, "好看"), comment(4, "包邮")])
    role = Qt.ItemDataRole

    def look(row: int):
        index = model.index(row, 0)
        font = model.data(index, role.FontRole)
        colour = model.data(index, role.ForegroundRole)
        return (colour.name() if colour is not None else None, bool(font and font.bold()),
                model.data(index, role.ToolTipRole))

    assert look(0) == ("#e67800", False, tr("问题"))
    assert look(1) == ("#e67800", True, tr("问题"))  # a question first, in bold for its keyword
    assert look(2) == (None, False, None)
    assert look(3) == (None, False, None)
    model.keywords = ("包邮",)
    assert look(1) == ("#e67800", False, tr("问题"))
    assert look(3) == ("#1976d2", True, None)
    assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable == Qt.ItemFlag(0)  # not editable by a click


def test_the_dock_follows_the_newest_only_when_at_the_bottom(qapp_offscreen, qtbot):
    dock = CommentsDock(on_pin=lambda e: None)
    qtbot.addWidget(dock)
    dock.resize(300, 300)
    dock.show()
    for start in range(0, 200, 40):  # a tick's batch at a time, each drawn whole
        dock.add_events([comment(i) for i in range(start, start + 40)])
    bar = dock.view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    assert bar.value() == bar.maximum()
    bar.setValue(0)  # the assistant scrolls back to read
    dock.add_events([comment(i) for i in range(200, 210)])
    assert bar.value() == 0
    assert "210" in dock.status.text() and "来不及显示" not in dock.status.text()


def test_the_dock_says_how_many_it_did_not_draw(qapp_offscreen, qtbot):
    dock = CommentsDock(on_pin=lambda e: None)
    qtbot.addWidget(dock)
    dock.model.cap = 10
    dock.add_events([comment(i) for i in range(25)], skipped=7)  # 7 never handed, 15 over the cap in one batch
    assert [e.seq for e in dock.model.rows] == list(range(15, 25))
    assert "来不及显示 22 条" in dock.status.text()
    dock.add_events([comment(30)], skipped=7)  # the window's count is the show's so far, not added up again
    assert "来不及显示 22 条" in dock.status.text()


def test_a_busy_batch_draws_its_newest_comments_and_counts_the_rest(qapp_offscreen, qtbot):
    """A room sending thousands of comments a second: a batch draws at most `per_batch` (the newest), says how many
    it did not (the store keeps them), and what it draws stays in step with the events beside it."""
    dock = CommentsDock(on_pin=lambda e: None)
    qtbot.addWidget(dock)
    model = dock.model
    assert model.per_batch == 40
    dock.add_events([comment(i) for i in range(30)])
    assert [e.seq for e in model.rows] == list(range(30)) and "来不及显示" not in dock.status.text()
    dock.add_events([comment(i) for i in range(100, 141)] + [comment(141, flagged=True)])
    assert [e.seq for e in model.rows] == list(range(30)) + list(range(101, 141)) and in_step(model)
    assert model.skipped == 1 and model.hidden == 1 and "来不及显示 1 条" in dock.status.text()
    model.per_batch = 3
    dock.add_events([comment(i) for i in range(200, 210)], skipped=5)
    assert [e.seq for e in model.rows][-4:] == [140, 207, 208, 209] and model.skipped == 8
    assert "来不及显示 13 条" in dock.status.text()


def test_a_plain_comment_is_drawn_unstyled_and_a_restyle_clears_it(qapp_offscreen):
    model = CommentsModel()
    model.keywords = ("包邮",)
    model.add_batch([comment(1, "包邮吗"), comment(2, "好看")])
    role = Qt.ItemDataRole
    assert model.data(model.index(1, 0), role.ForegroundRole) is None
    assert model.data(model.index(1, 0), role.FontRole) is None and model.data(model.index(1, 0), role.ToolTipRole) is None
    model.keywords = ()
    assert model.data(model.index(0, 0), role.ForegroundRole).name() == "#e67800"  # still a question
    assert not model.data(model.index(0, 0), role.FontRole)
