"""场次对比 in the review window: two or more sessions side by side — one column of figures per session, their online
curves and cumulative GMV on one chart each, a rehearsal marked in its name — and the same as an HTML file to mail.

The panel only shows an `app.report.Comparison` (built by `service.history.comparison` in a worker thread, since
every session's log is read again); the figures are the ones the report and `review N --compare` print.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from ui.i18n import pick, tr
from ui.worker import Worker


def documents_folder() -> str:
    """Where a report is saved unless the person picks elsewhere: the user's documents, not the program's folder."""
    return (QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
            or QStandardPaths.writableLocation(QStandardPaths.StandardLocation.HomeLocation))


class ComparePanel(QWidget):

    def __init__(self, service, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.comparison = None
        self._asked: tuple[int, ...] = ()
        self._worker = Worker(self, "comparison loader")
        self.title = QLabel(tr("按住 Ctrl 在左侧选两个或更多场次，再点 对比场次"))
        self.title.setWordWrap(True)
        self.export_button = QPushButton(tr("导出对比报告…"))
        self.export_button.setToolTip(tr("一个 HTML 文件：指标并排、在线与累计成交曲线，可邮件发送或手机打开"))
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(lambda: self.export())
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideRight)
        pg.setConfigOptions(antialias=True, background="w", foreground="k")
        self.online_plot = self._plot(tr("在线人数（每分钟）"))
        self.gmv_plot = self._plot(tr("累计成交额（元）"))
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.export_button)
        charts = QVBoxLayout()
        charts.addWidget(self.online_plot)
        charts.addWidget(self.gmv_plot)
        body = QHBoxLayout()
        body.addWidget(self.table, 2)
        body.addLayout(charts, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(body, 1)

    @staticmethod
    def _plot(title: str) -> pg.PlotWidget:
        plot = pg.PlotWidget(title=title)
        plot.setLabel("bottom", tr("分钟"))
        for side in ("left", "bottom"):
            plot.getAxis(side).enableAutoSIPrefix(False)
        plot.showGrid(x=True, y=True, alpha=0.2)
        plot.setMouseEnabled(x=True, y=False)
        plot.addLegend(offset=(8, 8))
        return plot

    def load(self, session_ids: list[int], any_studio: bool = False) -> None:
        """Build the comparison off the window's thread (ui/worker.py brings it back)."""
        asked = tuple(session_ids)
        self._asked = asked
        self.title.setText(tr("加载中…"))
        self.export_button.setEnabled(False)

        history = self.service.history  # the job holds no Qt object (ui/worker.py)
        self._worker.start(lambda: history.comparison(list(asked), any_studio), lambda result: self._loaded(asked, result))

    def stop(self, timeout: float = 30.0) -> None:
        self._worker.wait(timeout)

    def _loaded(self, asked, result) -> None:
        if asked != self._asked:
            return  # a newer selection was asked for meanwhile
        if isinstance(result, Exception):
            self.comparison = None
            self.title.setText(tr("对比失败") + f": {pick(str(result))}")
            return
        self.comparison = result
        self.show_comparison(result)

    def show_comparison(self, comparison) -> None:
        self.title.setText(tr("场次对比") + ": " + "  ·  ".join(comparison.names))
        self.table.setColumnCount(len(comparison.names))
        self.table.setRowCount(len(comparison.rows))
        self.table.setHorizontalHeaderLabels([name.replace(" (", "\n(") for name in comparison.names])
        self.table.setVerticalHeaderLabels([label for label, _ in comparison.rows])
        for row, (_label, values) in enumerate(comparison.rows):
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        for plot, series in ((self.online_plot, comparison.online), (self.gmv_plot, comparison.gmv)):
            plot.clear()
            for name, colour, points in series:
                plot.plot([x for x, _ in points], [y for _, y in points], pen=pg.mkPen(colour, width=2), name=name)
        self.export_button.setEnabled(True)

    def export(self, path: str | None = None):
        """The comparison shown as one HTML file (asked for, in the documents folder, when not given)."""
        if self.comparison is None:
            return None
        if path is None:
            from PySide6.QtWidgets import QFileDialog

            ids = "-".join(str(r.info.id) for r in self.comparison.reviews)
            path, _ = QFileDialog.getSaveFileName(self, tr("保存报告"), f"{documents_folder()}/compare-{ids}.html",
                                                  "HTML (*.html)")
            if not path:
                return None
        try:
            written = self.service.history.export_comparison(self.comparison, path)
        except OSError as exc:
            self.title.setText(tr("导出失败") + f": {exc}")
            return None
        self.title.setText(tr("已导出对比") + f": {written.name}")
        return written
