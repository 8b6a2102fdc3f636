"""多场分析 in the review window: a period's shows side by side (overview with the weekly GMV chart, shows,
explanations, products, hosts and start hours), the audience across shows (new and returning per show, repeat
buyers, the cohorts' retention as a heat map) and A/B (two groups of shows by filter, compared honestly).

The panel only shows what `service.history.insights` builds (in a worker thread: a first reading keeps the shows
not kept yet) and the tables `service.history.insight_tables` words; every heading's tooltip is its definition.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QDate, QDateTime, QTime, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QCheckBox, QDateEdit, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QPushButton, QSplitter, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout,
                               QWidget)

from ui.compare import documents_folder
from ui.i18n import label, pick, tr
from ui.worker import Worker

TIP_WORDS = {"GPM": "GPM", "转化率": "conversion", "UV价值": "uv_value", "回访": "returning", "W+": "cohort",
             "复购": "repeat", "转化下滑": "falling", "最好话术": "script"}


def _table() -> QTableWidget:
    table = QTableWidget(0, 0)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSortingEnabled(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.verticalHeader().setVisible(False)
    return table


class InsightsPanel(QWidget):

    def __init__(self, service, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.insights = None
        self.ab = None
        self._asked = None
        self._worker = Worker(self, "insights loader")
        today = QDate.currentDate()
        self.since = QDateEdit(today.addDays(-83))
        self.until = QDateEdit(today)
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.all_studios = QCheckBox(tr("所有工作室"))
        self.run_button = QPushButton(tr("分析"))
        self.run_button.setToolTip(tr("读取这段时间每一场真实直播（不含演练）"))
        self.run_button.clicked.connect(lambda: self.load())
        self.csv_button = QPushButton(tr("导出表格…"))
        self.csv_button.setToolTip(tr("每张表一个 CSV 文件（Excel 直接打开）"))
        self.csv_button.clicked.connect(lambda: self.export_csv())
        self.html_button = QPushButton(tr("导出报告…"))
        self.html_button.setToolTip(tr("一个 HTML 文件：表格、每周成交图、留存热力图"))
        self.html_button.clicked.connect(lambda: self.export_html())
        for button in (self.csv_button, self.html_button):
            button.setEnabled(False)
        self.summary = QLabel(tr("选好时间段，点 分析"))
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = QHBoxLayout()
        for widget in (QLabel(tr("从")), self.since, QLabel(tr("到")), self.until, self.all_studios, self.run_button):
            top.addWidget(widget)
        top.addStretch(1)
        top.addWidget(self.csv_button)
        top.addWidget(self.html_button)

        self.views = self._views()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.views, 1)

    def _views(self) -> QTabWidget:
        """The tabs: the overview (weekly chart and table), shows, windows, products, hosts and slots, audience,
        retention, A/B."""
        self.tables: dict[str, QTableWidget] = {name: _table() for name in (
            "weeks", "shows", "windows", "products", "hosts", "slots", "audience", "repeat_buyers", "cohorts", "ab")}
        self.chart = pg.PlotWidget(title=tr("每周成交额（元）"))
        self.chart.getAxis("left").enableAutoSIPrefix(False)
        self.chart.showGrid(y=True, alpha=0.2)
        self.chart.setMouseEnabled(x=False, y=False)
        overview = QSplitter(Qt.Orientation.Vertical)
        overview.addWidget(self.chart)
        overview.addWidget(self.tables["weeks"])
        groups = QSplitter()
        groups.addWidget(self._titled(tr("主播"), self.tables["hosts"]))
        groups.addWidget(self._titled(tr("开播时段"), self.tables["slots"]))
        audience = QSplitter(Qt.Orientation.Vertical)
        audience.addWidget(self._titled(tr("每场观众：新观众与回访"), self.tables["audience"]))
        audience.addWidget(self._titled(tr("复购（最近 30 / 90 天）"), self.tables["repeat_buyers"]))
        views = QTabWidget()
        for widget, title in ((overview, tr("概览")), (self.tables["shows"], tr("场次")),
                              (self.tables["windows"], tr("每段讲解")), (self.tables["products"], tr("商品")),
                              (groups, tr("主播与时段")), (audience, tr("观众")),
                              (self._titled(tr("留存：某周首次进房的观众，之后每周再来的比例"), self.tables["cohorts"]),
                               tr("留存")),
                              (self._ab_page(), tr("A/B 对比"))):
            views.addTab(widget, title)
        return views

    @staticmethod
    def _titled(title: str, table: QTableWidget) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(title))
        layout.addWidget(table, 1)
        return box

    def _ab_page(self) -> QWidget:
        self.group_a = QLineEdit("host=")
        self.group_b = QLineEdit("host=")
        tip = tr("键=值：host=主播、tag=标签、slot=开播小时、weekday=星期（1–7）、platform=平台、title=标题包含、"
                 "ids=场次号,场次号；多个条件用 & 连接")
        for edit in (self.group_a, self.group_b):
            edit.setToolTip(tip)
        self.ab_button = QPushButton(tr("对比两组"))
        self.ab_button.clicked.connect(lambda: self.compare_groups())
        self.verdict = QLabel(tr("先分析一个时间段，再写两组场次的条件"))
        self.verdict.setWordWrap(True)
        row = QHBoxLayout()
        for widget in (QLabel("A"), self.group_a, QLabel("B"), self.group_b, self.ab_button):
            row.addWidget(widget)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(row)
        layout.addWidget(self.verdict)
        layout.addWidget(self.tables["ab"], 1)
        return page

    # --- loading ------------------------------------------------------------------------------------------
    def period(self) -> tuple[float, float]:
        """The chosen days as [since, until) in the machine's time: until's whole day included."""
        start = QDateTime(self.since.date(), QTime(0, 0)).toSecsSinceEpoch()
        end = QDateTime(self.until.date().addDays(1), QTime(0, 0)).toSecsSinceEpoch()
        return float(start), float(end)

    def load(self) -> None:
        """Read the period off the window's thread; ui/worker.py brings it back."""
        since, until = self.period()
        if since >= until:
            self.summary.setText(tr("开始日期晚于结束日期"))
            return
        asked = self._asked = (since, until, self.all_studios.isChecked())
        self.summary.setText(tr("分析中…（第一次读取时会整理每一场，稍等）"))
        self.run_button.setEnabled(False)
        history = self.service.history  # the job holds no Qt object (ui/worker.py)
        self._worker.start(lambda: history.insights(*asked), lambda result: self._loaded(asked, result))

    def stop(self, timeout: float = 30.0) -> None:
        """Wait for a reading under way (the window closes after it: its thread never outlives the window)."""
        self._worker.wait(timeout)

    def _loaded(self, asked, result) -> None:
        if asked != self._asked:
            return  # a newer period was asked for meanwhile
        self.run_button.setEnabled(True)
        if isinstance(result, Exception):
            self.insights = None
            self.summary.setText(tr("分析失败") + f": {pick(str(result))}")
            return
        self.show_insights(result)

    # --- showing ------------------------------------------------------------------------------------------
    def show_insights(self, insights) -> None:
        self.insights, self.ab = insights, None
        history = self.service.history
        lines = [history.insight_summary(insights)]
        self.summary.setText("\n".join(pick(line) for line in lines))
        for name, (head, rows) in history.insight_tables(insights).items():
            self._fill(self.tables[name], head, rows)
        self._heat(self.tables["cohorts"])
        self._draw_weeks(insights)
        self.tables["ab"].setRowCount(0)
        for button in (self.csv_button, self.html_button):
            button.setEnabled(True)

    def _fill(self, table: QTableWidget, head: list[str], rows: list[list]) -> None:
        definitions = self.service.history.insight_definitions()
        table.clear()
        table.setColumnCount(len(head))
        table.setRowCount(len(rows))
        for column, name in enumerate(head):
            item = QTableWidgetItem(label(name))
            for word, key in TIP_WORDS.items():
                if word in name:
                    item.setToolTip(pick(definitions[key]))
            table.setHorizontalHeaderItem(column, item)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                item = QTableWidgetItem("" if value is None else str(value))
                if isinstance(value, (int, float)):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(r, c, item)

    @staticmethod
    def _heat(table: QTableWidget) -> None:
        """The retention shares coloured like a heat map (the deeper, the more came back)."""
        for r in range(table.rowCount()):
            for c in range(2, table.columnCount()):
                item = table.item(r, c)
                if item is None or not item.text():
                    continue
                share = float(item.text())
                item.setText(f"{share:.0%}")
                item.setBackground(QColor(228, 57, 60, int(25 + 230 * min(max(share, 0.0), 1.0))))

    def _draw_weeks(self, insights) -> None:
        self.chart.clear()
        weeks = insights.weeks
        if not weeks:
            return
        self.chart.addItem(pg.BarGraphItem(x=list(range(len(weeks))), height=[w.gmv_cents / 100 for w in weeks],
                                           width=0.7, brush="#e4393c"))
        self.chart.getAxis("bottom").setTicks([[(i, w.name[5:]) for i, w in enumerate(weeks)]])

    # --- A/B ----------------------------------------------------------------------------------------------
    def compare_groups(self):
        """Group B against group A over the period read; the verdict says when there is no detectable difference."""
        if self.insights is None:
            self.verdict.setText(tr("先分析一个时间段，再写两组场次的条件"))
            return None
        try:
            report = self.service.history.ab(self.insights, self.group_a.text(), self.group_b.text())
        except ValueError as exc:
            self.verdict.setText(pick(str(exc)))
            return None
        self.ab = report
        head, rows = self.service.history.insight_tables(self.insights, report)["ab"]
        self._fill(self.tables["ab"], head, rows)
        notes = "；".join(pick(n) for n in report.notes)
        self.verdict.setText(pick(report.verdict) + (f"\n{notes}" if notes else ""))
        return report

    # --- exports ------------------------------------------------------------------------------------------
    def export_csv(self, folder: str | None = None) -> list:
        if self.insights is None:
            return []
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, tr("导出到文件夹"), documents_folder())
            if not folder:
                return []
        return self._export(folder, None)

    def export_html(self, path: str | None = None) -> list:
        if self.insights is None:
            return []
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, tr("保存报告"), f"{documents_folder()}/insights.html",
                                                  "HTML (*.html)")
            if not path:
                return []
        return self._export(None, path)

    def _export(self, folder: str | None, path: str | None) -> list:
        try:
            written = self.service.history.export_insights(self.insights, folder, path, self.ab)
        except OSError as exc:
            self.summary.setText(tr("导出失败") + f": {exc}")
            return []
        self.summary.setText(tr("已导出") + f": {', '.join(p.name for p in written)}")
        return written
