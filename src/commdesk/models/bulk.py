"""Bulk writes for importers and generators: plain DB-API ``executemany`` with tuples.

SQLAlchemy Core's ``insert()`` processes every bound value in Python (measured: about half
of a 10,000-row import); bulk writers build rows as tuples in column order and hand them to
the driver. Values must already be in SQLite storage form: see :func:`sql_value`. Bulk writers
bypass the ORM hooks, so they also write the search index (search.index.reindex_residents)
and one audit entry themselves.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table

CHUNK = 5000


def insert_sql(table: str, cols: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _c in cols)})"


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
