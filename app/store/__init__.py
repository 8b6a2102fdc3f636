"""Persistence: SQLAlchemy models, the database (SQLite by default), Alembic migrations, the batched writer."""
