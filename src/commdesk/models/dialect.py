"""The one seam between the two stores commdesk runs on: SQLite (the embedded default, one PC) and
PostgreSQL (an office server, several PCs; driver psycopg 3).

Everything that differs between them is decided here, from the connection's dialect name:
- URLs: ``postgresql://`` and ``postgresql+psycopg://`` (and ``postgres://``) all mean psycopg 3;
- ``insert_ignore``: ``INSERT OR IGNORE`` → SQLAlchemy Core ``on_conflict_do_nothing`` per dialect;
- ``?`` marks: statements run with ``exec_driver_sql`` (the measured bulk paths, ``run_many``)
  are written once in SQLite's style; a PostgreSQL engine hands them to psycopg as ``%s``;
- ``right``: the last characters of a string (SQLite ``substr(x, -n)``, PostgreSQL ``right(x, n)``);
- the search index's tables (see ``models.search_index``): FTS5 on SQLite, plain tables with a
  ``pg_trgm`` index and a token table on PostgreSQL;
- several writers at once (``serialise_imports``, ``reserve_ids``): SQLite has one writer at a
  time already; on a server two imports take turns (an advisory lock) and an import's explicit
  ids are reserved in the table's sequence, so another PC's insert never takes one of them.

Nothing here imports a dialect module at start-up: the PostgreSQL one is loaded on first use.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.engine import URL, make_url

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
_PG_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2", "pgsql")


def normalise_url(text: str) -> str:
    """``postgresql://…`` / ``postgres://…`` / ``postgresql+psycopg2://…`` → ``postgresql+psycopg://…``
    (psycopg 3 is the one PostgreSQL driver commdesk ships); other URLs unchanged."""
    scheme, sep, rest = text.partition("://")
    if sep and scheme.lower() in _PG_SCHEMES:
        return "postgresql+psycopg://" + rest
    return text


def is_server_url(text: str) -> bool:
    scheme = str(text).partition("://")[0].lower()
    return scheme in _PG_SCHEMES


def url_for_display(url: str | URL) -> str:
    """The URL without its password (for messages and logs)."""
    try:
        return make_url(str(url)).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL: show nothing of it
        return "?"


def name(bind: Any) -> str:
    """``sqlite`` or ``postgresql`` for a Connection, Engine or Session."""
    if hasattr(bind, "get_bind"):
        bind = bind.get_bind()
    return bind.dialect.name


def is_sqlite(bind: Any) -> bool:
    return name(bind) == SQLITE


def is_postgresql(bind: Any) -> bool:
    return name(bind) == POSTGRESQL


def insert(bind: Any, table: Table) -> Any:
    """The dialect's own ``insert()`` construct (it has ``on_conflict_do_nothing``/``_do_update``)."""
    if is_postgresql(bind):
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def insert_ignore(bind: Any, table: Table, *, index_elements: Sequence[str] | None = None) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` (SQLite spells it ``INSERT OR IGNORE`` too)."""
    return insert(bind, table).on_conflict_do_nothing(index_elements=index_elements)


#: A string literal, a quoted name, or one character that may need translating.
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\$\$.*?\$\$|[?%]", re.S)


def qmark_to_format(sql: str) -> str:
    """A statement with ``?`` marks (SQLite's style) in psycopg's ``%s`` style: ``?`` → ``%s`` and
    ``%`` → ``%%`` outside string literals, quoted names and ``$$`` bodies (a literal's ``%``
    doubled too: psycopg reads the whole text)."""
    def repl(m: re.Match[str]) -> str:
        tok = m.group(0)
        if tok == "?":
            return "%s"
        return tok.replace("%", "%%")
    return _TOKENS.sub(repl, sql)


_INSERT_INTO = re.compile(r"^\s*INSERT\s+(?:OR\s+\w+\s+)?INTO\s+\"?(\w+)\"?", re.I)


def install_postgresql(engine: Any) -> None:
    """What a PostgreSQL engine of commdesk needs on top of SQLAlchemy:

    - statements run with ``exec_driver_sql`` (the bulk paths, written once with ``?`` marks) are
      given to psycopg in its own style (``qmark_to_format``);
    - rows inserted with explicit ids by those bulk paths (import, demo, migrate-db) do not move
      a table's id sequence; before the transaction commits, the sequence of every table they
      wrote is moved past its highest id, so the next ORM insert does not collide.
    """
    from sqlalchemy import event

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _translate(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                   executemany: bool) -> tuple[str, Any]:
        compiled = getattr(context, "compiled", None)
        raw = compiled is None
        if raw:
            statement = qmark_to_format(statement)
        if raw or type(getattr(compiled, "statement", None)).__name__ == "TextClause":
            m = _INSERT_INTO.match(statement)
            if m:
                conn.info.setdefault("commdesk_inserted", set()).add(m.group(1).lower())
        return statement, parameters

    @event.listens_for(engine, "commit")
    def _advance_sequences(conn: Any) -> None:
        tables = conn.info.pop("commdesk_inserted", None)
        if tables:
            advance_sequences(conn, sorted(tables))

    @event.listens_for(engine, "rollback")
    def _forget(conn: Any) -> None:
        conn.info.pop("commdesk_inserted", None)


def advance_sequences(conn: Any, tables: Iterable[str]) -> None:
    """Move each table's ``id`` sequence (if it has one) past the table's highest id (statements
    in ``?`` style: they pass through ``install_postgresql``'s translation)."""
    for table in tables:
        seq = conn.exec_driver_sql(
            "SELECT pg_get_serial_sequence(?, 'id') WHERE EXISTS (SELECT 1 FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ? AND column_name = 'id')",
            (table, table)).scalar()
        if seq:
            conn.exec_driver_sql(
                f'SELECT setval(?, greatest((SELECT coalesce(max(id), 0) FROM "{table}"), '
                f"(SELECT last_value FROM {seq}), 1))", (seq,))


#: ``pg_advisory_xact_lock`` key of the import's write (any constant; "cdimport" in ASCII)
IMPORT_LOCK_KEY = 0x6364696D706F7274


def serialise_imports(conn: Connection) -> None:
    """Make this transaction the only import writing until it ends (commit or rollback). On a
    server a second import waits here, then matches its rows against the first's committed ones
    instead of taking the same new ids; browsing and ordinary edits are not blocked. SQLite: its
    write lock already does it."""
    if is_postgresql(conn):
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(?)", (IMPORT_LOCK_KEY,))


def reserve_ids(conn: Connection, table: str, count: int) -> int:
    """The first of ``count`` consecutive new ids of ``table`` for a bulk insert with explicit ids.
    SQLite: the highest id + 1 (the writer holds the write lock). PostgreSQL: the block is taken
    from the table's sequence at once (``setval`` is not undone by a rollback, so no one else's
    ``nextval`` hands out an id inside it while the import runs; a rolled-back import leaves a
    gap). Call it after ``serialise_imports``: two reservations never interleave."""
    if not is_postgresql(conn):
        return int(conn.exec_driver_sql(f'SELECT coalesce(max(id), 0) + 1 FROM "{table}"').scalar_one())
    seq = conn.exec_driver_sql("SELECT pg_get_serial_sequence(?, 'id')", (table,)).scalar()
    top = int(conn.exec_driver_sql(f'SELECT coalesce(max(id), 0) FROM "{table}"').scalar_one())
    if not seq or count <= 0:
        return top + 1
    # one statement: the sequence's position read and moved past the block together
    last = conn.exec_driver_sql(
        f"SELECT setval(?, greatest(?, (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END"
        f" FROM {seq})) + ?)", (seq, top, int(count))).scalar_one()
    return int(last) - int(count) + 1


def run_many(conn: Connection, sql: str, rows: Iterable[Sequence[Any]] | Sequence[Any]) -> None:
    """Raw executemany for bulk paths (measured: several times faster than ORM/Core per row on
    SQLite; psycopg 3 pipelines it). ``sql`` uses ``?`` marks on both stores: a PostgreSQL
    engine translates them (``install_postgresql``)."""
    conn.exec_driver_sql(sql, rows)  # type: ignore[arg-type]


def right(bind: Any, expr: str, n: int) -> str:
    """SQL for the last ``n`` characters of ``expr``."""
    if is_postgresql(bind):
        return f"right({expr}, {int(n)})"
    return f"substr({expr}, -{int(n)})"


def group_concat(bind: Any, expr: str, sep: str = ",") -> str:
    quoted = "'" + sep.replace("'", "''") + "'"
    if is_postgresql(bind):
        return f"string_agg(({expr})::text, {quoted})"
    return f"group_concat({expr}, {quoted})"


def like_escape(term: str) -> str:
    """``term`` as a LIKE pattern matching itself anywhere (escape character backslash)."""
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def secondary_indexes(conn: Connection, tables: Sequence[str]) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes on these tables that back no constraint (primary
    keys and UNIQUE stay): what a bulk load may drop and rebuild."""
    if not tables:
        return []
    marks = ", ".join("?" for _t in tables)
    if is_postgresql(conn):
        rows = conn.exec_driver_sql(
            f"SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = current_schema()"
            f" AND tablename IN ({marks}) AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
            " WHERE c.conname = i.indexname)", tuple(tables)).all()
    else:
        rows = conn.exec_driver_sql(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({marks})"
            " AND sql IS NOT NULL", tuple(tables)).all()
    return [(r[0], r[1]) for r in rows]


def cache_size(conn: Connection) -> int | None:
    """SQLite's page cache setting of this connection (None elsewhere: the server manages it)."""
    if not is_sqlite(conn):
        return None
    return int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())


def set_cache_size(conn: Connection, value: int | None) -> None:
    if value is not None and is_sqlite(conn):
        conn.exec_driver_sql(f"PRAGMA cache_size={int(value)}")


#: SQLite's scalar functions that the reports' hand-written SQL uses, defined on PostgreSQL with
#: SQLite's meaning over the values as SQLite stores them (dates as 'YYYY-MM-DD' text, stamps as
#: 'YYYY-MM-DD HH:MM:SS.ffffff'): ``substr`` of a date or stamp, ``instr``, ``group_concat``,
#: ``strftime`` (the %Y %m %d %H %M %S codes), ``sum`` of a condition. Created by migration 0001 on a new server
#: database (and by ``create_compat_functions`` for an older one), in its own schema.
PG_COMPAT_SQL = (
    "CREATE OR REPLACE FUNCTION substr(d date, start integer, n integer) RETURNS text"
    " LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT substr(to_char(d, 'YYYY-MM-DD'), start, n) $$",
    "CREATE OR REPLACE FUNCTION substr(d date, start integer) RETURNS text"
    " LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT substr(to_char(d, 'YYYY-MM-DD'), start) $$",
    "CREATE OR REPLACE FUNCTION substr(t timestamp, start integer, n integer) RETURNS text"
    " LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT substr(to_char(t, 'YYYY-MM-DD HH24:MI:SS.US'), start, n) $$",
    "CREATE OR REPLACE FUNCTION substr(t timestamp, start integer) RETURNS text"
    " LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT substr(to_char(t, 'YYYY-MM-DD HH24:MI:SS.US'), start) $$",
    "CREATE OR REPLACE FUNCTION instr(s text, part text) RETURNS integer"
    " LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT strpos(s, part) $$",
    "CREATE OR REPLACE FUNCTION strftime(fmt text, t timestamp) RETURNS text"
    " LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT to_char(t, replace(replace(replace(replace(replace("
    "replace(fmt, '%Y', 'YYYY'), '%m', 'MM'), '%d', 'DD'), '%H', 'HH24'), '%M', 'MI'), '%S', 'SS')) $$",
    "CREATE OR REPLACE FUNCTION strftime(fmt text, d date) RETURNS text"
    " LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT strftime(fmt, d::timestamp) $$",
    "CREATE OR REPLACE FUNCTION commdesk_concat_step(acc text, val text, sep text) RETURNS text"
    " LANGUAGE sql IMMUTABLE PARALLEL SAFE AS"
    " $$ SELECT CASE WHEN val IS NULL THEN acc WHEN acc IS NULL THEN val ELSE acc || sep || val END $$",
    "CREATE OR REPLACE FUNCTION commdesk_concat_step(acc text, val text) RETURNS text"
    " LANGUAGE sql IMMUTABLE PARALLEL SAFE AS"
    " $$ SELECT CASE WHEN val IS NULL THEN acc WHEN acc IS NULL THEN val ELSE acc || ',' || val END $$",
    "CREATE OR REPLACE AGGREGATE group_concat(text, text) (SFUNC = commdesk_concat_step, STYPE = text)",
    "CREATE OR REPLACE AGGREGATE group_concat(text) (SFUNC = commdesk_concat_step, STYPE = text)",
    # SQLite counts with sum(condition): true is 1
    "CREATE OR REPLACE FUNCTION commdesk_bool_sum_step(acc bigint, val boolean) RETURNS bigint"
    " LANGUAGE sql IMMUTABLE PARALLEL SAFE AS"
    " $$ SELECT CASE WHEN val IS NULL THEN acc ELSE coalesce(acc, 0) + val::integer END $$",
    "CREATE OR REPLACE AGGREGATE sum(boolean) (SFUNC = commdesk_bool_sum_step, STYPE = bigint)",
)


def create_compat_functions(conn: Connection) -> None:
    if is_postgresql(conn):
        for sql in PG_COMPAT_SQL:
            conn.exec_driver_sql(sql)


def json_ints(bind: Any, param: str) -> str:
    """A subquery of the integers in the JSON array bound as ``:param`` (any number of ids in one
    parameter, without SQLite's limit on bound variables)."""
    if is_postgresql(bind):
        return f"SELECT CAST(value AS integer) FROM json_array_elements_text(CAST(:{param} AS json)) AS ids(value)"
    return f"SELECT value FROM json_each(:{param})"
