"""Changes made elsewhere — a control surface, an assistant, a headless caller on another thread — reach the window
as Qt signals, delivered on the window's thread (Qt queues a signal emitted from another thread to its receiver's)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class CoreSignals(QObject):
    """The console's listeners as signals; `close()` before the window goes (no signal after it)."""

    desk_changed = Signal(object)  # the desk's Change: which of the studio's settings changed (read desk.settings)
    on_air_changed = Signal(bool)  # a go-live (True) or its stop (False), from the window or a control surface

    def __init__(self, service, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._unsubscribe = service.desk.subscribe(self.desk_changed.emit)
        service.on_air_changed.append(self.on_air_changed.emit)

    def close(self) -> None:
        self._unsubscribe()
        if self.on_air_changed.emit in self._service.on_air_changed:
            self._service.on_air_changed.remove(self.on_air_changed.emit)
