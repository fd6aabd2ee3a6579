"""Bulk writes for importers and generators: plain DB-API ``executemany`` with tuples.

SQLAlchemy Core's ``insert()`` processes every bound value in Python (measured: about half
of a 10,000-row import); bulk writers build rows as tuples in column order and hand them to
the driver. Values must already be in SQLite storage form: see :func:`sql_value`. Bulk writers
bypass the ORM hooks, so they also write the search index (models.search_index.reindex_residents)
and one audit entry themselves.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table

CHUNK = 5000
#: Page cache (KiB) of a connection during a bulk load: index and FTS pages stay in memory.
BULK_CACHE_KIB = 128 * 1024
#: From this many new rows (and at least as many as the table holds), secondary indexes are
#: dropped before the load and rebuilt after it: one sort instead of many random B-tree inserts.
DEFER_INDEXES_FROM = 5000


def insert_sql(table: str, cols: Sequence[str], constants: Mapping[str, Any] | None = None) -> str:
    """``INSERT`` of ``cols`` as parameters, and of ``constants`` (the same for every row of a
    bulk load: stamps, defaults) as SQL literals, which SQLite then does not bind row by row."""
    constants = constants or {}
    names = [*cols, *constants]
    values = ["?"] * len(cols) + [sql_literal(v) for v in constants.values()]
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(values)})"


def sql_literal(value: Any) -> str:
    """A SQL literal for None, an int or a text (quotes doubled)."""
    if value is None:
        return "NULL"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and "\x00" not in value:
        return "'" + value.replace("'", "''") + "'"
    raise ValueError(f"no SQL literal for {type(value).__name__}")


def sql_value(value: Any) -> Any:
    """Python value → the form SQLAlchemy's SQLite types store (dates as ISO text, bools as 0/1)."""
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def bulk_insert(conn: Connection, table: str, cols: Sequence[str], rows: Iterable[Sequence[Any]],
                chunk: int = CHUNK) -> int:
    """Insert tuples (already in storage form) in chunks; returns the number of rows."""
    sql = insert_sql(table, cols)
    n = 0
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= chunk:
            conn.exec_driver_sql(sql, batch)
            n += len(batch)
            batch = []
    if batch:
        conn.exec_driver_sql(sql, batch)
        n += len(batch)
    return n


def bulk_insert_dicts(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]],
                      chunk: int = CHUNK) -> int:
    """Insert dicts (all with the same keys) into a mapped table, converting values."""
    if not rows:
        return 0
    cols = tuple(rows[0].keys())
    return bulk_insert(conn, table.name, cols, (tuple(sql_value(r[c]) for c in cols) for r in rows), chunk)


_UUID_VERSION_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_VERSION_SET = (0x4000 << 64) | (0x8000 << 48)


def uuid_hex_batch(n: int) -> list[str]:
    """``n`` random version-4 UUIDs as 32 hex digits, as ``uuid.uuid4().hex`` (one urandom call)."""
    data = os.urandom(16 * n)
    clear, put = _UUID_VERSION_CLEAR, _UUID_VERSION_SET
    return ["%032x" % ((int.from_bytes(data[i:i + 16], "big") & clear) | put) for i in range(0, 16 * n, 16)]


@contextmanager
def bulk_load(conn: Connection, tables: Sequence[str], new_rows: int) -> Iterator[None]:
    """A larger page cache during a bulk load into ``tables`` and, for a load of at least
    ``DEFER_INDEXES_FROM`` rows that is no smaller than what the tables hold, their secondary
    indexes dropped before and rebuilt after (inside the caller's transaction: a rollback
    restores them). Constraint indexes (``UNIQUE``, primary keys) stay."""
    from commdesk.models import dialect

    cache_size = dialect.cache_size(conn)
    dialect.set_cache_size(conn, -BULK_CACHE_KIB)
    try:
        indexes: list[Any] = []
        if new_rows >= DEFER_INDEXES_FROM:
            held = max(conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one() for t in tables)
            if new_rows >= held:
                indexes = dialect.secondary_indexes(conn, tables)
        for name, _sql in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        yield
        for _name, sql in indexes:
            conn.exec_driver_sql(sql)
    finally:
        dialect.set_cache_size(conn, cache_size)
