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
    report = CheckReport()
    rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
    if rows != ["ok"]:
        report.problems += [f"integrity: {r}" for r in rows[:20]]
    fk = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if fk:
        report.problems.append(f"foreign keys: {len(fk)} broken references (first in table {fk[0][0]})")
    for table in ("community", "grid", "household", "resident", "resident_event", "audit_log"):
        report.figures[table] = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    residents = report.figures["resident"]
    for fts in ("resident_fts_tri", "resident_fts_char"):
        n = conn.execute(text(f"SELECT count(*) FROM {fts}")).scalar_one()
        report.figures[fts] = n
        if n != residents:
            report.problems.append(f"search index {fts}: {n} rows for {residents} residents (run check --repair)")
    heads = conn.execute(text(
        "SELECT count(*) FROM (SELECT household_id FROM resident WHERE relation='户主' AND status='在住'"
        " AND archived_at IS NULL GROUP BY household_id HAVING count(*) > 1)")).scalar_one()
    report.figures["households_with_several_heads"] = heads  # import flags these for review
    from commdesk.models.audit_chain import verify_chain

    chain = verify_chain(conn)
    if not chain.ok:
        report.problems.append(f"audit chain: {chain.problem} (commdesk audit verify)")
    return report


def repair_search_index(conn: Connection) -> int:
    from commdesk.models.search_index import rebuild_all

    return rebuild_all(conn)
