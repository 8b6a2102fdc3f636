"""Many rows into one table in a few statements (a COPY on PostgreSQL; elsewhere a statement of many VALUES rows)
instead of a row at a time.

Why: the event writer shares the interpreter with the feed, the room and the pipeline. A driver's `executemany`
steps the database once per row, and each step gives the GIL up and waits to take it back behind whichever thread
holds it — up to the switch interval (5 ms) when that thread is busy in Python. Beside one busy Python thread the
writer on SQLite then stored about a hundred events a second; with a statement per batch, about ten thousand
(`bench/store_engines.py`, "beside a busy thread"; docs/benchmarks.md).

On PostgreSQL (psycopg) the rows go in by COPY: one statement the server neither parses per row nor plans
(`bench/store_engines.py` measures the writer both ways; docs/benchmarks.md, "The event writer"). The driver's errors
come out as SQLAlchemy's (IntegrityError, OperationalError …) as from `connection.execute`, a dropped connection's
marked invalidated (the writer retries, and SQLAlchemy's rollback discards it from the pool).

The values are sent as the engine's own bind processors would send them: JSON columns through the engine's
serializer (`app.store.db._json`: standard JSON only), everything else as it is (whole numbers, floats, text, None,
booleans — SQLite stores them as 0/1, as SQLAlchemy does)."""

from __future__ import annotations

import sqlite3

from sqlalchemy import JSON

SQLITE_BINDS = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999  # SQLITE_MAX_VARIABLE_NUMBER
MAX_BINDS = 30000  # SQLite allows 32,766; a statement holds MAX_ROWS rows at most (below)
# PostgreSQL without COPY (another driver, or `max_binds` asked) parses and plans each statement: beyond a few
# hundred rows a statement costs more than the steps it saves (the writer's VALUES path, alone / beside a busy
# thread: 600 values a statement 11,100 / 2,600 events/s, 2,000 values 8,400 / 3,800, 30,000 values 7,700 / 3,600;
# bench/store_engines.py measures it beside COPY)
POSTGRES_BINDS = 2000
# A driver keeps each statement text it prepared (sqlite3 a connection's latest 128, each with its program and the
# values last bound to it; psycopg prepares one run five times on the server): batches of every size made a
# statement of every size, and SQLite held ~100 MB after a minute of the window at 2,000 events/s, ~130 MB after
# five (heaptrack; docs/benchmarks.md, "Memory over a show"). Rows go in statements of a power of two rows, at most
# this many: ten texts a table. The writer's full batch (512, when it is behind) is one statement; a batch taken
# while it keeps up is a few (400 rows: 256 + 128 + 16).
MAX_ROWS = 512


def binds_per_statement(dialect) -> int:
    return min(MAX_BINDS, SQLITE_BINDS) if dialect.name == "sqlite" else POSTGRES_BINDS


def uses_copy(dialect) -> bool:
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


def _copy(connection, statement: str, values: list[tuple]) -> int:
    from sqlalchemy.exc import DBAPIError

    raw = connection.connection.dbapi_connection
    dbapi = connection.dialect.loaded_dbapi
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in values:
                copy.write_row(row)
    except dbapi.Error as exc:  # as SQLAlchemy's own execute would raise it
        gone = connection.dialect.is_disconnect(exc, raw, None)  # retried, not quarantined (the writer's _transient)
        raise DBAPIError.instance(statement, None, exc, dbapi.Error, connection_invalidated=gone) from exc
    return 1


def insert_rows(connection, model, rows: list[dict], max_binds: int | None = None) -> int:
    """Insert `rows` (dicts with the same keys, the columns of `model`'s table) in the caller's transaction: by COPY
    on PostgreSQL with psycopg unless `max_binds` is given, else in statements of a power of two rows each, as many
    as the engine's limit on bound values (or `max_binds`) allows and MAX_ROWS at most. Returns how many statements it
    took. Errors are the engine's (IntegrityError, OperationalError …), as from `connection.execute`; a value the
    JSON serializer refuses raises ValueError or TypeError before anything is sent."""
    if not rows:
        return 0
    from app.store.db import _json

    table = model.__table__
    columns = list(rows[0])
    as_json = {column.key for column in table.columns if isinstance(column.type, JSON)}
    unknown = set(columns) - {column.key for column in table.columns}
    if unknown:
        raise KeyError(f"{table.name} has no column {sorted(unknown)[0]!r}")
    quote = connection.dialect.identifier_preparer.quote
    if max_binds is None and uses_copy(connection.dialect):
        # tuples made from lists, not generators: CPython 3.11 grows a generator's tuple in place, and one that
        # gc.get_objects() handed out meanwhile cannot grow — SystemError (gh-107137; seen once here beside a census)
        values = [tuple([_json(row[name]) if name in as_json else row[name] for name in columns]) for row in rows]
        return _copy(connection, f"COPY {quote(table.name)} ({', '.join(quote(name) for name in columns)}) FROM STDIN",
                     values)
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    one = "(" + ", ".join([mark] * len(columns)) + ")"
    head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in columns)}) VALUES "
    per = max(1, min(MAX_ROWS, (max_binds or binds_per_statement(connection.dialect)) // len(columns)))
    width = len(columns)
    # every value serialized before any is sent: a value the serializer refuses leaves the transaction untouched
    values = [_json(row[name]) if name in as_json else row[name] for row in rows for name in columns]
    statements, start = 0, 0
    while start < len(rows):
        size = 1 << (min(per, len(rows) - start).bit_length() - 1)  # the largest power of two that fits
        connection.exec_driver_sql(head + ", ".join([one] * size), tuple(values[start * width:(start + size) * width]))
        statements += 1
        start += size
    return statements
