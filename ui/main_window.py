"""The main window: preview, go live / stop, health and stats, and the docks an assistant works in."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QMainWindow, QMessageBox, QProgressBar,
                               QToolBar, QVBoxLayout, QWidget)

from app.console import (PRESETS, ActionRefused, CatalogImportError, ConsoleService, DestinationError,
                         FilterError, KeyStore, LiveOptions, SceneError, due, feed_problem, format_clock, format_schedule, parse_schedule,
                         redact, redact_url, scenes_from_json, scenes_to_json)
from ui.docks.comments import CommentsDock
from ui.docks.coupons import CouponsDock
from ui.docks.destinations import DestinationsDock
from ui.docks.draw import DrawDock
from ui.docks.faq import FaqDialog, FaqDock, ScheduleDialog, reminder_text
from ui.docks.graphs import GraphsDock
from ui.docks.products import ProductsDock
from ui.docks.scenes import ScenesDock
from ui.docks.scripts import ScriptsDock
from ui import i18n
from ui.alert import AlertBar
from ui.bridge import CoreSignals
from ui.i18n import QT_TR_NOOP, pick, tr
from ui.preview import PreviewWidget
from ui.url_field import UrlField

log = logging.getLogger(__name__)

CAMERA_MODES = ["640x480@30", "1280x720@30", "1920x1080@30", "1280x720@60", "1920x1080@60", "3840x2160@30"]
DEFAULT_DESTINATION = "默认 Default"  # the keyring entry's name: never translated
FEED = "直播间数据 Feed"  # the platform bridge's keyring entry
LANDSCAPE, PORTRAIT = QT_TR_NOOP("横屏"), QT_TR_NOOP("竖屏")
CANVASES = [(LANDSCAPE, "720p30 1280x720", (1280, 720, 30)), (LANDSCAPE, "1080p30 1920x1080", (1920, 1080, 30)),
            (PORTRAIT, "720x1280 30", (720, 1280, 30)), (PORTRAIT, "1080x1920 30", (1080, 1920, 30)),
            (LANDSCAPE, "720p25 1280x720", (1280, 720, 25))]
# labels are (中文, English) pairs, shown through tr() when the window is built (the language is chosen by then)
OVERLAYS = [("product_card", QT_TR_NOOP("商品卡")), ("coupon", QT_TR_NOOP("优惠券")),
            ("flash_sale", QT_TR_NOOP("秒杀倒计时")), ("comments", QT_TR_NOOP("评论滚动")),
            ("pinned_comment", QT_TR_NOOP("置顶评论")), ("draw", QT_TR_NOOP("福袋")),
            ("reply", QT_TR_NOOP("回复卡")), ("notice", QT_TR_NOOP("公告"))]
SHORTCUTS = [("F5", QT_TR_NOOP("讲解选中商品")), ("F6", QT_TR_NOOP("上一个商品")),
             ("F7", QT_TR_NOOP("下一个商品")), ("F8", QT_TR_NOOP("提词器（第二屏）：打开 / 关闭")),
             ("Space / ↑ ↓ / F11", QT_TR_NOOP("提词器：暂停、速度、全屏")),
             ("Ctrl+L", QT_TR_NOOP("开播")), ("Ctrl+Shift+L", QT_TR_NOOP("停播")),
             ("Ctrl+M", QT_TR_NOOP("静音 / 取消静音")), ("Ctrl+R", QT_TR_NOOP("场次复盘")),
             ("F9", QT_TR_NOOP("回复选中的提问（上屏）")),
             ("Ctrl+Z", QT_TR_NOOP("撤销上一个直播操作（改价、库存、讲解、发券、秒杀、回复、公告）")),
             ("Ctrl+1 … Ctrl+9", QT_TR_NOOP("切换到第 1–9 个场景")), ("Ctrl+Q", QT_TR_NOOP("退出")),
             ("F1", QT_TR_NOOP("快捷键"))]


class MainWindow(QMainWindow):
    def __init__(self, service: ConsoleService, settings: QSettings | None = None) -> None:
        super().__init__()
        self.service = service
        self.settings = settings or QSettings("AnchorConsole", "AnchorConsole")
        i18n.set_mode(str(self.settings.value("ui/language", i18n.BOTH)))  # before any label is made
        title = tr("主播中控台")
        if len(service.history.studios()) > 1:  # a shared database: whose catalogue and sessions these are
            title += f" — {service.history.studio}"
        self.setWindowTitle(title)
        self.resize(1440, 900)
        self.confirm = self._ask  # tests replace this to answer dialogs
        self.choose = self._choose  # (question, {key: button text}) → key or None; tests replace it too
        self.ask_remote_setup = self._ask_remote_setup  # RemoteSetup → RemoteSetup or None (cancelled)
        self.inform = lambda title, text: QMessageBox.information(self, title, text)
        self.preview = PreviewWidget()
        self.preview.overlay_boxes = service.stage.overlay_boxes
        self.preview.canvas_size = service.stage.canvas_size
        self.preview.on_move = service.desk.place_overlay
        self.preview.on_drop = self._dropped_overlay
        self.preview.labels = {kind: tr(label) for kind, label in OVERLAYS}
        self.preview.setToolTip(tr("拖动画面上的叠加层来摆放（Esc 取消）"))
        self.alert = AlertBar()  # a failed go-live: stays until dismissed
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.alert)
        column.addWidget(self.preview, 1)
        self.setCentralWidget(central)
        self._build_toolbar()
        self.comments = CommentsDock(lambda event: self._act("pin_comment", event), on_block=self.block_user)
        self.products = ProductsDock(
            lambda pid: self._act("pin_product", pid),
            lambda: self._act("next_product"),
            lambda: self._act("previous_product"),
            on_price=lambda pid, cents: self._act("set_live_price", pid, cents),
            on_stock=lambda pid, stock: self._act("set_stock", pid, stock),
            on_import=self.import_catalogue)
        self.coupons = CouponsDock(
            lambda cid, qty, secs: self._act("drop_coupon", cid, qty, secs),
            lambda cid: self._act("stop_coupon", cid),
            lambda pid, price, stock, secs: self._act("start_flash_sale", pid, price, stock, secs),
            lambda: self._act("stop_flash_sale"),
            on_save=self.save_coupon)
        self.draw = DrawDock(lambda prize, keyword, winners, seconds, who:
                             self._act("start_draw", prize, keyword, winners, seconds, who),
                             lambda: self._act("stop_draw"))
        self.faq = FaqDock(self.reply, lambda: self._act("clear_reply"), lambda text: self._act("pin_notice", text),
                           lambda: self._act("unpin_notice"), on_auto=service.desk.set_faq_auto, on_edit=self.edit_faqs,
                           on_schedule=self.edit_schedule)
        self.faq.auto.setChecked(service.desk.settings.faq_auto)
        self.graphs = GraphsDock()
        self.scripts = ScriptsDock(service, on_saved=lambda: self._update_teleprompter(force=True))
        self._restore_scenes()
        self._restore_filters()
        self.scenes = ScenesDock(service, self._message)
        self.keys = KeyStore()
        self.destinations = DestinationsDock(self.keys, (DEFAULT_DESTINATION, FEED), self._message)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.products)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.coupons)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.comments)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.graphs)
        self.tabifyDockWidget(self.graphs, self.scenes)
        self.tabifyDockWidget(self.graphs, self.destinations)
        self.tabifyDockWidget(self.coupons, self.scripts)
        self.tabifyDockWidget(self.coupons, self.draw)
        self.tabifyDockWidget(self.comments, self.faq)
        self.coupons.raise_()
        self.comments.raise_()
        self.scenes.raise_()
        self.resizeDocks([self.products, self.comments], [470, 380], Qt.Orientation.Horizontal)
        self.resizeDocks([self.products, self.coupons], [420, 480], Qt.Orientation.Vertical)
        self.resizeDocks([self.comments, self.graphs], [420, 480], Qt.Orientation.Vertical)
        self._shortcuts()
        self.stats_label = QLabel(tr("未开播"))
        self.notices = QLabel()  # camera lost, no microphone, encoder fell back…: what the streamer must know
        self.notices.setStyleSheet("color: #c62828; font-weight: bold;")
        self.statusBar().addPermanentWidget(self.notices)
        self.statusBar().addPermanentWidget(self.stats_label)
        self._preview_seq = -1
        self.teleprompter = None
        self._prompted: int | None = None
        self.schedule = self._saved_schedule()  # 公告提醒: (time, what), reminded a minute ahead
        self._live_since: float | None = None
        self.signals = CoreSignals(service, self)  # what changes elsewhere (a control surface) arrives as signals
        self.signals.studio_changed.connect(self._studio_changed)
        self._timers = []
        for interval, slot in ((33, self._tick_preview), (100, self._tick_events), (250, self._tick_room),
                               (1000, self._tick_metrics)):
            timer = QTimer(self)
            timer.timeout.connect(slot)
            timer.start(interval)
            self._timers.append(timer)
        self._restore()
        self.media_file: str | None = None
        quit_action = QAction(tr("退出"), self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))  # the same key on every system (Quit is Ctrl+Q on Linux only)
        quit_action.triggered.connect(self.close)  # closeEvent asks first while on air
        self.menuBar().addMenu(tr("文件")).addAction(quit_action)
        self._build_overlay_menu()
        filters = QAction(tr("绿幕抠像与美颜…"), self)
        filters.triggered.connect(lambda: self.edit_filters())  # triggered(checked) must not become `values`
        picture_menu = self.menuBar().addMenu(tr("画面"))
        edit_scenes = QAction(tr("编辑场景…"), self)
        edit_scenes.triggered.connect(lambda: self.edit_scenes())
        picture_menu.addAction(edit_scenes)
        picture_menu.addAction(filters)
        self._build_moderation_menu()
        self._build_language_menu()
        self.undo_action = QAction(tr("撤销"), self)
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.triggered.connect(self.undo)
        self.undo_action.setEnabled(False)
        self.menuBar().addMenu(tr("编辑")).addAction(self.undo_action)
        review = QAction(tr("场次复盘…"), self)
        review.setShortcut(QKeySequence("Ctrl+R"))
        review.triggered.connect(self.show_review)
        self.menuBar().addMenu(tr("复盘")).addAction(review)
        self.remote_action = QAction(tr("允许局域网场控…"), self, checkable=True)
        self.remote_action.toggled.connect(self.allow_remote_assistants)
        remote_menu = self.menuBar().addMenu(tr("远程场控", "menu and status"))
        remote_menu.addAction(self.remote_action)
        self.control_action = QAction(tr("允许控制面板（obs-websocket）…"), self, checkable=True)
        self.control_action.setToolTip(tr("Stream Deck、Touch Portal、Companion 或脚本用 obs-websocket v5 切场景、静音、讲解商品"))
        self.control_action.toggled.connect(self.allow_control_surfaces)
        remote_menu.addAction(self.control_action)
        self.ask_control_password = self._ask_control_password  # () → (password or "", ok); tests replace it
        checks = self.menuBar().addMenu(tr("检查"))
        checks.addAction(self.check_action)
        checks.addAction(self.upload_action)
        feed = QAction(tr("平台数据接口…"), self)
        feed.triggered.connect(self._ask_feed_url)
        self.menuBar().addMenu(tr("直播间数据")).addAction(feed)
        self.remote_label = QLabel("")
        self.remote_label.setTextFormat(Qt.TextFormat.PlainText)  # assistants' names are outside text
        self.statusBar().addPermanentWidget(self.remote_label)
        self.control_label = QLabel("")
        self.statusBar().addPermanentWidget(self.control_label)
        self.review_window = None
        saved = self.keys.full_url(DEFAULT_DESTINATION)
        if saved:
            self.destination.setText(saved)
        self.feed_url = self.keys.full_url(FEED) or ""
        for signal in (self.source.currentIndexChanged, self.canvas.currentIndexChanged,
                       self.camera_mode.currentIndexChanged, self.microphone.currentIndexChanged):
            signal.connect(lambda _i: self.refresh_preview())
        self.source.currentIndexChanged.connect(lambda _i: self._camera_mode_enabled())
        self._camera_mode_enabled()
        self.mirror.toggled.connect(lambda _on: self.refresh_preview())
        QTimer.singleShot(0, self.refresh_preview)

    # --- building ----------------------------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        bar = QToolBar(tr("直播"))
        bar.setObjectName("live toolbar")
        self.addToolBar(bar)
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
        self.check_action = QAction("✓ " + tr("开播前检查"), self)
        self.check_action.setShortcut(QKeySequence("Ctrl+Shift+K"))
        self.check_action.setToolTip(tr("推流服务器握手（不发送密钥）、磁盘、极限词、库存与直播价、优惠券、直播间数据"))
        self.check_action.triggered.connect(lambda: self.run_prelive_check())
        self.upload_action = QAction(tr("开播前检查 + 上行测速…"), self)
        self.upload_action.triggered.connect(self.run_upload_check)
        self.check_dialog = None
        self.last_checks: list = []
        self.go_live_action = QAction("● " + tr("开播"), self)
        self.go_live_action.setShortcut(QKeySequence("Ctrl+L"))
        self.go_live_action.triggered.connect(self.go_live)
        self.stop_action = QAction("■ " + tr("停播"), self)
        self.stop_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.stop_action.triggered.connect(self.stop_live)
        self.stop_action.setEnabled(False)
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
        self.timer_label = QLabel("00:00:00")
        self.health = QLabel("")
        self.save_key_action = QAction(tr("保存密钥"), self)
        self.save_key_action.triggered.connect(self.save_destination)
        for widget in (self.mode, self.platform, self.destination):
            bar.addWidget(widget)
        bar.addAction(self.save_key_action)
        bar.addWidget(self.record)
        bar.addSeparator()
        bar.addWidget(self.session_title)
        bar.addAction(self.check_action)
        bar.addAction(self.go_live_action)
        bar.addAction(self.stop_action)
        bar.addWidget(self.health)
        self.addToolBarBreak()
        picture = QToolBar(tr("画面"))  # a second row: what goes on the stream
        picture.setObjectName("picture toolbar")
        self.addToolBar(picture)
        self.mute = QCheckBox(tr("静音"))
        self.mute.setShortcut(QKeySequence("Ctrl+M"))
        self.mute.toggled.connect(self._set_muted)
        self.microphone = QComboBox()  # with a camera: which microphone (a file or the test pattern has its own)
        self.microphone.addItem(tr("麦克风：系统默认"), "")
        for index, name in self.service.stage.microphones() or []:
            self.microphone.addItem("🎤 " + name, str(index))
        self.microphone.addItem(tr("不用麦克风"), "off")
        self.microphone.setToolTip(tr("摄像头画面配的声音（媒体文件和测试图用自带的声音）"))
        self.meter = QProgressBar()
        self.meter.setRange(0, 60)  # -60 dBFS … 0 dBFS
        self.meter.setFixedWidth(150)
        self.meter.setToolTip(tr("声音峰值（dBFS）：长时间贴近 0 会爆音"))
        for widget in (self.source, self.camera_mode, self.mirror, self.canvas, self.audience, self.microphone,
                       self.mute):
            picture.addWidget(widget)
        # the on-air light with its time, and the sound's level, at the menu bar's right: never behind a
        # toolbar's » on a laptop's 1366 px (issue #26)
        corner = self._on_air_corner = QWidget(self.menuBar())  # kept: PySide does not take the corner over
        corner_row = QHBoxLayout(corner)
        corner_row.setContentsMargins(0, 0, 6, 0)
        corner_row.addWidget(self.meter)
        corner_row.addWidget(self.timer_label)
        longest = max((f"● {word} 00:00:00" for word in (tr("演练中"), tr("直播中", "on-air light"))), key=len)
        self.timer_label.setMinimumWidth(self.timer_label.fontMetrics().horizontalAdvance(longest) + 24)
        self.menuBar().setCornerWidget(corner, Qt.Corner.TopRightCorner)

    def _shortcuts(self) -> None:
        for key, slot in (("F5", lambda: self.products._pin_selected(
                              lambda pid: self._act("pin_product", pid))),
                          ("F6", lambda: self._act("previous_product")),
                          ("F7", lambda: self._act("next_product")),
                          ("F8", self.toggle_teleprompter),
                          ("F9", lambda: self.faq.reply_selected()),
                          ("F1", self.show_shortcuts),
                          # `checked=False` takes triggered(bool): a bare `n=n` received False and switched nothing
                          *((f"Ctrl+{n}", lambda checked=False, n=n: self.scenes.switch_number(n))
                            for n in range(1, 10))):
            action = QAction(self)
            action.setShortcut(QKeySequence(key))
            action.triggered.connect(slot)
            self.addAction(action)

    def scene_editor(self):
        """The 编辑场景 dialog on the studio's scenes, for the canvas chosen now (not shown: `edit_scenes` runs it)."""
        from ui.scene_editor import SceneEditor

        width, height, _fps = (int(v) for v in self.canvas.currentData().split("x"))
        return SceneEditor(self.service.desk.settings.scenes, self.service.desk.scene_inputs(), width / height, self,
                           own_inputs=self.service.desk.settings.inputs)

    def edit_scenes(self, scenes: list | None = None, inputs: dict | None = None) -> bool:
        """Edit the scenes and the studio's own sources (`scenes`, `inputs`: what the dialog would return, for
        tests): applied at once, on air too, kept in the settings, the 场景 dock's buttons rebuilt."""
        if scenes is None:
            dialog = self.scene_editor()
            if not dialog.exec():
                return False
            scenes, inputs = dialog.result_scenes, dialog.result_inputs
        try:
            if inputs is not None:
                self.service.desk.set_inputs(inputs)
            self.service.desk.set_scenes(scenes)
        except (ActionRefused, SceneError) as exc:
            self._message(pick(str(exc)), error=True)
            return False
        self._remember_scenes()
        self.scenes.rebuild()
        self._message(tr("场景已更新"))
        return True

    def edit_filters(self, values: tuple | None = None) -> bool:
        """The camera's 绿幕 key and 美颜 (`values`: what the dialog would return, for tests); kept in the settings."""
        import json

        from ui.filters_dialog import FiltersDialog

        if values is None:
            dialog = FiltersDialog(self.service.desk.settings.chroma, self.service.desk.settings.beauty,
                                   self.service.desk.settings.background, self, still=self.service.stage.camera_still,
                                   key_colour=self.service.stage.key_colour)
            if not dialog.exec():
                return False
            values = dialog.values()
        try:
            self.service.desk.set_filters(*values)
        except FilterError as exc:
            self._message(pick(str(exc)), error=True)
            return False
        self.settings.setValue("filters/chroma", json.dumps(values[0]) if values[0] else "")
        self.settings.setValue("filters/beauty", values[1])
        self.settings.setValue("filters/background", values[2] if len(values) > 2 else "")
        return True

    def _restore_filters(self) -> None:
        import json

        try:
            chroma = self.settings.value("filters/chroma") or ""
            beauty = float(self.settings.value("filters/beauty", 0.0))
            background = str(self.settings.value("filters/background", "") or "")
            self.service.desk.set_filters(json.loads(chroma) if chroma else None, beauty, background)
        except (FilterError, ValueError, TypeError) as exc:
            log.warning("saved filters not used: %s", exc)

    def _restore_scenes(self) -> None:
        """The studio's scenes and the one on air, as left last time (the defaults if none or unreadable)."""
        import json

        inputs = self.settings.value("scenes/inputs")
        if inputs:
            try:
                self.service.desk.set_inputs(json.loads(str(inputs)))
            except (SceneError, ValueError, TypeError) as exc:
                log.warning("saved sources not used: %s", exc)
        saved = self.settings.value("scenes/list")
        if saved:
            try:
                self.service.desk.set_scenes(scenes_from_json(json.loads(str(saved))))
            except (SceneError, ValueError) as exc:
                log.warning("saved scenes not used: %s", exc)
        program = self.settings.value("scenes/program")
        if program in self.service.desk.scene_names():
            self.service.desk.switch_scene(str(program))

    def _remember_scenes(self) -> None:
        import json

        self.settings.setValue("scenes/list", json.dumps(scenes_to_json(self.service.desk.settings.scenes),
                                                         ensure_ascii=False))
        self.settings.setValue("scenes/program", self.service.desk.program_scene)
        self.settings.setValue("scenes/inputs", json.dumps(dict(self.service.desk.settings.inputs), ensure_ascii=False))

    def _urls(self) -> tuple[list[str], list[str]]:
        """Where this show pushes: the toolbar's address, then the ticked destinations of the list (names, URLs)."""
        main = self.destination.text().strip()
        ticked = self.destinations.ticked_urls()
        return (([DEFAULT_DESTINATION] if main else []) + [name for name, _ in ticked],
                ([main] if main else []) + [url for _, url in ticked])

    def _options(self, urls: list[str] | tuple[str, ...] = (), ask_for_file: bool = False) -> LiveOptions | None:
        source = self.source.currentData()
        if source == "file":
            source = self.media_file or (self._pick_media_file() if ask_for_file else None)
            if not source:
                return None
        width, height, fps = (int(v) for v in self.canvas.currentData().split("x"))
        rehearsal = self.rehearsal
        return LiveOptions(rehearsal=rehearsal, destinations=tuple(urls), record=self.record.isChecked(),
                           simulated_audience=rehearsal and self.audience.isChecked(), source=source,
                           mirror=self.mirror.isChecked(), width=width, height=height, fps=fps,
                           camera_mode=self.camera_mode.currentData() if source.startswith("cam:") else "",
                           microphone=self.microphone.currentData(),
                           feed_url=self.feed_url, title=self.session_title.text(),
                           bitrate=2_500_000 if width * height <= 1280 * 720 else 4_500_000)

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

    def _choose_rehearsal_push(self, urls: list[str]) -> str | None:
        """A real-looking destination while Rehearsal is chosen: ask which the user means, never guess."""

        return self.choose(
            tr("当前是演练模式，但填了推流地址")
            + ":\n" + "\n".join(redact_url(url) for url in urls) + "\n\n"
            + tr("演练的画面带“演练”角标、可能有模拟评论与订单，只能推到私有测试服务器。"),
            {"test": tr("这是测试服务器，演练"),
             "live": tr("切换到直播（真实观众）")})

    def _choose(self, question: str, choices: dict[str, str]) -> str | None:
        box = QMessageBox(QMessageBox.Icon.Question, tr("主播中控台"), question, parent=self)
        buttons = {box.addButton(text, QMessageBox.ButtonRole.AcceptRole): key for key, text in choices.items()}
        box.addButton(tr("取消"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        return buttons.get(box.clickedButton())

    def refresh_preview(self) -> None:
        """Before going live the preview shows the chosen source on the chosen canvas (nothing is sent)."""
        if self.service.live:
            return
        options = self._options()
        if options is None:
            self.service.stage.stop_preview()
            self.preview.show_frame(None)
            return
        try:
            self.service.stage.start_preview(options)
        except ValueError as exc:
            self.preview.show_frame(None)
            self._message(str(exc), error=True)

    def _camera_mode_enabled(self) -> None:
        self.camera_mode.setEnabled(str(self.source.currentData()).startswith("cam:"))

    def _use_preset(self, index: int) -> None:
        server = self.platform.itemData(index)
        if server:
            self.destination.setText(server.rstrip("/") + "/")
            self.destination.setFocus()
            self._message(tr("粘贴平台给的串流密钥到地址末尾"))

    def _pick_media_file(self) -> str | None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(self, tr("媒体文件"), "",
                                              "Media (*.mp4 *.mkv *.mov *.flv *.png *.jpg *.jpeg)")
        self.media_file = path or None
        return self.media_file

    def _build_overlay_menu(self) -> None:
        menu = self.menuBar().addMenu(tr("叠加层"))
        self.overlay_actions = {}
        for kind, label in OVERLAYS:
            action = QAction(tr(label), self, checkable=True)
            enabled = self.settings.value(f"overlays/{kind}", True, type=bool)
            action.setChecked(enabled)
            self.service.desk.set_overlay_enabled(kind, enabled)
            action.toggled.connect(lambda on, k=kind: self._toggle_overlay(k, on))
            menu.addAction(action)
            self.overlay_actions[kind] = action
            position = self.settings.value(f"overlays/{kind}/position")
            if position:
                self.service.desk.place_overlay(kind, *(int(v) for v in position))
        menu.addSeparator()
        place = menu.addMenu(tr("位置"))
        for kind, label in OVERLAYS:
            action = QAction(tr(label) + "…", self)
            action.triggered.connect(lambda _checked=False, k=kind, t=tr(label): self._ask_position(k, t))
            place.addAction(action)
        place.addSeparator()
        reset = QAction(tr("全部复位"), self)
        reset.triggered.connect(self.reset_overlay_positions)
        place.addAction(reset)

    def _build_language_menu(self) -> None:
        menu = self.menuBar().addMenu("语言 Language")  # always both: findable whatever the language is
        self.language_actions = {}
        for mode, label in i18n.MODES.items():
            action = QAction(label, self, checkable=True)
            action.setChecked(mode == i18n.mode())
            action.triggered.connect(lambda _checked=False, m=mode: self.set_language(m))
            menu.addAction(action)
            self.language_actions[mode] = action

    def set_language(self, mode: str) -> None:
        """Remember the interface language; the window is rebuilt in it at the next start."""
        self.settings.setValue("ui/language", mode)
        for key, action in self.language_actions.items():
            action.setChecked(key == mode)
        self._message("重启后生效 / takes effect at the next start" if mode != i18n.mode() else "")

    def _build_moderation_menu(self) -> None:
        menu = self.menuBar().addMenu(tr("管理"))
        banned = QAction(tr("屏蔽词…"), self)
        banned.triggered.connect(lambda: self._edit_words(tr("屏蔽词"), list(self.service.desk.settings.banned_words),
                                                          self.set_banned_words))
        keywords = QAction(tr("关键词高亮…"), self)
        keywords.triggered.connect(lambda: self._edit_words(tr("关键词"), self.comments.model.keywords,
                                                            self.set_keywords))
        menu.addAction(banned)
        menu.addAction(keywords)
        words = self.settings.value("moderation/banned")
        if words is not None:
            self.service.desk.set_banned_words(list(words) if isinstance(words, list) else [words])
        keys = self.settings.value("moderation/keywords")
        if keys is not None:
            self.comments.model.keywords = tuple(keys) if isinstance(keys, list) else (keys,)

    def _edit_words(self, title: str, current, apply) -> None:
        from PySide6.QtWidgets import QInputDialog

        text, ok = QInputDialog.getMultiLineText(self, title, tr("每行一个"), "\n".join(current))
        if ok:
            apply(text.splitlines())

    def block_user(self, user_id: str) -> None:
        self.service.desk.block_user(user_id)
        self._message(tr("已拉黑，其后续评论将被隐藏"))

    def set_banned_words(self, words: list[str]) -> None:
        self.service.desk.set_banned_words(words)
        self.settings.setValue("moderation/banned", list(self.service.desk.settings.banned_words))
        self._message(tr("屏蔽词已更新") + f" ({len(list(self.service.desk.settings.banned_words))})")

    def set_keywords(self, words: list[str]) -> None:
        self.comments.model.keywords = tuple(w.strip() for w in words if w.strip())
        self.settings.setValue("moderation/keywords", list(self.comments.model.keywords))

    def _ask_position(self, kind: str, label: str) -> None:
        from PySide6.QtWidgets import QInputDialog

        current = self.service.desk.settings.overlay_positions.get(kind, (24, 24))
        text, ok = QInputDialog.getText(self, label, tr("左上角 x,y（画面像素）"),
                                        text=f"{current[0]},{current[1]}")
        if ok:
            try:
                x, y = (int(v) for v in text.replace("，", ",").split(","))
            except ValueError:
                self._message(tr("格式应为 x,y"), error=True)
                return
            self.place_overlay(kind, x, y)

    def _dropped_overlay(self, kind: str, x: int, y: int) -> None:
        self.place_overlay(kind, x, y)
        self._message(tr("已摆放") + f" {self.preview.labels.get(kind, kind)} → {x},{y}")

    def reset_overlay_positions(self) -> None:
        for kind, _label in OVERLAYS:
            self.service.desk.reset_overlay_position(kind)
            self.settings.remove(f"overlays/{kind}/position")
        self._message(tr("叠加层已回到默认位置"))

    def place_overlay(self, kind: str, x: int, y: int) -> None:
        self.service.desk.place_overlay(kind, x, y)
        self.settings.setValue(f"overlays/{kind}/position", [x, y])

    def _toggle_overlay(self, kind: str, enabled: bool) -> None:
        self.service.desk.set_overlay_enabled(kind, enabled)
        self.settings.setValue(f"overlays/{kind}", enabled)

    def import_catalogue(self, path: str | None = None) -> bool:
        """Import products from CSV (Excel's UTF-8/GBK exports); all or nothing, problems listed by line."""

        if path is None:
            from PySide6.QtWidgets import QFileDialog

            path, _ = QFileDialog.getOpenFileName(self, tr("导入商品"), "", "CSV (*.csv)")
            if not path:
                return False
        try:
            count = self.service.catalogue.import_csv(path)
        except (CatalogImportError, OSError) as exc:
            self._message(tr("未导入") + f": {pick(str(exc))}", error=True)
            return False
        self.scripts.reload_products()
        note = tr("（下次开播生效）") if self.service.live else ""
        self._message(tr("已导入 {count} 个商品").format(count=count) + note)
        return True

    def save_coupon(self, definition: dict, coupon_id: int | None) -> None:
        try:
            self.service.save_coupon(definition, coupon_id)
        except ActionRefused as exc:
            self._message(str(exc), error=True)
            return
        self._message(tr("优惠券已保存") + f": {definition['name'].strip()}")

    def save_destination(self) -> None:
        """Remember the destination: server in the data folder, key in the OS keyring (never in files)."""
        url = self.destination.text().strip()
        if not url:
            self._message(tr("请先填写推流地址"), error=True)
            return
        destination = self.keys.save(DEFAULT_DESTINATION, url)
        if self.keys.fallback_message:
            self._message(self.keys.fallback_message, error=True)
        else:
            self._message(tr("已保存") + f": {destination.shown} "
                          + tr("（密钥在系统钥匙串）"))

    def toggle_teleprompter(self) -> None:
        """F8: the teleprompter opens, or closes when it is open (Esc in it closes it too)."""
        if self.teleprompter is not None and self.teleprompter.isVisible():
            self.teleprompter.hide()
        else:
            self.show_teleprompter()

    def show_teleprompter(self) -> None:
        if self.teleprompter is None:
            from ui.teleprompter import Teleprompter

            self.teleprompter = Teleprompter(settings=self.settings)
            self._prompted = None
            self.teleprompter.open_on_chosen_screen(self.screen().name())
        self.teleprompter.show()
        self.teleprompter.raise_()
        self._update_teleprompter(force=True)

    def _update_teleprompter(self, force: bool = False) -> None:
        if self.teleprompter is None:
            return
        room = (self.service.room_snapshot() if self.service.live else None)
        if room is None:
            return
        pinned = room.state.pinned_product
        if pinned != self._prompted or force:
            self._prompted = pinned
            title = room.state.products[pinned].title if pinned is not None else ""
            self.teleprompter.show_script(title, self.service.catalogue.script_for(pinned) if pinned is not None else [])

    # --- 自动回复 / 公告 ------------------------------------------------------------------------------------
    def reply(self, comment_seq: int, nickname: str, question: str, answer: str) -> bool:
        """回复上屏 from the FAQ dock; a refusal (an extreme word, not live) is shown with its reason."""
        try:
            self.service.reply(comment_seq, nickname, question, answer)
        except ActionRefused as exc:
            self._message(str(exc), error=True)
            return False
        self._update_undo()
        return True

    def edit_faqs(self, dialog_answer=None) -> None:
        """编辑问答: each product's pairs and the room's own. Tests pass `dialog_answer(dialog)`."""
        dialog = FaqDialog(self.service.catalogue.products(), self.service.catalogue.faqs, self.service.save_faqs, self)
        if dialog_answer is not None:
            dialog_answer(dialog)
        else:
            dialog.exec()

    def edit_schedule(self, dialog_answer=None) -> None:
        """提醒时间表: kept in the settings; the teleprompter and the dock remind a minute ahead."""
        dialog = ScheduleDialog(format_schedule(self.schedule), parse_schedule, self)
        accepted = dialog_answer(dialog) if dialog_answer is not None else dialog.exec() == ScheduleDialog.DialogCode.Accepted
        if accepted:
            self.schedule = dialog.notices
            self.settings.setValue("notices/schedule", format_schedule(self.schedule))

    def _saved_schedule(self) -> list:
        try:
            return parse_schedule(str(self.settings.value("notices/schedule", "") or ""))
        except ValueError:
            return []

    def _update_reminder(self) -> None:
        now = time.localtime()
        text = reminder_text(due(self.schedule, now.tm_hour * 3600 + now.tm_min * 60 + now.tm_sec))
        self.faq.set_reminder(text)
        if self.teleprompter is not None:
            self.teleprompter.set_reminder(text)

    def _ask_feed_url(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        text, ok = QInputDialog.getText(
            self, tr("直播间数据来源"),
            tr("douyin-grab://127.0.0.1:8888（抖音弹幕监听器）、bilibili://房间号、或桥接程序的 ws:// 地址（留空则用模拟观众）"),
            QLineEdit.EchoMode.PasswordEchoOnEdit, self.feed_url)
        if ok:
            self.set_feed_url(text)

    def set_feed_url(self, url: str) -> None:
        """Where real room events come from (docs/protocol.md); kept like a stream key (secret part in the
        keyring). With a bridge the simulated audience is turned off."""
        url = url.strip()
        problem = feed_problem(url) if url else None
        if problem:
            self._message(pick(problem), error=True)
            return
        self.feed_url = url
        if url:
            self.keys.save(FEED, url)
            self.audience.setChecked(False)
        self._message(tr("下次开播使用平台数据") if url else
                      tr("下次开播使用模拟观众"))

    def _ask_remote_setup(self, setup):
        from ui.remote_setup import RemoteSetupDialog

        dialog = RemoteSetupDialog(setup, self)
        return dialog.setup() if dialog.exec() else None

    def allow_remote_assistants(self, allowed: bool) -> None:
        """远程场控: choose the interface, port and encryption; assistants on other machines pair with the
        pairing code shown here (a new token each time it is turned on)."""
        if not allowed:
            self.service.doors.close_assistants()
            self.remote_label.setText("")
            return
        from ui.remote_setup import RemoteSetup

        setup = self.ask_remote_setup(RemoteSetup.from_settings(self.settings))
        if setup is None:
            self.remote_action.setChecked(False)
            return
        setup.save(self.settings)
        try:
            self.service.doors.open_assistants(host=setup.host, port=setup.port, tls=setup.tls)
        except OSError as exc:
            message = tr("无法开启远程场控") + f": {exc.strerror or exc}"
            self.alert.show_message(message)
            self._message(message, error=True)
            self.remote_action.setChecked(False)
            return
        access = self.service.doors.access()
        codes = "\n".join(access.codes)
        where = tr("仅本机") if access.local_only else tr("局域网")
        security = (tr("已加密 wss://，证书指纹在配对码里")
                    if access.tls else tr("未加密 ws://：配对码会以明文经过网络"))
        self.inform(tr("远程场控"),
                    tr("监听") + f" {where} · {security}\n\n"
                    + tr("把配对码交给场控（只给场控看），在场控电脑的 anchor-console assist --window 中粘贴：") + f"\n\n{codes}\n\n"
                    + tr("或运行") + f": {access.command}\n"
                    + tr("配对码") + f": {access.token}")
        self._update_remote()

    def _ask_control_password(self) -> tuple[str, bool]:
        from PySide6.QtWidgets import QInputDialog, QLineEdit

        return QInputDialog.getText(self, tr("控制面板"), tr("密码（留空则仅本机可连）"), QLineEdit.EchoMode.Password)

    def allow_control_surfaces(self, allowed: bool) -> None:
        """控制面板: obs-websocket v5 on port 4455 (or the next free one); with a password the LAN may connect,
        without one only this machine. The password is never saved or shown again."""
        if not allowed:
            self.service.doors.close_control()
            self.control_label.setText("")
            return
        password, ok = self.ask_control_password()
        if not ok:
            self.control_action.setChecked(False)
            return
        host = "0.0.0.0" if password else "127.0.0.1"
        try:
            try:
                server = self.service.doors.open_control(host=host, port=4455, password=password or None)
            except OSError:
                server = self.service.doors.open_control(host=host, port=0, password=password or None)
        except (OSError, ValueError) as exc:
            message = tr("无法开启控制面板") + f": {pick(str(getattr(exc, 'strerror', None) or exc))}"
            self.alert.show_message(message)
            self._message(message, error=True)
            self.control_action.setChecked(False)
            return
        where = tr("局域网") if password else tr("仅本机")
        self.control_label.setText(tr("控制面板") + f" {where} :{server.port}")

    def _update_remote(self) -> None:
        status = self.service.doors.status()
        if status is not None:
            names = "、".join(actor.split(":", 1)[-1] for actor in status.assistants)
            refused = (" · " + tr("拒绝配对") + f" {status.refused}") if status.refused else ""
            locked = (" · " + tr("锁定地址") + f" {status.lockouts}") if status.lockouts else ""
            self.remote_label.setText(tr("远程场控", "menu and status") + f" {len(status.assistants)}"
                                      + (f"（{names}）" if names else "")
                                      + refused + locked)

    def show_review(self) -> None:
        """复盘: the stored sessions with their recordings, timelines and KPIs, in a window of its own."""
        from ui.review import ReviewWindow

        if self.review_window is None or not self.review_window.isVisible():
            self.review_window = ReviewWindow(self.service)
        else:
            self.review_window.refresh_sessions()
        self.review_window.show()
        self.review_window.raise_()

    def show_shortcuts(self) -> None:
        QMessageBox.information(self, tr("快捷键", "dialog title"), "\n".join(f"{k}\t{tr(d)}" for k, d in SHORTCUTS))

    # --- commands ----------------------------------------------------------------------------------------
    def run_upload_check(self) -> None:
        """The checks plus 上行测速 (10 s to the destination, the key sent): asked first, since it publishes."""
        if not self.destination.text().strip():
            self._message(tr("请先填写推流地址"), error=True)
            return
        if self.confirm(tr("上行测速会用推流密钥推送测试画面 10 秒（在平台上是一次短暂开播）。继续？")):
            self.run_prelive_check(upload_s=10.0)

    def run_prelive_check(self, upload_s: float | None = None) -> None:
        """开播前检查 in a worker thread (a server may take seconds to answer); the results in a dialog."""
        import threading

        if not self.check_action.isEnabled():
            return
        _names, urls = self._urls()
        options = self._options(urls)
        box: list = []

        def work() -> None:
            try:
                box.append(self.service.prelive_checks(urls,
                                                       options.bitrate if options else 2_500_000,
                                                       feed_url=self.feed_url, upload_s=upload_s))
            except Exception as exc:  # noqa: BLE001 - shown, not lost in a thread nobody watches
                box.append(exc)

        self.check_action.setEnabled(False)
        self._message(tr("检查中…"))
        threading.Thread(target=work, name="pre-live check", daemon=True).start()

        def poll() -> None:
            if not box:
                QTimer.singleShot(100, poll)
                return
            self.check_action.setEnabled(True)
            if isinstance(box[0], Exception):
                self._message(redact(str(box[0])), error=True)
                return
            self._show_checks(box[0])

        QTimer.singleShot(100, poll)

    def _show_checks(self, checks: list) -> None:
        from PySide6.QtGui import QColor
        from PySide6.QtWidgets import QDialog, QListWidget, QListWidgetItem, QVBoxLayout

        self.last_checks = checks
        colours = {"ok": "#2f855a", "warn": "#b7791f", "fail": "#c53030"}
        dialog = QDialog(self)
        dialog.setWindowTitle(tr("开播前检查"))
        listing = QListWidget(dialog)
        listing.setWordWrap(True)
        for check in checks:
            item = QListWidgetItem(redact(check.line()))
            item.setForeground(QColor(colours[check.status]))
            listing.addItem(item)
        failed = sum(check.status == "fail" for check in checks)
        summary = QLabel(tr("{failed} 项未通过").format(failed=failed) if failed else tr("全部通过"))
        layout = QVBoxLayout(dialog)
        layout.addWidget(listing)
        layout.addWidget(summary)
        dialog.resize(760, 320)
        self.check_dialog = dialog
        dialog.show()
        self._message(summary.text(), error=bool(failed))

    def go_live(self) -> bool:
        names, urls = self._urls()
        test_server = False
        if urls and self.rehearsal:
            answer = self._choose_rehearsal_push(urls)
            if answer is None:
                return False
            if answer == "live":
                self.mode.setCurrentIndex(self.mode.findData("live"))
            test_server = answer == "test"
        question = (tr("开始演练吗？（画面带“演练”角标）") if self.rehearsal
                    else tr("确定开播吗？直播只接收真实直播间数据。"))
        report = self.service.catalogue.compliance_report()
        if report:
            lines = [f"· {title}｜{field}：{'、'.join(h.word for h in hits)}（{pick(hits[0].reason)}）"
                     for title, field, hits in report[:12]]
            question = (tr("话术/商品中发现《广告法》极限词") + "：\n" + "\n".join(lines)
                        + "\n\n" + tr("仍然开播吗？"))
        if not self.confirm(question):
            return False
        options = self._options(urls, ask_for_file=True)
        if options is None:
            return False
        if test_server:
            from dataclasses import replace

            options = replace(options, test_server_confirmed=True)
        self._remember()
        try:
            self.service.go_live(options)
        except (DestinationError, ValueError) as exc:  # the service has rolled back: the preview runs again
            self.alert.show_message(redact(str(exc)))
            self._message(redact(str(exc)), error=True)
            return False
        self.alert.hide()
        self.destinations.went_live(names)
        self._live_since = time.monotonic()
        self._show_on_air(0.0)  # lit at once, not a second later
        self.stats_label.setText("")  # not 未开播 beside 已开播 until the first figures come
        self.graphs.reset()
        camera = self.service.stage.camera_mode()
        self.go_live_action.setEnabled(False)
        self.stop_action.setEnabled(True)
        self._message(tr("已开播") + (" · " + tr("摄像头实际") + f" {camera}" if camera else ""))
        return True

    def stop_live(self) -> bool:
        if not self.service.live or not self.confirm(tr("确定停播吗？")):
            return False
        self.service.stop()
        self._stopped()
        return True

    def _show_on_air(self, seconds: float | None) -> None:
        """The timer as a light: red 直播中 LIVE (orange 演练 for a rehearsal) with the time on air, plain when off."""
        if seconds is None:
            self.timer_label.setStyleSheet("")
            self.timer_label.setText("00:00:00")
            return
        broadcast = self.service.broadcast
        rehearsal = broadcast is not None and broadcast.options.rehearsal
        colour, word = (("#e67800", tr("演练中")) if rehearsal else ("#d32f2f", tr("直播中", "on-air light")))
        self.timer_label.setStyleSheet(f"background: {colour}; color: white; font-weight: bold; padding: 2px 8px;"
                                       "border-radius: 4px;")
        self.timer_label.setText(f"● {word} {format_clock(seconds)}")

    def _stopped(self) -> None:
        """The window after a stop (its own button, or a control surface's StopStream): nothing says "OK" any more."""
        self._live_since = None
        self._show_on_air(None)
        self.go_live_action.setEnabled(True)
        self.stop_action.setEnabled(False)
        self.notices.setText("")
        self.health.setText("")
        self.destinations.stopped()
        self.stats_label.setText(tr("未开播"))  # the last GMV and online were the show's, not now
        if self.review_window is not None and self.review_window.isVisible():
            self.review_window.refresh_sessions()  # the show just ended is listed at once
        self.preview.show_frame(None)
        self.refresh_preview()
        path = self.service.recording_path
        self._message(tr("已停播") + (" · " + tr("录像") + f": {path}" if path else ""))

    def _act(self, verb: str, *args) -> None:
        """An assistant verb through the service (undoable); a refusal is shown with its reason."""
        try:
            self.service.act(verb, *args)
        except ActionRefused as exc:
            self._message(str(exc), error=True)
        self._update_undo()

    def undo(self) -> None:
        try:
            done = self.service.undo()
        except ActionRefused as exc:
            self._message(str(exc), error=True)
        else:
            self._message(tr("已撤销") + f": {pick(done)}")
        self._update_undo()

    def _update_undo(self) -> None:
        step = self.service.next_undo()
        self.undo_action.setEnabled(step is not None)
        self.undo_action.setText(tr("撤销") + (f": {pick(step)}" if step else ""))

    def _message(self, text: str, error: bool = False) -> None:
        self.statusBar().setStyleSheet("color: #c62828;" if error else "")
        self.statusBar().showMessage(pick(text), 8000)

    def _ask(self, question: str) -> bool:
        return QMessageBox.question(self, tr("主播中控台"), question) == QMessageBox.StandardButton.Yes

    # --- timers: the UI thread only paints -----------------------------------------------------------------
    def _tick_preview(self) -> None:
        seq, frame = self.service.stage.frame()
        if (self.service.live or self.service.stage.previewing) and seq != self._preview_seq and frame is not None:
            self._preview_seq = seq
            self.preview.badge = "" if self.service.live else tr("预览 · 未开播")
            self.preview.show_frame(frame)

    def _studio_changed(self, change) -> None:
        """The studio's settings changed (here or elsewhere): the mute box and the scene buttons follow."""
        settings = self.service.desk.settings
        if "muted" in change.fields and self.mute.isChecked() != settings.muted:
            self.mute.setChecked(settings.muted)
        if change.fields & {"program_scene", "scenes"}:
            self.scenes.refresh()

    def _set_muted(self, muted: bool) -> None:
        self.service.desk.set_muted(muted)
        self.mute.setStyleSheet("color: #c62828; font-weight: bold;" if muted else "")

    def _tick_meter(self) -> None:
        level = self.service.stage.audio_level()
        self.meter.setValue(0 if level is None else max(0, round(level + 60)))
        self.meter.setFormat((tr("已静音") + " · " if self.mute.isChecked() else "")
                             + ("—" if level is None or level <= -60 else f"{level:.0f} dB"))

    def _tick_events(self) -> None:
        self._tick_meter()
        events = self.service.drain_events()
        if events:
            self.comments.add_events(events)
            self.faq.add_events(events)

    def _tick_room(self) -> None:
        room = self.service.room_snapshot()  # the catalogue before going live, the live room after
        now = room.bus.stream_time() or 0.0
        self.products.refresh(room)
        self.coupons.refresh(room, now)
        self.draw.refresh(room, now)
        self.faq.refresh(room, now)
        self._update_reminder()
        self._update_teleprompter()

    def _tick_metrics(self) -> None:
        failure = self.service.recover()  # the stream failed: the session is closed, the preview runs again
        if failure:
            self.alert.show_message(failure)
            self._message(failure, error=True)
            self._live_since = None
            self._show_on_air(None)
            self.go_live_action.setEnabled(True)
            self.stop_action.setEnabled(False)
            self.health.setText("")
            self.destinations.stopped()
        elif self._live_since is not None and not self.service.live:  # stopped from a control surface
            self._stopped()
        self._update_remote()
        snapshot = self.service.metrics()
        if snapshot is not None:
            self.graphs.update_metrics(snapshot)
        if self._live_since is not None:
            self._show_on_air(time.monotonic() - self._live_since)
        health = self.service.health()
        stats = health.stats if health is not None else None
        if stats is not None:
            drops = sum(stats.dropped.values())
            lights = []
            for out in stats.outputs:
                light = {"failed": "✖ " + tr("失败"),
                         "reconnecting": "◌ " + tr("重连") + f" #{out.stats.reconnects}",
                         "congested": "◐ " + tr("拥塞")}.get(out.health, "● " + tr("正常"))
                lights.append(f"{light} {out.stats.name.rsplit('/', 1)[-1]} {out.kbps:.0f} kbps "
                              + tr("丢") + f" {out.lost} ({out.lost_percent:.1f}%)")
            f = health.feed
            if f is not None:
                state = "● " + tr("弹幕源") if f.connected else "◌ " + tr("弹幕源重连")
                quiet = (" " + tr("静默") + f" {f.last_message_age_s:.0f}s"
                         if f.last_message_age_s is not None and f.last_message_age_s >= 10 else "")
                lights.append(f"{state} {f.published}" + (f" ⚠{f.malformed + f.unknown}" if f.malformed + f.unknown
                                                          else "") + quiet)
            self.health.setText("   ".join(lights))
            self.destinations.show_health([out for out in stats.outputs if out.stats.name.startswith("rtmp")])
            money = (f" · GMV ￥{snapshot.gmv_cents / 100:.0f} · " + tr("在线") + f" {snapshot.online_now}"
                     if snapshot else "")
            causes = "、".join(f"{cause} {n}" for cause, n in stats.dropped.items()) if drops else "0"
            failed = [f"{out.stats.name.rsplit('/', 1)[-1]}: {out.stats.error}" for out in stats.outputs
                      if out.health == "failed" and out.stats.error]  # e.g. a recording on a full disk
            log_health = health.event_log_notice  # events set aside or a database that is failing
            self.notices.setText("  ".join(f"⚠ {redact(notice)}" for notice in
                                           (*stats.notices, *failed, *([log_health] if log_health else []))))
            encode, drops_word = tr("编码"), tr("丢帧")
            self.stats_label.setText(f"fps {stats.capture_fps:.1f} · {encode} {stats.encode_ms_mean:.1f} ms · "
                                     f"{drops_word} {causes} · CPU {stats.cpu_percent + stats.push_cpu_percent:.0f}%{money}")

    # --- layout memory ----------------------------------------------------------------------------------
    def _restore(self) -> None:
        geometry, state = self.settings.value("geometry"), self.settings.value("state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        for key, box in self._remembered_boxes().items():
            box.setChecked(self.settings.value(f"live/{key}", box.isChecked(), type=bool))
        remembered = str(self.settings.value("live/source", "testsrc"))
        index = self.source.findData(remembered)
        if index < 0 and remembered.startswith("cam:") and remembered[4:].isdigit():
            # the camera used last time is not plugged in: kept, marked, so going live says so clearly
            self.source.insertItem(self.source.count() - 1, tr("摄像头") + f" {remembered[4:]} · " + tr("未找到"),
                                   remembered)
            index = self.source.findData(remembered)
        if index >= 0:
            self.source.setCurrentIndex(index)
        self.canvas.setCurrentIndex(int(self.settings.value("live/canvas", 0)))
        self.camera_mode.setCurrentIndex(max(0, self.camera_mode.findData(self.settings.value("live/camera_mode", ""))))
        microphone = str(self.settings.value("live/microphone", ""))
        if self.microphone.findData(microphone) < 0 and microphone.isdigit():
            # the microphone chosen last time is not plugged in: kept, marked (going live sends silence and says so)
            self.microphone.insertItem(self.microphone.count() - 1, "🎤 " + microphone + " · " + tr("未找到"), microphone)
        self.microphone.setCurrentIndex(max(0, self.microphone.findData(microphone)))

    def _remembered_boxes(self) -> dict:
        return {"record": self.record, "audience": self.audience, "mirror": self.mirror}

    def _remember(self) -> None:
        for key, box in self._remembered_boxes().items():
            self.settings.setValue(f"live/{key}", box.isChecked())
        self.settings.setValue("live/source", self.source.currentData())
        self.settings.setValue("live/canvas", self.canvas.currentIndex())
        self.settings.setValue("live/camera_mode", self.camera_mode.currentData())
        self.settings.setValue("live/microphone", self.microphone.currentData())

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if self.service.live and not self.confirm(tr("正在直播，确定退出？")):
            event.ignore()
            return
        self.signals.close()
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("state", self.saveState())
        self._remember()
        self._remember_scenes()
        if self.teleprompter is not None:
            self.teleprompter.close()
        if self.review_window is not None:
            self.review_window.close()
        self.service.stop()
        self.service.stage.stop_preview()  # the window is gone: nothing is shown any more
        for timer in self._timers:
            timer.stop()
        event.accept()
