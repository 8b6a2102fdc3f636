"""The tests' throwaway servers (tests/conftest.py) never outlive a test process that dies before stopping them: a
segmentation fault or a kill left a PostgreSQL cluster (and nginx) running after the run, holding a port and memory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from tests.conftest import PostgresServer, start_nginx
pg = PostgresServer()
pg.url()
rtmp = start_nginx(Path(sys.argv[2]))
print(pg.port, pg.dir, rtmp.port, rtmp.process.pid, flush=True)
time.sleep(120)
"""


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _gone(pid: int) -> bool:
    """No such process, or one that has ended and waits for whoever adopted it to read its status."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_servers_started_by_a_test_process_that_is_killed_are_stopped(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(ROOT), str(tmp_path / "nginx")],
                             stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        pg_port, pg_dir, rtmp_port, nginx_pid = child.stdout.readline().split()
        assert _listening(int(pg_port)) and _listening(int(rtmp_port))
        os.kill(child.pid, signal.SIGKILL)  # as a segfault ends it: no fixture's teardown runs
        child.wait(timeout=10)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (_listening(int(pg_port)) or _listening(int(rtmp_port))
                                               or Path(pg_dir).exists()):
            time.sleep(0.2)
        assert not _listening(int(pg_port)) and not Path(pg_dir).exists()
        assert not _listening(int(rtmp_port))
        assert _gone(int(nginx_pid))
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)


def test_a_server_stopped_by_its_test_leaves_no_watcher(tmp_path):
    """The watcher ends with the server's own stop: nothing of it is left to act later on a pid or a folder."""
    from tests.conftest import PostgresServer, start_nginx, stop_nginx

    rtmp = start_nginx(tmp_path / "nginx")
    watcher = rtmp.watcher
    assert watcher.poll() is None
    stop_nginx(rtmp)
    assert watcher.poll() is not None
    pg = PostgresServer()
    watcher = pg._watcher
    assert watcher.poll() is None
    pg.stop()
    assert watcher.poll() is not None and not pg.dir.exists()
