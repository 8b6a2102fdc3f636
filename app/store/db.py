"""The database: URL from settings (SQLite in the user data folder by default), migrations on open."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.config import data_dir
from app.store import StoreUnavailable
from app.store.models import LiveSession, SessionStatus

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def default_url() -> str:
    """ANCHOR_CONSOLE_DB_URL (e.g. a studio's shared PostgreSQL) or SQLite in the user data folder."""
    url = os.environ.get("ANCHOR_CONSOLE_DB_URL")
    if url:
        return url
    path = data_dir() / "anchor-console.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _json(value) -> str:
    """JSON columns hold standard JSON only: NaN or Infinity raise here (the writer quarantines that event)
    instead of being stored as text other readers choke on."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def make_engine(url: str) -> Engine:
    try:
        engine = create_engine(url, json_serializer=_json)
    except ImportError as exc:  # ModuleNotFoundError: psycopg (or another driver) is not installed
        raise StoreUnavailable(f"数据库驱动未安装 / the database driver is missing ({exc.name or exc}): "
                               "pip install 'anchor-console[postgres]' for PostgreSQL") from None
    except Exception as exc:  # noqa: BLE001 - ArgumentError, NoSuchModuleError: a URL SQLAlchemy cannot use
        raise StoreUnavailable(f"数据库地址无法使用 / the database URL cannot be used: {type(exc).__name__}") from None
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 (DB-API objects)
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers (replay, UI) never block the writer
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a crash loses at most the last commit
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()
    return engine


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


HEARTBEAT_S = 5.0  # a live session's owner updates heartbeat_at this often
STALE_S = 60.0  # no heartbeat for this long: the owner (on another machine) is gone


def process_identity(pid: int | None = None) -> str | None:
    """host:pid:start-ticks of a process (the start time tells a reused pid apart); None if it is not running."""
    import socket

    pid = os.getpid() if pid is None else pid
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        start = stat.rsplit(")", 1)[1].split()[19]  # field 22: start time in clock ticks since boot
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        start = "?"
    return f"{socket.gethostname()}:{pid}:{start}"


def owner_alive(owner: str | None, heartbeat_at: float | None, now: float) -> bool:
    """Whether the process that owns a live session is still there: on this machine, by its pid and start time;
    elsewhere, by a heartbeat younger than STALE_S."""
    import socket

    if owner:
        host, _, rest = owner.partition(":")
        pid_text = rest.partition(":")[0]
        if host == socket.gethostname() and pid_text.isdigit():
            return process_identity(int(pid_text)) == owner
    return heartbeat_at is not None and now - heartbeat_at < STALE_S


class Database:
    """An upgraded database plus a session factory. Opening it also repairs what a crash left behind."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_url()
        self.engine = make_engine(self.url)
        upgrade(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.interrupted_on_open = self.mark_interrupted()

    def session(self) -> Session:
        return self.sessions()

    def mark_interrupted(self) -> list[int]:
        """Sessions still 'live' whose owner is gone are marked interrupted (data stays). A session whose owner
        process still runs (this machine) or still beats (another machine on a shared database) is left alone:
        a manager opening the review during a show never touches it."""
        now = time.time()
        with self.sessions.begin() as db:
            rows = db.execute(select(LiveSession.id, LiveSession.owner, LiveSession.heartbeat_at)
                              .where(LiveSession.status == SessionStatus.LIVE)).all()
            ids = [r.id for r in rows if not owner_alive(r.owner, r.heartbeat_at, now)]
            if ids:
                db.execute(update(LiveSession).where(LiveSession.id.in_(ids))
                           .values(status=SessionStatus.INTERRUPTED, ended_at=time.time()))
        return ids

    def close(self) -> None:
        self.engine.dispose()
