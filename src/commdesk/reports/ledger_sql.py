"""SQL helpers shared by the built-in ledgers and the monthly report (Core text, light tuples)."""
from __future__ import annotations

import keyword
from collections import namedtuple
from collections.abc import Callable, Iterator
from functools import lru_cache, partial
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from commdesk.models.household import RESIDENT_TAGS, format_address, split_tags
from commdesk.reports.ledger import Params

CHUNK = 2000


@lru_cache(maxsize=64)
def _plain_row(keys: tuple[str, ...]) -> Callable[[Any], Any] | None:
    """A maker of named tuples with these fields (None when a name cannot be a field)."""
    if len(set(keys)) != len(keys) or not all(k.isidentifier() and not keyword.iskeyword(k) and not k.startswith("_")
                                              for k in keys):
        return None
    return partial(tuple.__new__, namedtuple("LedgerRow", keys))


def stream(session: Session, sql: str, binds: dict[str, Any]) -> Iterator[Any]:
    """Rows of a query, fetched in chunks (never the whole result in memory).

    Rows come as named tuples (``row.name``, ``row[0]``): the column getters read ~15 fields a
    row, and a named tuple's field costs ~30 ns where a SQLAlchemy ``Row`` attribute costs ~0.5 µs.
    """
    result = session.execute(text(sql), binds, execution_options={"yield_per": CHUNK})
    try:
        make = _plain_row(tuple(result.keys()))
        if make is None:
            yield from result
        else:
            for chunk in result.partitions(CHUNK):
                yield from map(make, chunk)
    finally:
        result.close()


def grid_choices(session: Session) -> list[tuple[str, str]]:
    rows = session.execute(text("SELECT name FROM grid WHERE archived_at IS NULL ORDER BY code, id")).all()
    return [(r[0], r[0]) for r in rows]


def grid_condition(params: Params, binds: dict[str, Any], alias: str = "h") -> str:
    """``AND …`` for the ``grid`` filter (a grid name, or its id)."""
    grid = params.filter("grid")
    if grid is None:
        return ""
    if isinstance(grid, int) or (isinstance(grid, str) and grid.isdigit()):
        binds["grid_id"] = int(grid)
        return f" AND {alias}.grid_id = :grid_id"
    binds["grid_name"] = str(grid)
    return f" AND {alias}.grid_id IN (SELECT id FROM grid WHERE name = :grid_name)"


def address_of(row: Any) -> str:
    return format_address(row.estate or "", row.building or "", row.unit or "", row.room or "", row.address or "")


def tag_order(session: Session, column: str = "tags", table: str = "resident") -> list[str]:
    """Tags in use: the known ones in their canonical order, then any others by name."""
    seen: set[str] = set()
    for (tags,) in session.execute(text(f"SELECT DISTINCT {column} FROM {table} "
                                        f"WHERE {column} != '' AND archived_at IS NULL")):
        seen.update(split_tags(tags))
    known = [t for t in RESIDENT_TAGS if t in seen]
    return known + sorted(seen - set(RESIDENT_TAGS))


def tag_choices(session: Session) -> list[tuple[str, str]]:
    return [(t, t) for t in tag_order(session)]
