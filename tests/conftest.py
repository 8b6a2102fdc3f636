"""Shared fixtures: a real nginx-rtmp server on a free loopback port, and a way to run the CLI."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # tests never need a display

from app.redaction import install_log_redaction  # noqa: E402

install_log_redaction()  # as the CLI and the window do at start: every log record is redacted as it is made

RTMP_MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")
NGINX_CONF = """\
load_module {module};
user root;
worker_processes 1;
daemon off;
master_process on;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 128; }}
rtmp {{
    server {{
        listen 127.0.0.1:{port};
        chunk_size 4096;
        application live {{
            live on;
            record all;
            record_unique on;
            record_path {dir}/rec;
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


class ManualClock:
    """A clock a test moves by hand (`clock.now += 5`), called as the code under test calls `time.monotonic`."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@dataclass
class RtmpServer:
    port: int
    dir: Path
    process: subprocess.Popen
    watcher: subprocess.Popen | None = None  # stops it if this test process dies first (`stop_when_gone`)

    def stop(self) -> None:
        """Fast shutdown (SIGTERM): connections drop at once, like an ingest that goes away."""
        stop_nginx(self, signal.SIGTERM)

    def restart(self) -> None:
        """Start again on the same port (after `stop`), like an ingest server coming back."""
        _end(self.watcher)
        self.process = _launch_nginx(self.dir, self.port)
        self.watcher = _nginx_watcher(self.process.pid)

    def pids(self) -> list[int]:
        """Master and worker pids, for freezing the whole server with SIGSTOP."""
        master = self.process.pid
        out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
        return [master] + [int(p) for p in out.stdout.split()]

    def freeze(self) -> None:
        for pid in self.pids():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self.pids():
            os.kill(pid, signal.SIGCONT)

    def url(self, key: str, app: str = "live") -> str:
        return f"rtmp://127.0.0.1:{self.port}/{app}/{key}"

    @property
    def record_dir(self) -> Path:
        return self.dir / "rec"

    def recordings(self) -> list[Path]:
        return sorted(self.record_dir.glob("*.flv"))

    def log(self) -> str:
        path = self.dir / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_recording_closed(self, count: int = 1, timeout: float = 15.0) -> list[Path]:
        """nginx-rtmp finalises a recording when the publisher disconnects: wait for the log to say so."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log().count("record: done") >= count or self.log().count("deleteStream") >= count:
                break
            time.sleep(0.1)
        time.sleep(0.3)
        return self.recordings()


def stop_when_gone(argv: list[str], remove: Path | None = None) -> subprocess.Popen:
    """A watcher in a session of its own: once this test process is gone without having stopped a server it
    started (a segmentation fault, a kill, the CI's timeout), it runs `argv` (the server's stop) and removes `remove`
    — a crashed run leaves no server behind. Its owner kills it when it stops the server itself."""
    script = 'while kill -0 "$1" 2>/dev/null; do sleep 0.5; done; shift; "$@"; [ -z "$REMOVE" ] || rm -rf -- "$REMOVE"'
    return subprocess.Popen(["sh", "-c", script, "watcher", str(os.getpid()), *argv], start_new_session=True,
                            env={**os.environ, "REMOVE": "" if remove is None else str(remove)},
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _end(watcher: subprocess.Popen | None) -> None:
    if watcher is not None and watcher.poll() is None:
        watcher.kill()
        watcher.wait(timeout=5)


def start_nginx(workdir: Path) -> RtmpServer:
    if not RTMP_MODULE.exists() or not shutil.which("nginx"):
        pytest.fail("nginx with libnginx-mod-rtmp is required: run the README's test command, which installs them")
    port = free_port()
    (workdir / "rec").mkdir(parents=True, exist_ok=True)
    (workdir / "nginx.conf").write_text(NGINX_CONF.format(module=RTMP_MODULE, dir=workdir, port=port))
    process = _launch_nginx(workdir, port)
    return RtmpServer(port, workdir, process, _nginx_watcher(process.pid))


def _nginx_watcher(pid: int) -> subprocess.Popen:
    """nginx's master and its worker woken (a test may have frozen them) and told to stop (SIGTERM: both go)."""
    return stop_when_gone(["sh", "-c", f"pkill -CONT -P {pid}; kill -CONT {pid}; kill -TERM {pid}"])


def _launch_nginx(workdir: Path, port: int) -> subprocess.Popen:
    conf = workdir / "nginx.conf"
    process = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(workdir), "-e", str(workdir / "error.log")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port)
    except TimeoutError:
        process.kill()
        raise RuntimeError(f"nginx did not start: {process.stderr.read().decode(errors='replace')}")
    return process


def stop_nginx(server: RtmpServer, how: signal.Signals = signal.SIGQUIT) -> None:
    pid_file = server.dir / "nginx.pid"
    pid = int(pid_file.read_text()) if pid_file.exists() else server.process.pid
    _end(server.watcher)
    if server.process.poll() is not None:
        return
    try:
        server.thaw()
        os.kill(pid, how)  # SIGQUIT: graceful, workers finish writing their recordings
        server.process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        for child in server.pids():
            os.kill(child, signal.SIGKILL)
        server.process.kill()
        server.process.wait(timeout=5)


@pytest.fixture
def rtmp_server(tmp_path):
    server = start_nginx(tmp_path / "nginx")
    yield server
    stop_nginx(server)


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def silent_server():
    """A loopback server that accepts TCP connections and never says a word (a half-dead ingest)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    listener.close()


def start_cli(*args: str, stdout=subprocess.PIPE) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "app", *args], stdout=stdout, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def run_cli(*args: str, timeout: float = 60) -> CliResult:
    """Run `anchor-console` in a child process, as a user would."""
    proc = subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def no_keyring(monkeypatch, tmp_path):
    """The keyring library's own 'no backend' (what this machine has), whatever the test machine has; the
    console's data folder (where secrets then go, as files only their owner reads) this test's own, yielded."""
    import keyring
    from keyring.backends import fail

    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield tmp_path / "data"
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def qapp_offscreen(qapp):
    """Qt's font machinery for overlay rendering. pytest-qt's QApplication comes first: one test process
    holds one application object, and the window tests need the widgets kind (app/ alone would make a
    QGuiApplication, as the headless CLI does)."""
    from app.media.qtrender import ensure_qt

    return ensure_qt()


PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


class PostgresServer:
    """A throwaway PostgreSQL cluster on a free loopback port in a temp folder, run as the `postgres` user (it
    refuses to run as root); `url(name)` makes a fresh database. Stopped by its own pid (pg_ctl stop)."""

    def __init__(self) -> None:
        import pwd
        import tempfile

        if not PG_BIN:
            pytest.fail("PostgreSQL is required: run the README's test command, which installs it")
        self.bin = PG_BIN[-1]
        self.dir = Path(tempfile.mkdtemp(prefix="anchor-pg-"))
        self.port = free_port()
        self._as = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
        if self._as:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
        self._run("initdb", "-D", str(self.dir / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8")
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "log"), "-w", "-t", "30",
                  "-o", f"-h 127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off", "start")
        self._watcher = stop_when_gone([*self._as, str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m",
                                        "immediate", "-w", "stop"], remove=self.dir)
        self._count = 0

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self._as, str(self.bin / tool), *args], check=True, capture_output=True, timeout=120)

    def url(self) -> str:
        self._count += 1
        name = f"anchor{self._count}"
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        _end(self._watcher)
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres():
    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """The store's URL on both engines the product supports: SQLite (the default) and PostgreSQL (a studio's
    shared database)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'anchor.db'}"
    return request.getfixturevalue("postgres").url()


@pytest.fixture
def database(store_url):
    """A real database (SQLite and, as a second run of each test, PostgreSQL), migrated to head."""
    from app.store.db import Database

    db = Database(store_url)
    yield db
    db.close()


@pytest.fixture
def catalogue(database):
    """Three products and two coupons, as a studio would import them."""
    from app.store.models import Coupon, CouponKind, Product

    with database.sessions.begin() as db:
        db.add_all([
            Product(sku="CUP-500", title="真空保温杯 500ml", category="家居", list_price_cents=15900,
                    live_price_cents=8900, stock=100, image="", selling_points=["12小时保温"]),
            Product(sku="TEA-01", title="明前龙井 250g", category="食品", list_price_cents=29900,
                    live_price_cents=19900, stock=5, image="", selling_points=[]),
            Product(sku="BAG-02", title="帆布托特包", category="服饰", list_price_cents=9900,
                    live_price_cents=5900, stock=0, image="", selling_points=[]),
            Coupon(name="满199减30", kind=CouponKind.FULL_REDUCTION, threshold_cents=19900, discount_cents=3000,
                   quantity=100, product_skus=[]),
            Coupon(name="无门槛5元", kind=CouponKind.NO_THRESHOLD, discount_cents=500, quantity=0, product_skus=[]),
        ])
    return database


# --- threads a test leaves running ---------------------------------------------------------------------------
# A thread still running when the interpreter exits is killed inside whatever it is doing; inside C++ code
# (OpenCV, Qt, FFmpeg) that ends the whole run with "terminate called without an active exception" and exit
# code 134 after every test passed. So every test must stop what it started: this fixture names the test that
# leaves a thread behind, and the session fails on it.

_LEAKED_THREADS: list[str] = []


@pytest.fixture(autouse=True)
def _no_thread_left_running(request):
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5.0
    left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    for thread in left:  # a thread being stopped gets a moment to end
        thread.join(max(0.0, deadline - time.monotonic()))
    left = [t for t in left if t.is_alive()]
    if left:
        _LEAKED_THREADS.append(f"{request.node.nodeid}: " + ", ".join(sorted(t.name for t in left)))


def pytest_sessionfinish(session, exitstatus):
    if _LEAKED_THREADS:
        sys.stderr.write("\nthreads left running by tests:\n  " + "\n  ".join(_LEAKED_THREADS) + "\n")
        session.exitstatus = 1
