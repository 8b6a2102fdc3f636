"""场景 dock: one button per scene (Ctrl+1 … Ctrl+9 for the first nine), the one on air checked; a cut or a fade."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QDockWidget, QLabel, QPushButton, QVBoxLayout, QWidget)

from app.console import ActionRefused
from ui.i18n import label, pick, tr


class ScenesDock(QDockWidget):
    def __init__(self, service, on_message, parent: QWidget | None = None) -> None:
        super().__init__(tr("场景"), parent)
        self.setObjectName("scenes")
        self.service, self._message = service, on_message
        self.fade = QCheckBox(tr("淡入淡出（0.3 秒）"))
        self.fade.setToolTip(tr("不勾选：直接切换"))
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QPushButton] = {}
        body = QWidget()
        self._layout = QVBoxLayout(body)
        self._layout.setAlignment(Qt.AlignmentFlag.AlignTop)  # the buttons stay under the hint, however tall
        hint = QLabel(tr("点击或按 Ctrl+数字 切换直播画面"))
        hint.setWordWrap(True)
        self._layout.addWidget(hint)
        self._layout.addWidget(self.fade)
        self.setWidget(body)
        self.rebuild()

    def rebuild(self) -> None:
        for button in self.buttons.values():
            self.group.removeButton(button)
            button.deleteLater()
        self.buttons = {}
        for number, name in enumerate(self.service.desk.scene_names(), 1):
            shown = label(name)  # "主播全屏 Host": the chosen language's half
            button = QPushButton(f"{number}. {shown}" if number <= 9 else shown)
            button.setCheckable(True)
            if number <= 9:
                button.setToolTip(f"Ctrl+{number}")
            button.clicked.connect(lambda _checked=False, n=name: self.switch(n))
            self.group.addButton(button)
            self._layout.addWidget(button)
            self.buttons[name] = button
        self.refresh()

    def switch(self, name: str) -> None:
        try:
            self.service.desk.switch_scene(name, "fade" if self.fade.isChecked() else "cut")
        except ActionRefused as exc:
            self._message(pick(str(exc)), error=True)
        self.refresh()

    def switch_number(self, number: int) -> None:
        names = self.service.desk.scene_names()
        if 1 <= number <= min(9, len(names)):
            self.switch(names[number - 1])

    def refresh(self) -> None:
        button = self.buttons.get(self.service.desk.program_scene)
        if button is not None and not button.isChecked():
            button.setChecked(True)
