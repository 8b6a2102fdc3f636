"""`records verify SESSION|DIR` and `records export SESSION DIR` (issue #31 存证): a show's log checked against its hash
chain, its recording against its digests and its 福袋 draws recomputed (app/records.py), what differs named from
the first link on; a show's records written to a bundle another machine verifies. The exit status says it: 0 intact,
1 not (changed, removed, added, reordered, or recorded before the chain), 2 no such show or no bundle."""

from __future__ import annotations

from pathlib import Path

from app.cli.errors import EXIT_RUNTIME, UsageError

SHOWN = 50  # findings printed; the count of the rest is said


def add_records_command(sub) -> None:
    records = sub.add_parser("records", help="存证: check a show's records (log, recording, 福袋) or a bundle of them; "
                                             "export a bundle")
    action = records.add_subparsers(dest="action", required=True, metavar="verify|export")
    verify = action.add_parser("verify", help="say whether a show's records (or a bundle) are as they were written, "
                                              "and what was changed, removed, added or reordered, from which event on")
    verify.add_argument("what", metavar="SESSION|DIR", help="a session number (anchor-console review lists them) or "
                                                            "a bundle's folder (records export writes one)")
    export = action.add_parser("export", help="write a show's records to a folder: the events, the quarantined "
                                              "events, the chain, the recording and a manifest")
    export.add_argument("session", type=int, help="session number")
    export.add_argument("folder", help="a new or empty folder")


def records(args) -> int:
    from app.records import BundleError, export_bundle, verify_bundle, verify_show
    from app.store.db import Database

    if args.action == "export":
        database = Database()
        try:
            folder = export_bundle(database, args.session, args.folder)
        except KeyError:
            raise UsageError(f"没有场次 {args.session} / no session {args.session} (anchor-console review lists "
                             "them)") from None
        except (BundleError, OSError) as exc:
            raise UsageError(str(exc)) from None
        finally:
            database.close()
        print(f"场次 {args.session} 的存证包已写入 / session {args.session}'s records written to {folder}")
        return 0
    if not args.what.isdigit():
        if not Path(args.what).is_dir():
            raise UsageError(f"{args.what} 既不是场次号也不是文件夹 / {args.what} is neither a session number nor a "
                             "folder")
        try:
            bundle = verify_bundle(args.what)
        except BundleError as exc:
            raise UsageError(str(exc)) from None
        session = bundle.manifest["session"]
        print(f"存证包 bundle: {bundle.manifest.get('studio', '?')} · 场次 {session['id']} {session.get('title', '')}"
              f" · console {bundle.manifest.get('console', '?')}")
        for line in bundle.files:
            print(f"  [file] {line}")
        code = _said(session["id"], bundle.show)
        return code or (EXIT_RUNTIME if bundle.files else 0)
    session_id = int(args.what)
    database = Database()
    try:
        show = verify_show(database, session_id)
    except KeyError:
        raise UsageError(f"没有场次 {session_id} / no session {session_id} (anchor-console review lists them)") \
            from None
    finally:
        database.close()
    return _said(session_id, show)


def _said(session_id: int, show) -> int:
    verdict = show.verdict
    if not verdict.chained:
        print(f"场次 {session_id}：录制时还没有存证链，无法校验 / session {session_id} was recorded before its log "
              "was chained: it cannot be verified")
        return EXIT_RUNTIME
    state = "完好 intact" if verdict.intact else "被改动 NOT intact"
    seal = "已封存 sealed" if verdict.sealed else "未封存 not sealed"
    recording = f" · 录像 recording {show.recording}" if show.recording else ""
    print(f"场次 {session_id}：{state} · {verdict.links} 环 links · {seal}{recording} · 福袋复核 draws recomputed "
          f"{show.draws}")
    if verdict.first is not None:
        print(f"  从第 {verdict.first} 环起不符 / differs from link {verdict.first} on")
    for finding in verdict.findings[:SHOWN]:
        print(f"  [{finding.kind}] {finding.what}")
    rest = len(verdict.findings) - min(SHOWN, len(verdict.findings)) + verdict.more
    if rest:
        print(f"  … 另有 {rest} 项 / {rest} more")
    return 0 if verdict.intact else EXIT_RUNTIME
