"""开播's toolbars: where the show goes and what it shows, the options a go-live asks for, the preview before going
live, the on-air light and the sound meter at the menu bar's right. Pressing 开播, 停播 and 开播前检查 is
ui/window/on_air.py's."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QProgressBar, QToolBar, QWidget

from app.console import PRESETS, LiveOptions, redact
from ui import i18n
from ui.i18n import QT_TR_NOOP, tr
from ui.url_field import UrlField
from ui.worker import Worker

CAMERA_MODES = ["640x480@30", "1280x720@30", "1920x1080@30", "1280x720@60", "1920x1080@60", "3840x2160@30"]
DEFAULT_DESTINATION = "默认 Default"  # the keyring entry's name: never translated
FEED = "直播间数据 Feed"  # the platform bridge's keyring entry
LANDSCAPE, PORTRAIT = QT_TR_NOOP("横屏"), QT_TR_NOOP("竖屏")
CANVASES = [(LANDSCAPE, "720p30 1280x720", (1280, 720, 30)), (LANDSCAPE, "1080p30 1920x1080", (1920, 1080, 30)),
            (PORTRAIT, "720x1280 30", (720, 1280, 30)), (PORTRAIT, "1080x1920 30", (1080, 1920, 30)),
            (LANDSCAPE, "720p25 1280x720", (1280, 720, 25))]


class ShowControls:
    """The go-live area of the main window (`window.show_controls`): its widgets and actions (connected by
    `window.on_air`), the options a go-live asks for. `window` gives the service, the settings, the status line."""

    def __init__(self, window) -> None:
        self.window = window
        self.service = window.service
        self.media_file: str | None = None
        self.previewer = Worker(window, "preview")  # opens the preview off the window's thread
        self._preview_again = False
        self._build_live_bar()
        window.addToolBarBreak()
        self._build_picture_bar()
        self._build_corner()

    # --- building ----------------------------------------------------------------------------------------
    def _build_live_bar(self) -> None:
        window = self.window
        bar = QToolBar(tr("直播"))
        bar.setObjectName("live toolbar")
        window.addToolBar(bar)
        self.destination = UrlField()  # the server readable, the key masked
        self.platform = QComboBox()
        self.platform.addItem(tr("平台…"), "")
        for name, server in PRESETS.items():
            if server:
                self.platform.addItem(i18n.label(name), server)
        self.platform.activated.connect(self._use_preset)
        self.record = QCheckBox(tr("录制"))
        self.record.setChecked(True)
        self.session_title = QLineEdit()  # the session's name in the review (empty: the mode and the date)
        self.session_title.setObjectName("session title")
        self.session_title.setPlaceholderText(tr("场次标题（如：双11 零食专场）"))
        self.session_title.setMaxLength(200)
        self.session_title.setMaximumWidth(220)
        self.audience = QCheckBox(tr("模拟观众"))
        self.audience.setChecked(True)
        self.mode = QComboBox()  # 演练 / 直播: every start begins as a rehearsal; Live is always a choice
        self.mode.addItem("◇ " + tr("演练"), "rehearsal")
        self.mode.addItem("● " + tr("直播"), "live")
        self.mode.setToolTip(tr("演练：可用模拟观众，画面带“演练”角标，只录制或推到测试服务器；直播：只接收真实直播间数据"))
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.check_action = QAction("✓ " + tr("开播前检查"), window)
        self.check_action.setShortcut(QKeySequence("Ctrl+Shift+K"))
        self.check_action.setToolTip(tr("推流服务器握手（不发送密钥）、磁盘、极限词、库存与直播价、优惠券、直播间数据"))
        self.upload_action = QAction(tr("开播前检查 + 上行测速…"), window)
        self.go_live_action = QAction("● " + tr("开播"), window)
        self.go_live_action.setShortcut(QKeySequence("Ctrl+L"))
        self.stop_action = QAction("■ " + tr("停播"), window)
        self.stop_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.stop_action.setEnabled(False)
        self.health = QLabel("")
        self.save_key_action = QAction(tr("保存密钥"), window)
        self.save_key_action.triggered.connect(self.save_destination)
        # go live and stop first: what a narrow screen hides behind the toolbar's » is at its end
        bar.addWidget(self.mode)
        bar.addAction(self.go_live_action)
        bar.addAction(self.stop_action)
        bar.addSeparator()
        for widget in (self.platform, self.destination):
            bar.addWidget(widget)
        bar.addAction(self.save_key_action)
        bar.addWidget(self.record)
        bar.addWidget(self.session_title)
        bar.addAction(self.check_action)
        bar.addWidget(self.health)
        saved = window.keys.full_url(DEFAULT_DESTINATION)
        if saved:
            self.destination.setText(saved)

    def _build_picture_bar(self) -> None:
        picture = QToolBar(tr("画面"))  # a second row: what goes on the stream
        picture.setObjectName("picture toolbar")
        self.window.addToolBar(picture)
        self.source = QComboBox()
        self.source.addItem(tr("测试图"), "testsrc")
        found = self.service.stage.cameras()
        for index, name in ([(i, None) for i in range(4)] if found is None else found):  # None: no list on this OS
            self.source.addItem(tr("摄像头") + f" {index}" + (f" · {name}" if name else ""), f"cam:{index}")
        self.source.addItem(tr("媒体文件…"), "file")
        self.source.setToolTip(tr("画面来源"))
        self.camera_mode = QComboBox()
        self.camera_mode.addItem(tr("摄像头：同画布"), "")
        for mode in CAMERA_MODES:
            self.camera_mode.addItem(mode.replace("@", " @ ") + " fps", mode)
        self.camera_mode.setToolTip(tr("向摄像头请求的分辨率/帧率（与画布无关，画面按画布缩放）"))
        self.mirror = QCheckBox(tr("镜像"))
        self.canvas = QComboBox()
        for orientation, label, (w, h, fps) in CANVASES:
            # item data is a string: Qt item data does not keep tuples
            self.canvas.addItem(f"{tr(orientation)} {label}", f"{w}x{h}x{fps}")
        self.canvas.setToolTip(tr("画布：抖音、淘宝手机直播间用竖屏"))
        self.mute = QCheckBox(tr("静音"))
        self.mute.setShortcut(QKeySequence("Ctrl+M"))
        self.mute.toggled.connect(self._set_muted)
        self.microphone = QComboBox()  # with a camera: which microphone (a file or the test pattern has its own)
        self.microphone.addItem(tr("麦克风：系统默认"), "")
        for index, name in self.service.stage.microphones() or []:
            self.microphone.addItem("🎤 " + name, str(index))
        self.microphone.addItem(tr("不用麦克风"), "off")
        self.microphone.setToolTip(tr("摄像头画面配的声音（媒体文件和测试图用自带的声音）"))
        for widget in (self.source, self.camera_mode, self.mirror, self.canvas, self.audience, self.microphone,
                       self.mute):
            picture.addWidget(widget)

    def _build_corner(self) -> None:
        """The on-air light with its time, and the sound's level, at the menu bar's right: never behind a
        toolbar's » on a laptop's 1366 px (issue #26)."""
        menu_bar = self.window.menuBar()
        self.meter = QProgressBar()
        self.meter.setRange(0, 60)  # -60 dBFS … 0 dBFS
        self.meter.setFixedWidth(150)
        self.meter.setToolTip(tr("声音峰值（dBFS）：长时间贴近 0 会爆音"))
        self.timer_label = QLabel("00:00:00")
        self.corner = QWidget(menu_bar)  # kept: PySide does not take the corner over
        row = QHBoxLayout(self.corner)
        row.setContentsMargins(0, 0, 6, 0)
        row.addWidget(self.meter)
        row.addWidget(self.timer_label)
        longest = max((f"● {word} 00:00:00" for word in (tr("演练中"), tr("直播中", "on-air light"))), key=len)
        self.timer_label.setMinimumWidth(self.timer_label.fontMetrics().horizontalAdvance(longest) + 24)
        menu_bar.setCornerWidget(self.corner, Qt.Corner.TopRightCorner)

    def connect_preview(self) -> None:
        """The preview follows the source, canvas, camera mode, microphone and mirror (after the window is built)."""
        for signal in (self.source.currentIndexChanged, self.canvas.currentIndexChanged,
                       self.camera_mode.currentIndexChanged, self.microphone.currentIndexChanged):
            signal.connect(lambda _i: self.refresh_preview())
        self.source.currentIndexChanged.connect(lambda _i: self._camera_mode_enabled())
        self._camera_mode_enabled()
        self.mirror.toggled.connect(lambda _on: self.refresh_preview())
        QTimer.singleShot(0, self.refresh_preview)

    # --- what a go-live asks for -------------------------------------------------------------------------
    def urls(self) -> tuple[list[str], list[str]]:
        """Where this show pushes: the toolbar's address, then the ticked destinations of the list (names, URLs)."""
        main = self.destination.text().strip()
        ticked = self.window.destinations.ticked_urls()
        return (([DEFAULT_DESTINATION] if main else []) + [name for name, _ in ticked],
                ([main] if main else []) + [url for _, url in ticked])

    def options(self, urls: list[str] | tuple[str, ...] = (), ask_for_file: bool = False) -> LiveOptions | None:
        source = self.source.currentData()
        if source == "file":
            source = self.media_file or (self._pick_media_file() if ask_for_file else None)
            if not source:
                return None
        width, height, fps = self.canvas_size()
        rehearsal = self.rehearsal
        return LiveOptions(rehearsal=rehearsal, destinations=tuple(urls), record=self.record.isChecked(),
                           simulated_audience=rehearsal and self.audience.isChecked(), source=source,
                           mirror=self.mirror.isChecked(), width=width, height=height, fps=fps,
                           camera_mode=self.camera_mode.currentData() if source.startswith("cam:") else "",
                           microphone=self.microphone.currentData(),
                           feed_url=self.window.doors.feed_url, title=self.session_title.text(),
                           bitrate=2_500_000 if width * height <= 1280 * 720 else 4_500_000)

    def canvas_size(self) -> tuple[int, int, int]:
        """The chosen canvas: (width, height, fps)."""
        width, height, fps = (int(v) for v in self.canvas.currentData().split("x"))
        return width, height, fps

    @property
    def rehearsal(self) -> bool:
        return self.mode.currentData() == "rehearsal"

    def _mode_changed(self) -> None:
        """Live: the simulated audience is off and cannot be turned on; the mode shows in red."""
        live = not self.rehearsal
        self.audience.setEnabled(not live)
        if live:
            self.audience.setChecked(False)
        self.mode.setStyleSheet("background: #c62828; color: white; font-weight: bold;" if live else "")
        self.refresh_preview()  # the 演练 mark comes and goes in the preview too

    def refresh_preview(self) -> None:
        """Before going live the preview shows the chosen source on the chosen canvas (nothing is sent). Opened
        on a thread of its own (a camera can take a second to open; after 停播 the window answers at once); asked
        again meanwhile, it opens once more with what is chosen then."""
        if self.service.live:
            return
        if self.previewer.busy:
            self._preview_again = True
            return
        self._preview_again = False
        options, stage = self.options(), self.service.stage  # read here: the thread holds no Qt object
        job = stage.stop_preview if options is None else (lambda: stage.start_preview(options))
        self.previewer.start(job, lambda result: self._preview_opened(options, result))

    @property
    def preview_settled(self) -> bool:
        """No preview being opened nor asked for again (what the toolbars chose is what runs)."""
        return not self.previewer.busy and not self._preview_again

    def _preview_opened(self, options, result) -> None:
        if options is None or isinstance(result, Exception):
            self.window.preview.show_frame(None)
        if isinstance(result, Exception):  # a source that cannot open: said, the preview stays dark
            self.window.message(redact(str(result)), error=True)
        if self._preview_again:
            self.refresh_preview()

    def _camera_mode_enabled(self) -> None:
        self.camera_mode.setEnabled(str(self.source.currentData()).startswith("cam:"))

    def _use_preset(self, index: int) -> None:
        server = self.platform.itemData(index)
        if server:
            self.destination.setText(server.rstrip("/") + "/")
            self.destination.setFocus()
            self.window.message(tr("粘贴平台给的串流密钥到地址末尾"))

    def _pick_media_file(self) -> str | None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(self.window, tr("媒体文件"), "",
                                              "Media (*.mp4 *.mkv *.mov *.flv *.png *.jpg *.jpeg)")
        self.media_file = path or None
        return self.media_file

    def save_destination(self) -> None:
        """Remember the destination: server in the data folder, key in the OS keyring (never in files)."""
        url = self.destination.text().strip()
        if not url:
            self.window.message(tr("请先填写推流地址"), error=True)
            return
        keys = self.window.keys
        destination = keys.save(DEFAULT_DESTINATION, url)
        if keys.fallback_message:
            self.window.message(keys.fallback_message, error=True)
        else:
            self.window.message(tr("已保存") + f": {destination.shown} " + tr("（密钥在系统钥匙串）"))

    # --- the sound ---------------------------------------------------------------------------------------------
    def _set_muted(self, muted: bool) -> None:
        self.service.desk.set_muted(muted)
        self.mute.setStyleSheet("color: #c62828; font-weight: bold;" if muted else "")

    def follow_mute(self, muted: bool) -> None:
        """The desk says muted (here or from a control surface): the box follows."""
        if self.mute.isChecked() != muted:
            self.mute.setChecked(muted)

    def tick_meter(self) -> None:
        level = self.service.stage.audio_level()
        self.meter.setValue(0 if level is None else max(0, round(level + 60)))
        self.meter.setFormat((tr("已静音") + " · " if self.mute.isChecked() else "")
                             + ("—" if level is None or level <= -60 else f"{level:.0f} dB"))

    # --- layout memory -----------------------------------------------------------------------------------------
    def _remembered_boxes(self) -> dict:
        return {"record": self.record, "audience": self.audience, "mirror": self.mirror}

    def restore(self, settings) -> None:
        for key, box in self._remembered_boxes().items():
            box.setChecked(settings.value(f"live/{key}", box.isChecked(), type=bool))
        remembered = str(settings.value("live/source", "testsrc"))
        index = self.source.findData(remembered)
        if index < 0 and remembered.startswith("cam:") and remembered[4:].isdigit():
            # the camera used last time is not plugged in: kept, marked, so going live says so clearly
            self.source.insertItem(self.source.count() - 1, tr("摄像头") + f" {remembered[4:]} · " + tr("未找到"),
                                   remembered)
            index = self.source.findData(remembered)
        if index >= 0:
            self.source.setCurrentIndex(index)
        self.canvas.setCurrentIndex(int(settings.value("live/canvas", 0)))
        self.camera_mode.setCurrentIndex(max(0, self.camera_mode.findData(settings.value("live/camera_mode", ""))))
        microphone = str(settings.value("live/microphone", ""))
        if self.microphone.findData(microphone) < 0 and microphone.isdigit():
            # the microphone chosen last time is not plugged in: kept, marked (going live sends silence and says so)
            self.microphone.insertItem(self.microphone.count() - 1, "🎤 " + microphone + " · " + tr("未找到"),
                                       microphone)
        self.microphone.setCurrentIndex(max(0, self.microphone.findData(microphone)))

    def remember(self, settings) -> None:
        for key, box in self._remembered_boxes().items():
            settings.setValue(f"live/{key}", box.isChecked())
        settings.setValue("live/source", self.source.currentData())
        settings.setValue("live/canvas", self.canvas.currentIndex())
        settings.setValue("live/camera_mode", self.camera_mode.currentData())
        settings.setValue("live/microphone", self.microphone.currentData())

