"""Writing an import whose households and residents are all new (nothing in the database matched).

Per chunk of about 2,000 residents (whole households, in the order they first appear in the
file): the households, the residents and their one-character search rows are inserted with
``executemany``, then the trigram search rows of the chunk are filled by one ``INSERT … SELECT``
in a thread (SQLite runs it without the GIL) while the next chunk is prepared. What is the same
for every row (stamps, user, defaults) is written into the statement, not bound row by row, and
the households' coverage counters are bumped once per grid at the end instead of by a trigger
per row (``services.coverage.household_counters_deferred``).

Ids are consecutive (the batch records them as ranges): households in file order, residents
household by household.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from sqlalchemy import Connection

from commdesk.importers.records import Extraction, Household, Resident
from commdesk.models.bulk import bulk_load

CHUNK = 2000
#: Household and resident columns a row of an import gives; ``constant_columns`` gives the rest.
HOUSEHOLD_COLUMNS = ("id", "uuid", "grid_id", "household_no", "estate", "building", "unit", "room", "address",
                     "housing")
RESIDENT_COLUMNS = ("id", "uuid", "household_id", "name", "former_name", "gender", "ethnicity", "birth_date",
                    "id_number", "relation", "rel_order", "political_status", "education", "work_unit", "phone",
                    "hukou_type", "tags", "notes", "review", "py_initials", "py_full")


def constant_columns(table: str, stamp: str, user: str) -> dict[str, Any]:
    """The columns every new row of an import has in common."""
    common = {"created_at": stamp, "updated_at": stamp, "updated_by": user, "archived_at": None, "status": "在住"}
    if table == "household":
        return {**common, "tags": "", "notes": ""}
    return {**common, "move_in_date": None, "move_out_date": None, "death_date": None}


class RowSource(Protocol):
    """What ``NewRows`` needs of the import's writer (``writer.Writer``)."""

    conn: Connection
    inserted: dict[str, list[int]]

    def check_cancel(self) -> None: ...
    def community_id(self) -> int: ...
    def grid_ids(self, names: list[str]) -> dict[str, int]: ...
    def insert_statement(self, table: str) -> str: ...
    def household_row(self, hid: int, fh: Household, gid: int | None) -> tuple[Any, ...]: ...
    def name_keys(self, name: str) -> tuple[str, str, str]: ...
    def resident_row(self, rid: int, hid: int, res: Resident, keys: tuple[str, str, str]) -> tuple[Any, ...]: ...


class StatementThread:
    """One SQL statement at a time run on the import's connection in a thread. For statements
    that are one long SQLite step (``INSERT … SELECT``): the GIL is released for the whole step,
    so the caller prepares the next rows meanwhile. The caller does not touch the connection
    until ``wait`` returns; ``wait`` re-raises the statement's error."""

    def __init__(self, conn: Connection) -> None:
        self.dbapi = conn.connection.driver_connection
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def start(self, sql: str, params: tuple[Any, ...]) -> None:
        self.wait()
        self.thread = threading.Thread(target=self._run, args=(sql, params), name="import-index", daemon=True)
        self.thread.start()

    def _run(self, sql: str, params: tuple[Any, ...]) -> None:
        try:
            cursor = self.dbapi.cursor()
            try:
                cursor.execute(sql, params)
            finally:
                cursor.close()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by wait()
            self.error = exc

    def wait(self, quietly: bool = False) -> None:
        """Until the statement is done; its error is raised (dropped when ``quietly``: the caller
        is already handling another)."""
        if self.thread is not None:
            self.thread.join()
            self.thread = None
        if self.error is not None:
            error, self.error = self.error, None
            if not quietly:
                raise error


class NewRows:
    """The rows of one import written chunk by chunk (see the module docstring)."""

    def __init__(self, writer: RowSource, progress: Callable[[int, int], None] | None = None, *,
                 households: int = 0, residents: int = 0) -> None:
        """``households``/``residents``: how many rows the import writes at most (their ids are
        reserved: ``dialect.reserve_ids``; the caller holds ``dialect.serialise_imports``)."""
        from commdesk.models.dialect import reserve_ids

        self.writer = writer
        self.conn = writer.conn
        self.progress = progress
        self.first_hid = self.next_hid = reserve_ids(self.conn, "household", households)
        self.first_rid = self.next_rid = reserve_ids(self.conn, "resident", residents)
        self.grids: dict[str, int] = {}
        self.background = StatementThread(self.conn)
        self.household_sql = writer.insert_statement("household")
        self.resident_sql = writer.insert_statement("resident")
        self.seconds = {"prepare": 0.0, "insert": 0.0, "search_index": 0.0, "write": 0.0, "finish": 0.0}

    def write(self, result: Extraction) -> None:
        """Write the extraction's households and residents, whole households per chunk."""
        started = time.perf_counter()
        count, done = len(result.residents), 0
        chunk: list[Household] = []
        size = 0
        for fh in result.households:
            chunk.append(fh)
            size += len(fh.members)
            if size >= CHUNK:
                self._write(chunk)
                done += size
                chunk, size = [], 0
                if self.progress is not None:
                    self.progress(done, count)
        if chunk:
            self._write(chunk)
        self.seconds["write"] += time.perf_counter() - started

    def _write(self, chunk: list[Household]) -> None:
        from commdesk.models.search_index import FILL_TRI_RANGE_SQL

        writer = self.writer
        writer.check_cancel()
        started = time.perf_counter()
        grids = self.grids
        missing = list(dict.fromkeys(g for fh in chunk if (g := fh.grid) and g not in grids))
        if missing or self.next_hid == self.first_hid:
            # the connection is the background statement's until it is done (it would also
            # change the last insert rowid the new community and grid ids are read from)
            self.background.wait()
            if not writer.inserted["community"]:
                writer.community_id()
            grids.update(writer.grid_ids(missing))
        household_rows: list[tuple[Any, ...]] = []
        resident_rows: list[tuple[Any, ...]] = []
        char_rows: list[tuple[int, str]] = []
        household_row, resident_row, name_keys = writer.household_row, writer.resident_row, writer.name_keys
        first = rid = self.next_rid
        hid = self.next_hid
        for fh in chunk:
            household_rows.append(household_row(hid, fh, grids[fh.grid] if fh.grid else None))
            for res in fh.members:
                keys = name_keys(res.name)
                resident_rows.append(resident_row(rid, hid, res, keys))
                char_rows.append((rid, keys[2]))
                rid += 1
            hid += 1
        self.next_hid, self.next_rid = hid, rid
        seconds = self.seconds
        now = time.perf_counter()
        seconds["prepare"] += now - started
        self.background.wait()
        started, now = now, time.perf_counter()
        seconds["search_index"] += now - started
        run = self.conn.exec_driver_sql
        for table in ("resident_fts_tri", "resident_fts_char"):   # stale index rows of these ids
            run(f"DELETE FROM {table} WHERE rowid BETWEEN ? AND ?", (first, rid - 1))
        run(self.household_sql, household_rows)
        run(self.resident_sql, resident_rows)
        run("INSERT INTO resident_fts_char(rowid, body) VALUES (?, ?)", char_rows)
        self.background.start(FILL_TRI_RANGE_SQL, (first, rid - 1))
        seconds["insert"] += time.perf_counter() - now

    def finish(self) -> None:
        """The trigram fill of the last chunk; the new ids recorded for the batch."""
        started = time.perf_counter()
        self.background.wait()
        self.seconds["search_index"] += time.perf_counter() - started
        self.writer.inserted["household"].extend(range(self.first_hid, self.next_hid))
        self.writer.inserted["resident"].extend(range(self.first_rid, self.next_rid))
        self.seconds["finish"] += time.perf_counter() - started

    @property
    def households_created(self) -> int:
        return self.next_hid - self.first_hid

    @property
    def residents_created(self) -> int:
        return self.next_rid - self.first_rid


@contextmanager
def new_rows(writer: RowSource, estimate: int, progress: Callable[[int, int], None] | None = None,
             households: int | None = None) -> Iterator[NewRows]:
    """``NewRows`` inside a bulk load of ``estimate`` rows (indexes dropped and rebuilt when the
    load is at least as big as the tables), with ids reserved for ``estimate`` residents and
    ``households`` households (default ``estimate``). On leaving normally the rows are finished;
    on an error the background statement is waited for (the caller rolls back)."""
    from commdesk.services.coverage import household_counters_deferred

    with bulk_load(writer.conn, ("household", "resident"), estimate):
        rows = NewRows(writer, progress, households=estimate if households is None else households,
                       residents=estimate)
        with household_counters_deferred(writer.conn, rows.first_hid):
            try:
                yield rows
                rows.finish()
            except BaseException:
                rows.background.wait(quietly=True)   # the connection is idle before the rollback
                raise
