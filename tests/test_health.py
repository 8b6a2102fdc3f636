"""The show's health read one way (app/health.py): what the window's lights and the command line's line say comes
from one report — each output's state and loss, the feed quiet or not, the notices that count, keys masked."""

from __future__ import annotations

from collections import Counter

from app.health import QUIET_S, health_report, output_name, terminal_line
from app.live.feed import FeedStats
from app.media.output_stats import OutputStats
from app.media.pipeline import OutputRate, PipelineStats
from app.redaction import register_url_secrets

KEY = "live_123456789_secretkey"


def _stats(*outputs, notices=()):
    return PipelineStats(stream_time=75.0, frames_captured=2250, frames_encoded=2248, capture_fps=29.9,
                         encode_ms_mean=6.2, encode_ms_p95=9.8, dropped={"render": 2, "encode": 0}, cpu_percent=71.0,
                         outputs=list(outputs), notices=notices, push_cpu_percent=12.0)


class Room:  # a metrics snapshot's figures the line shows
    online_now, gmv_cents, orders = 812, 1_234_500, 37


def test_the_report_says_each_outputs_state_and_the_notices_that_count():
    register_url_secrets(f"rtmp://127.0.0.1/live/{KEY}")  # as every go-live does with its addresses
    ok = OutputRate(OutputStats(f"rtmp://127.0.0.1/live/{KEY}", packets=900, dropped=Counter(stale=100)), 2480.0, 30.0)
    retrying = OutputRate(OutputStats("rtmp://10.0.0.2/live/b", connected=False, reconnects=3), 0.0)
    full = OutputRate(OutputStats("/data/rec/show.mp4", error="磁盘已满 / disk full"), 0.0)
    congested = OutputRate(OutputStats("rtmp://10.0.0.3/live/c", congestion=0.7), 900.0)
    feed = FeedStats(connected=False, published=420, malformed=2, unknown=3, reconnects=1, last_message_age_s=12.5)
    report = health_report(_stats(ok, retrying, full, congested, notices=(f"推流 rtmp://10.0.0.9/live/{KEY} 慢",)), feed,
                           "事件已另存 / events set aside", Room())
    assert [out.health for out in report.outputs] == ["ok", "reconnecting", "failed", "congested"]
    assert report.dropped == 2 and report.drops == (("render", 2),)  # causes that dropped nothing are left out
    assert report.notices[1:] == ("show.mp4: 磁盘已满 / disk full", "事件已另存 / events set aside")
    assert KEY not in report.notices[0] and "推流" in report.notices[0]  # a key is masked in a notice too
    assert (report.feed.connected, report.feed.problems, report.feed.quiet_s) == (False, 5, 12.5)
    assert ok.lost_percent == 10.0 and output_name(ok) != KEY  # the short name of a keyed address is masked
    line = terminal_line(report)
    assert KEY not in line
    assert "0:01:15" in line or "01:15" in line
    for part in ("fps 29.9", "enc  6.2/ 9.8 ms", "cpu  71% + push 12%", "frames 2248", "drops 2",
                 " 2480 kbps 30.0 fps q0 drop 100", "RECONNECTING (#3) drop 0", "show.mp4 FAILED",
                 "! show.mp4: 磁盘已满 / disk full", "! 事件已另存", "在线 812 GMV ￥12345 订单 37",
                 "feed RECONNECTING (#1) 420 ev ⚠5 quiet 12s"):
        assert part in line, part


def test_a_feed_heard_lately_is_not_quiet_and_nothing_is_said_before_the_first_second():
    feed = FeedStats(connected=True, published=9, last_message_age_s=QUIET_S - 0.1)
    report = health_report(_stats(), feed)
    assert report.feed.quiet_s is None and report.feed.problems == 0 and report.notices == ()
    assert "feed ok 9 ev" in terminal_line(report) and "quiet" not in terminal_line(report)
    assert report.online is None and "在线" not in terminal_line(report)  # no room, no room figures
    assert health_report(_stats(), FeedStats(last_message_age_s=QUIET_S)).feed.quiet_s == QUIET_S
    assert health_report(None, feed) is None
    assert health_report(_stats()).feed is None
    masked = FeedStats(connected=True, notice="未登录读取 / read without login: names masked")
    assert health_report(_stats(), masked).notices == ("未登录读取 / read without login: names masked",)  # shown
