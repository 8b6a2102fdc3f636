"""The window's 场景 dock and 控制面板 (offscreen): a button and Ctrl+number per scene, the one on air checked and
kept for the next start; control surfaces allowed from the menu and switching the window's scene themselves."""

from __future__ import annotations

import obsws_python as obs
from PySide6.QtCore import QSettings

from app.console import ConsoleService
from app.store.db import Database


def test_scenes_switch_from_the_dock_and_from_a_control_surface(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    from ui.main_window import MainWindow

    service = ConsoleService(Database(f"sqlite:///{tmp_path / 'console.db'}"))
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    window = MainWindow(service, settings)
    qtbot.addWidget(window)
    try:
        names = service.desk.scene_names()
        assert list(window.scenes.buttons) == names and window.scenes.buttons[names[0]].isChecked()
        window.scenes.switch_number(2)  # what Ctrl+2 does
        assert service.desk.program_scene == names[1] and window.scenes.buttons[names[1]].isChecked()
        window.scenes.switch_number(7)  # no seventh scene: nothing happens
        assert service.desk.program_scene == names[1]

        window.doors.ask_control_password = lambda: ("deck-pw", True)
        window.doors.control_action.setChecked(True)
        server = service.doors.control
        assert server is not None and server.host == "0.0.0.0" and str(server.port) in window.doors.control_label.text()
        deck = obs.ReqClient(host="127.0.0.1", port=server.port, password="deck-pw", timeout=10)
        deck.set_current_program_scene(names[2])
        deck.toggle_input_mute("麦克风 Mic")
        deck.disconnect()
        # no timer: the desk's change arrives as a signal on the window's thread
        qtbot.waitUntil(lambda: window.scenes.buttons[names[2]].isChecked() and window.show_controls.mute.isChecked(),
                        timeout=5000)
        window.doors.control_action.setChecked(False)
        assert service.doors.control is None and window.doors.control_label.text() == ""

        window.close()
        again = MainWindow(service, settings)
        qtbot.addWidget(again)
        assert again.scenes.buttons[names[2]].isChecked()  # the scene on air is kept for the next start
        again.close()
    finally:
        service.close()


def test_the_camera_filters_are_set_refused_and_kept(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    from ui.filters_dialog import FiltersDialog
    from ui.main_window import MainWindow

    service = ConsoleService(Database(f"sqlite:///{tmp_path / 'console.db'}"))
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    window = MainWindow(service, settings)
    qtbot.addWidget(window)
    try:
        dialog = FiltersDialog(None, 0.0, window)
        dialog.key.setChecked(True)
        dialog.beauty.setValue(40)
        chroma, beauty, background = dialog.values()
        assert chroma["colour"] == (64, 177, 0) and beauty == 0.4 and background == ""  # green, BGR
        assert window.desk.edit_filters((chroma, beauty)) and service.desk.settings.chroma is not None
        assert not window.desk.edit_filters((None, 1.5))  # refused with its reason; what was set stays
        assert "strength" in window.statusBar().currentMessage() and service.desk.settings.beauty == 0.4
        qtbot.waitUntil(lambda: service.stage.camera_still() is not None, timeout=10000)  # the preview's camera input
        still = service.stage.camera_still()
        assert still.ndim == 3 and still.shape[2] == 3  # before the key: never a keyed (BGRA) picture
        picker = FiltersDialog(None, 0.0, "", window, still=service.stage.camera_still, key_colour=service.stage.key_colour)
        assert picker.from_picture.isEnabled() and not picker.key.isChecked()
        assert picker.use_point(still, 0.5, 0.5) and picker.key.isChecked()
        assert picker.values()[0]["colour"] == service.stage.key_colour(still, 0.5, 0.5)  # the picked colour is keyed
        assert not picker.use_point(still, float("nan"), 0.5) and picker.problem.text()  # said in the dialog
        from PySide6.QtCore import QPoint, Qt

        from ui.filters_dialog import StillPicker

        chooser = StillPicker(still, window)  # the click on the camera's picture
        qtbot.mouseClick(chooser.still, Qt.MouseButton.LeftButton,
                         pos=QPoint(chooser.still.width() // 4, chooser.still.height() // 2))
        x, y = chooser.point
        assert abs(x - 0.25) < 0.01 and abs(y - 0.5) < 0.01
        window.close()
        service.desk.set_filters(None, 0.0)
        again = MainWindow(service, settings)
        qtbot.addWidget(again)
        assert service.desk.settings.chroma is not None and service.desk.settings.beauty == 0.4  # kept for the next start
        again.close()
    finally:
        service.close()


def test_a_control_surface_starts_and_stops_the_show_and_the_window_follows(qtbot, tmp_path, monkeypatch):
    """StartStream / StopStream from a deck: the on-air light, the timer and the buttons follow through the bridge's
    signal (no timer looks for it)."""
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    from app.console import LiveOptions
    from ui.main_window import MainWindow

    service = ConsoleService(Database(f"sqlite:///{tmp_path / 'console.db'}"))
    service.control_options = lambda: LiveOptions(recording_path=str(tmp_path / "deck.mkv"), width=320, height=180,
                                                  fps=15, audience_rate=20)
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    window = MainWindow(service, settings)
    qtbot.addWidget(window)
    for timer in window._timers:  # only the signal may tell the window
        timer.stop()
    controls = window.show_controls
    try:
        server = service.doors.open_control(port=0, password="deck-pw")
        deck = obs.ReqClient(host="127.0.0.1", port=server.port, password="deck-pw", timeout=10)
        deck.start_stream()
        qtbot.waitUntil(lambda: controls.stop_action.isEnabled() and not controls.go_live_action.isEnabled(),
                        timeout=5000)
        assert window.on_air.live_since is not None and "演练中" in controls.timer_label.text()
        deck.stop_stream()
        deck.disconnect()
        qtbot.waitUntil(lambda: controls.go_live_action.isEnabled() and not controls.stop_action.isEnabled(),
                        timeout=10000)
        assert window.on_air.live_since is None and controls.timer_label.text() == "00:00:00"
        assert window.stats_label.text() in ("未开播 not live", "未开播")
    finally:
        window.confirm = lambda question: True
        window.close()
        service.close()
