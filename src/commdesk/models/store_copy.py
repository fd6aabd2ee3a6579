"""Moving up from one PC to a server: copy a whole commdesk database into an empty one
(``commdesk migrate-db --from FILE --to postgresql://…``), then prove the copy.

Every table of the models is copied with its ids, in foreign-key order (rows of a table that
refers to itself, as the Party organisation tree, parents first), in one transaction on the
target: a failure leaves the target as empty as it was. The audit trail is copied as it is,
hashes included (the target's chain trigger is switched off for the copy and on again in the same
transaction), so ``commdesk audit verify`` on the target checks the same chain. The search index
is rebuilt on the target in its own form (FTS5 on SQLite, trigram and token tables on
PostgreSQL); ``party_grid_stat`` (SQLite's trigger-kept counters) is not copied: a SQLite
target's triggers fill it, a server counts with grouped queries.

The proof: for every table, the number of rows and a SHA-256 over its rows in id order, each
value in one canonical text form, read back from both databases after the commit.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, inspect, select

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.models import dialect

CHUNK = 2000
#: Kept by triggers on SQLite (a server counts with grouped queries): never copied; on a SQLite
#: target the triggers fill it as the households and links are copied.
DERIVED = ("party_grid_stat",)


@dataclass(frozen=True)
class TableProof:
    table: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class CopyReport:
    tables: list[TableProof]
    residents_indexed: int

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def _all_model_tables() -> list[Table]:
    import importlib
    import pkgutil

    import commdesk.models as models
    from commdesk.models import Base

    for info in pkgutil.iter_modules(models.__path__, "commdesk.models."):
        if not info.name.endswith(".migrations"):
            importlib.import_module(info.name)
    return list(Base.metadata.sorted_tables)


def tables_to_copy(source: Connection, target: Connection) -> list[Table]:
    """The model tables both databases have, parents before children."""
    have_source = set(inspect(source).get_table_names())
    have_target = set(inspect(target).get_table_names())
    return [t for t in _all_model_tables()
            if t.name in have_source and t.name in have_target and t.name not in DERIVED]


def canonical(value: Any) -> Any:
    """One JSON-able form of a stored value, the same whichever store it was read from."""
    if isinstance(value, datetime):
        return value.isoformat(" ", "microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def _order(table: Table) -> list[Any]:
    return list(table.primary_key.columns) or list(table.columns)


def table_proof(conn: Connection, table: Table) -> TableProof:
    digest = hashlib.sha256()
    n = 0
    result = conn.execution_options(yield_per=CHUNK).execute(select(*table.columns).order_by(*_order(table)))
    for row in result:
        digest.update(json.dumps([canonical(v) for v in row], ensure_ascii=False, separators=(",", ":"))
                      .encode("utf-8"))
        digest.update(b"\n")
        n += 1
    return TableProof(table.name, n, digest.hexdigest())


def _self_parent(table: Table) -> tuple[str, str] | None:
    """(column, referenced column) of a foreign key from the table to itself."""
    for fk in table.foreign_keys:
        if fk.column.table is table:
            return fk.parent.name, fk.column.name
    return None


def _parents_first(rows: list[dict[str, Any]], col: str, ref: str) -> list[dict[str, Any]]:
    by_key = {r[ref]: r for r in rows}
    done: set[Any] = set()
    out: list[dict[str, Any]] = []

    def visit(r: dict[str, Any], depth: int = 0) -> None:
        key = r[ref]
        if key in done or depth > len(rows):
            return
        parent = by_key.get(r[col])
        if parent is not None and parent is not r:
            visit(parent, depth + 1)
        done.add(key)
        out.append(r)
    for r in rows:
        visit(r)
    return out


def _rows(conn: Connection, table: Table) -> Iterator[list[dict[str, Any]]]:
    result = conn.execution_options(yield_per=CHUNK).execute(select(*table.columns).order_by(*_order(table)))
    for part in result.mappings().partitions(CHUNK):
        yield [dict(r) for r in part]


def is_empty(conn: Connection, tables: Iterable[Table]) -> list[str]:
    """The tables that hold rows (empty list: nothing there)."""
    return [t.name for t in tables if conn.execute(select(t.c[_order(t)[0].name]).limit(1)).first() is not None]


def copy_store(source: Connection, target: Connection,
               progress: Callable[[str, int], None] | None = None) -> list[Table]:
    """Copy every model table from ``source`` into ``target`` (inside the caller's transaction on
    ``target``), then rebuild the target's derived tables. Returns the tables copied."""
    from commdesk.models.audit_chain import create_trigger
    from commdesk.models.search_index import rebuild_all

    tables = tables_to_copy(source, target)
    busy = is_empty(target, tables)
    if busy:
        raise UserError(_("目标数据库不是空的（{tables} 等表已有数据），没有做任何修改。请换一个新建的空数据库。")
                        .format(tables="、".join(busy[:3])))
    pg = dialect.is_postgresql(target)
    if pg:   # the rows come with their hashes: the chain trigger would recompute (and renumber) them
        target.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_chain")
    else:
        target.exec_driver_sql("DROP TRIGGER IF EXISTS audit_chain")
    for table in tables:
        parent = _self_parent(table)
        pending: list[dict[str, Any]] = []
        for chunk in _rows(source, table):
            if parent is not None:
                pending += chunk     # a tree: all rows, then parents first
                continue
            target.execute(table.insert(), chunk)
            if progress is not None:
                progress(table.name, len(chunk))
        if pending:
            ordered = _parents_first(pending, *parent)
            for i in range(0, len(ordered), CHUNK):
                target.execute(table.insert(), ordered[i:i + CHUNK])
            if progress is not None:
                progress(table.name, len(pending))
    if pg:
        target.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER audit_chain")
        dialect.advance_sequences(target, [t.name for t in tables])
    else:
        create_trigger(target)
    rebuild_all(target)
    return tables


def prove(source: Connection, target: Connection, tables: Iterable[Table]) -> list[TableProof]:
    """Counts and content hashes per table, compared; a difference is an error naming the table."""
    out = []
    for table in tables:
        a, b = table_proof(source, table), table_proof(target, table)
        if a != b:
            raise UserError(_("复制后核对不一致：表 {table}（源 {a} 行，目标 {b} 行），目标数据库没有改动。")
                            .format(table=table.name, a=a.rows, b=b.rows))
        out.append(a)
    return out
