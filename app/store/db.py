"""The database: URL from settings (SQLite in the user data folder by default), migrations on open."""

from __future__ import annotations

import os
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.config import data_dir
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


def make_engine(url: str) -> Engine:
    engine = create_engine(url)
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
        """Sessions still 'live' belong to a process that died: mark them interrupted (data stays)."""
        with self.sessions.begin() as db:
            ids = list(db.scalars(select(LiveSession.id).where(LiveSession.status == SessionStatus.LIVE)))
            if ids:
                db.execute(update(LiveSession).where(LiveSession.id.in_(ids))
                           .values(status=SessionStatus.INTERRUPTED, ended_at=time.time()))
        return ids

    def close(self) -> None:
        self.engine.dispose()
