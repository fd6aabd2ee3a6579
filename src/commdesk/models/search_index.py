"""The resident search index, kept in step with every write in the same transaction.

Two tables keyed by ``resident.id`` in their ``rowid`` column (created by migration 0001):
- ``resident_fts_tri``: name, ID number, phone, household number and address in one ``body``,
  for substring queries of 3+ characters. SQLite: an FTS5 trigram table. PostgreSQL: a plain
  table with a ``pg_trgm`` GIN index, searched with ``ILIKE``;
- ``resident_fts_char``: the name, for 1-2 character Chinese queries, which trigrams cannot
  answer. SQLite: an FTS5 table with one token per character (``body`` = the characters
  separated by spaces, searched as a phrase). PostgreSQL: the project's own token table, one
  row per distinct 1- and 2-character piece of the name (``body`` = the piece), primary key
  (body, rowid), searched with ``=``.
Pinyin keys live in indexed columns ``resident.py_initials`` / ``resident.py_full``.

ORM writes are covered by session events below; bulk writers (import, demo) call
``reindex_residents`` themselves inside their transaction.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.orm import Session

from commdesk.models import dialect
from commdesk.models.household import Household, Resident, format_address

CHUNK = 900

#: PostgreSQL's search tables (SQLite's are the FTS5 tables of migration 0001).
PG_SCHEMA = (
    "CREATE TABLE resident_fts_tri (rowid integer PRIMARY KEY, body text NOT NULL)",
    "CREATE TABLE resident_fts_char (body varchar(8) NOT NULL, rowid integer NOT NULL,"
    " PRIMARY KEY (body, rowid))",
    "CREATE INDEX ix_resident_fts_char_rowid ON resident_fts_char (rowid)",
)
PG_TRGM_INDEX = "CREATE INDEX ix_resident_fts_tri_trgm ON resident_fts_tri USING gin (body gin_trgm_ops)"


def create_pg_schema(conn: Connection) -> bool:
    """The search tables on PostgreSQL; the trigram index when ``pg_trgm`` is there or can be
    created. Returns False when it cannot (search still works, by a scan: ``commdesk check``
    says how to add the extension)."""
    for sql in PG_SCHEMA:
        conn.exec_driver_sql(sql)
    savepoint = conn.begin_nested()
    try:
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        conn.exec_driver_sql(PG_TRGM_INDEX)
    except Exception:  # noqa: BLE001 - not installed on the server, or no right to create it
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def has_trigram_index(conn: Connection) -> bool:
    if not dialect.is_postgresql(conn):
        return True
    return conn.exec_driver_sql(
        "SELECT 1 FROM pg_indexes WHERE indexname = 'ix_resident_fts_tri_trgm'").first() is not None


def name_tokens(name: str) -> list[str]:
    """PostgreSQL token rows of a name: each letter or digit, lower-cased, and each pair of
    neighbours (whitespace and punctuation dropped, as FTS5's unicode61 tokenizer drops them)."""
    chars = [c for c in (name or "").lower() if c.isalnum()]
    out = dict.fromkeys(chars)
    out.update(dict.fromkeys(a + b for a, b in zip(chars, chars[1:])))
    return list(out)


def char_rows(bind: object, rid: int, name: str) -> list[tuple[int, str]]:
    """The ``resident_fts_char`` rows (rowid, body) of one resident on this store."""
    if dialect.is_postgresql(bind):
        return [(rid, tok) for tok in name_tokens(name)]
    return [(rid, char_body(name))]


INSERT_TRI = "INSERT INTO resident_fts_tri(rowid, body) VALUES (?, ?)"
INSERT_CHAR = "INSERT INTO resident_fts_char(rowid, body) VALUES (?, ?)"


def char_body(name: str) -> str:
    """The name's characters, whitespace dropped, one token each (``str.split`` splits on exactly
    the characters ``str.isspace`` calls whitespace)."""
    return " ".join("".join((name or "").split()))


def tri_body(name: str, id_number: str | None, phone: str, household_no: str, address: str) -> str:
    return " | ".join(filter(None, (name, id_number or "", phone, household_no, address)))


#: ``tri_body(r.name, r.id_number, r.phone, h.household_no, format_address(h.estate, h.building, h.unit,
#: h.room, h.address))`` computed by SQLite for a resident ``r`` joined with its household ``h``:
#: the parts that are not empty, each after " | ", then the first " | " cut off.
_TRI_BODY_TEMPLATE = """substr(
    CASE WHEN r.name != '' THEN ' | ' || r.name ELSE '' END
 || CASE WHEN coalesce(r.id_number, '') != '' THEN ' | ' || r.id_number ELSE '' END
 || CASE WHEN r.phone != '' THEN ' | ' || r.phone ELSE '' END
 || CASE WHEN h.household_no != '' THEN ' | ' || h.household_no ELSE '' END
 || CASE WHEN h.address != '' THEN ' | ' || h.address
         WHEN h.estate != '' OR h.building != '' OR h.unit != '' OR h.room != '' THEN ' | ' || h.estate
              || CASE WHEN h.building = '' THEN ''
                      WHEN {building_1} IN ('栋', '楼', '幢', '座') THEN h.building
                      ELSE h.building || '栋' END
              || CASE WHEN h.unit = '' THEN '' WHEN {unit_2} = '单元' THEN h.unit
                      ELSE h.unit || '单元' END
              || CASE WHEN h.room = '' THEN '' WHEN {room_1} IN ('室', '号', '户') THEN h.room
                      ELSE h.room || '室' END
         ELSE '' END, 4)"""


def tri_body_sql(dialect_name: str = "sqlite") -> str:
    """``TRI_BODY_SQL`` in this dialect (only "the last n characters" is spelled differently)."""
    if dialect_name == dialect.POSTGRESQL:
        last = {"building_1": "right(h.building, 1)", "unit_2": "right(h.unit, 2)", "room_1": "right(h.room, 1)"}
    else:
        last = {"building_1": "substr(h.building, -1)", "unit_2": "substr(h.unit, -2)",
                "room_1": "substr(h.room, -1)"}
    return _TRI_BODY_TEMPLATE.format(**last)


TRI_BODY_SQL = tri_body_sql("sqlite")


def fill_tri_range_sql(dialect_name: str = "sqlite") -> str:
    """The trigram rows of the residents with ids in a range (parameters: first, last, ``?``
    marks), in one statement: bulk loaders run it while they prepare the next rows (SQLite does
    not hold the GIL)."""
    return ("INSERT INTO resident_fts_tri(rowid, body) SELECT r.id, " + tri_body_sql(dialect_name)
            + " FROM resident r JOIN household h ON h.id = r.household_id WHERE r.id BETWEEN ? AND ?")


FILL_TRI_RANGE_SQL = fill_tri_range_sql("sqlite")


def pinyin_keys(name: str) -> tuple[str, str]:
    from commdesk.search.pinyin import name_keys

    return name_keys(name or "")


_SELECT = (
    "SELECT r.id, r.name, r.id_number, r.phone, h.household_no, h.estate, h.building, h.unit, h.room,"
    " h.address FROM resident r JOIN household h ON h.id = r.household_id WHERE r.id IN ({ids})"
)


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def reindex_residents(conn: Connection, resident_ids: Iterable[int]) -> int:
    """(Re)write the FTS rows of these residents from the current table contents."""
    ids = sorted(set(resident_ids))
    done = 0
    for chunk in _chunks(ids):
        marks = ",".join(str(int(i)) for i in chunk)
        rows = conn.execute(text(_SELECT.format(ids=marks))).all()
        conn.execute(text(f"DELETE FROM resident_fts_tri WHERE rowid IN ({marks})"))
        conn.execute(text(f"DELETE FROM resident_fts_char WHERE rowid IN ({marks})"))
        if not rows:
            continue
        tri = []
        chars = []
        for rid, name, idn, phone, hno, estate, building, unit, room, address in rows:
            addr = format_address(estate, building, unit, room, address)
            tri.append({"id": rid, "body": tri_body(name, idn, phone, hno, addr)})
            chars += [{"id": i, "body": b} for i, b in char_rows(conn, rid, name)]
        conn.execute(text("INSERT INTO resident_fts_tri(rowid, body) VALUES (:id, :body)"), tri)
        if chars:
            conn.execute(text("INSERT INTO resident_fts_char(rowid, body) VALUES (:id, :body)"), chars)
        done += len(rows)
    return done


def delete_residents(conn: Connection, resident_ids: Iterable[int]) -> None:
    """Remove deleted residents from both FTS tables (bulk deleters call this too)."""
    ids = sorted(set(resident_ids))
    for chunk in _chunks(ids):
        marks = ",".join(str(int(i)) for i in chunk)
        conn.execute(text(f"DELETE FROM resident_fts_tri WHERE rowid IN ({marks})"))
        conn.execute(text(f"DELETE FROM resident_fts_char WHERE rowid IN ({marks})"))


def reindex_households(conn: Connection, household_ids: Iterable[int]) -> int:
    hids = sorted(set(household_ids))
    rids: list[int] = []
    for chunk in _chunks(hids):
        marks = ",".join(str(int(i)) for i in chunk)
        rids += [r[0] for r in conn.execute(text(f"SELECT id FROM resident WHERE household_id IN ({marks})"))]
    return reindex_residents(conn, rids)


def rebuild_all(conn: Connection) -> int:
    """Recompute pinyin keys and both FTS tables for every resident (repair tool): one pass
    over the residents, bodies built here, tables refilled with executemany."""
    rows = conn.execute(text(
        "SELECT r.id, r.name, r.id_number, r.phone, h.household_no, h.estate, h.building, h.unit, h.room,"
        " h.address FROM resident r JOIN household h ON h.id = r.household_id")).all()
    keys, tri, chars = [], [], []
    for rid, name, idn, phone, hno, estate, building, unit, room, address in rows:
        ini, full = pinyin_keys(name)
        keys.append((ini, full, rid))
        tri.append((rid, tri_body(name, idn, phone, hno, format_address(estate, building, unit, room, address))))
        chars += char_rows(conn, rid, name)
    conn.exec_driver_sql("DELETE FROM resident_fts_tri")
    conn.exec_driver_sql("DELETE FROM resident_fts_char")
    if rows:
        dialect.run_many(conn, "UPDATE resident SET py_initials = ?, py_full = ? WHERE id = ?", keys)
        dialect.run_many(conn, INSERT_TRI, tri)
        dialect.run_many(conn, INSERT_CHAR, chars)
    return len(rows)


# --- ORM hooks -------------------------------------------------------------------------------

_ADDRESS_FIELDS = ("household_no", "estate", "building", "unit", "room", "address")
_RESIDENT_FIELDS = ("name", "id_number", "phone", "household_id")


@event.listens_for(Session, "before_flush")
def _set_pinyin(session: Session, flush_context: object, instances: object) -> None:
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Resident):
            if obj in session.new or inspect(obj).attrs.name.history.has_changes():
                obj.py_initials, obj.py_full = pinyin_keys(obj.name)


@event.listens_for(Session, "after_flush")
def _sync_index(session: Session, flush_context: object) -> None:
    rids: set[int] = set()
    hids: set[int] = set()
    for obj in session.new:
        if isinstance(obj, Resident):
            rids.add(obj.id)
    for obj in session.dirty:
        if isinstance(obj, Resident):
            state = inspect(obj)
            if any(state.attrs[f].history.has_changes() for f in _RESIDENT_FIELDS):
                rids.add(obj.id)
        elif isinstance(obj, Household):
            state = inspect(obj)
            if any(state.attrs[f].history.has_changes() for f in _ADDRESS_FIELDS):
                hids.add(obj.id)
    gone = [obj.id for obj in session.deleted if isinstance(obj, Resident) and obj.id is not None]
    if rids:
        reindex_residents(session.connection(), rids)
    if hids:
        reindex_households(session.connection(), hids)
    if gone:
        delete_residents(session.connection(), gone)
