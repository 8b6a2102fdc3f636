"""The show's health once a second, read one way for every surface: the window's lights and notices, the `stream`
and `demo` commands' line. `health_report` decides what is said (each output's state and loss, the feed's state
and how long it has been quiet, which notices count); the surfaces only word it (`terminal_line` for the
command line, the window in its language)."""

from __future__ import annotations

from dataclasses import dataclass

from app.redaction import redact

__all__ = ["FeedHealth", "HealthReport", "QUIET_S", "health_report", "output_name", "terminal_line"]

QUIET_S = 10.0  # a feed silent this long is said to be quiet (a live room sends something every few seconds)


@dataclass(frozen=True)
class FeedHealth:
    """The platform feed: connected or reconnecting (and how often), events published, frames it could not read or
    did not know, seconds since its last message when that is QUIET_S or more (else None)."""

    connected: bool
    reconnects: int
    published: int
    problems: int
    quiet_s: float | None


@dataclass(frozen=True)
class HealthReport:
    """One second of the show: the encoder, each output (`OutputRate`: its `health` state, kbps, loss), the feed,
    the notices to show (masked), and the room's figures when there is a room."""

    stream_time: float
    capture_fps: float
    encode_ms_mean: float
    encode_ms_p95: float
    cpu_percent: float
    push_cpu_percent: float
    frames_encoded: int
    drops: tuple[tuple[str, int], ...]  # (cause, frames) for each cause that dropped any
    outputs: tuple
    feed: FeedHealth | None
    notices: tuple[str, ...]
    online: int | None = None
    gmv_cents: int | None = None
    orders: int | None = None

    @property
    def dropped(self) -> int:
        return sum(n for _, n in self.drops)


def output_name(out) -> str:
    """An output's short name: the last part of its address or file (a stream key never shows: the name is
    masked before it is cut)."""
    return redact(out.stats.name).rsplit("/", 1)[-1]


def _feed(feed) -> FeedHealth | None:
    if feed is None:
        return None
    age = feed.last_message_age_s
    return FeedHealth(bool(feed.connected), int(feed.reconnects), int(feed.published),
                      int(feed.malformed + feed.unknown), age if age is not None and age >= QUIET_S else None)


def health_report(stats, feed=None, event_log_notice: str | None = None, room=None) -> HealthReport | None:
    """The report of the pipeline's last `PipelineStats` (None before its first second: no report), the feed's
    counters (`FeedStats`, or None without a feed), the event log's notice, and the room's live figures (a metrics
    snapshot, or None)."""
    if stats is None:
        return None
    failed = tuple(f"{output_name(out)}: {out.stats.error}" for out in stats.outputs
                   if out.health == "failed" and out.stats.error)  # e.g. a recording on a full disk
    log_notice = (event_log_notice,) if event_log_notice else ()  # events set aside, a database that is failing
    feed_notice = (feed.notice,) if feed is not None and getattr(feed, "notice", None) else ()  # names masked
    return HealthReport(
        stats.stream_time, stats.capture_fps, stats.encode_ms_mean, stats.encode_ms_p95, stats.cpu_percent,
        stats.push_cpu_percent, stats.frames_encoded, tuple((c, n) for c, n in stats.dropped.items() if n),
        tuple(stats.outputs), _feed(feed), tuple(redact(n) for n in (*stats.notices, *failed, *log_notice, *feed_notice)),
        room.online_now if room is not None else None, room.gmv_cents if room is not None else None,
        room.orders if room is not None else None)


def terminal_line(report: HealthReport) -> str:
    """The command line's once-a-second line (English words, figures as the window shows them)."""
    from app.media.clock import format_clock

    parts = [format_clock(report.stream_time), f"fps {report.capture_fps:4.1f}",
             f"enc {report.encode_ms_mean:4.1f}/{report.encode_ms_p95:4.1f} ms",
             f"cpu {report.cpu_percent:3.0f}%" + (f" + push {report.push_cpu_percent:.0f}%"
                                                  if report.push_cpu_percent else ""),
             f"frames {report.frames_encoded}", f"drops {report.dropped}"]
    for out in report.outputs:
        state = {"failed": "FAILED", "reconnecting": f"RECONNECTING (#{out.stats.reconnects}) drop {out.lost}"}.get(
            out.health, f"{out.kbps:5.0f} kbps {out.fps:4.1f} fps q{out.stats.queue_depth} drop {out.lost}")
        parts.append(f"{redact(out.stats.name)} {state}")
    parts.extend(f"! {notice}" for notice in report.notices)
    if report.online is not None:
        parts.append(f"在线 {report.online} GMV ￥{report.gmv_cents / 100:.0f} 订单 {report.orders}")
    feed = report.feed
    if feed is not None:
        state = "feed ok" if feed.connected else f"feed RECONNECTING (#{feed.reconnects})"
        parts.append(f"{state} {feed.published} ev" + (f" ⚠{feed.problems}" if feed.problems else "")
                     + (f" quiet {feed.quiet_s:.0f}s" if feed.quiet_s is not None else ""))
    return redact(" | ".join(parts))


def health_problems(report: HealthReport, dropped_before: int, quiet_alert_s: float) -> list[tuple[str, str, str]]:
    """What in this second's health is worth an alert (预警, `app.metrics.alerts`): (cause, what happened, what to
    do) for each output failed or reconnecting, frames dropped since `dropped_before`, the feed silent for
    `quiet_alert_s` or more."""
    found = []
    for out in report.outputs:
        if out.health in ("failed", "reconnecting"):
            name = output_name(out)
            found.append((f"output:{name}", f"推流 {name} {'断开' if out.health == 'failed' else '重连中'} / output "
                                            f"{name} {out.health}",
                          "检查网络与推流地址；必要时换备用线路 / check the network and the address; switch to the "
                          "backup destination if needed"))
    dropped = report.dropped - dropped_before
    if dropped > 0:
        found.append(("dropped", f"丢帧 {dropped} / {dropped} frames dropped",
                      "降低码率或分辨率，关掉占用上传的程序 / lower the bitrate or size, close what uses the upload"))
    feed = report.feed
    if feed is not None and feed.quiet_s is not None and feed.quiet_s >= quiet_alert_s:
        found.append(("feed", f"直播间数据 {feed.quiet_s:.0f} 秒没有消息 / the room's feed silent for {feed.quiet_s:.0f} s",
                      "检查弹幕工具或它的登录 / check the comment tool or its login"))
    return found
