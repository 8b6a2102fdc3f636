"""Persistence: SQLAlchemy models, the database (SQLite by default), Alembic migrations, the batched writer."""


class StoreUnavailable(RuntimeError):
    """The database named by the settings cannot be used (its driver is missing, its URL is malformed); the
    message says what to do (中文 / English), without the URL's password. (Here, not in db.py, so the command
    line can catch it without importing SQLAlchemy.)"""
