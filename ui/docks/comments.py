"""Comments dock: a virtualised model with batched inserts and a cap; plain text only; questions highlighted."""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QDockWidget, QLabel, QListView, QPushButton, QVBoxLayout, QWidget

from app.kernel.events import Event, EventType
from ui.i18n import tr

QUESTION_MARKS = ("？", "?", "吗", "多少", "怎么", "什么", "几")
DEFAULT_KEYWORDS = ("买了", "下单", "发货", "券", "链接", "退货")
CAP = 5000


class CommentsModel(QAbstractListModel):
    """Rows are comment events; `add_batch` inserts many at once and trims the oldest beyond the cap."""

    def __init__(self, cap: int = CAP) -> None:
        super().__init__()
        self.cap = cap
        self.rows: list[Event] = []
        self.hidden = 0
        self.keywords: tuple[str, ...] = DEFAULT_KEYWORDS

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        event = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{event.payload.get('nickname') or '观众'}：{event.payload.get('text', '')}"
        text = event.payload.get("text", "")
        if role == Qt.ItemDataRole.ForegroundRole:
            if is_question(text):
                return QColor(230, 120, 0)
            if any(k in text for k in self.keywords):
                return QColor(25, 118, 210)
        if role == Qt.ItemDataRole.FontRole and any(k in text for k in self.keywords):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return tr("问题") if is_question(text) else None
        return None

    def hide_user(self, user_id: str) -> None:
        """Take a blocked viewer's comments out of the view (the log keeps them)."""
        kept = [e for e in self.rows if e.payload.get("user_id") != user_id]
        if len(kept) != len(self.rows):
            self.beginResetModel()
            self.hidden += len(self.rows) - len(kept)
            self.rows = kept
            self.endResetModel()

    def add_batch(self, events: list[Event]) -> None:
        shown = [e for e in events if e.type == EventType.COMMENT and not e.flagged]
        self.hidden += sum(1 for e in events if e.type == EventType.COMMENT and e.flagged)
        if not shown:
            return
        shown = shown[-self.cap:]
        overflow = len(self.rows) + len(shown) - self.cap
        if overflow > 0:
            self.beginRemoveRows(QModelIndex(), 0, overflow - 1)
            del self.rows[:overflow]
            self.endRemoveRows()
        start = len(self.rows)
        self.beginInsertRows(QModelIndex(), start, start + len(shown) - 1)
        self.rows.extend(shown)
        self.endInsertRows()


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

    def add_events(self, events: list[Event]) -> None:
        bar = self.view.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 2
        self.model.add_batch(events)
        if at_bottom:
            self.view.scrollToBottom()
        self.status.setText(tr("显示 {shown} 条 · 已屏蔽 {hidden} 条").format(shown=len(self.model.rows),
                                                                  hidden=self.model.hidden))

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
