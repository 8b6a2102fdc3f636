"""The commands that put a show on: `demo` (the rehearsal), `live` (headless Live mode) and `stream` (the
pipeline alone, a test pattern or a file to RTMP and a recording), and the one-line health they print each second."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from datetime import datetime
from pathlib import Path

from app.redaction import redact, redact_url
from app.cli.errors import EXIT_RUNTIME, UsageError
from app.cli.guests import from_args as guest_seats, prepare as prepare_guests, serve as serve_guests


def demo(duration: float | None, out: str | None, assistants: tuple[str, int] | None = None,
         feed: str | None = None, title: str = "", auto_reply: bool = False,
         control: tuple[str, int] | None = None, host: str = "", guests=None) -> int:
    """The console headless: the same `ConsoleService` the window uses, with the demo assistant on; a rehearsal
    (its frames marked 演练), with the simulated audience or a real room's feed; `guests`: phones' seats
    (`app.cli.guests.GuestSeats`)."""
    from app.config import recordings_dir
    from app.console import LiveOptions

    path = Path(out) if out else recordings_dir() / f"demo-{datetime.now():%Y%m%d-%H%M%S}.mkv"
    path.parent.mkdir(parents=True, exist_ok=True)
    audience = f"the feed {redact_url(feed)}" if feed else "simulated audience"
    print(f"演示模式 demo mode: test pattern + {audience} → {path}")
    options = LiveOptions(recording_path=str(path), duration=duration, demo_assistant=True,
                          simulated_audience=not feed, feed_url=feed or "", feed_token=feed_token(), title=title,
                          host=host)
    return _run_console(options, duration, assistants, auto_reply, control, guests)


def feed_token() -> str:
    import os

    return os.environ.get("ANCHOR_FEED_TOKEN", "")


def live(args) -> int:
    """直播 headless: Live mode (real room events only), pushed and recorded like the window's go-live."""
    from app.config import recordings_dir
    from app.console import LiveOptions
    from app.destinations import TargetError, resolve_target

    try:
        destinations = tuple(resolve_target(target) for target in args.to)
    except TargetError as exc:
        raise UsageError(str(exc)) from None
    path = None if args.no_record else (Path(args.out) if args.out else
                                        recordings_dir() / f"live-{datetime.now():%Y%m%d-%H%M%S}.mkv")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    if not destinations and path is None:
        raise UsageError("没有推流地址也不录制 / nothing to stream to: give --to or drop --no-record")
    print(f"直播 live: {args.source} + the feed {redact_url(args.feed)} → "
          + ", ".join([redact_url(d) if "://" in d else d for d in destinations] + ([str(path)] if path else [])))
    options = LiveOptions(rehearsal=False, simulated_audience=False, demo_assistant=False, destinations=destinations,
                          record=path is not None, recording_path=str(path) if path else None, source=args.source,
                          duration=args.duration, feed_url=args.feed, feed_token=feed_token(), title=args.title,
                          host=args.host)
    return _run_console(options, args.duration, args.assistants, args.auto_reply, args.obs_websocket,
                        guest_seats(args))


def _run_console(options, duration: float | None, assistants: tuple[str, int] | None, auto_reply: bool = False,
                 control: tuple[str, int] | None = None, guests=None) -> int:
    """Go live with the console headless, print a line a second, wait for the end (or Ctrl+C), then a summary;
    exit 1 when an output or the stream failed."""
    from app.console import ConsoleService
    from app.media.outputs import DestinationError

    # the studio's retention policy applied meanwhile; no window drains the events, so none are kept for one
    service = ConsoleService(apply_retention=True, view=False)
    service.desk.set_faq_auto(auto_reply)
    service.control_options = lambda: options  # StartStream from a control surface: this show again
    report = _StatsReport(None, health=lambda stats: service.health(service.metrics()))
    service.on_stats = report
    print("按 Ctrl+C 停止 / press Ctrl+C to stop" if duration is None else f"running for {duration:g} s")
    path = options.recording_path
    try:
        if guests is not None:
            prepare_guests(service, guests)
        service.go_live(options)
        if guests is not None:
            serve_guests(service, guests)
        if assistants is not None:
            _serve_assistants(service, *assistants)
        if control is not None:
            _serve_control(service, *control)
    except (DestinationError, ValueError, OSError) as exc:
        service.close()
        raise UsageError(str(exc.strerror if isinstance(exc, OSError) and exc.strerror else exc)) from None
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: service.broadcast.request_stop())
    service.wait()
    broadcast = service.broadcast
    core = broadcast.core
    service.close()
    final = broadcast.stats
    report(final)
    summary = core.metrics.snapshot()
    if path:
        print(f"录制完成 recording saved: {path}")
    feed = broadcast.feed.stats_copy() if broadcast.feed is not None else None
    if feed is not None:
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(feed.by_kind.items(), key=lambda kv: -kv[1])[:12])
        print(f"直播间数据 feed: {feed.published} events from {feed.received} frames ({kinds}); "
              f"unknown {feed.unknown}, malformed {feed.malformed}, not mapped {feed.unmapped}, "
              f"duplicates {feed.duplicates}, reconnects {feed.reconnects}")
        for kind, n in sorted(feed.problems_by_kind.items(), key=lambda kv: -kv[1]):
            print(f"  dropped {kind}: {n}")
        if feed.notice:
            print(f"注意 notice: {feed.notice}")
    print(f"场次 session #{core.session_id}: {core.bus.last_seq} events logged, GMV ￥{summary.gmv_cents / 100:.2f}, "
          f"{summary.orders} orders, peak online {summary.online_peak}")
    if core.faq is not None and core.faq.asked:
        print(f"自动回复 FAQ: {core.faq.asked} questions recognised, {core.faq.replied} answered automatically")
    failed = final is None or any(o.stats.error for o in final.outputs)
    return EXIT_RUNTIME if failed or broadcast.last_error else 0


def _serve_control(service, host: str, port: int) -> None:
    """Control surfaces (obs-websocket v5) for a headless show; the password only from ANCHOR_OBS_PASSWORD."""
    import os

    from app.remote.obsws import PASSWORD_ENV

    password = os.environ.get(PASSWORD_ENV) or None
    server = service.doors.open_control(host=host, port=port, password=password)
    print(f"控制面板 obs-websocket: ws://{host}:{server.port} "
          + ("(password from " + PASSWORD_ENV + ")" if password else "(no password: this machine only)"), flush=True)


def _serve_assistants(service, host: str, port: int) -> None:
    """远程场控 for a headless rehearsal: the pairing code is printed once (the token is a secret everywhere else)."""
    import os

    from app.remote.server import lan_addresses

    server = service.doors.open_assistants(host=host, port=port, token=os.environ.get("ANCHOR_ASSIST_TOKEN") or None,
                                            tls=True)
    addresses = ["127.0.0.1"] if host.startswith("127.") else lan_addresses()
    print(f"远程场控 LAN assistants: wss://{addresses[0]}:{server.port} (fingerprint {server.fingerprint})")
    if not os.environ.get("ANCHOR_ASSIST_TOKEN"):
        print("配对码 pairing code (shown once): " + server.pairing_code(addresses[0]), flush=True)


def stream(args: argparse.Namespace) -> int:
    """The pipeline alone: a source (and the simulated overlays or a picture-in-picture, from `app.assembly`) to
    files and RTMP destinations, a health line each second; exit 1 when a destination did not end healthy."""
    from app.assembly import demo_overlays, picture_in_picture
    from app.destinations import TargetError, resolve_target
    from app.media.encode import EncoderSettings
    from app.media.outputs import DestinationError, open_destination
    from app.media.pipeline import Pipeline
    from app.media.sources import SourceError

    width, height = args.size
    try:
        targets = [resolve_target(target) for target in args.to]
        if args.overlay_demo:  # asked before anything is opened
            _confirm_simulated(targets, args.confirm_test_server)
        outputs = [open_destination(target) for target in targets]
    except (DestinationError, TargetError) as exc:
        raise UsageError(str(exc)) from None
    video, audio = _open_sources(args, width, height, args.sample_rate)
    settings = EncoderSettings(width=width, height=height, fps=args.fps, video_bitrate=args.bitrate,
                               video_codec=args.encoder, preset=args.preset, profile=args.profile,
                               sample_rate=args.sample_rate)
    report = _StatsReport(getattr(args, "stats_json", None))
    compositor, demo = demo_overlays(width, height) if args.overlay_demo else (None, None)
    if args.pip:
        try:
            compositor = picture_in_picture(compositor, args.pip, width, height, args.fps, args.sample_rate)
        except SourceError as exc:
            raise UsageError(f"picture-in-picture: {exc}") from None
    pipeline = Pipeline(settings, outputs, duration=args.duration, on_stats=report, video_source=video,
                        audio_source=audio, fit_mode=args.fit, compositor=compositor)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: pipeline.stop())
    try:
        final = pipeline.run()
    except DestinationError as exc:
        raise UsageError(str(exc)) from None
    finally:
        if demo is not None:
            demo.stop()
    report(final)
    report.close()
    unhealthy = [o.stats for o in final.outputs if o.stats.error or not o.stats.connected]
    if pipeline.error:
        print(f"anchor-console: error: {redact(pipeline.error)}", file=sys.stderr)
    for stats in unhealthy:
        state = f"failed: {stats.error}" if stats.error else "reconnecting (not connected at the end)"
        dropped = sum(stats.dropped.values())
        print(f"anchor-console: error: output {stats.name} {state}; {stats.reconnects} reconnects, "
              f"{dropped} packets dropped", file=sys.stderr)
    if unhealthy:  # the last line says which destinations did not end healthy
        print(f"anchor-console: error: {len(unhealthy)} of {len(final.outputs)} destinations ended unhealthy: "
              f"{', '.join(s.name for s in unhealthy)}", file=sys.stderr)
    return EXIT_RUNTIME if unhealthy or pipeline.error else 0


def _confirm_simulated(targets: list[str], confirmed: bool) -> None:
    """Simulated comments, coupons and stock never reach a real room unasked (issue #25): a destination off this
    machine needs --confirm-test-server or a typed "yes"; UsageError otherwise."""
    from app.destinations import loopback_url

    remote = [redact_url(t) for t in targets if not loopback_url(t)]
    if not remote or confirmed:
        return
    question = (f"--overlay-demo 是模拟的评论、优惠券和库存，会推到 {', '.join(remote)}。这是私有测试服务器吗？"
                f"输入 yes 确认 / --overlay-demo is simulated comments, coupons and stock, pushed to "
                f"{', '.join(remote)}. Is that a private test server? Type yes to go on: ")
    if sys.stdin is not None and sys.stdin.isatty():
        print(question, end="", file=sys.stderr, flush=True)
        if sys.stdin.readline().strip().lower() in ("yes", "是"):
            return
    raise UsageError(f"模拟画面不会推到本机以外的地址，除非确认是私有测试服务器（--confirm-test-server）：{', '.join(remote)} / "
                     f"simulated overlays are not pushed off this machine unless you confirm a private test server "
                     f"(--confirm-test-server): {', '.join(remote)}")


def _open_sources(args: argparse.Namespace, width: int, height: int, sample_rate: int):
    from app.media.sources import SourceError, open_sources

    try:
        video, audio = open_sources(args.source, width, height, args.fps, loop=args.loop, sample_rate=sample_rate,
                                    audio=args.audio, camera_mode=args.camera_mode,
                                    microphone=args.microphone or "")
    except SourceError as exc:
        raise UsageError(str(exc)) from None
    if audio.notice:
        print(f"注意 notice: {audio.notice}", file=sys.stderr)
    return video, audio


class _StatsReport:
    """Prints each stats snapshot as one line (`app.health`) and, when asked, appends it to a JSON Lines file."""

    def __init__(self, json_path: str | None, health=None) -> None:
        # health: (PipelineStats) -> HealthReport | None, the show's own reading (feed, event log, room) when it
        # has more to say than the pipeline's stats
        self._file, self._health = None, health
        if json_path:
            try:
                self._file = open(json_path, "a", encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"cannot write stats file {json_path}: {exc.strerror}") from None

    def __call__(self, stats) -> None:
        from app.health import health_report, terminal_line

        report = (self._health(stats) if self._health is not None else None) or health_report(stats)
        print(terminal_line(report), flush=True)
        if self._file:
            from app.media.pipeline import stats_dict

            self._file.write(redact(json.dumps(stats_dict(stats), ensure_ascii=False)) + "\n")
            self._file.flush()

    def close(self) -> None:
        if self._file:
            self._file.close()
