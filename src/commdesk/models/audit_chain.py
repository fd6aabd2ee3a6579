"""The audit trail as a hash chain, so that an entry altered, deleted or inserted behind the
application's back (with any SQLite tool) is found.

Each ``audit_log`` row stores ``prev_hash`` (the ``hash`` of the entry before it, by id; "" for
the first) and ``hash`` = SHA-256 of ``prev_hash`` and the entry's own columns as stored
(:func:`entry_hash`). A trigger fills both in the same statement as the insert, whoever inserts
(the ORM hook, the importer, the demo), using the ``commdesk_audit_hash`` SQL function every
connection of the application registers (:func:`install`); a plain SQLite tool lacks the
function, so an insert from it fails unless the trigger is dropped first — and then the row has
no valid hash. :func:`verify_chain` walks the entries in id order and names the first one that
does not fit.

What a chain cannot show on its own: entries cut off the end of the trail. The check reports the
number of entries and the last one, to compare with a printed or backed-up figure.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from commdesk.i18n import _

#: The stored columns an entry's hash covers, in this order (after ``prev_hash``).
COLUMNS = ("id", "at", "user", "table_name", "record_id", "record_uuid", "action", "changes", "summary")
FUNCTION = "commdesk_audit_hash"

_PREVIOUS = "coalesce((SELECT hash FROM audit_log WHERE id < NEW.id ORDER BY id DESC LIMIT 1), '')"
TRIGGER_SQL = (
    "CREATE TRIGGER IF NOT EXISTS audit_chain AFTER INSERT ON audit_log BEGIN "
    f"UPDATE audit_log SET prev_hash = {_PREVIOUS}, "
    f"hash = {FUNCTION}({_PREVIOUS}, " + ", ".join(f"NEW.{c}" for c in COLUMNS) + ") "
    "WHERE id = NEW.id; END")


#: The same chain on PostgreSQL: a BEFORE INSERT trigger in PL/pgSQL builds exactly the JSON text
#: ``entry_hash`` hashes (``to_json`` escapes strings as Python's ``json.dumps`` does with
#: ``ensure_ascii=False``; ``at`` in SQLite's storage form, ``STAMP_FORMAT``) and hashes it with the server's
#: ``sha256``. Two PCs inserting at once must not both link to the same entry: the trigger takes a
#: transaction lock and then gives the row its id, so id order is chain order.
PG_TRIGGER_SQL = (
    """CREATE OR REPLACE FUNCTION commdesk_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE prev text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('commdesk_audit_chain'));
  NEW.id := nextval(pg_get_serial_sequence('audit_log', 'id'));
  SELECT hash INTO prev FROM audit_log ORDER BY id DESC LIMIT 1;
  prev := coalesce(prev, '');
  NEW.prev_hash := prev;
  NEW.hash := encode(sha256(convert_to(
      '[' || to_json(prev)::text
      || ',' || NEW.id::text
      || ',' || to_json(to_char(NEW.at, 'YYYY-MM-DD HH24:MI:SS.US'))::text
      || ',' || to_json(NEW."user")::text
      || ',' || to_json(NEW.table_name)::text
      || ',' || coalesce(NEW.record_id::text, 'null')
      || ',' || to_json(NEW.record_uuid)::text
      || ',' || to_json(NEW.action)::text
      || ',' || to_json(NEW.changes)::text
      || ',' || to_json(NEW.summary)::text || ']', 'UTF8')), 'hex');
  RETURN NEW;
END $$""",
    "DROP TRIGGER IF EXISTS audit_chain ON audit_log",
    "CREATE TRIGGER audit_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION commdesk_audit_chain()",
)


def create_trigger(bind: Any) -> None:
    """The chain's trigger on this store (migration 0008; ``migrate-db`` after a copy)."""
    if bind.dialect.name == "postgresql":
        for sql in PG_TRIGGER_SQL:
            bind.exec_driver_sql(sql)
    else:
        bind.execute(text(TRIGGER_SQL))


#: How a stamp enters the hash on every store: SQLite's storage form of a DateTime (a server
#: returns a datetime, which is written this way before hashing), so that a chain copied from
#: SQLite to a server (``commdesk migrate-db``) verifies there unchanged.
STAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def _renderings(row: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """The entry's values as text was hashed: a server returns ``at`` as a datetime, which is
    written in SQLite's form; an entry copied from a SQLite file whose writer stored a whole
    second without the ".000000" (the Party and meeting demos did) was hashed in that form."""
    at = row[1]
    if isinstance(at, str) and len(at) == 26 and at.endswith(".000000"):   # copied into a file
        return [row, row[:1] + (at[:-7],) + row[2:]]
    if not isinstance(at, datetime):
        return [row]
    forms = [row[:1] + (at.strftime(STAMP_FORMAT),) + row[2:]]
    if at.microsecond == 0:
        forms.append(row[:1] + (at.strftime("%Y-%m-%d %H:%M:%S"),) + row[2:])
    return forms


def _fits(prev: str, row: tuple[Any, ...], stored: str) -> bool:
    return any(entry_hash(prev, *values) == stored for values in _renderings(row))


def entry_hash(prev_hash: str, *values: Any) -> str:
    """SHA-256 (hex) of the previous entry's hash and this entry's column values, as stored."""
    payload = json.dumps([prev_hash or "", *values], ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def install(dbapi_conn: Any) -> None:
    """Register the hash function on a DB-API SQLite connection (every connection of the app)."""
    dbapi_conn.create_function(FUNCTION, 1 + len(COLUMNS), entry_hash, deterministic=True)


def seal(rows: Iterable[tuple[Any, ...]]) -> list[tuple[str, str, int]]:
    """(prev_hash, hash, id) for existing entries in id order (the migration that adds the chain)."""
    out = []
    prev = ""
    for row in rows:
        digest = entry_hash(prev, *row)
        out.append((prev, digest, row[0]))
        prev = digest
    return out


@dataclass(frozen=True)
class ChainReport:
    entries: int
    last_id: int | None
    bad_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.bad_id is None


def verify_chain(conn: Connection) -> ChainReport:
    """Walk the trail in id order; the first entry whose links or content do not fit is named."""
    cols = ", ".join(f'"{c}"' for c in COLUMNS)
    prev = ""
    count = 0
    last_id = None
    for row in conn.execute(text(f"SELECT {cols}, prev_hash, hash FROM audit_log ORDER BY id")):
        values, stored_prev, stored = tuple(row[:len(COLUMNS)]), row[-2] or "", row[-1] or ""
        entry_id = values[0]
        count += 1
        if stored_prev != prev:
            if _fits(stored_prev, values, stored):
                # its own hash fits, so the entry is as written: the one before it is not
                problem = _("第 {id} 号记录之前的记录被删除或改动过（链接对不上）").format(id=entry_id)
            else:
                problem = _("第 {id} 号记录不是程序写入的（被插入或改动过）").format(id=entry_id)
            return ChainReport(count, entry_id, entry_id, problem)
        if not _fits(prev, values, stored):
            return ChainReport(count, entry_id, entry_id,
                               _("第 {id} 号记录的内容被改动过（校验值不符）").format(id=entry_id))
        prev = stored
        last_id = entry_id
    return ChainReport(count, last_id)
