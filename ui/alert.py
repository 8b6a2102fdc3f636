"""A message that stays until the streamer dismisses it (a failed go-live): unlike the status bar, it never fades."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from ui.i18n import pick, tr


class AlertBar(QFrame):
    """Red bar above the preview; plain text only (outside text never renders as rich text)."""

    def __init__(self) -> None:
        super().__init__()
        self.setStyleSheet("AlertBar { background: #fdecea; border: 1px solid #c62828; }"
                           "QLabel { color: #8e0000; font-weight: bold; }")
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.dismiss = QPushButton(tr("知道了"))
        self.dismiss.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.dismiss, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(self, text: str) -> None:
        self.label.setText("⚠ " + pick(text))
        self.show()

    @property
    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""


class LiveAlertBar(QFrame):
    """预警 while live: the newest alert with why and what to do, amber, above the preview (never on stream); the
    ones before it in its tooltip. Dismissed by the streamer, replaced by the next alert."""

    KEPT = 10

    def __init__(self) -> None:
        super().__init__()
        self.setStyleSheet("LiveAlertBar { background: #fff4e5; border: 1px solid #ef6c00; }"
                           "QLabel { color: #8a4b00; font-weight: bold; }")
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.dismiss = QPushButton(tr("知道了"))
        self.dismiss.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.dismiss, 0, Qt.AlignmentFlag.AlignTop)
        self.history: list[str] = []
        self.hide()

    def show_alert(self, at: str, text: str, advice: str) -> str:
        """Show one alert ("12:30 在线从 … → 换节奏 …"); returns the line shown."""
        word = tr("预警")
        line = f"⚠ {word} {at}  {pick(text)}  →  {pick(advice)}"
        self.history = [line, *self.history][: self.KEPT]
        self.label.setText(line)
        self.setToolTip("\n".join(self.history))
        self.show()
        return line
