"""复盘 Session review, for the manager: pick a session, watch its recording with the timeline under it (online
viewers, product windows shaded, coupons and flash sales marked, the playhead), the KPIs and each product window's
numbers beside it, and the comments around the playhead. Click the timeline or a product row to jump there.

The window only shows: the review is built by `app.review` (in a worker thread, a long session takes seconds) and
played by `app.media.player`, both reached through the `ConsoleService`.
"""

from __future__ import annotations

import threading
from datetime import datetime

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QCheckBox, QFormLayout, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMainWindow,
                               QPushButton, QSizePolicy, QSplitter, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from app.console import MASKED_UV, WINDOW_COLUMNS, format_clock, money, product_rows, ratio, whole, window_rows
from ui.axes import CURVE_ROOM, label_lanes, lane_positions, round_y_axis
from ui.review_tools import ReviewTools
from ui.seal_state import SealState
from ui.compare import ComparePanel
from ui.i18n import label, pick, tr
from ui.insights import InsightsPanel
from ui.preview import PreviewWidget
from ui.worker import no_collection_here

MARKER_COLOURS = {"product_pinned": "#e0245e", "coupon_dropped": "#f5a623", "coupon_ended": "#c7a35a",
                  "flash_sale_started": "#ff6d00", "flash_sale_ended": "#c78a5a", "price_changed": "#7b61ff",
                  "comment_pinned": "#1d9bf0"}
COMMENT_SPAN = 30.0  # seconds of comments shown up to the playhead: what the streamer was reading then


class ReviewWindow(QMainWindow):
    def __init__(self, service, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.setWindowTitle(tr("复盘", "window title") + " — " + tr("主播中控台"))
        self.resize(1500, 900)
        self.review = None
        self.player = None
        self._loading: tuple[int, threading.Thread, list] | None = None
        self._shown_seq = -1
        self._comment_second = None
        self._product_ids: list[int] = []
        self._import_note = ""  # what the last order import did, shown once the review is rebuilt

        self.sessions = QListWidget()
        self.sessions.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)  # several: compare them
        self.sessions.currentItemChanged.connect(lambda item, _old: self.open_session(item.data(Qt.ItemDataRole.UserRole))
                                                 if item is not None else None)
        self.video = PreviewWidget()
        self.video.placeholder = tr("选择左侧场次")
        self.play_button = QPushButton(tr("▶ 播放"))
        self.play_button.clicked.connect(self.toggle_play)
        self.time_label = QLabel("00:00:00 / 00:00:00")
        self.now_label = QLabel("")
        controls = QHBoxLayout()
        for widget in (self.play_button, self.time_label, self.now_label):
            controls.addWidget(widget)
        controls.addStretch(1)
        self.now_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # a long title: cut
        self._take_tools(service)
        self._build_timeline()
        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.addWidget(self.video, 3)
        centre_layout.addLayout(controls)
        centre_layout.addWidget(self.timeline, 2)
        side = self._build_side(service)
        left = self._build_list(service)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(centre)
        splitter.addWidget(side)
        splitter.setSizes([260, 800, 440])
        self.comparison = ComparePanel(service)
        self.pages = QTabWidget()  # one session played back; sessions side by side
        self.pages.addTab(splitter, tr("单场复盘"))
        self.pages.addTab(self.comparison, tr("场次对比"))
        self.insights = InsightsPanel(service)
        self.pages.addTab(self.insights, tr("多场分析"))
        self.setCentralWidget(self.pages)
        self.statusBar().addWidget(self.status)

        for key, slot in (("Space", self.toggle_play), ("Left", lambda: self.skip(-5)), ("Right", lambda: self.skip(5)),
                          ("Home", lambda: self.seek(0))):
            QShortcut(QKeySequence(key), self, slot)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._timer.start(33)
        self.refresh_sessions()

    def _take_tools(self, service) -> None:
        """The toolbar and what it runs (`ReviewTools`), its buttons and actions reachable from here."""
        self.status = QLabel("")
        self.tools = tools = ReviewTools(self, service, self.status)  # the toolbar and what it runs
        self.clips, self.insights_action, self.records_action = tools.clips, tools.insights_action, tools.records_action
        self.export_button, self.html_button, self.compare_button = tools.export_button, tools.html_button, \
            tools.compare_button
        self.import_button, self.clips_button, self.tag_button = tools.import_button, tools.clips_button, \
            tools.tag_button
        self.export, self.export_html, self.import_orders = tools.export, tools.export_html, tools.import_orders
        self.tag_sessions, self.export_records = tools.tag_sessions, tools.export_records

    def _build_list(self, service) -> QWidget:
        """The shows on the left: rehearsals apart from real shows, every studio's on a shared database."""
        self.show_rehearsals = QCheckBox(tr("看演练场次"))
        self.show_rehearsals.setToolTip(tr("演练与真实直播分开列出，从不混在一起"))
        self.show_rehearsals.toggled.connect(self.refresh_sessions)
        self.all_studios = QCheckBox(tr("所有工作室"))
        self.all_studios.setToolTip(tr("共用数据库时，列出每个工作室的场次（运营视图）"))
        self.all_studios.setVisible(len(service.history.studios()) > 1)
        self.all_studios.toggled.connect(self.refresh_sessions)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.show_rehearsals)
        left_layout.addWidget(self.all_studios)
        left_layout.addWidget(self.sessions, 1)
        return left

    def _build_timeline(self) -> None:
        """The online curve with the product windows, coupons and flash sales on it, and the playhead."""
        pg.setConfigOptions(antialias=True, background="w", foreground="k")
        self.timeline = pg.PlotWidget(title=tr("在线人数 · 讲解时段 · 发券/秒杀"))
        self.timeline.setLabel("bottom", tr("分钟"))
        self.timeline.getAxis("left").enableAutoSIPrefix(False)
        self.timeline.getAxis("bottom").enableAutoSIPrefix(False)
        self.timeline.showGrid(x=True, y=True, alpha=0.2)
        self.timeline.setMouseEnabled(x=True, y=False)
        self.online_curve = self.timeline.plot(pen=pg.mkPen("#1d9bf0", width=2))
        self.playhead = pg.InfiniteLine(0, movable=True, pen=pg.mkPen("#222", width=2))
        self.playhead.sigDragged.connect(lambda line: self.seek(line.value() * 60))
        self.timeline.addItem(self.playhead)
        self.timeline.scene().sigMouseClicked.connect(self._timeline_clicked)
        self.timeline.scene().sigMouseMoved.connect(self._timeline_hovered)
        self._timeline_items: list = []

    def _build_side(self, service) -> QWidget:
        """The KPIs with the 存证 line, the product windows (by product; each explanation), the comments."""
        self.kpis = QFormLayout()
        self.kpi_labels: dict[str, QLabel] = {}
        for key, caption in (("gmv", tr("成交额")), ("refunds", tr("退款 / 净成交")),
                           ("orders", tr("订单")),
                           ("buyers", tr("买家")),
                           ("aov", tr("客单价 / 笔单价")), ("uv", "UV / PV"),
                           ("uv_value", tr("UV价值")),
                           ("gpm", "GPM"), ("conversion", tr("转化率")),
                           ("online", tr("在线 峰值/平均/最新")),
                           ("comments", tr("评论/点赞 每分钟"))):
            self.kpi_labels[key] = QLabel("—")
            self.kpis.addRow(caption, self.kpi_labels[key])
        self.seal = SealState(self, service.history)  # 存证: the log against its hash chain
        self.kpis.addRow(tr("存证"), self.seal.label)
        self.products = QTableWidget(0, 9)
        self.products.setHorizontalHeaderLabels([tr("商品"), tr("讲解", "review column"),
                                                 tr("讲解观众"), tr("订单"), "GMV",
                                                 tr("退款"), "GPM", tr("转化"),
                                                 tr("常问")])
        # not the session's 观看人数 UV: the viewers of this product's explanations (a tooltip says which is which)
        self.products.horizontalHeaderItem(2).setToolTip(tr(
            "讲解观众：讲解开始时的在线人数加讲解期间新进房的观众，与整场的观看人数（UV，去重进房人数）不同"))
        self.products.verticalHeader().setVisible(False)
        self.products.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.products.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.products.setColumnWidth(0, 200)
        self.products.cellDoubleClicked.connect(self._product_clicked)
        self.products.setToolTip(tr("双击跳到该商品第一次讲解"))
        self.windows = QTableWidget(0, len(WINDOW_COLUMNS))  # each explanation its own row, in the order aired
        self.windows.setHorizontalHeaderLabels([tr("开始"), tr("商品"), tr("讲解", "review column"), tr("讲解观众"),
                                                tr("订单"), "GMV", "GPM", tr("转化")])
        self.windows.verticalHeader().setVisible(False)
        self.windows.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.windows.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.windows.setColumnWidth(1, 160)
        self.windows.cellDoubleClicked.connect(self._window_clicked)
        self.windows.setToolTip(tr("一个商品讲解两次就有两行；双击跳到这次讲解"))
        self._window_starts: list[float] = []
        self.product_tables = QTabWidget()
        self.product_tables.addTab(self.products, tr("按商品"))
        self.product_tables.addTab(self.windows, tr("每次讲解"))
        self.comments = QListWidget()
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addLayout(self.kpis)
        side_layout.addWidget(QLabel(tr("商品讲解时段")))
        side_layout.addWidget(self.product_tables, 2)
        side_layout.addWidget(QLabel(tr("播放点前 {seconds} 秒的评论").format(seconds=f"{COMMENT_SPAN:.0f}")))
        side_layout.addWidget(self.comments, 2)
        return side

    # --- sessions -----------------------------------------------------------------------------------------
    def refresh_sessions(self) -> None:
        self.sessions.clear()
        every = self.all_studios.isChecked()
        rehearsals = self.show_rehearsals.isChecked()
        shown = self.service.history.sessions(rehearsals=rehearsals, all_studios=every)
        if not shown and not rehearsals:  # no real show yet: the rehearsals rather than an empty list (marked 演练)
            shown = self.service.history.sessions(rehearsals=True, all_studios=every)
            if shown:
                self.status.setText(tr("还没有真实直播：下面是演练场次"))
        for info in shown:
            started = datetime.fromtimestamp(info.started_at).strftime("%m-%d %H:%M") if info.started_at else "—"
            minutes = f"{info.duration_s / 60:.0f} min" if info.duration_s is not None else "—"
            status = {"ended": "", "interrupted": tr(" · 中断"), "live": tr(" · 直播中")}
            mark = tr("◇ 演练 ") if info.rehearsal else ""
            studio = f"[{info.studio}] " if every else ""
            item = QListWidgetItem(f"{mark}#{info.id}  {started}  {minutes}{status.get(info.status, '')}\n"
                                   f"{studio}{info.title}")
            item.setData(Qt.ItemDataRole.UserRole, info.id)
            self.sessions.addItem(item)
        if not self.sessions.count():
            self.status.setText(tr("还没有场次：开播一次后再来复盘"))

    def open_session(self, session_id: int) -> None:
        """Build the review in a worker thread (a long session's log takes seconds); `_tick` picks it up."""
        if self.player is not None:
            self.player.close()
            self.player = None
        self.review = None
        self.video.show_frame(None)
        self.status.setText(tr("加载中…"))
        box: list = []
        any_studio = self.all_studios.isChecked()
        history = self.service.history  # the thread holds no Qt object (ui/worker.py says why)

        def load() -> None:
            with no_collection_here():
                try:
                    box.append(history.review(session_id, any_studio))
                except Exception as exc:  # shown, not raised in a thread nobody watches
                    box.append(exc)

        thread = threading.Thread(target=load, name="review loader", daemon=True)
        self._loading = (session_id, thread, box)
        thread.start()

    def _loaded(self, review) -> None:
        self.review = review
        m = review.metrics
        values = {"gmv": money(m.gmv_cents), "refunds": f"{money(m.refunds_cents)} / {money(m.gmv_cents - m.refunds_cents)}",
                  "orders": str(m.orders), "buyers": str(m.buyers),
                  "aov": f"{money(m.aov_cents)} / {money(m.per_order_cents)}", "uv": f"{m.uv} / {m.pv}",
                  "uv_value": money(None if m.uv_value is None else m.uv_value * 100), "gpm": whole(m.gpm),
                  "conversion": ratio(m.conversion),
                  "online": f"{m.online_peak} / {m.online_avg:.0f} / {m.online_now}",
                  "comments": f"{m.comments_per_minute:.1f} / {m.likes_per_minute:.1f}"}
        if m.viewers_masked:  # a room read without login: every viewer looked alike
            for key in ("uv", "uv_value", "conversion"):
                values[key] += " ⚠"
        for key, text in values.items():
            self.kpi_labels[key].setText(text)
            self.kpi_labels[key].setToolTip(pick(MASKED_UV) if m.viewers_masked and key in ("uv", "uv_value",
                                                                                           "conversion") else "")
        _header, rows = product_rows(review)  # the products by GMV, then the outside row: they add up to GMV
        self.products.setRowCount(len(rows))
        self._product_ids = [product for product, _ in rows if product is not None]
        for row, (product, cells) in enumerate(rows):
            for column, text in enumerate(cells):
                self.products.setItem(row, column, QTableWidgetItem(label(text) if product is None and column == 0
                                                                    else text))
        _header, windows = window_rows(review)
        self.windows.setRowCount(len(windows))
        self._window_starts = [start for start, _ in windows]
        for row, (_start, cells) in enumerate(windows):
            for column, text in enumerate(cells):
                self.windows.setItem(row, column, QTableWidgetItem(text))
        self._draw_timeline()
        info = review.info
        try:
            self.player = self.service.history.player(info.recording_path) if info.recording_path else None
        except ValueError as exc:
            self.player = None
            self.video.placeholder = pick(str(exc))
            self.video.show_frame(None)
        if self.player is None and not info.recording_path:
            self.video.placeholder = tr("这一场没有录像")
            self.video.show_frame(None)
        self.seal.check(info.id)
        note, self._import_note = self._import_note, ""
        events_word = tr("条事件")
        self.status.setText(f"#{info.id} · {review.events} {events_word} · "
                            f"{m.duration_s / 60:.1f} min" + (f" · {note}" if note else ""))

    def _draw_timeline(self) -> None:
        for item in self._timeline_items:
            self.timeline.removeItem(item)
        self._timeline_items = []
        review = self.review
        self.online_curve.setData([t / 60 for t, _ in review.online], [n for _, n in review.online])
        end = review.metrics.duration_s
        for window in review.windows:
            stop = window.end if window.end is not None else end
            region = pg.LinearRegionItem((window.start / 60, stop / 60), movable=False, brush=pg.mkBrush(224, 36, 94, 30))
            region.setToolTip(review.titles.get(window.product_id, ""))
            self._add(region)
        view = self.timeline.getPlotItem().getViewBox()
        per_px = max(end, 60) / 60 / (view.width() or 800.0)  # minutes per pixel
        labelled = []  # (time, label item) of the coupon drops and flash sales, whose labels take lanes
        for marker in review.markers:
            if marker.kind == "product_pinned":
                continue  # the shaded window says a pin
            colour = MARKER_COLOURS.get(marker.kind, "#888")
            shown = marker.kind in ("coupon_dropped", "flash_sale_started")
            line = pg.InfiniteLine(marker.time / 60, pen=pg.mkPen(colour, width=1, style=Qt.PenStyle.DashLine),
                                   label=marker.label if shown else None,
                                   labelOpts={"color": colour, "anchors": [(0, 0.5), (0, 0.5)]})
            self._add(line)
            if shown:
                labelled.append((marker.time / 60, line.label))
        if labelled:  # measured as drawn: each label's own size in pixels
            sizes = [text.boundingRect() for _, text in labelled]
            positions = lane_positions(view.height() or 200.0, max(r.height() for r in sizes) + 4)
            lanes = label_lanes([t for t, _ in labelled], [(r.width() + 12) * per_px for r in sizes], len(positions))
            for (_, text), lane in zip(labelled, lanes):
                if lane is None:
                    text.setVisible(False)  # no room: the dashed line stays
                else:
                    text.setPosition(positions[lane])
        peak = max((n for _, n in review.online), default=0)
        round_y_axis(self.timeline, max(peak, 10) / CURVE_ROOM)  # the curve below the labels' lanes
        self.timeline.setXRange(0, max(end, 1) / 60, padding=0.02)

    def _timeline_hovered(self, scene_pos) -> None:
        """Over the timeline: the moments within a few pixels of the pointer as its tooltip (their time and label —
        also of a label left out for want of room), else none."""
        if self.review is None:
            return
        view = self.timeline.getPlotItem().getViewBox()
        if not view.sceneBoundingRect().contains(scene_pos):
            self.timeline.setToolTip("")
            return
        minutes = view.mapSceneToView(scene_pos).x()
        near = view.viewPixelSize()[0] * 6  # six pixels, in minutes
        lines = [f"{int(m.time // 60)}:{int(m.time % 60):02d}  {m.label}" for m in self.review.markers
                 if abs(m.time / 60 - minutes) <= near]
        self.timeline.setToolTip("\n".join(lines))

    def _add(self, item) -> None:
        self.timeline.addItem(item)
        self._timeline_items.append(item)

    def export_clips(self):
        """直播切片 of the chosen show: the dialog of what and how (ui/clip_export.py)."""
        return self.clips.start(self.review, self.playhead.value() * 60)

    def compare(self) -> list[int]:
        """The sessions selected on the left side by side, on the 场次对比 page (built off the window's thread);
        returns the ids compared (none when fewer than two are selected)."""
        ids = sorted(item.data(Qt.ItemDataRole.UserRole) for item in self.sessions.selectedItems())
        if len(ids) < 2:
            self.status.setText(tr("按住 Ctrl 选两个或更多场次"))
            return []
        self.comparison.load(ids, self.all_studios.isChecked())
        self.pages.setCurrentWidget(self.comparison)
        return ids

    def show_insights(self) -> None:
        """The 多场分析 page, read for the chosen period the first time it is shown."""
        self.pages.setCurrentWidget(self.insights)
        self.insights.all_studios.setChecked(self.all_studios.isChecked())
        if self.insights.insights is None:
            self.insights.load()

    # --- playing ------------------------------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self.player is not None:
            self.player.toggle()

    def seek(self, t: float, *, first_after: bool = False) -> None:
        if self.player is not None:
            self.player.seek(t, first_after=first_after)

    def skip(self, seconds: float) -> None:
        if self.player is not None:
            self.seek(self.player.position + seconds)

    def _timeline_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = self.timeline.plotItem.vb.mapSceneToView(event.scenePos())
        self.seek(max(0.0, point.x() * 60))

    def _product_clicked(self, row: int, _column: int) -> None:
        if self.review is None or not 0 <= row < len(self._product_ids):
            return
        product_id = self._product_ids[row]
        first = next((w for w in self.review.windows if w.product_id == product_id), None)
        if first is not None:
            self.seek(first.start, first_after=True)  # the first frame after the pin (before it: the previous window)

    def _window_clicked(self, row: int, _column: int) -> None:
        if 0 <= row < len(self._window_starts):
            self.seek(self._window_starts[row], first_after=True)

    def _tick(self) -> None:
        if self._loading is not None:
            session_id, thread, box = self._loading
            if box:
                self._loading = None
                if isinstance(box[0], Exception):
                    self.status.setText(tr("无法复盘") + f" #{session_id}: {pick(str(box[0]))}")
                else:
                    self._loaded(box[0])
            return
        player = self.player
        if player is None:
            return
        seq, frame = player.frame()
        if seq != self._shown_seq and frame is not None:
            self._shown_seq = seq
            self.video.show_frame(frame)
        position = player.position
        self.play_button.setText(tr("⏸ 暂停") if player.playing else tr("▶ 播放"))
        self.time_label.setText(f"{format_clock(position)} / {format_clock(player.duration)}")
        if not self.playhead.moving:
            self.playhead.setValue(position / 60)
        second = int(position)
        if second != self._comment_second and self.review is not None:
            self._comment_second = second
            window = self.review.window_at(position)
            self.now_label.setText(tr("讲解中：") + self.review.titles.get(window.product_id, "")
                                   if window else "")
            self.comments.clear()
            for comment in self.review.comments_between(position - COMMENT_SPAN, position + 1e-3)[-200:]:
                hidden = tr("（已屏蔽）") if comment.hidden else ""
                self.comments.addItem(f"{format_clock(comment.time)}  {comment.nickname}：{comment.text}{hidden}")
            self.comments.scrollToBottom()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self._timer.stop()
        self.clips.stop()
        self.seal.wait()
        self.tools.wait()
        self.insights.stop()
        self.comparison.stop()
        if self.player is not None:
            self.player.close()
            self.player = None
        event.accept()
