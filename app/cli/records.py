"""The commands about what is kept: `review` (a session's report, CSV, HTML, comparison), `import-orders`, `check`
(开播前检查), `devices`, `save-destination`."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from app.redaction import redact
from app.cli.errors import UsageError
from app.cli.show import feed_token


def import_orders(args) -> int:
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
        report = import_orders(database, args.session, args.file, mapping or None, args.by,
                               **({"tz": args.tz} if args.tz is not None else {}))
    except KeyError:
        raise UsageError(f"no session {args.session} (anchor-console review lists them)") from None
    except (OrderImportError, SessionLive) as exc:
        raise UsageError(str(exc)) from None
    finally:
        database.close()
    print(report.summary())
    return 0


def catalogue(action: str, path: str) -> int:
    """商品库 from a file or to one: the window's import rules (all or nothing, every bad line named)."""
    from app.catalogue import Catalogue, CatalogImportError
    from app.store.db import Database

    if action == "import" and not Path(path).is_file():
        raise UsageError(f"没有这个文件 / no such file: {path}")
    database = Database()
    try:
        if action == "import":
            count = Catalogue(database).import_file(path)
            print(f"已导入 {count} 个商品 / {count} products imported (new SKUs added, known ones updated)")
        else:
            count = Catalogue(database).export_file(path)
            print(f"已导出 {count} 个商品到 {path} / {count} products exported to {path}")
    except CatalogImportError as exc:
        raise UsageError(f"商品文件未导入 / {exc}") from None
    except OSError as exc:
        raise UsageError(f"无法写入 / cannot write {path}: {exc.strerror}") from None
    finally:
        database.close()
    return 0


def check(args) -> int:
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
                            feed_token() or None, args.upload_test)
    finally:
        database.close()
    for check in checks:
        print(redact(check.line()))
    failed = [c for c in checks if c.status == FAIL]
    print(f"{'未通过' if failed else '全部通过'} / {len(failed)} of {len(checks)} failed" if failed
          else f"全部通过 / all {len(checks)} checks passed")
    return 1 if failed else 0


def review(session_id: int | None, csv_folder: str | None = None, rehearsals: bool = False,
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


def insights(args) -> int:
    """多场分析 of a period: the text, and the CSV files and the HTML file when asked."""
    from datetime import datetime, time as day_start, timedelta

    from app.abtest import GroupError, compare_groups, split_groups
    from app.insights import load_insights
    from app.insights_report import export_csv, format_ab, format_text, insights_html
    from app.report import write
    from app.store.db import Database

    zone = args.tz or datetime.now().astimezone().tzinfo
    until_day = args.until or datetime.now(zone).date()
    since_day = args.since or until_day - timedelta(weeks=12)
    if since_day > until_day:
        raise UsageError(f"--since {since_day} 晚于 --until {until_day} / --since is after --until")
    since = datetime.combine(since_day, day_start(), zone).timestamp()
    until = datetime.combine(until_day + timedelta(days=1), day_start(), zone).timestamp()
    database = Database()
    try:
        result = load_insights(database, since, until, args.all_studios, zone)
    finally:
        database.close()
    print(format_text(result))
    ab = None
    if args.ab:
        try:
            ab = compare_groups(*split_groups(result.shows, *args.ab), *args.ab)
        except GroupError as exc:
            raise UsageError(str(exc)) from None
        print("\n" + format_ab(ab))
    try:
        if args.csv:
            for path in export_csv(result, args.csv, ab):
                print(f"已导出 written: {path}")
        if args.html:
            print(f"已导出 written: {write(insights_html(result, ab), args.html)}")
    except OSError as exc:
        raise UsageError(f"无法写入 / cannot write: {exc}") from None
    return 0


def tag(session_id: int, tags: list[str]) -> int:
    """标签: a show's labels replaced."""
    from app.insights import set_tags
    from app.store.db import Database

    database = Database()
    try:
        kept = set_tags(database, session_id, tags)
    except KeyError:
        raise UsageError(f"no session {session_id} (anchor-console review lists them)") from None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    finally:
        database.close()
    print(f"场次 {session_id} 标签 labels: {', '.join(kept) or '—'}")
    return 0


def clips(args) -> int:
    """直播切片: the show's explanations (or one range, or its moments that sold) as MP4 clips and manifest.csv, in
    the original shape or vertical, a progress line on stderr. The export runs at a lower priority: a show on air
    on this machine keeps its frames."""
    from app.clips import MANIFEST, ClipStyle, clip_context, export, moment_spans, range_span, window_spans
    from app.media.cut import CutError
    from app.review import load_review, money
    from app.store.db import Database

    session_id, product = args.session, args.product
    database = Database()
    try:
        try:
            review = load_review(database, session_id)
        except KeyError:
            raise UsageError(f"no session {session_id} (anchor-console review lists them)") from None
        try:
            if args.range:
                spans = [range_span(database, review, *args.range)]
            elif args.moments:
                spans = moment_spans(database, review)
            else:
                spans = window_spans(review, product)
            style = ClipStyle(args.vertical or "original", card=not args.no_card, caption=args.caption,
                              logo=args.logo, region=args.region or ClipStyle().region,
                              loudness=None if args.no_level else ClipStyle().loudness,
                              places=tuple((name, share) for name, share in (("caption", args.caption_y),
                                                                             ("card", args.card_y))
                                           if share is not None))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        context = clip_context(database, review) if args.vertical else None
    finally:
        database.close()
    if not spans:
        print("没有可切的片段 / nothing to cut" + (f" (product {product})" if product else ""))
        return 1
    recording = Path(review.info.recording_path or ".")
    folder = Path(args.out) if args.out else recording.parent / f"clips-{session_id}"

    def progress(i: int, n: int, share: float) -> None:
        print(f"\r切片 clip {i + 1}/{n} {share:4.0%}", end="", file=sys.stderr, flush=True)

    try:
        made = export(review, spans, folder, style=style, context=context, background=True, progress=progress)
    except (CutError, OSError) as exc:
        raise UsageError(f"切片失败 / cannot cut: {exc}") from None
    finally:
        print(file=sys.stderr)
    for span, result in made:
        level = f"  {result.lufs:.1f} LUFS" if result.lufs is not None else ""
        print(f"{result.path}  {span.title}  {result.duration:.1f} s  订单 orders {span.orders}  GMV "
              f"{money(span.gmv_cents)}{level}")
    print(f"已导出 written: {folder / MANIFEST}")
    return 0


def viewers(action: str, text: str | None, platform: str, user_id: str | None, yes: bool) -> int:
    """观众个人信息: find an account, erase one on request (counts kept), list the erasures."""
    import time as _time

    from app.erasure import erase_viewer, erasures, find_viewers
    from app.store.db import Database

    database = Database()
    try:
        if action == "erasures":
            for record in erasures(database):
                when = _time.strftime("%Y-%m-%d %H:%M", _time.localtime(record["erased_at"]))
                draws = ", ".join(f"#{d['session_id']} 福袋{d['draw_id']} {'✓' if d['verified'] else '✗'}"
                                  for d in record["draws"]) or "—"
                print(f"{when}  {record['platform'] or '—'}  {record['token']}  {record['shows']} 场 shows  "
                      f"{record['events']} 条 events  福袋 checked before: {draws}")
            return 0
        if action == "find":
            matches = find_viewers(database, text or "")
            for m in matches:
                first, last = (_time.strftime("%Y-%m-%d", _time.localtime(t)) for t in (m.first_at, m.last_at))
                print(f"{m.platform or 'none'}  {m.user_id}  {'、'.join(m.nicknames) or '—'}  {m.shows} 场 shows  "
                      f"{m.events} 条 events  {first} … {last}")
            if not matches:
                print("没有找到 / no viewer found")
            return 0
        if not yes:
            found = [m for m in find_viewers(database, user_id or "") if m.platform == platform]
            print(f"将删除 would erase: {found[0].events} 条 events in {found[0].shows} 场 shows" if found else
                  "没有找到 / no viewer found")
            print("加 --yes 才会删除 / add --yes to erase")
            return 1
        result = erase_viewer(database, platform, user_id or "")
    finally:
        database.close()
    if result is None:
        print("没有找到 / no viewer found: nothing erased")
        return 1
    print(f"已删除 erased: {result.events} 条 events in {result.shows} 场 shows, now {result.token}")
    if result.live_skipped:
        print(f"直播中的 {result.live_skipped} 场未动，结束后再删一次 / {result.live_skipped} show(s) still live not "
              "touched: erase again after they end")
    if result.draws:
        print("福袋 checked just before: " + ", ".join(f"#{s} 福袋{d} {'✓' if ok else '✗'}"
                                                   for s, d, ok in result.draws))
    return 0


def devices() -> int:
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


def save_destination(name: str) -> int:
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
