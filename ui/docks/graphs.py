"""Sales graphs dock (pyqtgraph): cumulative GMV, orders per minute, online viewers; pin windows shaded.
Redrawn once a second from the metrics snapshot, never per event."""

from __future__ import annotations

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


class GraphsDock(QDockWidget):
    def reset(self) -> None:
        self._samples.clear()

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
        self._samples: list[tuple[float, float, int]] = []  # (minute, cumulative GMV ￥, online), one a second
        self.plots = {"gmv": self.gmv, "orders": self.orders, "online": self.online}
        for name, plot in self.plots.items():
            plot.setXRange(0, FIRST_MINUTES, padding=0)
            round_y_axis(plot, FLOORS[name])
        self.setWidget(body)

    def update_metrics(self, snapshot) -> None:
        """Append this second's sample (bounded: 24 h of seconds) and redraw."""
        minute = snapshot.duration_s / 60
        if not self._samples or minute > self._samples[-1][0]:
            self._samples.append((minute, snapshot.gmv_cents / 100, snapshot.online_now))
            del self._samples[:-86_400]
        xs = [s[0] for s in self._samples]
        self._curves["gmv"].setData(xs, [s[1] for s in self._samples])
        self._curves["online"].setData(xs, [s[2] for s in self._samples])
        rows = snapshot.per_minute
        self._curves["orders"].setData([r.minute + 0.5 for r in rows], [r.orders for r in rows],
                                       stepMode=None, symbol="o", symbolSize=6)
        right = max(FIRST_MINUTES, minute * 1.05)
        for name, values in (("gmv", [s[1] for s in self._samples]), ("orders", [r.orders for r in rows]),
                             ("online", [s[2] for s in self._samples])):
            self.plots[name].setXRange(0, right, padding=0)
            round_y_axis(self.plots[name], axis_top(values, FLOORS[name]))  # round ticks, labels apart
        for item in self._regions:
            self.gmv.removeItem(item)
        self._regions = []
        for _product, start, end in snapshot.spans[-20:]:
            end = end if end is not None else snapshot.duration_s
            region = pg.LinearRegionItem((start / 60, end / 60), movable=False,
                                         brush=pg.mkBrush(224, 36, 94, 30))
            self.gmv.addItem(region)
            self._regions.append(region)
