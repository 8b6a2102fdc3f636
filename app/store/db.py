"""The database: URL from settings (SQLite in the user data folder by default), migrations on open."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from app.config import data_dir
from app.store import StoreUnavailable
from app.store.models import DEFAULT_STUDIO_ID, LiveSession, SessionStatus, Studio

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# the newest migration's revision (tests/store/test_migrations.py checks it is Alembic's head): a database already
# there opens without Alembic (its import and its reading of every migration script: most of a command's start)
HEAD_REVISION = "0013"


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


def alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


_MIGRATING = threading.Lock()  # one migration at a time in this process


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate to `revision`. On SQLite a migration that rebuilds a table (copy, drop, rename: 0008 does) runs with
    foreign keys off, or dropping `products` would cascade into its scripts and FAQ pairs; they are checked after."""
    from alembic import command

    config = alembic_config()
    with _MIGRATING, engine.connect() as connection:  # Alembic's `op` and `context` are process-wide proxies
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:  # outside any transaction, or SQLite ignores it
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise StoreUnavailable(f"数据库迁移后外键不一致 / a migration left {len(broken)} rows "
                                               f"pointing nowhere (first: {broken[0][0]}); nothing was changed")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def at_head(engine: Engine) -> bool:
    """Whether the database is at HEAD_REVISION already (False for a new one, an older one, or one it cannot read:
    `upgrade` then does what it must, or says why not)."""
    with engine.connect() as connection:  # a database that cannot be reached says so here, as `upgrade` would
        try:
            return connection.exec_driver_sql("SELECT version_num FROM alembic_version").fetchall() == [
                (HEAD_REVISION,)]
        except DBAPIError:  # no such table yet
            return False


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


STUDIO_MAX = 40  # characters in a studio's name


def studio_name(text: str | None) -> str | None:
    """A studio's name as typed (`--studio`, ANCHOR_CONSOLE_STUDIO, the window): trimmed, 1–40 printable
    characters; None for blank (the default studio). ValueError, bilingual, otherwise."""
    name = " ".join((text or "").split())
    if not name:
        return None
    if len(name) > STUDIO_MAX or not name.isprintable():
        raise ValueError(f"工作室名称需为 1–{STUDIO_MAX} 个可见字符 / a studio's name is 1–{STUDIO_MAX} printable "
                         "characters")
    return name


class Database:
    """An upgraded database plus a session factory, working for one studio (工作室): the catalogue, coupons, FAQ
    and sessions it reads and writes are that studio's (`studio_id`). `studio`: its name, created on first use;
    None: ANCHOR_CONSOLE_STUDIO, else the default studio that holds what was there before studios. Opening it
    also repairs what a crash left behind (any studio's: a dead owner is dead whoever's show it was)."""

    def __init__(self, url: str | None = None, studio: str | None = None) -> None:
        self.url = url or default_url()
        try:
            name = studio_name(studio if studio is not None else os.environ.get("ANCHOR_CONSOLE_STUDIO"))
        except ValueError as exc:
            raise StoreUnavailable(str(exc)) from None
        self.engine = make_engine(self.url)
        if not at_head(self.engine):
            upgrade(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.studio_id, self.studio = self._studio(name)
        self.interrupted_on_open = self.mark_interrupted()

    def _studio(self, name: str | None) -> tuple[int, str]:
        """(id, name) of the named studio, made if new (two consoles making it at once: one insert wins, the
        other reads it)."""
        from sqlalchemy.exc import IntegrityError

        for _ in range(2):
            with self.sessions.begin() as db:
                row = (db.get(Studio, DEFAULT_STUDIO_ID) if name is None
                       else db.scalar(select(Studio).where(Studio.name == name)))
                if row is not None:
                    return row.id, row.name
            try:
                with self.sessions.begin() as db:
                    row = Studio(name=name, created_at=time.time())
                    db.add(row)
                    db.flush()
                    return row.id, row.name
            except IntegrityError:
                continue
        raise StoreUnavailable(f"无法创建工作室 / cannot create the studio {name!r}")

    def studios(self) -> dict[int, str]:
        """Every studio on this database: id → name (a manager's view)."""
        with self.session() as db:
            return dict(db.execute(select(Studio.id, Studio.name).order_by(Studio.id)).all())

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

    def recordings_of(self, session_ids: list[int]) -> list[str]:
        """The recording files of these sessions (those that had one)."""
        if not session_ids:
            return []
        with self.session() as db:
            return [path for path in db.scalars(select(LiveSession.recording_path).where(
                LiveSession.id.in_(session_ids))) if path]

    def close(self) -> None:
        self.engine.dispose()
