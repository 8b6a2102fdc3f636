"""福袋 dock: open a lucky draw (prize, keyword, winners, duration, who may enter), watch the entrants and the
countdown, draw now; the winners and the commitment (the fairness proof) are shown as the room has them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDockWidget, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from ui.i18n import QT_TR_NOOP, tr

WHO = [("anyone", QT_TR_NOOP("所有观众")), ("followers", QT_TR_NOOP("仅粉丝")),
       ("entered_before", QT_TR_NOOP("开始前已在直播间"))]


class DrawDock(QDockWidget):
    def __init__(self, on_start, on_stop, parent: QWidget | None = None) -> None:
        super().__init__(tr("福袋"), parent)
        self.setObjectName("draw")
        self.prize = QLineEdit("保温杯一个")
        self.prize.setPlaceholderText(tr("奖品：商品、券或一句话"))
        self.keyword = QLineEdit("福袋来了")
        self.keyword.setPlaceholderText(tr("观众发送这个口令参与"))
        self.winners = QSpinBox(minimum=1, maximum=1000, value=3)
        self.minutes = QDoubleSpinBox(minimum=0.1, maximum=60, value=1.0, decimals=1, suffix=" min")
        self.who = QComboBox()
        for key, label in WHO:
            self.who.addItem(tr(label), key)
        self.start_button = QPushButton(tr("开始福袋"))
        self.start_button.clicked.connect(lambda: on_start(self.prize.text(), self.keyword.text(),
                                                           self.winners.value(), self.minutes.value() * 60,
                                                           self.who.currentData()))
        self.stop_button = QPushButton(tr("立即开奖"))
        self.stop_button.clicked.connect(on_stop)
        self.state = QLabel(tr("没有进行中的福袋"))
        self.state.setWordWrap(True)
        self.state.setTextFormat(Qt.TextFormat.PlainText)  # winners' nicknames are outside text
        self.proof = QLabel()
        self.proof.setWordWrap(True)
        self.proof.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.proof.setStyleSheet("color: #777; font-size: 11px;")
        self.proof.setToolTip(tr("开奖前公布的承诺（种子的 SHA-256）：开奖后公布种子，任何人可用事件日志复算中奖者"))
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # labels above their fields when narrow
        form.addRow(tr("奖品"), self.prize)
        form.addRow(tr("口令"), self.keyword)
        form.addRow(tr("中奖人数"), self.winners)
        form.addRow(tr("时长"), self.minutes)
        form.addRow(tr("参与条件"), self.who)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.state)
        layout.addWidget(self.proof)
        layout.addStretch(1)
        self.setWidget(body)

    def refresh(self, room, now: float) -> None:
        draw = room.state.draw
        keyword, entered, promise, drawn, won = tr("口令"), tr("人参与"), tr("承诺"), tr("已开奖"), tr("中奖")
        if draw is None:
            text, proof = tr("没有进行中的福袋"), ""
        elif draw.open:
            left = max(0, int(draw.ends_at - now))
            text = (f"● {draw.prize} · {keyword} “{draw.keyword}” · {draw.entrants} "
                    f"{entered} · {left // 60:02d}:{left % 60:02d}")
            proof = f"{promise} {draw.commitment}"
        elif draw.drawn:
            names = "、".join(draw.winners) or tr("无人参与")
            text = f"{drawn}: {draw.prize} · {draw.entrants} {entered} · {won}: {names}"
            proof = f"{promise} {draw.commitment}"
        else:
            text, proof = tr("开奖中…"), f"{promise} {draw.commitment}"
        if self.state.text() != text:
            self.state.setText(text)
        if self.proof.text() != proof:
            self.proof.setText(proof)
        is_open = draw is not None and draw.open
        self.start_button.setEnabled(not is_open)
        self.stop_button.setEnabled(is_open)
