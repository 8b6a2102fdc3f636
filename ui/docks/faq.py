"""自动回复 / 公告 dock: the questions viewers ask (recognised by the room's FAQ), each with its answer ready to put
on stream with one click (editable first), auto-reply on or off, the FAQ editor; and the room's notice (公告) with
the next scheduled reminder. The dock shows what the events and the room say; the console decides."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDockWidget, QGroupBox,
                               QHeaderView, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit,
                               QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from app.kernel.events import EventType
from ui.docks import grid
from ui.i18n import pick, tr

KEPT = 30  # suggestions listed


class FaqDock(QDockWidget):
    def __init__(self, on_reply, on_clear, on_notice, on_unnotice, on_auto=None, on_edit=None, on_schedule=None,
                 parent: QWidget | None = None) -> None:
        super().__init__(tr("自动回复 / 公告"), parent)
        self.setObjectName("faq")
        self._on_reply = on_reply
        self.list = QListWidget()
        self.list.setToolTip(tr("观众的问题（同一话题 30 秒内只列一次）；双击回复上屏"))
        self.list.currentRowChanged.connect(self._selected)
        self.list.itemDoubleClicked.connect(lambda _item: self.reply_selected())
        self.answer = QLineEdit()
        self.answer.setPlaceholderText(tr("回复内容（可先修改）"))
        self.reply_button = QPushButton(tr("回复上屏"))
        self.reply_button.clicked.connect(self.reply_selected)
        self.dismiss_button = QPushButton(tr("忽略"))
        self.dismiss_button.clicked.connect(self._dismiss)
        self.clear_button = QPushButton(tr("撤下回复"))
        self.clear_button.clicked.connect(on_clear)
        self.reply_state = QLabel()
        self.reply_state.setTextFormat(Qt.TextFormat.PlainText)
        self.reply_state.setWordWrap(True)
        self.auto = QCheckBox(tr("自动回复（无需点击）"))
        self.auto.setVisible(on_auto is not None)
        if on_auto is not None:
            self.auto.toggled.connect(on_auto)
        replies = QGroupBox(tr("观众提问"))
        column = QVBoxLayout(replies)
        column.addWidget(self.list, 1)
        column.addWidget(self.answer)
        column.addLayout(grid((self.reply_button, self.dismiss_button, self.clear_button)))
        column.addWidget(self.reply_state)
        column.addWidget(self.auto)
        if on_edit is not None:
            edit = QPushButton(tr("编辑问答…"))
            edit.clicked.connect(on_edit)
            column.addWidget(edit)

        notices = self._notices(on_notice, on_unnotice, on_schedule)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(replies, 1)
        layout.addWidget(notices)
        self.setWidget(body)
        self._questions: list[dict] = []  # newest first: comment_seq, nickname, question, topic, answer

    def _notices(self, on_notice, on_unnotice, on_schedule) -> QGroupBox:
        """公告: the line pinned on stream, pin and unpin, the reminders' schedule and what is due next."""
        self.notice = QLineEdit()
        self.notice.setPlaceholderText(tr("公告：例如 20:00 福袋 / 21:00 秒杀"))
        self.notice.setMaxLength(60)
        pin = QPushButton(tr("公告上屏"))
        pin.clicked.connect(lambda: on_notice(self.notice.text()))
        unpin = QPushButton(tr("撤下公告"))
        unpin.clicked.connect(on_unnotice)
        self.notice_state = QLabel()
        self.notice_state.setTextFormat(Qt.TextFormat.PlainText)
        self.reminder = QLabel()
        self.reminder.setTextFormat(Qt.TextFormat.PlainText)
        self.reminder.setWordWrap(True)
        self.reminder.setStyleSheet("color: #e65100; font-weight: bold;")
        notices = QGroupBox(tr("公告"))
        notice_column = QVBoxLayout(notices)
        notice_column.addWidget(self.notice)
        notice_buttons = [pin, unpin]
        if on_schedule is not None:
            schedule = QPushButton(tr("提醒时间表…"))
            schedule.setToolTip(tr("到点前一分钟在提词器上提醒主播（不上屏）"))
            schedule.clicked.connect(on_schedule)
            notice_buttons.append(schedule)
        notice_column.addLayout(grid(notice_buttons))
        notice_column.addWidget(self.notice_state)
        notice_column.addWidget(self.reminder)
        return notices

    def add_events(self, events) -> None:
        """Questions to answer: the `faq_asked` events the room suggested (the first of a topic lately)."""
        fresh = [e.payload for e in events if e.type == EventType.FAQ_ASKED and e.payload.get("suggested")]
        if not fresh:
            return
        for p in fresh:
            item = {"comment_seq": p.get("comment_seq"), "nickname": str(p.get("nickname", "")),
                    "question": str(p.get("question", "")), "topic": str(p.get("topic", "")),
                    "answer": str(p.get("answer", ""))}
            self._questions.insert(0, item)
            self.list.insertItem(0, QListWidgetItem(f"【{item['topic']}】{item['nickname']}：{item['question']}"
                                                    f"\n   → {item['answer']}"))
        while len(self._questions) > KEPT:
            self._questions.pop()
            self.list.takeItem(self.list.count() - 1)
        if self.list.currentRow() < 0:
            self.list.setCurrentRow(0)

    def _selected(self, row: int) -> None:
        if 0 <= row < len(self._questions):
            self.answer.setText(self._questions[row]["answer"])

    def reply_selected(self) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self._questions):
            return
        item = self._questions[row]
        if self._on_reply(item["comment_seq"], item["nickname"], item["question"], self.answer.text()):
            self._take(row)

    def _dismiss(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self._questions):
            self._take(row)

    def _take(self, row: int) -> None:
        self._questions.pop(row)
        self.list.takeItem(row)

    def refresh(self, room, now: float) -> None:
        reply, notice = room.state.reply, room.state.notice
        text = (tr("上屏中") + f": @{reply.nickname} {reply.answer}"
                if reply is not None and now < reply.until else "")
        if self.reply_state.text() != text:
            self.reply_state.setText(text)
        shown = tr("公告中") + f": {notice}" if notice else tr("没有公告")
        if self.notice_state.text() != shown:
            self.notice_state.setText(shown)

    def set_reminder(self, text: str) -> None:
        if self.reminder.text() != text:
            self.reminder.setText(text)


def reminder_text(due_notices) -> str:
    """The reminder line for (Notice, seconds until) pairs (`app.console.due`), or ""."""
    parts = []
    for notice, delta in due_notices:
        when = tr("{seconds} 秒后").format(seconds=int(delta) + 1) if delta > 0 else tr("现在")
        parts.append(f"⏰ {notice.clock} {notice.text}（{when}）")
    return "   ".join(parts)


class FaqDialog(QDialog):
    """编辑问答: one product's pairs (or the room's own) as rows of topic, keywords (尺码/码数/多大) and answer.
    Checking is the core's: a refused row is named and nothing is kept until it is right."""

    ROWS = 12

    def __init__(self, products: list[tuple[int, str]], load, save, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("编辑自动回复问答"))
        self.resize(820, 460)
        self._load, self._save = load, save
        self.product = QComboBox()
        self.product.addItem(tr("全场（任何商品讲解时）"), None)
        for product_id, title in products:
            self.product.addItem(title, product_id)
        self.table = QTableWidget(self.ROWS, 3)
        self.table.setHorizontalHeaderLabels([tr("话题"), tr("关键词（/ 分隔）"),
                                              tr("回复")])
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(1, 220)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c62828;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.product)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self._shown = None
        self.product.currentIndexChanged.connect(lambda _i: self.show_pairs())
        self.show_pairs()

    def show_pairs(self) -> None:
        self._shown = self.product.currentData()
        pairs = self._load(self._shown)
        self.table.setRowCount(max(self.ROWS, len(pairs) + 3))
        for row in range(self.table.rowCount()):
            values = (pairs[row].topic, "/".join(pairs[row].keywords), pairs[row].answer) if row < len(pairs) \
                else ("", "", "")
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.problem.clear()

    def rows(self) -> list[tuple[str, str, str]]:
        out = []
        for row in range(self.table.rowCount()):
            cells = [self.table.item(row, column) for column in range(3)]
            out.append(tuple(cell.text() if cell is not None else "" for cell in cells))
        return out

    def save(self) -> bool:
        """Keep the rows for the product shown; on a refusal the reason is shown and the dialog stays open."""
        try:
            self._save(self._shown, self.rows())
        except ValueError as exc:  # FaqError
            self.problem.setText(pick(str(exc)))
            return False
        self.problem.setText(tr("已保存"))
        return True


class ScheduleDialog(QDialog):
    """提醒时间表: one notice a line, "20:00 福袋"; read by the core (`parse_schedule`)."""

    def __init__(self, text: str, parse, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("公告提醒时间表"))
        self.resize(420, 360)
        self._parse = parse
        self.text = QPlainTextEdit(text)
        self.text.setPlaceholderText("20:00 福袋\n20:30 满199减30 券\n21:00 秒杀")
        self.problem = QLabel(tr("每行一条：时间 + 内容；到点前一分钟提醒主播（不上屏）"))
        self.problem.setWordWrap(True)
        self.notices = []
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def check(self) -> bool:
        try:
            self.notices = self._parse(self.text.toPlainText())
        except ValueError as exc:  # ScheduleError
            self.problem.setStyleSheet("color: #c62828;")
            self.problem.setText(pick(str(exc)))
            return False
        self.accept()
        return True
