"""`records verify SESSION|DIR`, `records export SESSION DIR`, `records anchor`, `records key`, `records policy`,
`records retain` (issue #31 存证): a show's log checked against its hash chain, its recording against its digests and
its 福袋 draws recomputed (app/records.py), what differs named from the first link on; a show's records written to a
bundle another machine verifies; the day's anchor; the studio's signing key (app/signing.py); the retention policy
(app/retention.py). The exit status says it: 0 intact,
1 not (changed, removed, added, reordered, or recorded before the chain), 2 no such show or no bundle."""

from __future__ import annotations

from pathlib import Path

from app.cli.errors import EXIT_RUNTIME, UsageError

SHOWN = 50  # findings printed; the count of the rest is said


def add_records_command(sub) -> None:
    records = sub.add_parser("records", help="存证: check a show's records (log, recording, 福袋) or a bundle of them; "
                                             "export a bundle")
    action = records.add_subparsers(dest="action", required=True, metavar="verify|export|anchor|key|policy|retain")
    verify = action.add_parser("verify", help="say whether a show's records (or a bundle) are as they were written, "
                                              "and what was changed, removed, added or reordered, from which event on")
    verify.add_argument("what", metavar="SESSION|DIR", help="a session number (anchor-console review lists them) or "
                                                            "a bundle's folder (records export writes one)")
    export = action.add_parser("export", help="write a show's records to a folder: the events, the quarantined "
                                              "events, the chain, the recording and a manifest")
    export.add_argument("session", type=int, help="session number")
    export.add_argument("folder", help="a new or empty folder")
    anchor = action.add_parser("anchor", help="the day's anchor: the seals of the studio's shows that started that "
                                              "day and their digest, to print or post (signed with the studio's key)")
    anchor.add_argument("--day", type=_day, default=None, help="YYYY-MM-DD, local time (default: today)")
    key = action.add_parser("key", help="the studio's signing key (Ed25519, in the OS keyring): create it once, "
                                        "show its fingerprint to publish")
    key.add_argument("what", choices=("create", "show"))
    rules = action.add_parser("policy", help="the studio's retention policy: how long shows are kept, after how long "
                                             "their viewers are pseudonymised (shown; changed with the options)")
    rules.add_argument("--keep-days", type=int, default=None, help="days a show is kept (default policy: 1095)")
    rules.add_argument("--pseudonymise-days", type=int, default=None,
                       help="days after which a show's viewers are pseudonymised; 0: never (default policy: 365)")
    action.add_parser("retain", help="apply the retention policy now: delete the shows past it (with their "
                                     "recordings), pseudonymise the viewers of those past its period")


def _day(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--day {text!r}: 应为 YYYY-MM-DD / expected YYYY-MM-DD") from None


def records(args) -> int:
    from app.records import BundleError, export_bundle, verify_bundle, verify_show
    from app.store.db import Database

    if args.action == "key":
        return _key(args.what)
    if args.action in ("policy", "retain"):
        return _retention(args)
    if args.action == "anchor":
        return _anchor(args.day)
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
        for line in bundle.problems:
            print(f"  [bundle] {line}")
        _signed("存证包 bundle", bundle.signed_by, bundle.manifest.get("studio"))
        code = _said(session["id"], bundle.show)
        return code or (EXIT_RUNTIME if bundle.problems else 0)
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


def _signed(what: str, key: str | None, studio) -> None:
    from app.signing import StudioKey, fingerprint

    if key is None:
        print(f"  {what}：未签名 / not signed")
        return
    mine = isinstance(studio, str) and StudioKey(studio).public() == key
    whose = "本机的工作室密钥 this machine's key of the studio" if mine else \
        "请与工作室公布的指纹核对 / compare it with the fingerprint the studio published"
    print(f"  {what}：已签名 signed · 指纹 fingerprint {fingerprint(key)} · {whose}")


def _retention(args) -> int:
    from app.retention import apply_policy, policy, set_policy
    from app.store.db import Database

    database = Database()
    try:
        if args.action == "retain":
            print(apply_policy(database).summary())
            return 0
        rules = policy(database)
        if args.keep_days is not None or args.pseudonymise_days is not None:
            try:
                rules = set_policy(database, args.keep_days, args.pseudonymise_days)
            except ValueError as exc:
                raise UsageError(str(exc)) from None
    finally:
        database.close()
    never = "（从不 never）" if not rules.pseudonymise_days else ""
    print(f"保留 keep: {rules.keep_days} 天 days · 去标识化 pseudonymise after: {rules.pseudonymise_days} 天 days{never}")
    return 0


def _key(what: str) -> int:
    from app.signing import IN_FILE, KeyExists, StudioKey, fingerprint
    from app.store.db import Database

    database = Database()
    studio = database.studio
    database.close()
    key = StudioKey(studio)
    if what == "create":
        try:
            public = key.create()
        except KeyExists as exc:
            raise UsageError(str(exc)) from None
        print(f"工作室「{studio}」的签名密钥已创建 / studio {studio!r}: signing key created")
        if key.where == "file":
            print(IN_FILE)
    else:
        public = key.public()
        if public is None:
            print(f"工作室「{studio}」没有签名密钥（anchor-console records key create）/ studio {studio!r} has no signing "
                  "key (anchor-console records key create)")
            return EXIT_RUNTIME
    print(f"公钥 public key: {public}")
    print(f"指纹 fingerprint: {fingerprint(public)}  ← 公布它 / publish it")
    return 0


def _anchor(day) -> int:
    import datetime as dt

    from app.records import day_anchor
    from app.signing import fingerprint
    from app.store.db import Database

    database = Database()
    try:
        anchor = day_anchor(database, day or dt.date.today())
    finally:
        database.close()
    print(f"工作室「{anchor.studio}」{anchor.day} 的存证锚 / the day's anchor of studio {anchor.studio!r}, {anchor.day}")
    for session_id, link in anchor.seals:
        print(f"  场次 session {session_id}  封存 seal {link}")
    if not anchor.seals:
        print("  （这一天没有封存的场次 / no sealed show started that day）")
    print(f"锚 anchor: {anchor.digest}")
    if anchor.signature is not None:
        print(f"签名 signature: {anchor.signature['sig']}")
        print(f"指纹 fingerprint: {fingerprint(anchor.signature['key'])}")
    return 0


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
    if verdict.sealed:
        _signed("封存 seal", verdict.signed_by, None)
    if verdict.first is not None:
        print(f"  从第 {verdict.first} 环起不符 / differs from link {verdict.first} on")
    for finding in verdict.findings[:SHOWN]:
        print(f"  [{finding.kind}] {finding.what}")
    rest = len(verdict.findings) - min(SHOWN, len(verdict.findings)) + verdict.more
    if rest:
        print(f"  … 另有 {rest} 项 / {rest} more")
    return 0 if verdict.intact else EXIT_RUNTIME
