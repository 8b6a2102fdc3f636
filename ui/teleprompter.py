"""Teleprompter (提词器): the pinned product's script in large type for a second monitor, auto-scrolling,
optionally mirrored for a beam-splitter glass. It is a window of its own and is never composited into the
stream. Extreme words are highlighted with the reason."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QGuiApplication, QKeySequence, QShortcut, QTextCharFormat, QTextCursor, \
    QTextDocument
from PySide6.QtWidgets import (QCheckBox, QComboBox, QGraphicsScene, QGraphicsTextItem, QGraphicsView, QHBoxLayout,
                               QLabel, QSlider, QSpinBox, QVBoxLayout, QWidget)

from app.console import ExtremeWordChecker
from ui.i18n import QT_TR_NOOP, pick, tr

SECTION_NAMES = {"opening": QT_TR_NOOP("开场"), "selling_points": QT_TR_NOOP("卖点"),
                 "price_anchor": QT_TR_NOOP("价格锚定"), "urgency": QT_TR_NOOP("逼单"),
                 "call_to_action": QT_TR_NOOP("福利 / 引导")}


def choose_screen(names: list[str], console: str, remembered: str | None) -> str:
    """The screen the teleprompter opens on: the one used last time if it is still there, else the first that is
    not the console window's, else the console's own."""
    if remembered in names:
        return remembered
    others = [name for name in names if name != console]
    return others[0] if others else console


class Teleprompter(QWidget):
    def __init__(self, checker: ExtremeWordChecker | None = None, settings: QSettings | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.setWindowTitle(tr("提词器 — 不会出现在直播画面"))
        self.resize(900, 700)
        self.checker = checker or ExtremeWordChecker.from_file()
        self.scene = QGraphicsScene(self)
        self.text = QGraphicsTextItem()
        self.text.setDefaultTextColor(QColor(255, 255, 255))
        self.scene.addItem(self.text)
        self.view = QGraphicsView(self.scene)
        self.view.setBackgroundBrush(QColor(0, 0, 0))
        self.view.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.speed = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=20, value=3)
        self.size = QSpinBox(minimum=16, maximum=120, value=44, suffix=" px")
        self.size.valueChanged.connect(lambda _v: self._render())
        self.mirror = QCheckBox(tr("镜像"))
        self.mirror.toggled.connect(self._apply_mirror)
        self.warnings = QLabel()
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet("color: #c62828;")
        self.screen_box = QComboBox()
        self.screen_box.setToolTip(tr("提词器显示在哪块屏幕"))
        self.fullscreen = QCheckBox(tr("全屏"))
        self.screen_box.activated.connect(lambda _i: self.place_on(self.screen_box.currentData()))
        self.fullscreen.toggled.connect(lambda _on: self.place_on(self.screen_box.currentData()))
        app = QGuiApplication.instance()
        app.screenAdded.connect(lambda _s: self._list_screens())
        app.screenRemoved.connect(lambda _s: QTimer.singleShot(0, self._list_screens))
        self._list_screens()
        controls = QHBoxLayout()
        for widget in (QLabel(tr("速度")), self.speed, QLabel(tr("字号")), self.size, self.mirror,
                       QLabel(tr("屏幕")), self.screen_box, self.fullscreen):
            controls.addWidget(widget)
        for key, slot in (("Space", self.toggle_pause), ("Up", lambda: self.speed.setValue(self.speed.value() + 1)),
                          ("Down", lambda: self.speed.setValue(self.speed.value() - 1)),
                          ("Home", lambda: self.view.verticalScrollBar().setValue(0)),
                          ("F11", self.fullscreen.toggle), ("Esc", self._escape)):
            QShortcut(QKeySequence(key), self, slot)
        self._paused_speed: int | None = None
        self._notices()
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.alert)
        layout.addWidget(self.reminder)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.warnings)
        self._title, self._sections = "", []
        self.hits: list = []
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._scroll)
        self._timer.start(50)

    def _notices(self) -> None:
        """The two lines above the script, never on stream: 公告提醒 (what is due in the next minute) and 预警
        (an alert for the streamer, shown for a minute)."""
        self.reminder = QLabel()  # 公告提醒: what is due in the next minute (never on stream)
        self.reminder.setStyleSheet("color: #ffb300; background: #222; font-size: 28px; font-weight: bold;")
        self.reminder.setTextFormat(Qt.TextFormat.PlainText)
        self.reminder.setWordWrap(True)
        self.reminder.hide()
        self.alert = QLabel()  # 预警 for the streamer, for a minute (never on stream)
        self.alert.setStyleSheet("color: #fff; background: #c62828; font-size: 24px; font-weight: bold;")
        self.alert.setTextFormat(Qt.TextFormat.PlainText)
        self.alert.setWordWrap(True)
        self.alert.hide()
        self._alert_timer = QTimer(self)
        self._alert_timer.setSingleShot(True)
        self._alert_timer.timeout.connect(self.alert.hide)

    # --- which monitor ---------------------------------------------------------------------------------------
    def _list_screens(self) -> None:
        current = self.screen_box.currentData()
        self.screen_box.clear()
        for screen in QGuiApplication.screens():
            g = screen.geometry()
            self.screen_box.addItem(f"{screen.name()} {g.width()}×{g.height()}", screen.name())
        index = self.screen_box.findData(current)
        if index >= 0:
            self.screen_box.setCurrentIndex(index)

    def open_on_chosen_screen(self, console_screen: str) -> None:
        """Show on the remembered monitor, else on one the console is not on (a real second monitor)."""
        remembered = self.settings.value("teleprompter/screen") if self.settings is not None else None
        names = [screen.name() for screen in QGuiApplication.screens()]
        self.place_on(choose_screen(names, console_screen, remembered))

    def place_on(self, name: str | None) -> None:
        screen = next((s for s in QGuiApplication.screens() if s.name() == name), QGuiApplication.primaryScreen())
        self.screen_box.setCurrentIndex(max(0, self.screen_box.findData(screen.name())))
        if self.settings is not None:
            self.settings.setValue("teleprompter/screen", screen.name())
        area = screen.availableGeometry()
        if self.isFullScreen() and not self.fullscreen.isChecked():
            self.showNormal()
        self.setScreen(screen)
        self.setGeometry(area.x() + 40, area.y() + 40, min(self.width(), area.width() - 80),
                         min(self.height(), area.height() - 80))
        if self.fullscreen.isChecked():
            self.showFullScreen()
        else:
            self.show()

    def _escape(self) -> None:
        """Esc: out of full screen first; a second Esc (or the first, when not full screen) closes it."""
        if self.fullscreen.isChecked():
            self.fullscreen.setChecked(False)
        else:
            self.hide()

    def toggle_pause(self) -> None:
        """Space: stop scrolling while the streamer talks off-script; Space again goes on at the same speed."""
        if self._paused_speed is None:
            self._paused_speed = self.speed.value()
            self.speed.setValue(0)
        else:
            self.speed.setValue(self._paused_speed)
            self._paused_speed = None

    def set_alert(self, text: str, seconds: float = 60.0) -> None:
        """An alert above the script for `seconds` (the next one replaces it)."""
        self.alert.setText(text)
        self.alert.show()
        self._alert_timer.start(int(seconds * 1000))

    def set_reminder(self, text: str) -> None:
        """The schedule's next notice a minute ahead (empty: hidden)."""
        if self.reminder.text() != text:
            self.reminder.setText(text)
            self.reminder.setVisible(bool(text))

    def show_script(self, title: str, sections: list[tuple[str, str]]) -> None:
        self._title, self._sections = title, sections
        self._render()
        self.view.verticalScrollBar().setValue(0)

    def _render(self) -> None:
        document = QTextDocument()
        font = QFont(self.font())
        font.setPixelSize(self.size.value())
        document.setDefaultFont(font)
        document.setTextWidth(max(300, self.view.viewport().width() - 40))
        cursor = QTextCursor(document)
        heading = QTextCharFormat()
        heading.setForeground(QColor(255, 214, 102))
        heading.setFontWeight(QFont.Weight.Bold)
        plain = QTextCharFormat()
        plain.setForeground(QColor(255, 255, 255))
        flagged = QTextCharFormat()
        flagged.setForeground(QColor(255, 80, 80))
        flagged.setBackground(QColor(90, 0, 0))
        flagged.setFontUnderline(True)
        cursor.insertText((self._title or tr("未讲解商品")) + "\n", heading)
        self.hits = []
        for kind, text in self._sections:
            cursor.insertText(f"\n【{tr(SECTION_NAMES[kind]) if kind in SECTION_NAMES else kind}】\n", heading)
            position = 0
            for hit in self.checker.check(text):
                cursor.insertText(text[position:hit.start], plain)  # insertText: plain text, never markup
                cursor.insertText(text[hit.start:hit.end], flagged)
                position = hit.end
                self.hits.append(hit)
            cursor.insertText(text[position:] + "\n", plain)
        self.text.setDocument(document)
        self.warnings.setText("  ".join(f"⚠ {h.word}：{pick(h.reason)}" for h in self.hits))

    def _apply_mirror(self, mirrored: bool) -> None:
        self.view.resetTransform()
        if mirrored:
            self.view.scale(-1, 1)

    def _scroll(self) -> None:
        if self.isVisible() and self.speed.value():
            bar = self.view.verticalScrollBar()
            bar.setValue(bar.value() + self.speed.value())
