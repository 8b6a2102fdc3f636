"""Charts a person can read: value axes with round ticks (0, 250, 500, 750 — `app.report.nice_ticks`, the HTML
report's), as many as the plot's height holds with room between their labels, the axis from 0 to the top tick;
and labels on a time axis set in lanes so that none runs into another."""

from __future__ import annotations

from app.console import nice_ticks, tick_label

TICK_ROOM_PX = 34  # at least this much height per tick label (a 13-px label and air above and below)


def round_y_axis(plot, top: float, height_px: float | None = None) -> list[float]:
    """Set `plot`'s (a pyqtgraph PlotWidget or PlotItem) value axis to run from 0 to a round top above `top`, with
    round ticks no closer than TICK_ROOM_PX; returns the ticks."""
    item = plot.getPlotItem() if hasattr(plot, "getPlotItem") else plot
    height = height_px if height_px is not None else item.getViewBox().height()
    ticks = nice_ticks(top, max(1, min(6, int(height // TICK_ROOM_PX))))  # never more intervals than asked
    item.getAxis("left").setTicks([[(value, tick_label(value)) for value in ticks], []])
    item.setYRange(0, ticks[-1], padding=0)
    return ticks


CURVE_ROOM = 0.66  # the curve stays below this fraction of the height: the lanes above it are the labels'


def lane_positions(height_px: float, label_px: float) -> list[float]:
    """Where each lane's label sits on its line (fraction of the plot's height, from the bottom): lanes a label's
    height apart, as many as fit above the curve's part of the height (at least one)."""
    count = max(1, int((1 - CURVE_ROOM) * height_px // label_px))
    return [1 - (lane + 0.5) * label_px / max(height_px, 1.0) for lane in range(count)]


def label_lanes(starts: list[float], widths: list[float], lanes: int) -> list[int | None]:
    """For labels starting at `starts` (sorted, in the axis's units) and `widths` long: each one's lane (0 the
    highest), the first lane whose last label has ended; None when every lane is taken there (the label is left
    out — its line stays)."""
    ends = [float("-inf")] * lanes
    out: list[int | None] = []
    for start, width in zip(starts, widths):
        lane = next((i for i in range(lanes) if ends[i] <= start), None)
        if lane is not None:
            ends[lane] = start + width
        out.append(lane)
    return out
