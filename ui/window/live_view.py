"""What the console's window shows of the show, refreshed by its timers (`window.live_view`): the preview at 30
frames a second, the room's events ten times a second (comments, FAQ, 预警), the room four times (products, coupons,
福袋, FAQ, the reminder and the teleprompter), and once a second the figures, the on-air light and the show's health
worded in the window's language. It reads the console's values only (`app.console`); what it draws into are the
window's docks and labels."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer

from app.console import format_clock, output_name
from app.kernel.events import EventType
from ui.docks.destinations import HEALTH
from ui.i18n import tr


class LiveView:
    def __init__(self, window) -> None:
        self.window = window
        self.service = window.service
        self._preview_seq = -1
        self.timers: list[QTimer] = []
        for interval, slot in ((33, self.tick_preview), (100, self.tick_events), (250, self.tick_room),
                               (1000, self.tick_metrics)):
            timer = QTimer(window)
            timer.timeout.connect(slot)
            timer.start(interval)
            self.timers.append(timer)

    def tick_preview(self) -> None:
        window = self.window
        seq, frame = self.service.stage.frame()
        if (self.service.live or self.service.stage.previewing) and seq != self._preview_seq and frame is not None:
            self._preview_seq = seq
            window.preview.badge = "" if self.service.live else tr("预览 · 未开播")
            window.preview.show_frame(frame)

    def tick_events(self) -> None:
        window = self.window
        window.show_controls.tick_meter()
        events = self.service.drain_events()
        if events:
            broadcast = self.service.broadcast  # how many a stall kept the window from being handed
            window.comments.add_events(events, skipped=broadcast.view_skipped if broadcast is not None else 0)
            window.faq.add_events(events)
            for event in events:
                if event.type == EventType.ALERT:
                    self.show_alert(event.payload)

    def show_alert(self, p: dict) -> None:
        """预警: on the console above the preview and on the teleprompter (both off stream)."""
        window = self.window
        at = format_clock(float(p.get("at", 0.0)))
        line = window.live_alerts.show_alert(at, str(p.get("text", "")), str(p.get("advice", "")))
        if window.teleprompter is not None:
            window.teleprompter.set_alert(line)

    def tick_room(self) -> None:
        window = self.window
        room = self.service.room_snapshot()  # the catalogue before going live, the live room after
        now = room.stream_time() or 0.0
        window.products.refresh(room)
        window.coupons.refresh(room, now)
        window.draw.refresh(room, now)
        window.faq.refresh(room, now)
        window.update_reminder()
        window.update_teleprompter()

    def tick_metrics(self) -> None:
        window = self.window
        failure = self.service.recover()  # the stream failed: the session is closed, the preview runs again
        controls = window.on_air
        if failure:
            controls.failed(failure)
        window.doors.update_status()
        snapshot = self.service.metrics()
        if snapshot is not None:
            window.graphs.update_metrics(snapshot)
        if controls.live_since is not None and not controls.stopping:  # 停播中… stays until the stop is done
            controls.show_on_air(time.monotonic() - controls.live_since)
        report = self.service.health(snapshot)
        if report is not None:
            self.show_health(report)

    def show_health(self, report) -> None:
        """The show's health (`app.health`), worded in the window's language: a light per output and the feed's in
        the toolbar, each destination's row, the notices, the encoder's line."""
        window = self.window
        lights = [f"{tr(HEALTH[out.health])} {output_name(out)} {out.kbps:.0f} kbps " + tr("丢")
                  + f" {out.lost} ({out.lost_percent:.1f}%)"
                  + (f" #{out.stats.reconnects}" if out.health == "reconnecting" else "") for out in report.outputs]
        feed = report.feed
        if feed is not None:
            lights.append(("● " + tr("弹幕源") if feed.connected else "◌ " + tr("弹幕源重连")) + f" {feed.published}"
                          + (f" ⚠{feed.problems}" if feed.problems else "")
                          + (" " + tr("静默") + f" {feed.quiet_s:.0f}s" if feed.quiet_s is not None else ""))
        window.show_controls.health.setText("   ".join(lights))
        window.destinations.show_health([out for out in report.outputs if out.stats.name.startswith("rtmp")])
        window.notices.setText("  ".join(f"⚠ {notice}" for notice in report.notices))
        money = (f" · GMV ￥{report.gmv_cents / 100:.0f} · " + tr("在线") + f" {report.online}"
                 if report.online is not None else "")
        causes = "、".join(f"{cause} {n}" for cause, n in report.drops) or "0"
        encode, drops_word = tr("编码"), tr("丢帧")
        window.stats_label.setText(f"fps {report.capture_fps:.1f} · {encode} {report.encode_ms_mean:.1f} ms · "
                                   f"{drops_word} {causes} · CPU {report.cpu_percent + report.push_cpu_percent:.0f}%"
                                   f"{money}")
