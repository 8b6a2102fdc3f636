"""Command line: `anchor-console` (demo), `anchor-console demo`, `anchor-console stream ...`: the arguments, each
typed and ranged where it is read, and which command runs. The commands live beside it: `show` (demo, live,
stream), `assist` (the assistant's line console), `records` (review, import-orders, check, devices,
save-destination); `errors` (the one usage error)."""

from __future__ import annotations

import argparse
import logging
import re
import sys

from app import __version__
from app.language import pick
from app.redaction import install_log_redaction, redact, register_url_secrets
from app.store import StoreUnavailable

from app.cli.assist import ASSIST_HELP, assist
from app.cli.clip_args import add_clips_command
from app.cli.errors import EXIT_RUNTIME, EXIT_USAGE, UsageError
from app.cli.guests import add_arguments as guest_arguments, from_args as guest_seats
from app.cli.records import (catalogue, check, clips, devices, import_orders, insights, review, save_destination, tag,
                             viewers)
from app.cli.show import demo, live, stream
from app.cli.sealed import add_records_command, records

__all__ = ["ASSIST_HELP", "EXIT_RUNTIME", "EXIT_USAGE", "UsageError", "build_parser", "main"]


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


PLATFORM_CHOICES = {"douyin": "douyin", "kuaishou": "kuaishou", "bilibili": "bilibili", "none": ""}  # none: no feed
HOST_HELP = "主播: who presents the show, kept with it (the manager compares hosts across shows: insights)"
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


def _time_zone(text: str):
    """A zone name (IANA) or a UTC offset such as +08:00 / -0530."""
    import re
    from datetime import timedelta, timezone
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    offset = re.fullmatch(r"(?:UTC)?([+-])(\d{1,2}):?(\d{2})?", text.strip())
    if offset:
        sign, hours, minutes = offset.group(1), int(offset.group(2)), int(offset.group(3) or 0)
        if hours > 14 or minutes >= 60:
            raise argparse.ArgumentTypeError(f"时区偏移不对 / not a UTC offset: {text!r}")
        delta = timedelta(hours=hours, minutes=minutes)
        return timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(text.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(f"没有这个时区 / unknown time zone {text!r} (e.g. Asia/Shanghai or "
                                         "+08:00)") from None


def _date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式为 YYYY-MM-DD / a date is YYYY-MM-DD, not {text[:40]!r}") from None


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
    _show_commands(sub)
    _assist_command(sub)
    _record_commands(sub)
    _manager_commands(sub)
    _stream_command(sub)
    for command in sub.choices.values():  # `anchor-console review --studio X` as well as `--studio X review`
        command.add_argument("--studio", metavar="NAME", type=_studio, default=argparse.SUPPRESS, help=STUDIO_HELP)
    return parser


def _show_commands(sub) -> None:
    """demo, live: the console headless."""
    demo = sub.add_parser("demo", help="headless demo: test pattern + simulated audience → local recording")
    demo.add_argument("--duration", type=_positive(float), help="seconds (default: until Ctrl+C)")
    demo.add_argument("--out", help="recording file (default: in the user data folder)")
    demo.add_argument("--assistants", metavar="[HOST:]PORT", type=_listen_address,
                      help="let LAN assistants work the rehearsal (wss://; token from ANCHOR_ASSIST_TOKEN, else made "
                           "and printed once with the pairing code); HOST 127.0.0.1: this machine only")
    demo.add_argument("--feed", metavar="URL", help=FEED_HELP + " (instead of the simulated audience)")
    demo.add_argument("--title", default="", help="the session's title in the review (default: 演练 Rehearsal and the "
                                                  "date)")
    demo.add_argument("--host", default="", help=HOST_HELP)
    demo.add_argument("--obs-websocket", metavar="[HOST:]PORT", type=_control_address, help=OBSWS_HELP)
    demo.add_argument("--auto-reply", action="store_true",
                      help="自动回复: answer recognised questions on stream from the catalogue's FAQ, without a click")
    guest_arguments(demo, _listen_address)

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
    live.add_argument("--host", default="", help=HOST_HELP)
    live.add_argument("--obs-websocket", metavar="[HOST:]PORT", type=_control_address, help=OBSWS_HELP)
    live.add_argument("--auto-reply", action="store_true",
                      help="自动回复: answer recognised questions on stream from the catalogue's FAQ, without a click")
    guest_arguments(live, _listen_address)


def _assist_command(sub) -> None:
    assist = sub.add_parser("assist", help="远程场控: work a console's live room from this machine (LAN)")
    assist.add_argument("url", nargs="?", default="", help="wss://HOST:PORT (or ws://) the console shows under 远程场控; "
                        "omit it (or give -) when the pairing code is pasted, which carries the address")
    assist.add_argument("--name", default="远程场控", help="how you appear in the session log")
    assist.add_argument("--window", action="store_true", help="the assistant's window instead of the line console")
    assist.add_argument("--fingerprint", metavar="SHA256", help="the console certificate's fingerprint (wss://), as "
                        "the console shows it; ANCHOR_ASSIST_TOKEN may also hold the whole pairing code")


def _manager_commands(sub) -> None:
    """The manager's desk: across shows (insights, A/B) and the labels A/B groups by (tag)."""
    insights = sub.add_parser("insights", help="多场分析: every show of a period side by side — weeks, best and worst, "
                                               "products, hosts, slots — and the audience: new and returning "
                                               "viewers, retention, repeat buyers")
    insights.add_argument("--since", type=_date, metavar="DATE", help="from this day (YYYY-MM-DD; default: 12 weeks "
                                                                       "before --until)")
    insights.add_argument("--until", type=_date, metavar="DATE", help="to this day, included (default: today)")
    insights.add_argument("--all-studios", action="store_true",
                          help="every studio's shows on a shared database (the manager's view)")
    insights.add_argument("--csv", metavar="FOLDER", help="also write each table as a CSV file (shows, windows, "
                                                          "products, audience, cohorts, repeat buyers, weeks, hosts, "
                                                          "slots)")
    insights.add_argument("--html", metavar="FILE", help="also write everything as one HTML file")
    insights.add_argument("--tz", type=_time_zone, default=None, metavar="ZONE",
                          help="the zone weeks, hours and days are read in (default: this machine's)")
    insights.add_argument("--ab", nargs=2, metavar=("A", "B"),
                          help="A/B: compare two groups of the period's shows, each KEY=VALUE[&KEY=VALUE]: host=甲, "
                               "tag=新话术 (anchor-console tag), slot=20 (start hour), weekday=6, platform=douyin, "
                               "title=双11, ids=3,5,8")
    tag = sub.add_parser("tag", help="标签: label a show for A/B groups (insights --ab \"tag=新话术\" \"tag=旧话术\")")
    tag.add_argument("session", type=int, help="session number (anchor-console review lists them)")
    tag.add_argument("tags", nargs="*", metavar="TAG", help="the show's labels, replacing its labels (none: cleared)")
    viewers = sub.add_parser("viewers", help="观众个人信息: find a viewer by platform id or nickname, erase one on "
                                             "request (counts kept), list the erasures")
    action = viewers.add_subparsers(dest="action", required=True, metavar="find|erase|erasures")
    find = action.add_parser("find", help="the accounts whose id, or exact nickname, is TEXT")
    find.add_argument("text", metavar="TEXT")
    erase = action.add_parser("erase", help="replace every stored trace of one account in the studio's ended shows "
                                            "by a token: counts stay, nothing says who it was")
    erase.add_argument("platform", choices=sorted(PLATFORM_CHOICES), help="the platform whose account it is")
    erase.add_argument("user_id", metavar="ID", help="the account id as `viewers find` shows it")
    erase.add_argument("--yes", action="store_true", help="erase (without it: only say what would be erased)")
    action.add_parser("erasures", help="the erasures done (never the id or the name)")
    add_clips_command(sub)
    add_records_command(sub)

def _record_commands(sub) -> None:
    """save-destination, check, review, import-orders, devices."""
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
    orders.add_argument("--tz", type=_time_zone, default=None, metavar="ZONE",
                        help="the export's clock: a zone name (Asia/Shanghai, the default; Europe/Berlin …) or a UTC "
                             "offset (+08:00, -05:00)")
    orders.add_argument("--map", action="append", default=[], metavar="FIELD=HEADER",
                        help="the export's header for a field the console does not recognise, e.g. "
                             "order_id=单号 (fields: order_id item_id title quantity amount order_time pay_time "
                             "status after_sale refund buyer)")

    catalogue = sub.add_parser("catalogue", help="商品库: import a catalogue file (CSV or XLSX, 商品ID included; the "
                                                "window's rules: all or nothing, every bad line named) or export it")
    catalogue.add_argument("action", choices=("import", "export"))
    catalogue.add_argument("file", help="a .csv or .xlsx file (export: UTF-8 CSV with a BOM, or XLSX)")

    sub.add_parser("devices", help="the cameras (cam:N) and microphones (--microphone N) this machine has")


def _stream_command(sub) -> None:
    """stream: the pipeline alone."""
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
            return demo(getattr(args, "duration", None), getattr(args, "out", None), getattr(args, "assistants", None),
                         getattr(args, "feed", None), getattr(args, "title", ""), getattr(args, "auto_reply", False),
                         getattr(args, "obs_websocket", None), getattr(args, "host", ""), guest_seats(args))
        if args.command == "live":
            return live(args)
        if args.command == "review":
            return review(args.session, args.csv, args.rehearsals, args.html, args.compare or [], args.all_studios)
        if args.command == "insights":
            return insights(args)
        if args.command == "tag":
            return tag(args.session, args.tags)
        if args.command == "clips":
            return clips(args)
        if args.command == "records":
            return records(args)
        if args.command == "viewers":
            return viewers(args.action, getattr(args, "text", None),
                           PLATFORM_CHOICES.get(getattr(args, "platform", None) or "none", ""),
                           getattr(args, "user_id", None), getattr(args, "yes", False))
        if args.command == "import-orders":
            return import_orders(args)
        if args.command == "catalogue":
            return catalogue(args.action, args.file)
        if args.command == "check":
            return check(args)
        if args.command == "save-destination":
            return save_destination(args.name)
        if args.command == "devices":
            return devices()
        if args.command == "assist" and args.window:
            if windows is None:
                raise UsageError("窗口需用 anchor-console 启动 / the window opens from the anchor-console launcher "
                                 "(python -m ui), not python -m app")
            return windows.assistant(args.url, args.name)
        if args.command == "assist":
            return assist(args.url, args.name, args.fingerprint)
        return stream(args)
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
