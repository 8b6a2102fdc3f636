"""Command line: `anchor-console` (demo), `anchor-console demo`, `anchor-console stream ...`."""

from __future__ import annotations

import argparse
import json
import logging
import re
import signal
import sys
from datetime import datetime
from pathlib import Path

from app import __version__
from app.language import pick
from app.redaction import install_log_redaction, redact, redact_url, register_url_secrets
from app.store import StoreUnavailable

EXIT_USAGE = 2
EXIT_RUNTIME = 1


class UsageError(Exception):
    """A problem with what the user asked for: one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one clear line instead of usage + message
        raise UsageError(message)


def _size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{2,5})[xX](\d{2,5})", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"invalid size {text!r}: expected WIDTHxHEIGHT, e.g. 1280x720")
    width, height = int(match[1]), int(match[2])
    if width % 2 or height % 2 or not (16 <= width <= 7680 and 16 <= height <= 7680):
        raise argparse.ArgumentTypeError(f"invalid size {text!r}: width and height must be even, 16..7680")
    return width, height


STUDIO_HELP = ("工作室: the studio whose catalogue and sessions to use on a shared database (default: "
               "ANCHOR_CONSOLE_STUDIO, else 默认工作室); made on first use")


def _studio(text: str) -> str:
    from app.store.db import studio_name

    try:
        name = studio_name(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if name is None:
        raise argparse.ArgumentTypeError("工作室名称不能为空 / a studio's name cannot be blank")
    return name


OBSWS_HELP = ("控制面板: let Stream Deck / Touch Portal / Companion / scripts drive the console over obs-websocket v5 "
              "(default 127.0.0.1; port 4455 is OBS's). The password comes from the environment variable "
              "ANCHOR_OBS_PASSWORD, never the command line; without one only this machine may connect. "
              "StopStream ends a headless show")


def _control_address(text: str) -> tuple[str, int]:
    host, number = _listen_address(text if ":" in text else f"127.0.0.1:{text}")
    return host, number


def _microphone(text: str) -> str:
    text = text.strip()
    if not text.isdigit() or len(text) > 4:
        raise argparse.ArgumentTypeError("麦克风须为设备编号 / a microphone is a device number, e.g. 2")
    return str(int(text))


def _camera_mode(text: str) -> tuple[int, int, int]:
    from app.media.sources import parse_camera_mode

    try:
        return parse_camera_mode(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _bitrate(text: str) -> int:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmM]?)", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"invalid bitrate {text!r}: e.g. 2500k or 4.5M")
    value = float(match[1]) * {"": 1, "k": 1e3, "m": 1e6}[match[2].lower()]
    if not 100_000 <= value <= 100_000_000:
        raise argparse.ArgumentTypeError(f"bitrate {text!r} out of range 100k..100M")
    return int(value)


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid number {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
        return value
    return parse


FEED_HELP = ("where the room's events come from: douyin-grab://HOST:PORT (DouyinBarrageGrab), bilibili://ROOM, "
             "or ws://… of a bridge speaking protocol v1; a token (bridge's bearer, Bilibili key) from "
             "ANCHOR_FEED_TOKEN")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="anchor-console", description="主播中控台 Anchor Console")
    parser.add_argument("--version", action="version", version=f"anchor-console {__version__}")
    parser.add_argument("--studio", metavar="NAME", type=_studio, default=argparse.SUPPRESS, help=STUDIO_HELP)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    sub.add_parser("window", help="open the console window (the default when a display is available)")
    demo = sub.add_parser("demo", help="headless demo: test pattern + simulated audience → local recording")
    demo.add_argument("--duration", type=_positive(float), help="seconds (default: until Ctrl+C)")
    demo.add_argument("--out", help="recording file (default: in the user data folder)")
    demo.add_argument("--assistants", metavar="[HOST:]PORT", type=_listen_address,
                      help="let LAN assistants work the rehearsal (wss://; token from ANCHOR_ASSIST_TOKEN, else made "
                           "and printed once with the pairing code); HOST 127.0.0.1: this machine only")
    demo.add_argument("--feed", metavar="URL", help=FEED_HELP + " (instead of the simulated audience)")
    demo.add_argument("--title", default="", help="the session's title in the review (default: 演练 Rehearsal and the "
                                                  "date)")
    demo.add_argument("--obs-websocket", metavar="[HOST:]PORT", type=_control_address, help=OBSWS_HELP)
    demo.add_argument("--auto-reply", action="store_true",
                      help="自动回复: answer recognised questions on stream from the catalogue's FAQ, without a click")

    live = sub.add_parser("live", help="直播 without a window: a real room's events (--feed) with the picture pushed "
                                       "to --to and recorded; no simulated audience, no demo assistant")
    live.add_argument("--feed", metavar="URL", required=True, help=FEED_HELP)
    live.add_argument("--to", action="append", default=[], metavar="DEST",
                      help="rtmp://HOST/APP/KEY (or saved:NAME, {env:VAR}, {file:PATH} for the key); repeatable")
    live.add_argument("--source", default="testsrc", help="testsrc | cam:N | a media file | an image file")
    live.add_argument("--out", help="recording file (default: in the user data folder)")
    live.add_argument("--no-record", action="store_true", help="push only, keep no local recording")
    live.add_argument("--duration", type=_positive(float), help="seconds (default: until Ctrl+C)")
    live.add_argument("--assistants", metavar="[HOST:]PORT", type=_listen_address,
                      help="let LAN assistants work the live room (wss://), as with demo")
    live.add_argument("--title", default="", help="the session's title in the review, e.g. \"双11 零食专场\" "
                                                  "(default: 直播 Live and the date)")
    live.add_argument("--obs-websocket", metavar="[HOST:]PORT", type=_control_address, help=OBSWS_HELP)
    live.add_argument("--auto-reply", action="store_true",
                      help="自动回复: answer recognised questions on stream from the catalogue's FAQ, without a click")

    assist = sub.add_parser("assist", help="远程场控: work a console's live room from this machine (LAN)")
    assist.add_argument("url", nargs="?", default="", help="wss://HOST:PORT (or ws://) the console shows under 远程场控; "
                        "omit it (or give -) when the pairing code is pasted, which carries the address")
    assist.add_argument("--name", default="远程场控", help="how you appear in the session log")
    assist.add_argument("--window", action="store_true", help="the assistant's window instead of the line console")
    assist.add_argument("--fingerprint", metavar="SHA256", help="the console certificate's fingerprint (wss://), as "
                        "the console shows it; ANCHOR_ASSIST_TOKEN may also hold the whole pairing code")
    save = sub.add_parser("save-destination", help="save an RTMP destination by name (key in the OS keyring); "
                                                   "the URL is read from standard input, never the command line")
    save.add_argument("name", help="e.g. 抖音 or douyin; then stream with --to saved:NAME")
    check = sub.add_parser("check", help="开播前检查 pre-live checklist: servers (handshake, key not sent), disk, extreme "
                                         "words, stock and prices, coupons, camera, room feed; exit 0 only if none "
                                         "fails")
    check.add_argument("--to", action="append", default=[], metavar="DEST",
                       help="rtmp://HOST/APP/KEY (or saved:NAME, {env:VAR}, {file:PATH}); repeatable; the key is "
                            "never sent")
    check.add_argument("--bitrate", type=_bitrate, default=2_500_000, help="planned video bitrate, e.g. 2500k")
    check.add_argument("--minutes", type=_positive(float), default=180.0, help="planned length (disk space)")
    check.add_argument("--upload-test", metavar="SECONDS", type=_positive(float),
                       help="also push the test pattern to each --to for SECONDS at the bitrate × 1.5 and measure "
                            "the upload (this PUBLISHES with the key: on a platform it is a short live)")
    check.add_argument("--source", help="the video source to try: cam:N, a media file, testsrc")
    check.add_argument("--feed", metavar="URL", help=FEED_HELP)
    check.add_argument("--out", metavar="FOLDER", help="where the recording will go (default: the recordings folder)")

    review = sub.add_parser("review", help="复盘: list stored sessions, or one session's KPIs per product window")
    review.add_argument("session", nargs="?", type=int, help="session number (default: list them)")
    review.add_argument("--csv", metavar="FOLDER", help="also write the product windows and minutes as CSV")
    review.add_argument("--rehearsals", action="store_true", help="list the rehearsals (演练) instead of real shows")
    review.add_argument("--all-studios", action="store_true",
                        help="every studio's sessions on a shared database (the manager's view), with the studio")
    review.add_argument("--html", metavar="FILE", help="also write the review (or the comparison) as one HTML file "
                                                       "to mail or open on a phone")
    review.add_argument("--compare", metavar="N", type=int, nargs="+",
                        help="sessions to set beside the first one (review 12 --compare 10 11)")
    orders = sub.add_parser("import-orders", help="导入订单: a shop's order export (抖店 / 巨量百应 / 千牛, CSV or "
                                                  "XLSX) into a session, each order placed at its own time")
    orders.add_argument("session", type=int, help="session number (anchor-console review lists them)")
    orders.add_argument("file", help="the export, .csv or .xlsx")
    orders.add_argument("--by", choices=("order", "pay"), default="order",
                        help="place each order by its order time (下单时间, default) or its pay time (支付时间)")
    orders.add_argument("--map", action="append", default=[], metavar="FIELD=HEADER",
                        help="the export's header for a field the console does not recognise, e.g. "
                             "order_id=单号 (fields: order_id item_id title quantity amount order_time pay_time "
                             "status after_sale refund buyer)")

    sub.add_parser("devices", help="the cameras (cam:N) and microphones (--microphone N) this machine has")
    stream = sub.add_parser("stream", help="stream a source to RTMP destinations and/or files")
    stream.add_argument("--source", default="testsrc", help="testsrc | cam:N | a media file | an image file")
    stream.add_argument("--loop", action="store_true", help="loop a media file source")
    stream.add_argument("--camera-mode", type=_camera_mode, metavar="WxH@FPS",
                        help="what to ask a camera for, e.g. 1920x1080@30 (default: the canvas size and rate)")
    stream.add_argument("--fit", choices=("letterbox", "crop"), default="letterbox",
                        help="how a source of another aspect ratio fills the canvas")
    stream.add_argument("--size", type=_size, default=(1280, 720), help="WIDTHxHEIGHT, e.g. 1280x720 or 720x1280")
    stream.add_argument("--fps", type=_positive(int), default=30)
    stream.add_argument("--bitrate", type=_bitrate, default=2_500_000, help="video bitrate, e.g. 2500k")
    stream.add_argument("--to", action="append", required=True, metavar="DEST",
                        help="a .mkv/.flv/.mp4 file or an RTMP destination; repeatable. Prefer a form that keeps "
                             "the stream key out of the process list: saved:NAME (saved with `anchor-console "
                             "save-destination NAME`, key in the OS keyring), rtmp://HOST/APP/{env:VAR} (key from "
                             "an environment variable) or rtmp://HOST/APP/{file:PATH} (key from a file). "
                             "rtmp://HOST[:PORT]/APP/KEY works too, but every local user can read it with ps")
    stream.add_argument("--duration", type=_positive(float), help="seconds (default: until Ctrl+C)")
    stream.add_argument("--encoder", choices=("libx264", "h264_nvenc", "auto"), default="libx264",
                        help="video encoder; h264_nvenc falls back to libx264 when it cannot open")
    stream.add_argument("--preset", default="veryfast", help="x264 preset",
                        choices=("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow"))
    stream.add_argument("--profile", choices=("baseline", "main", "high"), default="high")
    stream.add_argument("--sample-rate", type=int, choices=(48000, 44100), default=48000)
    stream.add_argument("--audio", choices=("auto", "mic", "silence"), default="auto",
                        help="auto: the file's own sound, the test beep, or the microphone for a camera")
    stream.add_argument("--microphone", type=_microphone, default=None, metavar="N",
                        help="which microphone (PortAudio's device number; `anchor-console devices` lists them); "
                             "default: the system's")
    stream.add_argument("--stats-json", metavar="FILE", help="append one JSON object per second to FILE")
    stream.add_argument("--pip", metavar="SOURCE", help="picture-in-picture: a media file, image or cam:N, "
                        "bottom right")
    stream.add_argument("--overlay-demo", action="store_true",
                        help="burn in a demo product card, coupon countdown and comment ticker (simulated: every "
                             "frame carries the 演练 REHEARSAL mark; a destination off this machine must be confirmed)")
    stream.add_argument("--confirm-test-server", action="store_true",
                        help="with --overlay-demo: the destinations off this machine are private test servers, not a "
                             "real room (asked interactively when this is not given)")
    for command in sub.choices.values():  # `anchor-console review --studio X` as well as `--studio X review`
        command.add_argument("--studio", metavar="NAME", type=_studio, default=argparse.SUPPRESS, help=STUDIO_HELP)
    return parser


def main(argv: list[str] | None = None, windows=None) -> int:
    """The command line. `windows`: how to open the console's and the assistant's windows (`ui.app.Windows`),
    handed in by the launcher that stands above both `app/` and `ui/`; None (`python -m app`): headless only."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    install_log_redaction()
    _keys_off_the_command_line(sys.argv[1:] if argv is None else argv, argv is None)
    try:
        args = build_parser().parse_args(argv)
        if getattr(args, "studio", None):  # every Database() this process opens works for that studio
            import os

            os.environ["ANCHOR_CONSOLE_STUDIO"] = args.studio
        if args.command == "window" or (args.command is None and _has_display() and windows is not None):
            if windows is None:
                raise UsageError("窗口需用 anchor-console 启动 / the window opens from the anchor-console launcher "
                                 "(python -m ui), not python -m app")
            return windows.console()
        if args.command is None:
            print("没有显示器，运行无界面演示 / no display: running the headless demo", file=sys.stderr)
        if args.command in (None, "demo"):
            return _demo(getattr(args, "duration", None), getattr(args, "out", None), getattr(args, "assistants", None),
                         getattr(args, "feed", None), getattr(args, "title", ""), getattr(args, "auto_reply", False),
                         getattr(args, "obs_websocket", None))
        if args.command == "live":
            return _live(args)
        if args.command == "review":
            return _review(args.session, args.csv, args.rehearsals, args.html, args.compare or [], args.all_studios)
        if args.command == "import-orders":
            return _import_orders(args)
        if args.command == "check":
            return _check(args)
        if args.command == "save-destination":
            return _save_destination(args.name)
        if args.command == "devices":
            return _devices()
        if args.command == "assist" and args.window:
            if windows is None:
                raise UsageError("窗口需用 anchor-console 启动 / the window opens from the anchor-console launcher "
                                 "(python -m ui), not python -m app")
            return windows.assistant(args.url, args.name)
        if args.command == "assist":
            return _assist(args.url, args.name, args.fingerprint)
        return _stream(args)
    except (UsageError, StoreUnavailable) as exc:  # in the language asked for (app.language)
        print(f"anchor-console: error: {redact(pick(str(exc)))}", file=sys.stderr)
        return EXIT_USAGE


def _keys_off_the_command_line(argv: list[str], own_process: bool) -> None:
    """A stream key typed into `--to rtmp://HOST/APP/KEY` is masked in everything the console prints or logs, and
    in this process's title, which `ps` shows to every user of the machine (setproctitle); the moment before that
    is still visible, so the user is told to keep the key in {env:VAR}, {file:PATH} or saved:NAME instead."""
    from app.destinations import key_in_url

    targets = [value.partition("=")[2] if value.startswith("--to=") else value
               for flag, value in zip(["", *argv], argv) if flag == "--to" or value.startswith("--to=")]
    keyed = [target for target in targets if key_in_url(target)]
    if not keyed:
        return
    for target in keyed:
        register_url_secrets(target)
    print("注意：推流密钥写在了命令行上，本机其他用户可以用 ps 看到；请用 rtmp://…/{env:变量}、{file:路径} 或 saved:名称 / "
          "notice: a stream key on the command line can be seen by other users of this machine (ps); use "
          "rtmp://…/{env:VAR}, {file:PATH} or saved:NAME")  # stdout: an error stays the one line on stderr
    if own_process:
        try:
            import setproctitle

            setproctitle.setproctitle(redact(" ".join(["anchor-console", *argv])))
        except ImportError:  # the title stays as it was; the warning above still holds
            pass


def _has_display() -> bool:
    import os

    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or sys.platform in ("win32",
                                                                                                   "darwin")


def _listen_address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid [HOST:]PORT {text!r}") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"port {number} is out of range")
    return host or "0.0.0.0", number


def _demo(duration: float | None, out: str | None, assistants: tuple[str, int] | None = None,
          feed: str | None = None, title: str = "", auto_reply: bool = False,
          control: tuple[str, int] | None = None) -> int:
    """The console headless: the same `ConsoleService` the window uses, with the demo assistant on; a rehearsal
    (its frames marked 演练), with the simulated audience or a real room's feed."""
    from app.config import recordings_dir
    from app.console import LiveOptions

    path = Path(out) if out else recordings_dir() / f"demo-{datetime.now():%Y%m%d-%H%M%S}.mkv"
    path.parent.mkdir(parents=True, exist_ok=True)
    audience = f"the feed {redact_url(feed)}" if feed else "simulated audience"
    print(f"演示模式 demo mode: test pattern + {audience} → {path}")
    options = LiveOptions(recording_path=str(path), duration=duration, demo_assistant=True,
                          simulated_audience=not feed, feed_url=feed or "", feed_token=_feed_token(), title=title)
    return _run_console(options, duration, assistants, auto_reply, control)


def _feed_token() -> str:
    import os

    return os.environ.get("ANCHOR_FEED_TOKEN", "")


def _live(args) -> int:
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
                          duration=args.duration, feed_url=args.feed, feed_token=_feed_token(), title=args.title)
    return _run_console(options, args.duration, args.assistants, args.auto_reply, args.obs_websocket)


def _run_console(options, duration: float | None, assistants: tuple[str, int] | None, auto_reply: bool = False,
                 control: tuple[str, int] | None = None) -> int:
    """Go live with the console headless, print a line a second, wait for the end (or Ctrl+C), then a summary;
    exit 1 when an output or the stream failed."""
    from app.console import ConsoleService
    from app.media.outputs import DestinationError

    service = ConsoleService()
    service.desk.set_faq_auto(auto_reply)
    service.control_options = lambda: options  # StartStream from a control surface: this show again
    report = _StatsReport(None, metrics=service.metrics, feed=lambda: service.health())
    service.on_stats = report
    print("按 Ctrl+C 停止 / press Ctrl+C to stop" if duration is None else f"running for {duration:g} s")
    path = options.recording_path
    try:
        service.go_live(options)
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


ASSIST_HELP = """commands (one per line):
  state                          the room now          pin N | next | prev | unpin
  price N YUAN | stock N COUNT   change a product     coupon ID QUANTITY MINUTES | stopcoupon ID
  flash N YUAN STOCK MINUTES     start a flash sale   endflash
  draw PRIZE KEYWORD N MINUTES [who]  福袋 (who: anyone | followers | entered_before)   enddraw
  comments                       the newest comments  pincomment SEQ | unpincomment
  questions                      自动回复: questions   reply SEQ [ANSWER] | unreply
  notice TEXT                    公告 on stream        unnotice
  undo                           take back your last  quit"""



def _assist(url: str, name: str, fingerprint: str | None = None) -> int:
    """A line-by-line assistant console against a console's AssistantServer (the token, or the whole pairing
    code, from ANCHOR_ASSIST_TOKEN or asked for; never on the command line, where other users could read it)."""
    import getpass
    import os

    from app.commerce.room import ActionRefused
    from app.commerce.verbs import line_words, parse_words
    from app.remote.client import RemoteAssistant, RemoteError
    from app.remote.pairing import PREFIX, PairingError, parse_pairing_code

    token = os.environ.get("ANCHOR_ASSIST_TOKEN") or getpass.getpass("配对码 pairing code or token: ")
    if token.strip().startswith(PREFIX):
        try:
            url, token, fingerprint = parse_pairing_code(token)
        except PairingError as exc:
            raise UsageError(str(exc)) from None
    elif url in ("", "-"):
        raise UsageError("需要控制台地址或完整配对码 / give the console's address, or the whole pairing code as the token")
    try:
        assistant = RemoteAssistant(url, token, name, fingerprint=fingerprint.lower() if fingerprint else None
                                    ).connect()
    except RemoteError as exc:
        raise UsageError(f"cannot pair with {url}: {exc}") from None
    print(f"已连接 connected as {assistant.actor}. {ASSIST_HELP}")
    try:
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            command, rest = words[0].lower(), words[1:]
            try:
                if command in ("quit", "exit"):
                    break
                if command == "state":
                    print(_describe_room(assistant.state))
                elif command == "comments":
                    for event in [e for e in assistant.events if e["type"] == "comment"][-10:]:
                        print(f"  [{event['seq']}] {event['data'].get('nickname', '')}：{event['data'].get('text', '')}")
                elif command == "questions":
                    for data in _questions(assistant.events)[-10:]:
                        print(f"  [{data.get('comment_seq')}] 【{data.get('topic', '')}】{data.get('nickname', '')}："
                              f"{data.get('question', '')} → {data.get('answer', '')}")
                elif command == "reply" and rest:
                    seq = int(rest[0])
                    asked = next((d for d in reversed(_questions(assistant.events)) if d.get("comment_seq") == seq), None)
                    if asked is None:
                        raise ValueError(f"no question {seq}: see `questions`")
                    answer = " ".join(rest[1:]) or str(asked.get("answer", ""))
                    reply = assistant.call("reply_comment", seq, str(asked.get("nickname", "")),
                                           str(asked.get("question", "")), answer)
                    print(f"ok #{reply.get('seq')}")
                elif command == "notice" and rest:
                    print(f"ok #{assistant.call('pin_notice', ' '.join(rest)).get('seq')}")
                elif command == "undo":
                    print(f"已撤销 undone: {assistant.undo()}")
                elif command in line_words():
                    verb, values = parse_words(command, rest)  # yuan → cents, minutes → seconds, defaults
                    reply = assistant.call(verb, *values)
                    print(f"ok #{reply.get('seq')}")
                else:
                    print(ASSIST_HELP)
            except ActionRefused as exc:
                print(f"拒绝 refused: {exc}")
            except ValueError as exc:
                print(f"? {exc}")
            except RemoteError as exc:
                raise UsageError(f"lost the console: {exc}") from None
    finally:
        assistant.close()
    return 0


def _questions(events) -> list[dict]:
    """The questions the console suggested answering (自动回复), oldest first, from an assistant's events."""
    return [e["data"] for e in events if e.get("type") == "faq_asked" and e["data"].get("suggested")]


def _describe_room(state: dict) -> str:
    if not state.get("live"):
        return "未开播 / not live"
    products = {p["id"]: p for p in state["products"]}
    lines = []
    for product_id in state["run_sheet"]:
        p = products[product_id]
        mark = "▶" if product_id == state["pinned_product"] else " "
        lines.append(f"{mark} {product_id:>3} {p['title']}  ￥{p['live_price_cents'] / 100:g}  库存 {p['stock']}")
    for c in state["coupons"]:
        lines.append(f"  券 {c['id']} {c['name']} {'● live ' + str(c['remaining']) if c['live'] else '○'}")
    return "\n".join(lines)


def _import_orders(args) -> int:
    from app.orders import SessionLive, import_orders
    from app.store.db import Database
    from app.store.order_io import OrderImportError

    mapping = {}
    for item in args.map:
        field_name, sep, header = item.partition("=")
        if not sep or not field_name.strip() or not header.strip():
            raise UsageError(f"--map {item!r}: expected FIELD=HEADER, e.g. order_id=单号")
        mapping[field_name.strip()] = header.strip()
    if not Path(args.file).is_file():
        raise UsageError(f"no such file: {args.file}")
    database = Database()
    try:
        report = import_orders(database, args.session, args.file, mapping or None, args.by)
    except KeyError:
        raise UsageError(f"no session {args.session} (anchor-console review lists them)") from None
    except (OrderImportError, SessionLive) as exc:
        raise UsageError(str(exc)) from None
    finally:
        database.close()
    print(report.summary())
    return 0


def _check(args) -> int:
    """开播前检查: one line per check, the key masked; 0 when none failed, 1 when one did."""
    from app.config import recordings_dir
    from app.destinations import TargetError, resolve_target
    from app.prelive import FAIL, run_checks
    from app.store.db import Database

    try:
        destinations = [resolve_target(target) for target in args.to]
    except TargetError as exc:
        raise UsageError(str(exc)) from None
    database = Database()
    try:
        checks = run_checks(database, destinations, args.bitrate, args.minutes,
                            Path(args.out) if args.out else recordings_dir(), args.source, args.feed,
                            _feed_token() or None, args.upload_test)
    finally:
        database.close()
    for check in checks:
        print(redact(check.line()))
    failed = [c for c in checks if c.status == FAIL]
    print(f"{'未通过' if failed else '全部通过'} / {len(failed)} of {len(checks)} failed" if failed
          else f"全部通过 / all {len(checks)} checks passed")
    return 1 if failed else 0


def _review(session_id: int | None, csv_folder: str | None = None, rehearsals: bool = False,
            html_file: str | None = None, compare: list[int] | None = None, all_studios: bool = False) -> int:
    from app.report import compare_html, compare_text, html_report, write
    from app.review import export_csv, format_report, list_sessions, load_review
    from app.store.db import Database

    database = Database()
    try:
        if session_id is None and compare:
            raise UsageError("先给出一个场次 / give a session first: review 12 --compare 10 11")
        if session_id is None:
            sessions = list_sessions(database, rehearsals, all_studios)
            if not sessions:
                print("还没有演练 / no rehearsals yet" if rehearsals else "还没有场次 / no sessions yet "
                      "(rehearsals: anchor-console review --rehearsals)")
            for info in sessions:
                started = datetime.fromtimestamp(info.started_at).strftime("%Y-%m-%d %H:%M") if info.started_at else "—"
                minutes = f"{info.duration_s / 60:.1f} min" if info.duration_s is not None else "—"
                studio = f"[{info.studio}]  " if all_studios else ""
                print(f"#{info.id}  {started}  {minutes:>9}  {info.status:<11}  {studio}{info.title}")
            return 0
        reviews = []
        for number in [session_id, *(compare or [])]:
            try:
                reviews.append(load_review(database, number, any_studio=all_studios))
            except KeyError:
                raise UsageError(f"no session {number} (anchor-console review lists them)") from None
        review = reviews[0]
        print(compare_text(reviews) if len(reviews) > 1 else format_report(review))
        if html_file:
            try:
                path = write(compare_html(reviews) if len(reviews) > 1 else html_report(review), html_file)
            except OSError as exc:
                raise UsageError(f"cannot write the HTML report: {exc}") from None
            print(f"已导出 written: {path}")
        if csv_folder:
            try:
                for path in export_csv(review, csv_folder):
                    print(f"已导出 written: {path}")
            except OSError as exc:
                raise UsageError(f"cannot write the CSV files: {exc}") from None
        return 0
    finally:
        database.close()


def _devices() -> int:
    """What `--source cam:N` and `--microphone N` can name, as the OS names them."""
    from app.media.devices import cameras, microphones

    found_cameras, found_microphones = cameras(), microphones()
    print("摄像头 cameras:" + ("" if found_cameras else (" 无 none" if found_cameras == [] else
                                                          " 本系统不提供列表，试 cam:0–3 / no list on this OS")))
    for camera in found_cameras or []:
        print(f"  cam:{camera.index}  {camera.name}")
    print("麦克风 microphones:" + ("" if found_microphones else (" 无 none" if found_microphones == [] else
                                                                " 没有 PortAudio / no PortAudio")))
    for microphone in found_microphones or []:
        print(f"  {microphone.index}  {microphone.name}")
    return 0


def _save_destination(name: str) -> int:
    """The URL comes from standard input (a prompt that does not echo on a terminal), so no key is in `ps`."""
    import getpass

    from app.destinations import KeyStore

    url = getpass.getpass("推流地址 RTMP URL (rtmp://HOST/APP/KEY): ") if sys.stdin.isatty() \
        else sys.stdin.readline().strip()
    if not url.startswith(("rtmp://", "rtmps://")) or url.rstrip("/").count("/") < 4:
        raise UsageError("需要完整的 rtmp://HOST/APP/KEY 地址 / expected a full rtmp://HOST/APP/KEY URL")
    store = KeyStore()
    destination = store.save(name, url)
    print(f"已保存 saved {name}: {destination.shown}  →  --to saved:{name}")
    if store.fallback_message:
        print(store.fallback_message, file=sys.stderr)
    return 0


def _stream(args: argparse.Namespace) -> int:
    from app.destinations import TargetError, resolve_target
    from app.media.encode import EncoderSettings
    from app.media.outputs import DestinationError, open_destination
    from app.media.pipeline import Pipeline

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
    compositor, demo = _overlay_demo(width, height) if args.overlay_demo else (None, None)
    if args.pip:
        compositor = _add_pip(compositor, args.pip, width, height, args.fps, args.sample_rate)
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


def _add_pip(compositor, spec: str, width: int, height: int, fps: int, sample_rate: int):
    from app.media.compose import Compositor, VideoLayer
    from app.media.sources import SourceError, open_video_source

    compositor = compositor or Compositor(width, height)
    pip_w = (width // 4) // 2 * 2
    pip_h = (pip_w * 9 // 16) // 2 * 2 if width >= height else (pip_w * 16 // 9) // 2 * 2
    margin = max(8, width // 60)
    try:
        source = open_video_source(spec, pip_w, pip_h, fps, loop=True, sample_rate=sample_rate)
    except SourceError as exc:
        raise UsageError(f"picture-in-picture: {exc}") from None
    compositor.set_video_layer(VideoLayer("pip", source, width - pip_w - margin, height - pip_h - margin,
                                          pip_w, pip_h, z=50))
    return compositor


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


def _overlay_demo(width: int, height: int):
    from app.assembly import mark_rehearsal
    from app.media.compose import Compositor
    from app.overlays.sample import OverlayDemo
    from app.overlays.overlay_set import OverlaySet
    from app.media.qtrender import ensure_qt

    ensure_qt()  # Qt's font database, from the main thread
    compositor = Compositor(width, height)
    mark_rehearsal(compositor)  # simulated: never mistaken for a real show, wherever it goes
    demo = OverlayDemo(OverlaySet(compositor))
    demo.start()
    return compositor, demo


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
    """Prints each stats snapshot as one line and, when asked, appends it to a JSON Lines file."""

    def __init__(self, json_path: str | None, metrics=None, feed=None) -> None:
        # metrics: () -> MetricsSnapshot | None; feed: () -> BroadcastHealth | None (its feed's counters)
        self._file, self._metrics, self._feed = None, metrics, feed
        if json_path:
            try:
                self._file = open(json_path, "a", encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"cannot write stats file {json_path}: {exc.strerror}") from None

    def __call__(self, stats) -> None:
        health = self._feed() if self._feed is not None else None
        _print_stats(stats, self._metrics() if self._metrics is not None else None,
                     health.feed if health is not None else None)
        if self._file:
            from app.media.pipeline import stats_dict

            self._file.write(redact(json.dumps(stats_dict(stats), ensure_ascii=False)) + "\n")
            self._file.flush()

    def close(self) -> None:
        if self._file:
            self._file.close()


def _print_stats(stats, room=None, feed=None) -> None:
    from app.media.clock import format_clock

    drops = sum(stats.dropped.values())
    parts = [format_clock(stats.stream_time),
             f"fps {stats.capture_fps:4.1f}", f"enc {stats.encode_ms_mean:4.1f}/{stats.encode_ms_p95:4.1f} ms",
             f"cpu {stats.cpu_percent:3.0f}%" + (f" + push {stats.push_cpu_percent:.0f}%" if stats.push_cpu_percent else ""),
             f"frames {stats.frames_encoded}", f"drops {drops}"]
    for out in stats.outputs:
        state = {"failed": "FAILED", "reconnecting": f"RECONNECTING (#{out.stats.reconnects}) drop {out.lost}"}.get(
            out.health, f"{out.kbps:5.0f} kbps {out.fps:4.1f} fps q{out.stats.queue_depth} drop {out.lost}")
        parts.append(f"{out.stats.name} {state}")
    for notice in stats.notices:
        parts.append(f"! {notice}")
    if room is not None:
        parts.append(f"在线 {room.online_now} GMV ￥{room.gmv_cents / 100:.0f} 订单 {room.orders}")
    if feed is not None:
        state = "feed ok" if feed.connected else f"feed RECONNECTING (#{feed.reconnects})"
        quiet = f" quiet {feed.last_message_age_s:.0f}s" if (feed.last_message_age_s or 0) >= 10 else ""
        problems = feed.malformed + feed.unknown
        parts.append(f"{state} {feed.published} ev" + (f" ⚠{problems}" if problems else "") + quiet)
    print(redact(" | ".join(parts)), flush=True)
