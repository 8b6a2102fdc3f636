"""The main window: preview, go live / stop, health and stats, and the docks an assistant works in."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMessageBox, QVBoxLayout, QWidget

from app.console import (ActionRefused, CatalogImportError, ConsoleService, KeyStore, due, format_schedule,
                         parse_schedule)
from ui.docks import scrolling
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
from ui.alert import AlertBar, LiveAlertBar
from ui.bridge import CoreSignals
from ui.i18n import QT_TR_NOOP, pick, tr
from ui.preview import PreviewWidget
from ui.window.doors import DoorsMenu
from ui.window.live_view import LiveView
from ui.window.on_air import OnAir
from ui.window.show import DEFAULT_DESTINATION, FEED, ShowControls
from ui.window.desk import OVERLAYS, DeskMenus

log = logging.getLogger(__name__)

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
    """The console's window: the preview in the middle, the docks an assistant works in around it, and three
    areas with their own controllers — `show_controls` (the toolbars), `on_air` (going live, the on-air light), `studio`
    (overlays, scenes, filters, moderation), `doors` (LAN assistants, control surfaces) — and `live_view`, what it
    shows of the show on its timers (ui/window/live_view.py)."""

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
        self.inform = lambda title, text: QMessageBox.information(self, title, text)
        self.keys = KeyStore()
        self.review_window = None
        self.teleprompter = None
        self._prompted: int | None = None
        self.schedule = self._saved_schedule()  # 公告提醒: (time, what), reminded a minute ahead
        self.desk = DeskMenus(self)
        self.doors = DoorsMenu(self)
        self._build_centre()
        self.show_controls = ShowControls(self)
        self.on_air = OnAir(self, self.show_controls)
        self._build_docks()
        self._shortcuts()
        self._build_status_bar()
        self.signals = CoreSignals(service, self)  # what changes elsewhere (a control surface) arrives as signals
        self.signals.desk_changed.connect(self._desk_changed)
        self.signals.on_air_changed.connect(self._on_air_changed)
        self.live_view = LiveView(self)  # what the window shows of the show, refreshed by its timers
        self._timers = self.live_view.timers
        self._default_layout = self.saveState()  # 重置布局 comes back to this
        self._restore()
        self._build_menus()
        self.show_controls.connect_preview()

    def _build_centre(self) -> None:
        self.preview = PreviewWidget()
        self.preview.overlay_boxes = self.service.stage.overlay_boxes
        self.preview.canvas_size = self.service.stage.canvas_size
        self.preview.on_move = self.service.desk.place_overlay
        self.preview.on_drop = self.desk.dropped_overlay
        self.preview.labels = {kind: tr(label) for kind, label in OVERLAYS}
        self.preview.setToolTip(tr("拖动画面上的叠加层来摆放（Esc 取消）"))
        self.alert = AlertBar()  # a failed go-live: stays until dismissed
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.alert)
        self.live_alerts = LiveAlertBar()  # 预警 while live: beside the picture, never in it
        column.addWidget(self.live_alerts)
        column.addWidget(self.preview, 1)
        self.setCentralWidget(central)

    def _build_docks(self) -> None:
        service, act = self.service, self._act
        self.comments = CommentsDock(lambda event: act("pin_comment", event), on_block=self.desk.block_user)
        self.products = ProductsDock(
            lambda pid: act("pin_product", pid), lambda: act("next_product"), lambda: act("previous_product"),
            on_price=lambda pid, cents: act("set_live_price", pid, cents),
            on_stock=lambda pid, stock: act("set_stock", pid, stock), on_import=self.import_catalogue)
        self.coupons = CouponsDock(
            lambda cid, qty, secs: act("drop_coupon", cid, qty, secs), lambda cid: act("stop_coupon", cid),
            lambda pid, price, stock, secs: act("start_flash_sale", pid, price, stock, secs),
            lambda: act("stop_flash_sale"), on_save=self.save_coupon)
        self.draw = DrawDock(lambda prize, keyword, winners, seconds, who:
                             act("start_draw", prize, keyword, winners, seconds, who), lambda: act("stop_draw"))
        self.faq = FaqDock(self.reply, lambda: act("clear_reply"), lambda text: act("pin_notice", text),
                           lambda: act("unpin_notice"), on_auto=service.desk.set_faq_auto, on_edit=self.edit_faqs,
                           on_schedule=self.edit_schedule)
        self.faq.auto.setChecked(service.desk.settings.faq_auto)
        self.graphs = GraphsDock()
        self.scripts = ScriptsDock(service, on_saved=lambda: self.update_teleprompter(force=True))
        self.desk.restore()  # the scenes before their dock is built
        self.scenes = ScenesDock(service, self.message)
        self.destinations = DestinationsDock(self.keys, (DEFAULT_DESTINATION, FEED), self.message,
                                             main=(DEFAULT_DESTINATION, self.show_controls.destination))
        for dock in (self.coupons, self.draw, self.faq, self.scenes, self.destinations, self.scripts, self.graphs):
            scrolling(dock)  # a form taller than a laptop's dock scrolls instead of pushing the window off the screen
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        for area, dock in ((left, self.products), (left, self.coupons), (right, self.comments), (right, self.graphs)):
            self.addDockWidget(area, dock)
        for first, second in ((self.graphs, self.scenes), (self.graphs, self.destinations),
                              (self.coupons, self.scripts), (self.coupons, self.draw), (self.comments, self.faq)):
            self.tabifyDockWidget(first, second)
        for dock in (self.coupons, self.comments, self.scenes):
            dock.raise_()
        self.resizeDocks([self.products, self.comments], [400, 360], Qt.Orientation.Horizontal)
        self.resizeDocks([self.products, self.coupons], [300, 340], Qt.Orientation.Vertical)
        self.resizeDocks([self.comments, self.graphs], [300, 340], Qt.Orientation.Vertical)

    def _build_status_bar(self) -> None:
        self.stats_label = QLabel(tr("未开播"))
        self.notices = QLabel()  # camera lost, no microphone, encoder fell back…: what the streamer must know
        self.notices.setStyleSheet("color: #c62828; font-weight: bold;")
        self.statusBar().addPermanentWidget(self.notices)
        self.statusBar().addPermanentWidget(self.stats_label)
        self.doors.build_status()

    def _build_menus(self) -> None:
        menu_bar = self.menuBar()
        quit_action = QAction(tr("退出"), self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))  # the same key on every system (Quit is Ctrl+Q on Linux only)
        quit_action.triggered.connect(self.close)  # closeEvent asks first while on air
        menu_bar.addMenu(tr("文件")).addAction(quit_action)
        self.reset_layout_action = QAction(tr("重置布局"), self)
        self.reset_layout_action.setToolTip(tr("停靠窗口回到默认位置和大小"))
        self.reset_layout_action.triggered.connect(self.reset_layout)
        menu_bar.addMenu(tr("视图")).addAction(self.reset_layout_action)
        self.desk.build_overlay_menu()
        self.desk.build_picture_menu()
        self.desk.build_moderation_menu()
        self._build_language_menu()
        self.undo_action = QAction(tr("撤销"), self)
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.triggered.connect(self.undo)
        self.undo_action.setEnabled(False)
        menu_bar.addMenu(tr("编辑")).addAction(self.undo_action)
        review = QAction(tr("场次复盘…"), self)
        review.setShortcut(QKeySequence("Ctrl+R"))
        review.triggered.connect(self.show_review)
        menu_bar.addMenu(tr("复盘")).addAction(review)
        self.doors.build_menu()
        checks = menu_bar.addMenu(tr("检查"))
        checks.addAction(self.show_controls.check_action)
        checks.addAction(self.show_controls.upload_action)
        feed = QAction(tr("平台数据接口…"), self)
        feed.triggered.connect(self.doors.ask_feed_url)
        menu_bar.addMenu(tr("直播间数据")).addAction(feed)

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

    def _build_language_menu(self) -> None:
        menu = self.menuBar().addMenu("语言 Language")  # always both: findable whatever the language is
        self.language_actions = {}
        for mode, label in i18n.MODES.items():
            action = QAction(label, self, checkable=True)
            action.setChecked(mode == i18n.mode())
            action.triggered.connect(lambda _checked=False, m=mode: self.set_language(m))
            menu.addAction(action)
            self.language_actions[mode] = action

    def reset_layout(self) -> None:
        """Every dock back where a fresh install puts it (shown, docked, tabbed, sized for the screen)."""
        for dock in self.findChildren(QDockWidget):
            dock.setFloating(False)
            dock.show()
        self.restoreState(self._default_layout)
        self.message(tr("布局已重置"))

    def set_language(self, mode: str) -> None:
        """Remember the interface language; the window is rebuilt in it at the next start."""
        self.settings.setValue("ui/language", mode)
        for key, action in self.language_actions.items():
            action.setChecked(key == mode)
        self.message("重启后生效 / takes effect at the next start" if mode != i18n.mode() else "")

    def import_catalogue(self, path: str | None = None) -> bool:
        """Import products from CSV (Excel's UTF-8/GBK exports) or XLSX; all or nothing, problems listed by line
        (the same as `anchor-console catalogue import`)."""

        if path is None:
            from PySide6.QtWidgets import QFileDialog

            path, _ = QFileDialog.getOpenFileName(self, tr("导入商品"), "", "CSV / Excel (*.csv *.xlsx)")
            if not path:
                return False
        try:
            count = self.service.catalogue.import_file(path)
        except (CatalogImportError, OSError) as exc:
            self.message(tr("未导入") + f": {pick(str(exc))}", error=True)
            return False
        self.scripts.reload_products()
        note = tr("（下次开播生效）") if self.service.live else ""
        self.message(tr("已导入 {count} 个商品").format(count=count) + note)
        return True

    def save_coupon(self, definition: dict, coupon_id: int | None) -> None:
        try:
            self.service.save_coupon(definition, coupon_id)
        except ActionRefused as exc:
            self.message(str(exc), error=True)
            return
        self.message(tr("优惠券已保存") + f": {definition['name'].strip()}")

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
        self.update_teleprompter(force=True)

    def update_teleprompter(self, force: bool = False) -> None:
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
            self.message(str(exc), error=True)
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

    def update_reminder(self) -> None:
        now = time.localtime()
        text = reminder_text(due(self.schedule, now.tm_hour * 3600 + now.tm_min * 60 + now.tm_sec))
        self.faq.set_reminder(text)
        if self.teleprompter is not None:
            self.teleprompter.set_reminder(text)

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

    def _act(self, verb: str, *args) -> None:
        """An assistant verb through the service (undoable); a refusal is shown with its reason."""
        try:
            self.service.act(verb, *args)
        except ActionRefused as exc:
            self.message(str(exc), error=True)
        self._update_undo()

    def undo(self) -> None:
        try:
            done = self.service.undo()
        except ActionRefused as exc:
            self.message(str(exc), error=True)
        else:
            self.message(tr("已撤销") + f": {pick(done)}")
        self._update_undo()

    def _update_undo(self) -> None:
        step = self.service.next_undo()
        self.undo_action.setEnabled(step is not None)
        self.undo_action.setText(tr("撤销") + (f": {pick(step)}" if step else ""))

    def message(self, text: str, error: bool = False) -> None:
        self.statusBar().setStyleSheet("color: #c62828;" if error else "")
        self.statusBar().showMessage(pick(text), 8000)

    def _ask(self, question: str) -> bool:
        return QMessageBox.question(self, tr("主播中控台"), question) == QMessageBox.StandardButton.Yes

    def _choose(self, question: str, choices: dict[str, str]) -> str | None:
        box = QMessageBox(QMessageBox.Icon.Question, tr("主播中控台"), question, parent=self)
        buttons = {box.addButton(text, QMessageBox.ButtonRole.AcceptRole): key for key, text in choices.items()}
        box.addButton(tr("取消"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        return buttons.get(box.clickedButton())

    # --- timers: the UI thread only paints -----------------------------------------------------------------
    def _desk_changed(self, change) -> None:
        """The studio's settings changed (here or elsewhere): the mute box and the scene buttons follow."""
        settings = self.service.desk.settings
        if "muted" in change.fields:
            self.show_controls.follow_mute(settings.muted)
        if change.fields & {"program_scene", "scenes"}:
            self.scenes.refresh()

    def _on_air_changed(self, on_air: bool) -> None:
        """A go-live or a stop made here or by a control surface (StartStream / StopStream): the window follows."""
        controls = self.on_air
        if on_air and controls.live_since is None and not controls.starting:  # the window's own says so when done
            controls.went_live_elsewhere()
        elif not on_air and controls.live_since is not None and not self.service.live and not controls.stopping:
            controls.stopped()  # the window's own stop says so when its thread is done

    # --- layout memory ----------------------------------------------------------------------------------
    def _restore(self) -> None:
        geometry, state = self.settings.value("geometry"), self.settings.value("state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        self.show_controls.restore(self.settings)

    def remember(self) -> None:
        """What the toolbars were set to, for the next start (also at each go-live)."""
        self.show_controls.remember(self.settings)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if self.service.live and not self.confirm(tr("正在直播，确定退出？")):
            event.ignore()
            return
        self.signals.close()
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("state", self.saveState())
        self.remember()
        self.desk.remember_scenes()
        if self.teleprompter is not None:
            self.teleprompter.close()
        if self.review_window is not None:
            self.review_window.close()
        self.on_air.starter.cancel()  # a go-live under way finishes first (and is stopped just below)
        self.on_air.stopper.cancel()  # a stop under way finishes first (the window after it is gone)
        self.show_controls.previewer.cancel()  # and a preview being opened
        self.service.stop()
        self.service.stage.stop_preview(hold=True)  # the window is gone: nothing is shown any more
        for timer in self._timers:
            timer.stop()
        event.accept()
