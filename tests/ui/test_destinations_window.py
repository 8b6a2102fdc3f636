"""推流目的地 in the window (offscreen): several destinations kept (server readable, key in the keyring), ticked for
the show, pushed to from one encode to two real nginx-rtmp servers, each with its own health; one that goes away
does not stop the other."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from tests.ui.going_live import go_live
from app.destinations import KeyStore
from tests.conftest import start_nginx, stop_nginx
from tests.media.probe import probe
from ui.docks.destinations import destination_problem

MAIN_KEY, BACKUP_KEY, IDLE_KEY = "sk-main-5e6f", "sk-backup-7a8b", "sk-idle-9c0d"


def row_of(dock, name: str) -> int:
    return next(r for r in range(dock.table.rowCount()) if dock.table.item(r, 1).text() == name)


def test_two_destinations_each_with_its_health_and_one_failing_does_not_stop_the_other(window, qtbot, tmp_path,
                                                                                       rtmp_server, stop_show):
    backup, idle = start_nginx(tmp_path / "backup"), start_nginx(tmp_path / "idle")
    try:
        dock = window.destinations
        answers = iter([("备用 Backup", backup.url(BACKUP_KEY)), ("不推 Idle", idle.url(IDLE_KEY))])
        dock.ask = lambda before: next(answers)
        dock.edit(new=True)
        dock.edit(new=True)
        assert dock.table.rowCount() == 2
        idle_row = row_of(dock, "不推 Idle")
        dock.table.item(idle_row, 0).setCheckState(Qt.CheckState.Unchecked)  # a click on its box
        saved = (tmp_path / "data" / "destinations.json").read_text(encoding="utf-8")
        assert BACKUP_KEY not in saved and IDLE_KEY not in saved  # keys live in the keyring only
        assert [d["ticked"] for d in json.loads(saved)] == [True, False]
        backup_row = row_of(dock, "备用 Backup")
        assert dock.table.item(backup_row, 2).text() == f"rtmp://127.0.0.1:{backup.port}/live/"  # readable
        assert dock.table.item(backup_row, 3).text() == "****"

        window.show_controls.audience.setChecked(False)
        window.show_controls.destination.setText(rtmp_server.url(MAIN_KEY))
        # the toolbar's address is the list's first row, a destination like the others (its key masked)
        assert dock.table.rowCount() == 3 and "主推流" in dock.table.item(0, 1).text()
        assert dock.table.item(0, 2).text() == f"rtmp://127.0.0.1:{rtmp_server.port}/live/"
        assert dock.table.item(0, 3).text() == "****" and MAIN_KEY not in dock.table.item(0, 2).text()
        backup_row, idle_row = row_of(dock, "备用 Backup"), row_of(dock, "不推 Idle")
        assert go_live(window)
        assert len(window.service.broadcast.options.destinations) == 2
        qtbot.waitUntil(lambda: all("正常" in dock.table.item(row, 4).text()
                                    and dock.table.item(row, 5).text() not in ("", "0") for row in (0, backup_row)),
                        timeout=15000)
        assert dock.table.item(idle_row, 4).text() == ""  # not ticked: not pushed to, no light

        stop_nginx(backup)  # the backup platform goes away mid-show
        qtbot.waitUntil(lambda: "重连" in dock.table.item(backup_row, 4).text()
                        or "失败" in dock.table.item(backup_row, 4).text(), timeout=20000)
        main = next(o for o in window.service.health().outputs if f":{rtmp_server.port}/" in o.stats.name)
        assert main.health != "failed" and main.stats.connected and window.service.live  # the main push goes on
        qtbot.wait(1500)
        stop_show(window)
        assert dock.table.item(backup_row, 4).text() == "" == dock.table.item(0, 4).text()  # out with the show
        window.show_controls.destination.setText("")  # no address in the toolbar: no first row
        assert dock.table.rowCount() == 2 and row_of(dock, "备用 Backup") == 0

        main_recording = rtmp_server.wait_recording_closed()[-1]
        assert probe(main_recording).frames > 0
        assert backup.recordings() and not idle.recordings()
    finally:
        stop_nginx(backup)
        stop_nginx(idle)


def test_a_destination_is_edited_renamed_and_removed_with_its_key(window, tmp_path):
    dock = window.destinations
    dock.ask = lambda before: ("抖音 Douyin", "rtmp://push.example.invalid/third/sk-first-1111")
    dock.edit(new=True)
    dock.table.setCurrentCell(0, 1)
    dock.ask = lambda before: ("抖音主号 Douyin main", "rtmp://push2.example.invalid/third/")  # no key typed
    dock.edit()
    store = KeyStore(tmp_path / "data" / "destinations.json")
    store._memory = dock.keys._memory  # this machine has no keyring: the key is kept for the run
    assert [(d.name, d.server) for d in store.load()] == [("抖音主号 Douyin main", "rtmp://push2.example.invalid/third")]
    assert store.full_url("抖音主号 Douyin main") == "rtmp://push2.example.invalid/third/sk-first-1111"  # key moved
    assert store.key("抖音 Douyin") is None
    dock.table.setCurrentCell(0, 1)
    dock.remove()
    assert dock.table.rowCount() == 0 and dock.keys.key("抖音主号 Douyin main") is None


def test_the_names_of_the_toolbar_and_the_feed_are_taken_and_servers_are_checked():
    reserved = ("默认 Default", "直播间数据 Feed")
    assert destination_problem("默认 Default", "rtmp://a/live", reserved) is not None
    assert destination_problem(" ", "rtmp://a/live", reserved) is not None
    assert destination_problem("B站", "http://a/live", reserved) is not None
    assert destination_problem("B站", "rtmp://a", reserved) is not None
    assert destination_problem("B站", "rtmp://a/live", reserved) is None


def test_a_damaged_destinations_file_is_ignored_not_fatal(tmp_path):
    path = tmp_path / "destinations.json"
    for text in ("{not json", '{"name": "x"}', '[{"name": 3, "server": "rtmp://a/b"}, "x"]'):
        path.write_text(text, encoding="utf-8")
        assert KeyStore(path).load() == []
    path.write_text('[{"name": "a", "server": "rtmp://a/b", "ticked": "yes"}]', encoding="utf-8")
    assert KeyStore(path).load()[0].ticked is False  # only a real true ticks


def test_no_destinations_file_raises_past_the_store(tmp_path):
    """The file is outside input (edited by hand, half-written, copied from another machine): any JSON or bytes
    load as a list of destinations, never an exception."""
    from hypothesis import given, settings, strategies as st

    path = tmp_path / "destinations.json"
    values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                          lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                              st.sampled_from(["name", "server", "ticked", "x"]), inner, max_size=4), max_leaves=12)

    @settings(max_examples=200, deadline=None)
    @given(st.one_of(values.map(lambda v: json.dumps(v).encode()), st.binary(max_size=64)))
    def run(data):
        path.write_bytes(data)
        loaded = KeyStore(path).load()
        assert all(isinstance(d.name, str) and isinstance(d.server, str) and d.ticked in (True, False)
                   for d in loaded)

    run()
