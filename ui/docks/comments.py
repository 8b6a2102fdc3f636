"""Comments dock: a virtualised model with batched inserts and a cap; plain text only; questions highlighted."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QDockWidget, QLabel, QListView, QPushButton, QVBoxLayout, QWidget

from app.kernel.events import Event, EventType
from ui.i18n import tr

QUESTION_MARKS = ("？", "?", "吗", "多少", "怎么", "什么", "几")
DEFAULT_KEYWORDS = ("买了", "下单", "发货", "券", "链接", "退货")
CAP = 5000
# comments drawn from one batch (the window drains ten a second): a busy room's feed sends thousands a second, which
# no one reads as they scroll by, and drawing each cost the UI thread ~12 µs alone and several times that beside the
# feed's thread (bench/ui_stall.py --feed: 57 % of the UI thread's time at 3,500 comments/s). The newest are drawn;
# the rest are counted as not drawn, and the store keeps them all.
PER_BATCH = 40


class CommentsModel(QStandardItemModel):
    """Rows are comment events drawn as plain-text items; `add_batch` appends many at once and trims the oldest
    beyond the cap. Qt's own model holds the drawn rows, so laying out and painting the list never calls back into
    Python (a Python list model cost the view ~10 ms a tick at 5,000 rows: every row's index went through
    `rowCount`); `rows` keeps the events beside them for pinning and blocking."""

    def __init__(self, cap: int = CAP, per_batch: int = PER_BATCH) -> None:
        super().__init__()
        self.cap, self.per_batch = cap, per_batch
        self.rows: list[Event] = []
        self.hidden = 0
        self.skipped = 0  # comments never drawn: more in one batch than it draws
        self._keywords: tuple[str, ...] = DEFAULT_KEYWORDS

    @property
    def keywords(self) -> tuple[str, ...]:
        return self._keywords

    @keywords.setter
    def keywords(self, words: tuple[str, ...]) -> None:
        """New highlighted words restyle the rows already shown."""
        self._keywords = tuple(words)
        for row, event in enumerate(self.rows):
            self._style(self.item(row), str(event.payload.get("text", "")))

    def _style(self, item: QStandardItem, text: str, fresh: bool = False) -> None:
        """Colour, weight and tooltip by what the comment says; a `fresh` item has none yet, so a plain comment
        (most of them) costs no call into Qt here."""
        question = is_question(text)
        keyword = any(k in text for k in self._keywords)
        if fresh and not (question or keyword):
            return
        colour = QColor(230, 120, 0) if question else QColor(25, 118, 210) if keyword else None
        item.setData(colour, Qt.ItemDataRole.ForegroundRole)
        font = None
        if keyword:
            font = QFont()
            font.setBold(True)
        item.setData(font, Qt.ItemDataRole.FontRole)
        item.setData(tr("问题") if question else None, Qt.ItemDataRole.ToolTipRole)

    def _item(self, event: Event) -> QStandardItem:
        text = str(event.payload.get("text", ""))
        item = QStandardItem(f"{event.payload.get('nickname') or '观众'}：{text}")
        item.setEditable(False)
        self._style(item, text, fresh=True)
        return item

    def hide_user(self, user_id: str) -> None:
        """Take a blocked viewer's comments out of the view (the log keeps them)."""
        gone = [row for row, e in enumerate(self.rows) if e.payload.get("user_id") == user_id]
        for row in reversed(gone):
            self.removeRow(row)
            del self.rows[row]
        self.hidden += len(gone)

    def add_batch(self, events: list[Event]) -> None:
        shown = [e for e in events if e.type == EventType.COMMENT and not e.flagged]
        self.hidden += sum(1 for e in events if e.type == EventType.COMMENT and e.flagged)
        if not shown:
            return
        most = min(self.cap, self.per_batch)
        self.skipped += max(0, len(shown) - most)
        shown = shown[-most:]
        overflow = len(self.rows) + len(shown) - self.cap
        if overflow > 0:
            self.removeRows(0, overflow)
            del self.rows[:overflow]
        self.invisibleRootItem().appendRows([self._item(e) for e in shown])
        self.rows.extend(shown)


def is_question(text: str) -> bool:
    return any(mark in text for mark in QUESTION_MARKS)


class CommentsDock(QDockWidget):
    def __init__(self, on_pin, on_block=None, parent: QWidget | None = None) -> None:
        super().__init__(tr("评论"), parent)
        self.setObjectName("comments")
        self.model = CommentsModel()
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setUniformItemSizes(True)  # lets the view skip measuring every row
        self.view.setWordWrap(False)
        self.status = QLabel()
        pin = QPushButton(tr("置顶评论", "action"))
        pin.clicked.connect(lambda: self._pin(on_pin))
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view)
        layout.addWidget(self.status)
        layout.addWidget(pin)
        if on_block is not None:
            block = QPushButton(tr("拉黑此人"))
            block.clicked.connect(lambda: self._block(on_block))
            layout.addWidget(block)
        self.setWidget(body)

    def add_events(self, events: list[Event], skipped: int = 0) -> None:
        """The newest events; `skipped`: how many of the show's events the window was too far behind to be
        handed. The newest are drawn, and the status says how many were not (the store keeps every one)."""
        bar = self.view.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 2
        self.model.add_batch(events)
        if at_bottom:
            self.view.scrollToBottom()
        status = tr("显示 {shown} 条 · 已屏蔽 {hidden} 条").format(shown=len(self.model.rows), hidden=self.model.hidden)
        skipped += self.model.skipped
        if skipped:
            status += " · " + tr("来不及显示 {skipped} 条（记录完整）").format(skipped=skipped)
        self.status.setText(status)

    def _block(self, on_block) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            user_id = self.model.rows[index.row()].payload.get("user_id")
            if user_id:
                on_block(user_id)
                self.model.hide_user(user_id)

    def _pin(self, on_pin) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            on_pin(self.model.rows[index.row()])
