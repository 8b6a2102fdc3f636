"""Alembic migrations: an older database is upgraded on open and keeps its data."""

from __future__ import annotations

from sqlalchemy import inspect, text

from app.store.db import HEAD_REVISION, Database, alembic_config, at_head, current_revision, make_engine, upgrade

HEAD = "0013"


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


def test_a_database_at_head_opens_without_alembic_whose_head_it_is(tmp_path):
    """Opening skips Alembic (its import and every migration script read: most of `review N`'s start) only for a
    database at the head Alembic itself names; one a revision behind is upgraded."""
    import subprocess
    import sys
    from pathlib import Path

    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD_REVISION == HEAD
    url = f"sqlite:///{tmp_path / 'head.db'}"
    Database(url).close()
    assert at_head(make_engine(url))
    code = ("import sys; from app.store.db import Database; d = Database(sys.argv[1]); d.close(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code, url], cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"

    behind = f"sqlite:///{tmp_path / 'behind.db'}"
    upgrade(make_engine(behind), "0012")
    assert not at_head(make_engine(behind))
    Database(behind).close()
    assert current_revision(make_engine(behind)) == HEAD


def test_a_missing_database_driver_is_one_clear_line(tmp_path):
    """ANCHOR_CONSOLE_DB_URL names PostgreSQL but psycopg is not installed: one line, exit 2, no traceback, no
    password."""
    import os
    import subprocess
    import sys

    code = ("import sys; sys.modules['psycopg'] = None; from app.cli import main; "
            "sys.exit(main(['review']))")
    env = {**os.environ, "ANCHOR_CONSOLE_DB_URL": "postgresql+psycopg://studio:s3cret-pw@127.0.0.1:1/anchor",
           "ANCHOR_CONSOLE_DATA": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "anchor-console[postgres]" in result.stderr and "s3cret-pw" not in result.stderr + result.stdout
    bad = subprocess.run([sys.executable, "-m", "app", "review"], capture_output=True, text=True, timeout=60,
                         env={**env, "ANCHOR_CONSOLE_DB_URL": "nosuchdb://x"})
    assert bad.returncode == 2 and "cannot be used" in bad.stderr and "Traceback" not in bad.stderr
