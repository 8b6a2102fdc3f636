"""复盘: a real session (pipeline + recording + simulated audience + assistant verbs) reviewed afterwards — the
timeline has what the assistant did, the numbers equal the live ones, the recording is there; the CLI prints it."""

from __future__ import annotations

import pytest

from app.console import ConsoleService, LiveOptions
from app.media.sources import wait_until
from app.review import format_report, list_sessions, load_review
from app.store.db import Database
from tests.conftest import run_cli

ACTOR = "assistant:复盘测试"


@pytest.fixture
def finished_session(tmp_path, monkeypatch, qapp_offscreen):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    service = ConsoleService(Database())
    recording = tmp_path / "session.mkv"
    service.go_live(LiveOptions(recording_path=str(recording), duration=5, audience_rate=300))
    room = service.broadcast.room
    assert wait_until(lambda: (service.broadcast.core.bus.stream_time() or 0) > 0.5, 10)
    first, second = room.state.run_sheet[:2]
    room.pin_product(first, ACTOR)
    coupon = sorted(room.state.coupons)[0]
    room.drop_coupon(coupon, 30, 60, ACTOR)
    assert wait_until(lambda: service.broadcast.core.bus.stream_time() > 2.5, 10)
    room.pin_product(second, ACTOR)
    service.wait()
    service.stop()  # every event dispatched and written: the live figures are final only now
    live = service.broadcast.core.metrics.snapshot()
    service.close()
    return {"recording": recording, "first": first, "second": second, "live": live}


def test_review_of_a_real_session(finished_session):
    database = Database()
    try:
        assert list_sessions(database) == []  # a rehearsal (simulated audience) is never a real show
        sessions = list_sessions(database, rehearsals=True)
        assert len(sessions) == 1 and sessions[0].status == "ended" and sessions[0].has_recording
        review = load_review(database, sessions[0].id)
    finally:
        database.close()
    live = finished_session["live"]
    assert review.metrics.gmv_cents == live.gmv_cents and review.metrics.orders == live.orders  # replay = live
    assert review.metrics.comments == live.comments > 0
    kinds = [m.kind for m in review.markers]
    assert kinds.count("product_pinned") == 2 and "coupon_dropped" in kinds
    first_title = review.titles[finished_session["first"]]
    pin = next(m for m in review.markers if m.kind == "product_pinned")
    assert pin.label == f"讲解 {first_title}" and 0.5 < pin.time < 2.6
    middle = (review.windows[0].start + review.windows[0].end) / 2
    assert review.window_at(middle).product_id == finished_session["first"]
    assert review.window_at(review.windows[1].start + 0.1).product_id == finished_session["second"]
    near = review.comments_between(1.0, 3.0)
    assert near and all(1.0 <= c.time < 3.0 for c in near)
    assert [c.time for c in near] == sorted(c.time for c in near)
    assert review.online and all(0 <= t <= 6 for t, _ in review.online)
    report = format_report(review)
    assert first_title in report and "GMV" in report and str(finished_session["recording"]) in report


def test_review_exports_csv_excel_opens(finished_session, tmp_path):
    import csv

    database = Database()
    try:
        review = load_review(database, 1)
    finally:
        database.close()
    from app.review import export_csv

    products, _windows, minutes = export_csv(review, tmp_path / "out")
    assert products.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads it as UTF-8
    rows = list(csv.reader(products.open(encoding="utf-8-sig")))
    assert len(rows) == 1 + len(review.metrics.products) + 1  # the products, then the "outside" row
    assert float(rows[1][4]) * 100 == pytest.approx(max(p.gmv_cents for p in review.metrics.products))
    assert {rows[i][1] for i in range(1, len(rows))} >= {review.titles[finished_session["first"]]}
    assert rows[-1][1].startswith("讲解外")
    assert round(sum(float(r[4]) for r in rows[1:]) * 100) == review.metrics.gmv_cents  # the rows add up
    minute_rows = list(csv.reader(minutes.open(encoding="utf-8-sig")))
    assert [r[0] for r in minute_rows[1:]] == [str(r.minute) for r in review.metrics.per_minute]
    assert sum(int(r[4]) for r in minute_rows[1:]) == review.metrics.orders
    from datetime import datetime

    clock = datetime.strptime(minute_rows[1][1], "%Y-%m-%d %H:%M")  # the wall clock of minute 0
    assert abs(clock.timestamp() - review.info.started_at) < 60


def test_review_from_the_command_line(finished_session, tmp_path):
    assert "no sessions yet" in run_cli("review").stdout  # real shows only: this was a rehearsal
    listing = run_cli("review", "--rehearsals")
    assert listing.returncode == 0 and "#1 " in listing.stdout and "ended" in listing.stdout
    report = run_cli("review", "1")
    assert report.returncode == 0 and "GMV" in report.stdout and "转化" in report.stdout
    exported = run_cli("review", "1", "--csv", str(tmp_path / "csv"))
    assert exported.returncode == 0 and (tmp_path / "csv" / "session-1-products.csv").exists()
    missing = run_cli("review", "9")
    assert missing.returncode == 2 and "no session 9" in missing.stderr


def test_review_csv_writes_formula_looking_text_as_text(finished_session, tmp_path):
    """Issue #25 (6), OWASP's CSV injection: a title or question that starts with = + - @ tab or CR is written with
    a leading ' so Excel or WPS shows it and never runs it; numbers stay numbers."""
    import csv
    from dataclasses import replace

    from app.review import export_csv

    database = Database()
    try:
        review = load_review(database, 1)
    finally:
        database.close()
    attacks = ["=HYPERLINK(\"http://x\",\"点我\")", "=cmd|' /C calc'!A0", "@SUM(1+1)", "+1+2", "-3+4", "\t=1", "\r=1"]
    titles = {pid: attacks[i % len(attacks)] for i, pid in enumerate(review.titles)}
    products, *_ = export_csv(replace(review, titles=titles), tmp_path / "attack")
    rows = list(csv.reader(products.open(encoding="utf-8-sig", newline="")))
    written = {rows[i][1] for i in range(1, len(rows) - 1)}
    assert written and all(cell.startswith("'") and cell[1:] in attacks for cell in written)
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)
    assert float(rows[1][4]) >= 0  # amounts are still plain numbers
