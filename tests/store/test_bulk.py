"""app/store/bulk.py: many rows in a few statements, stored exactly as SQLAlchemy's own insert stores them, on
SQLite and PostgreSQL; the event writer's batches go that way (a step per row gave the GIL up once per row)."""

from __future__ import annotations

import gc
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import event as sa_event, insert, select

from app.kernel.events import Event, EventType
from app.session import SessionCore
from app.store import bulk
from app.store.bulk import binds_per_statement, insert_rows, uses_copy
from app.store.models import ChainLink, EventRecord
from app.store.writer import StoreWriter

COLUMNS = ("session_id", "seq", "wall_time", "stream_time", "type", "actor", "user_id", "product_id", "amount_cents",
           "flagged", "payload")


def _rows(session_id: int, first_seq: int, n: int) -> list[dict]:
    payloads = [{}, {"text": "好看😀 \\u202e", "nested": [1, 2.5, None, True, {"k": "v"}]}, {"none": None},
                {"big": 2 ** 53, "neg": -0.5, "name": "観客"}]
    return [{"session_id": session_id, "seq": first_seq + i, "wall_time": 1_796_409_292.332 + i / 7,
             "stream_time": None if i % 3 == 0 else i * 0.1, "type": "comment", "actor": "platform",
             "user_id": None if i % 4 == 0 else f"u{i}", "product_id": None if i % 2 else i,
             "amount_cents": None if i % 5 else 9_007_199_254_740_993 - i, "flagged": i % 2 == 0,
             "payload": payloads[i % len(payloads)]} for i in range(n)]


def _stored(database, session_id: int, seqs: range) -> list[tuple]:
    with database.session() as db:
        records = db.scalars(select(EventRecord).where(EventRecord.session_id == session_id,
                                                       EventRecord.seq.in_(list(seqs))).order_by(EventRecord.seq))
        return [tuple(getattr(r, c) for c in COLUMNS[1:]) for r in records]


@pytest.mark.parametrize("max_binds", [None, 11, 25])
def test_rows_read_back_as_sqlalchemys_own_insert_stores_them(catalogue, max_binds):
    core = SessionCore(catalogue)
    session_id = core.start("bulk")
    core.end()
    ours, theirs = _rows(session_id, 10_000, 23), _rows(session_id, 20_000, 23)
    with catalogue.engine.begin() as connection:
        statements = insert_rows(connection, EventRecord, ours, max_binds=max_binds)
        connection.execute(insert(EventRecord), theirs)
    if max_binds is None and uses_copy(catalogue.engine.dialect):
        assert statements == 1  # PostgreSQL: one COPY
    else:  # 11 binds: a row a statement; 25: two rows (22 binds) a statement, the last row alone; else 16 + 4 + 2 + 1
        assert statements == {11: 23, 25: 12}.get(max_binds, 4)
    mine, reference = _stored(catalogue, session_id, range(10_000, 10_023)), _stored(catalogue, session_id,
                                                                                      range(20_000, 20_023))
    assert [row[1:] for row in mine] == [row[1:] for row in reference]  # all but seq, which differs on purpose
    assert mine[1][-1]["nested"] == [1, 2.5, None, True, {"k": "v"}] and mine[0][8] is True
    link = {"session_id": session_id, "kind": "event", "seq": 1, "content": "c" * 64, "personal": "",
            "link": "l" * 64, "note": None}
    with catalogue.engine.begin() as connection:  # a JSON column's None is stored as SQLAlchemy stores it
        insert_rows(connection, ChainLink, [{**link, "position": 900_000}])
        connection.execute(insert(ChainLink), [{**link, "position": 900_001}])
        notes = connection.exec_driver_sql(f"SELECT note, note IS NULL FROM chain_links WHERE session_id = "
                                           f"{session_id} AND position >= 900000 ORDER BY position").all()
    assert notes[0] == notes[1]


class _Nosy(dict):
    """A row whose every read walks the collector's objects, as a census (bench/ui_stall.py) on another thread may
    at any moment, and keeps what it saw for a while."""

    seen: list = []

    def __getitem__(self, key):
        _Nosy.seen[:] = [gc.get_objects()]
        return super().__getitem__(key)


@pytest.mark.parametrize("max_binds", [None, 25])
def test_rows_are_stored_while_the_collectors_objects_are_walked(catalogue, max_binds):
    """CPython 3.11 grows a tuple made from a generator in place and cannot once gc.get_objects() has handed it out
    (SystemError, gh-107137): the batch then failed and the writer fell back to a row at a time."""
    core = SessionCore(catalogue)
    session_id = core.start("bulk")
    core.end()
    rows = [_Nosy(row) for row in _rows(session_id, 40_000, 5)]
    try:
        with catalogue.engine.begin() as connection:
            insert_rows(connection, EventRecord, rows, max_binds=max_binds)
    finally:
        _Nosy.seen.clear()
    assert [row[0] for row in _stored(catalogue, session_id, range(40_000, 40_005))] == list(range(40_000, 40_005))


def test_a_value_the_serializer_refuses_or_a_column_that_is_not_there_sends_nothing(catalogue):
    core = SessionCore(catalogue)
    session_id = core.start("bulk")
    core.end()
    bad = _rows(session_id, 30_000, 3)
    bad[2]["payload"] = {"price": float("nan")}
    with catalogue.engine.begin() as connection:
        with pytest.raises(ValueError):
            insert_rows(connection, EventRecord, bad)
        with pytest.raises(KeyError, match="colour"):
            insert_rows(connection, EventRecord, [{**_rows(session_id, 30_010, 1)[0], "colour": "red"}])
        assert insert_rows(connection, EventRecord, []) == 0
    assert _stored(catalogue, session_id, range(30_000, 30_020)) == []


def test_the_writer_stores_a_full_batch_and_its_links_in_a_statement_each_not_a_step_per_row(catalogue, monkeypatch):
    core = SessionCore(catalogue)
    session_id = core.start("bulk")
    core.end()
    inserts = []

    def seen(_connection, _cursor, statement, _parameters, _context, executemany) -> None:
        if statement.startswith("INSERT INTO"):
            inserts.append((statement.split()[2].strip('"'), executemany))

    copy = bulk._copy

    def copied(connection, statement, values):
        inserts.append((statement.split()[1].strip('"'), "copy", len(values)))
        return copy(connection, statement, values)

    monkeypatch.setattr(bulk, "_copy", copied)
    sa_event.listen(catalogue.engine, "before_cursor_execute", seen)
    try:
        writer = StoreWriter(catalogue, session_id, interval=5.0)
        for seq in range(1, 513):
            writer(Event(EventType.COMMENT, {"user_id": f"u{seq}", "text": "多少钱"}, wall_time=1.0, seq=10_000 + seq))
        writer.close()
    finally:
        sa_event.remove(catalogue.engine, "before_cursor_execute", seen)
    assert writer.stats.written == 512 and writer.batch_size == bulk.MAX_ROWS == 512
    assert ("events", True) not in inserts and ("chain_links", True) not in inserts
    if uses_copy(catalogue.engine.dialect):  # PostgreSQL: a COPY a table, no INSERT
        assert sorted(inserts) == [("chain_links", "copy", 512), ("events", "copy", 512)]
    else:  # SQLite: one statement of many VALUES rows a table
        assert inserts == [("events", False), ("chain_links", False)]
        assert binds_per_statement(catalogue.engine.dialect) // len(COLUMNS) >= 512
    with catalogue.session() as db:
        assert db.scalar(select(ChainLink.kind).where(ChainLink.session_id == session_id).order_by(
            ChainLink.position.desc()).limit(1)) == "event"


def test_batches_of_every_size_are_inserted_with_ten_statement_texts_a_table(catalogue):
    """A driver keeps each statement text it prepared (sqlite3 its latest 128 a connection, with the values last bound
    to each): batches of 1 to 1,100 rows go in as statements of 1, 2, 4 … 512 rows, ten texts, each row once."""
    core = SessionCore(catalogue)
    session_id = core.start("bulk")
    core.end()
    texts: set[str] = set()

    def seen(_connection, _cursor, statement, _parameters, _context, _executemany) -> None:
        if statement.startswith("INSERT INTO"):
            texts.add(statement)

    sa_event.listen(catalogue.engine, "before_cursor_execute", seen)
    seq = 100_000
    try:
        with catalogue.engine.begin() as connection:
            for size in [*range(1, 40), 400, 511, 512, 513, 1_100]:
                statements = insert_rows(connection, EventRecord, _rows(session_id, seq, size), max_binds=30_000)
                assert statements == size // 512 + bin(size % 512).count("1")
                seq += size
    finally:
        sa_event.remove(catalogue.engine, "before_cursor_execute", seen)
    assert sorted(text.count("), (") + 1 for text in texts) == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
    with catalogue.session() as db:
        stored = db.scalars(select(EventRecord.seq).where(EventRecord.session_id == session_id,
                                                          EventRecord.seq >= 100_000)).all()
    assert sorted(stored) == list(range(100_000, seq))


def test_a_connection_the_server_dropped_is_replaced_and_nothing_is_lost(catalogue):
    """PostgreSQL ends the writer's connections (a restart, an administrator): the COPY's error is SQLAlchemy's
    OperationalError with the connection invalidated, the writer retries on a fresh one, every event is stored."""
    if not uses_copy(catalogue.engine.dialect):
        pytest.skip("PostgreSQL's COPY path (SQLite has no server to drop the connection)")
    from sqlalchemy import func, text
    from sqlalchemy.exc import OperationalError

    core = SessionCore(catalogue)
    session_id = core.start("dropped")
    core.end()
    first = core.bus.last_seq + 1

    def drop_the_others() -> int:
        with catalogue.engine.connect() as connection:
            dropped = connection.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
            connection.commit()
        return dropped

    with catalogue.engine.begin() as connection:  # a pooled connection the server will drop
        insert_rows(connection, EventRecord, _rows(session_id, 40_000, 2))
    with catalogue.engine.connect() as held, catalogue.engine.connect() as other:  # two in the pool, one dropped
        held.execute(text("SELECT 1"))
        pid = other.execute(text("SELECT pg_backend_pid()")).scalar()
        other.commit()
        held.execute(text(f"SELECT pg_terminate_backend({pid})"))
        held.commit()
        with pytest.raises(OperationalError) as raised:  # from the COPY itself, as SQLAlchemy's execute raises it
            insert_rows(other, EventRecord, _rows(session_id, 40_010, 2))
        assert "terminating connection" in str(raised.value.orig) and raised.value.statement.startswith("COPY")
    assert raised.value.connection_invalidated
    writer = StoreWriter(catalogue, session_id, interval=0.05)
    for i in range(3):
        writer(Event(EventType.LIKE, {"user_id": f"u{i}"}, seq=first + i, wall_time=1.0))
    deadline = time.monotonic() + 30
    while writer.stats.written < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert writer.stats.written == 3
    assert drop_the_others() >= 1  # the writer's own connection among them
    for i in range(3, 600):
        writer(Event(EventType.LIKE, {"user_id": f"u{i}"}, seq=first + i, wall_time=1.0))
    writer.close(timeout=60)
    assert (writer.stats.written, writer.stats.quarantined) == (600, 0)
    with catalogue.session() as db:
        assert db.scalar(select(func.count()).select_from(EventRecord).where(
            EventRecord.session_id == session_id, EventRecord.seq >= first, EventRecord.seq < 40_000)) == 600


_LEAF = (st.none() | st.booleans() | st.integers(-2 ** 63, 2 ** 63 - 1) | st.floats(allow_nan=True)
         | st.text(max_size=20) | st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=2))
_PAYLOAD = st.recursive(_LEAF, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                          max_size=4), max_leaves=12)
_RUN = iter(range(10 ** 9))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payloads=st.lists(_PAYLOAD, min_size=1, max_size=6))
def test_any_payload_is_stored_as_it_reads_back_or_the_batch_is_refused_whole(catalogue, payloads):
    """The edge between the writer and the database: whatever a payload holds (NaN, a lone surrogate, deep nesting,
    the largest integers), a batch is stored and reads back as its JSON says, or it is refused with ValueError /
    TypeError (the writer then sets that event aside) and none of its rows is left behind — nothing else raises."""
    import json

    first = 50_000 + next(_RUN) * 10
    core = SessionCore(catalogue)
    session_id = core.start("bulk")
    core.end()
    rows = _rows(session_id, first, len(payloads))
    for row, payload in zip(rows, payloads):
        row["payload"] = payload
    try:
        with catalogue.engine.begin() as connection:
            insert_rows(connection, EventRecord, rows)  # the writer's own path: COPY on PostgreSQL, VALUES elsewhere
    except (ValueError, TypeError):
        assert _stored(catalogue, session_id, range(first, first + len(rows))) == []
        return
    stored = _stored(catalogue, session_id, range(first, first + len(rows)))
    assert [row[-1] for row in stored] == [json.loads(json.dumps(p)) for p in payloads]


def test_only_psycopgs_postgresql_takes_copy_and_another_drivers_statements_hold_2000_values():
    """COPY is psycopg's (psycopg2 has no `cursor.copy`); without it a PostgreSQL statement holds 2,000 values at
    most (each is parsed and planned: past a few hundred rows it costs more than the steps it saves), SQLite's as many
    as SQLite allows, up to MAX_BINDS."""
    from sqlalchemy.dialects.postgresql import psycopg, psycopg2
    from sqlalchemy.dialects.sqlite import pysqlite

    assert uses_copy(psycopg.dialect()) and not uses_copy(psycopg2.dialect()) and not uses_copy(pysqlite.dialect())
    assert binds_per_statement(psycopg2.dialect()) == bulk.POSTGRES_BINDS == 2000
    assert binds_per_statement(pysqlite.dialect()) == min(bulk.MAX_BINDS, bulk.SQLITE_BINDS) > 2000
