"""Sales graphs dock (pyqtgraph): cumulative GMV, orders per minute, online viewers; pin windows shaded.
Redrawn once a second from the metrics snapshot, never per event."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QDockWidget, QVBoxLayout, QWidget

from ui.axes import round_y_axis
from ui.i18n import tr


FIRST_MINUTES = 5  # the time axis spans at least this much, so the first minute is not one dot on a zoomed axis
PLOT_MIN_HEIGHT = 150  # px: room for a title, two round ticks and the minute axis
FLOORS = {"gmv": 1000.0, "orders": 10.0, "online": 50.0}  # each value axis starts at 0 and spans at least this


def axis_top(values, floor: float) -> float:
    """The top of a value axis that starts at 0: a little above the largest value, never below `floor`."""
    return max(floor, max(values, default=0) * 1.15)


MAX_SAMPLES = 86_400  # one a second: 24 h
MAX_SHADED = 20  # the newest explanation windows shaded on the GMV plot


class GraphsDock(QDockWidget):
    def reset(self) -> None:
        self._count = 0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("数据"), parent)
        self.setObjectName("graphs")
        pg.setConfigOptions(antialias=True, background="w", foreground="k")
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(2, 2, 2, 2)
        self.gmv = pg.PlotWidget(title=tr("累计成交 GMV (￥)"))
        self.orders = pg.PlotWidget(title=tr("每分钟订单"))
        self.online = pg.PlotWidget(title=tr("在线人数"))
        self._curves = {}
        for name, plot, colour in (("gmv", self.gmv, "#e0245e"), ("orders", self.orders, "#f58220"),
                                   ("online", self.online, "#1d9bf0")):
            plot.setLabel("bottom", tr("分钟"))
            plot.getAxis("bottom").enableAutoSIPrefix(False)
            plot.getAxis("left").enableAutoSIPrefix(False)
            plot.showGrid(x=True, y=True, alpha=0.2)
            self._curves[name] = plot.plot(pen=pg.mkPen(colour, width=2))
            plot.setMinimumHeight(PLOT_MIN_HEIGHT)  # readable: a short dock scrolls rather than squash three graphs
            layout.addWidget(plot)
        self._regions: list = []
        # one sample a second (minute, cumulative GMV ￥, online) in arrays the curves take as they are: no Python
        # list of every second rebuilt each second, however long the show
        self._samples = np.zeros((3, MAX_SAMPLES))
        self._count = 0
        self.plots = {"gmv": self.gmv, "orders": self.orders, "online": self.online}
        for name, plot in self.plots.items():
            plot.setXRange(0, FIRST_MINUTES, padding=0)
            round_y_axis(plot, FLOORS[name])
        self.setWidget(body)

    def update_metrics(self, snapshot) -> None:
        """Append this second's sample (bounded: 24 h of seconds) and redraw."""
        minute = snapshot.duration_s / 60
        if not self._count or minute > self._samples[0, self._count - 1]:
            if self._count == MAX_SAMPLES:  # the oldest second goes
                self._samples[:, :-1] = self._samples[:, 1:]
                self._count -= 1
            self._samples[:, self._count] = (minute, snapshot.gmv_cents / 100, snapshot.online_now)
            self._count += 1
        xs, gmv, online = self._samples[:, :self._count]
        self._curves["gmv"].setData(xs, gmv)
        self._curves["online"].setData(xs, online)
        rows = snapshot.per_minute
        orders = [r.orders for r in rows]
        self._curves["orders"].setData([r.minute + 0.5 for r in rows], orders, stepMode=None, symbol="o",
                                       symbolSize=6)
        right = max(FIRST_MINUTES, minute * 1.05)
        for name, top in (("gmv", gmv.max(initial=0)), ("orders", max(orders, default=0)),
                          ("online", online.max(initial=0))):
            self.plots[name].setXRange(0, right, padding=0)
            round_y_axis(self.plots[name], axis_top([top], FLOORS[name]))  # round ticks, labels apart
        self._shade(snapshot.spans[-MAX_SHADED:], snapshot.duration_s)

    def _shade(self, spans, now_s: float) -> None:
        """The explanation windows shaded on the GMV plot: the items are kept and moved (made again every second,
        with their two lines each, they were a tenth of the window's busy time at 5,000 events/s: bench/ui_stall.py)."""
        for index, (_product, start, end) in enumerate(spans):
            end = end if end is not None else now_s
            if index == len(self._regions):
                region = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(224, 36, 94, 30))
                self.gmv.addItem(region)
                self._regions.append(region)
            self._regions[index].setRegion((start / 60, end / 60))
            self._regions[index].show()
        for region in self._regions[len(spans):]:
            region.hide()
