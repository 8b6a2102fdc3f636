"""`records verify SESSION`: a show's stored log checked against its hash chain (app/store/chain.py), what differs
named from the first link on. The exit status says it: 0 intact, 1 not (changed, removed, added, reordered, or
recorded before the chain)."""

from __future__ import annotations

from app.cli.errors import EXIT_RUNTIME, UsageError

SHOWN = 50  # findings printed; the count of the rest is said


def add_records_command(sub) -> None:
    records = sub.add_parser("records", help="存证: check a show's log against its hash chain (tamper-evident "
                                             "records)")
    action = records.add_subparsers(dest="action", required=True, metavar="verify")
    verify = action.add_parser("verify", help="say whether the show's stored log is as it was written, and what "
                                              "was changed, removed, added or reordered, from which event on")
    verify.add_argument("session", type=int, help="session number (anchor-console review lists them)")


def records(args) -> int:
    from app.store.chain import verify
    from app.store.db import Database

    database = Database()
    try:
        verdict = verify(database, args.session)
    except KeyError:
        raise UsageError(f"没有场次 {args.session} / no session {args.session} (anchor-console review lists them)") \
            from None
    finally:
        database.close()
    if not verdict.chained:
        print(f"场次 {args.session}：录制时还没有存证链，无法校验 / session {args.session} was recorded before its log "
              "was chained: it cannot be verified")
        return EXIT_RUNTIME
    state = "完好 intact" if verdict.intact else "被改动 NOT intact"
    seal = "已封存 sealed" if verdict.sealed else "未封存 not sealed"
    print(f"场次 {args.session}：{state} · {verdict.links} 环 links · {seal}")
    if verdict.first is not None:
        print(f"  从第 {verdict.first} 环起不符 / differs from link {verdict.first} on")
    for finding in verdict.findings[:SHOWN]:
        print(f"  [{finding.kind}] {finding.what}")
    rest = len(verdict.findings) - min(SHOWN, len(verdict.findings)) + verdict.more
    if rest:
        print(f"  … 另有 {rest} 项 / {rest} more")
    return 0 if verdict.intact else EXIT_RUNTIME
