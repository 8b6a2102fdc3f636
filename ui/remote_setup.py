"""远程场控 settings before the server starts: which interface (the LAN, or this machine only), which port,
and wss:// (on by default: the pairing token never crosses the studio network in clear)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QSpinBox

from ui.i18n import tr


@dataclass(frozen=True)
class RemoteSetup:
    host: str = "0.0.0.0"  # every interface (the LAN); "127.0.0.1": this machine only
    port: int = 8765
    tls: bool = True

    @classmethod
    def from_settings(cls, settings) -> RemoteSetup:
        return cls(str(settings.value("remote/host", "0.0.0.0")), int(settings.value("remote/port", 8765)),
                   str(settings.value("remote/tls", "true")).lower() == "true")

    def save(self, settings) -> None:
        settings.setValue("remote/host", self.host)
        settings.setValue("remote/port", self.port)
        settings.setValue("remote/tls", "true" if self.tls else "false")


class RemoteSetupDialog(QDialog):
    def __init__(self, setup: RemoteSetup, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("允许局域网场控"))
        self.interface = QComboBox()
        self.interface.addItem(tr("局域网（所有网卡）"), "0.0.0.0")
        self.interface.addItem(tr("仅本机", "choice"), "127.0.0.1")
        self.interface.setCurrentIndex(max(0, self.interface.findData(setup.host)))
        self.port = QSpinBox()
        self.port.setRange(1024, 65535)
        self.port.setValue(setup.port if 1024 <= setup.port <= 65535 else 8765)
        self.tls = QCheckBox(tr("加密 wss://（推荐：配对码不以明文经过网络）"))
        self.tls.setChecked(setup.tls)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(tr("监听", "form field"), self.interface)
        form.addRow(tr("端口"), self.port)
        form.addRow(self.tls)
        form.addRow(buttons)

    def setup(self) -> RemoteSetup:
        return RemoteSetup(self.interface.currentData(), self.port.value(), self.tls.isChecked())
