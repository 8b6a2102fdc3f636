"""Alembic migrations: an older database is upgraded on open and keeps its data."""

from __future__ import annotations

from sqlalchemy import inspect, text

from app.store.db import Database, current_revision, make_engine, upgrade

HEAD = "0005"


def test_database_at_oldest_revision_is_upgraded_with_its_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    assert "events" not in inspect(engine).get_table_names()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO products (sku, title, category, list_price_cents, live_price_cents, stock,"
                          " image, selling_points) VALUES ('OLD-1', '老商品', '', 100, 90, 3, '', '[]')"))
    engine.dispose()

    database = Database(url)  # what the app does at start-up
    try:
        assert current_revision(database.engine) == HEAD
        assert {"sessions", "events", "quarantined_events"} <= set(inspect(database.engine).get_table_names())
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT title FROM products WHERE sku='OLD-1'")).scalar() == "老商品"
            assert conn.execute(text("SELECT platform_item_id FROM products WHERE sku='OLD-1'")).scalar() is None
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        database.close()
