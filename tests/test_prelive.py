"""开播前检查: each check against the real thing — nginx-rtmp's handshake and connect (the key never on the wire,
read through a recording relay), a port that accepts and says nothing, a closed port, the disk, the catalogue's
words, stock and prices, the test pattern and a camera that is not there, a real feed bridge; and `check` on the
command line with its exit code."""

from __future__ import annotations

import socket
import threading

import pytest

from app.prelive import (FAIL, OK, WARN, check_coupons, check_destination, check_disk, check_feed, check_products,
                         check_source, probe_rtmp, RtmpProbeError)
from tests.conftest import free_port, run_cli


def close_listener(listener: socket.socket) -> None:
    """Close a listening socket and wake the thread waiting in accept() on it (close alone does not)."""
    try:
        listener.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    listener.close()


class Relay:
    """A loopback TCP relay to a server that keeps every byte the client sent."""

    def __init__(self, port: int) -> None:
        self.target, self.sent = port, bytearray()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def close(self) -> None:
        close_listener(self.listener)

    def _serve(self, client) -> None:
        server = socket.create_connection(("127.0.0.1", self.target))

        def pipe(source, sink, keep) -> None:
            try:
                while data := source.recv(65536):
                    if keep:
                        self.sent.extend(data)
                    sink.sendall(data)
            except OSError:
                pass
            finally:
                for s in (source, sink):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        threading.Thread(target=pipe, args=(client, server, True), daemon=True).start()
        pipe(server, client, False)


def test_the_server_answers_the_handshake_and_the_key_stays_home(rtmp_server):
    relay = Relay(rtmp_server.port)
    url = f"rtmp://127.0.0.1:{relay.port}/live/SECRET-KEY-4711"
    try:
        assert probe_rtmp(url) < 5
        check = check_destination(url)
    finally:
        relay.close()
    assert check.status == OK and "SECRET-KEY-4711" not in check.line() and "key not sent" in check.line()
    assert b"connect" in relay.sent and b"live" in relay.sent
    assert b"SECRET-KEY-4711" not in relay.sent and b"publish" not in relay.sent  # nothing goes on air


def test_a_wrong_application_is_refused(rtmp_server):
    check = check_destination(f"rtmp://127.0.0.1:{rtmp_server.port}/nosuchapp/KEY")
    assert check.status == FAIL and ("refused" in check.detail or "closed" in check.detail)


def test_a_port_that_says_nothing_and_a_closed_port(silent_server):
    with pytest.raises(RtmpProbeError, match="says nothing"):
        probe_rtmp(f"rtmp://127.0.0.1:{silent_server}/live/KEY", timeout=1.0)
    closed = check_destination(f"rtmp://127.0.0.1:{free_port()}/live/KEY", timeout=1.0)
    assert closed.status == FAIL and "cannot reach" in closed.detail and "KEY" not in closed.line()
    assert check_destination("http://example.invalid/live/KEY").status == FAIL


def test_disk_words_products_coupons(tmp_path):
    assert check_disk(tmp_path, 2_500_000, 1).status == OK
    too_long = check_disk(tmp_path, 100_000_000, 10**7)
    assert too_long.status == FAIL and "need" in too_long.detail
    assert check_products([("保温杯", 10, 8900), ("龙井", 0, 19900), ("茶具", 5, 0)]).detail.count("、") == 0
    bad = check_products([("保温杯", 10, 8900), ("龙井", 0, 19900), ("茶具", 5, 0)])
    assert bad.status == FAIL and "龙井" in bad.detail and "茶具" in bad.detail
    assert check_products([]).status == FAIL and check_products([("杯", 1, 100)]).status == OK
    assert check_coupons(0).status == WARN and check_coupons(2).status == OK


def test_the_video_source_delivers_or_not():
    assert check_source("testsrc", seconds=0.5).status == OK
    missing = check_source("cam:7", seconds=0.5)
    assert missing.status == FAIL


def test_the_room_feed_connects_and_receives():
    from tests.live.test_feed import Bridge, msg

    with Bridge([[msg("comment", user_id="u", nickname="n", text="在吗")]]) as bridge:
        assert check_feed(f"ws://127.0.0.1:{bridge.port}/room", None, seconds=5).status == OK
    dead = check_feed(f"ws://127.0.0.1:{free_port()}/room", None, seconds=1)
    assert dead.status == FAIL


def test_check_on_the_command_line(rtmp_server, tmp_path, monkeypatch):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    first = run_cli("check", "--to", rtmp_server.url("KEY-ABC"), "--minutes", "1", "--out", str(tmp_path))
    # the sample catalogue's scripts carry extreme words on purpose (to show the check): it fails on those alone
    assert first.returncode == 1 and "✓ 推流服务器" in first.stdout and "✗ 违禁词" in first.stdout
    assert "全网最低" in first.stdout and "KEY-ABC" not in first.output and "1 of" in first.stdout.splitlines()[-1]
    from app.store.db import Database
    from app.store.models import ScriptSection

    database = Database()
    with database.sessions.begin() as db:
        db.query(ScriptSection).delete()
    database.close()
    good = run_cli("check", "--to", rtmp_server.url("KEY-ABC"), "--minutes", "1", "--out", str(tmp_path))
    assert good.returncode == 0, good.output
    assert "all" in good.stdout.splitlines()[-1] and "✗" not in good.stdout
    bad = run_cli("check", "--to", f"rtmp://127.0.0.1:{free_port()}/live/KEY-ABC", "--minutes", "1")
    assert bad.returncode == 1 and "✗ 推流服务器" in bad.stdout and "KEY-ABC" not in bad.output


def test_a_recordings_folder_not_made_yet_is_measured_on_its_disk(tmp_path):
    assert check_disk(tmp_path / "not" / "yet", 2_500_000, 10).status == OK


class Replier:
    """A loopback server that answers every connection with the given bytes, then closes it."""

    def __init__(self) -> None:
        self.reply = b""
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                try:
                    conn.recv(1537)
                    conn.sendall(self.reply)
                except OSError:
                    pass


def test_whatever_the_server_says_the_probe_gives_a_reason():
    """A hostile or broken server: random bytes from the start, or a good handshake then random chunks. The
    probe ends with RtmpProbeError (a sentence), never another exception, never hangs past its timeout."""
    from hypothesis import given, settings, strategies as st

    replier = Replier()
    handshake = b"\x03" + bytes(1536) * 2

    @settings(max_examples=150, deadline=None)
    @given(st.booleans(), st.binary(max_size=3000))
    def run(after_handshake, noise):
        replier.reply = (handshake if after_handshake else b"") + noise
        with pytest.raises(RtmpProbeError) as refused:
            probe_rtmp(f"rtmp://127.0.0.1:{replier.port}/live/KEY", timeout=1.0)
        assert " / " in str(refused.value) and "KEY" not in str(refused.value)

    try:
        run()
    finally:
        close_listener(replier.listener)


def test_the_microphone_level_is_measured():
    """No sound card here: the default microphone is a warning; a driven source's level is read, silence fails."""
    from app.media.audio import BeepSource, SilenceSource

    from app.prelive import check_microphone

    class DeadMicrophone(SilenceSource):  # a microphone that opens and hears nothing (switched off)
        notice = None

    assert check_microphone(0.1).status == WARN  # this machine has none: said, not failed
    beep = check_microphone(1.0, BeepSource())
    assert beep.status == OK and "dBFS" in beep.detail
    assert check_microphone(0.1, DeadMicrophone()).status == FAIL


def test_the_upload_test_pushes_with_headroom_and_names_what_it_measured(rtmp_server, tmp_path, monkeypatch):
    """上行测速 (asked for only: it publishes): the test pattern to the loopback nginx at the bitrate × 1.5 — it
    arrives as a real stream there, the check says how much went out and that nothing backed up; a dead server is a
    failure with its reason; the key is in no line."""
    from app.prelive import check_upload

    check = check_upload(rtmp_server.url("UPLOAD-KEY"), 800_000, seconds=3)
    assert check.status == OK, check.line()
    assert "1,200 kbps" in check.detail and "0 dropped" in check.detail and "UPLOAD-KEY" not in check.line()
    pushed = float(check.detail.split("pushed ")[1].split(" kbps")[0].replace(",", ""))
    assert pushed > 100  # what the encoder made of the pattern went out (x264 may spend less than asked)
    flv = rtmp_server.wait_recording_closed()[0]
    from tests.media.probe import probe

    assert probe(flv).frames >= 60  # three seconds arrived as a stream
    dead = check_upload(f"rtmp://127.0.0.1:{free_port()}/live/UPLOAD-KEY", 800_000, seconds=2)
    assert dead.status == FAIL and "UPLOAD-KEY" not in dead.line()
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    cli = run_cli("check", "--to", rtmp_server.url("KEY-UP"), "--minutes", "1", "--out", str(tmp_path),
                  "--upload-test", "2")
    assert "✓ 上行测速" in cli.stdout and "KEY-UP" not in cli.output
