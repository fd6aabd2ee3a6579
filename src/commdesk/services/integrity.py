"""``commdesk check``: SQLite integrity, foreign keys, and the search index against the data."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, text


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_database(conn: Connection) -> CheckReport:
    from commdesk.models import dialect
    from commdesk.models.search_index import has_trigram_index

    report = CheckReport()
    if dialect.is_sqlite(conn):   # the server checks its own pages and enforces foreign keys
        rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
        if rows != ["ok"]:
            report.problems += [f"integrity: {r}" for r in rows[:20]]
        fk = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
        if fk:
            report.problems.append(f"foreign keys: {len(fk)} broken references (first in table {fk[0][0]})")
    elif not has_trigram_index(conn):
        report.problems.append("search: no pg_trgm index, searches scan the table (as the server's "
                               "administrator: CREATE EXTENSION pg_trgm; then check --repair)")
    for table in ("community", "grid", "household", "resident", "resident_event", "audit_log"):
        report.figures[table] = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    residents = report.figures["resident"]
    for fts in ("resident_fts_tri", "resident_fts_char"):
        # PostgreSQL's token table has one row per name piece: count the residents it covers
        what = "count(DISTINCT rowid)" if fts == "resident_fts_char" and not dialect.is_sqlite(conn) else "count(*)"
        n = conn.execute(text(f"SELECT {what} FROM {fts}")).scalar_one()
        report.figures[fts] = n
        if n != residents:
            report.problems.append(f"search index {fts}: {n} rows for {residents} residents (run check --repair)")
    heads = conn.execute(text(
        "SELECT count(*) FROM (SELECT household_id FROM resident WHERE relation='户主' AND status='在住'"
        " AND archived_at IS NULL GROUP BY household_id HAVING count(*) > 1) AS several")).scalar_one()
    report.figures["households_with_several_heads"] = heads  # import flags these for review
    from commdesk.models.audit_chain import verify_chain

    chain = verify_chain(conn)
    if not chain.ok:
        report.problems.append(f"audit chain: {chain.problem} (commdesk audit verify)")
    return report


def repair_search_index(conn: Connection) -> int:
    from commdesk.models import dialect
    from commdesk.models.search_index import PG_TRGM_INDEX, has_trigram_index, rebuild_all

    if dialect.is_postgresql(conn) and not has_trigram_index(conn):
        savepoint = conn.begin_nested()
        try:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            conn.exec_driver_sql(PG_TRGM_INDEX)
            savepoint.commit()
        except Exception:  # noqa: BLE001 - still not available: check keeps saying so
            savepoint.rollback()
    return rebuild_all(conn)
