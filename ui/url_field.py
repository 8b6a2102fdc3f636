"""The toolbar's push address as two fields: the server stays readable, only the stream key is masked.

A whole `rtmp://HOST/APP/KEY` pasted into the server field is split when the field is left: the key moves into the
masked field (and off the screen). `text()` / `setText()` take and give the whole URL, as one field did.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QWidget

from app.console import split_url
from ui.i18n import tr


class UrlField(QWidget):
    changed = Signal()  # either part edited (the destinations list follows the toolbar's address)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.server = QLineEdit()
        self.server.setPlaceholderText("rtmp://HOST/APP/")
        self.server.setToolTip(tr("推流服务器（可直接粘贴完整推流地址，密钥会移到右边并隐藏）"))
        self.server.setMinimumWidth(260)
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText(tr("串流密钥（留空则只录制）"))
        self.key.setMinimumWidth(140)
        self.server.editingFinished.connect(self._split_pasted)
        for field in (self.server, self.key):
            field.textChanged.connect(lambda _text: self.changed.emit())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.server, 3)
        layout.addWidget(self.key, 2)

    @staticmethod
    def _whole_url(text: str) -> bool:
        return text.startswith(("rtmp://", "rtmps://")) and text.rstrip("/").count("/") >= 4 and not text.endswith("/")

    def _split_pasted(self) -> None:
        text = self.server.text().strip()
        if not self.key.text().strip() and self._whole_url(text):
            self.setText(text)  # a whole URL with its key: the key goes into the masked field

    def text(self) -> str:
        """The whole URL (server/KEY); "" when both fields are empty (record only). Reading never edits the
        fields: a whole URL still in the server field (not yet left) is given as it is."""
        server, key = self.server.text().strip(), self.key.text().strip()
        if not server and not key:
            return ""
        if not key:
            return server
        return f"{server.rstrip('/')}/{key}"

    def setText(self, url: str) -> None:  # noqa: N802 - QLineEdit's name, kept
        url = url.strip()
        if not url:
            self.server.clear()
            self.key.clear()
            return
        server, key = split_url(url)
        self.server.setText(server.rstrip("/") + "/")
        self.key.setText(key)

    def setFocus(self) -> None:  # noqa: N802 - Qt's name
        (self.key if self.server.text() else self.server).setFocus()
