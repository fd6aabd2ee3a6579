"""Find households by number, head's name or address (for moving residents, visits, assignments)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from commdesk.models.household import format_address
from commdesk.search.query import normalise_query, search_condition


@dataclass(frozen=True)
class HouseholdHit:
    id: int
    household_no: str
    head: str
    address: str


def find_households(session: Session, query: str, limit: int = 50) -> list[HouseholdHit]:
    q = normalise_query(query)
    if not q:
        return []
    params: dict[str, object] = {"no": q + "%", "lim": limit}
    cond = search_condition(q, session.get_bind().dialect.name)
    member_match = f"OR h.id IN (SELECT r.household_id FROM resident r WHERE {cond.sql})" if cond else ""
    if cond:
        params.update(cond.params)
    sql = (
        "SELECT h.id, h.household_no, h.estate, h.building, h.unit, h.room, h.address,"
        " (SELECT name FROM resident x WHERE x.household_id = h.id AND x.relation = '户主'"
        "  AND x.archived_at IS NULL ORDER BY x.status != '在住' LIMIT 1)"
        f" FROM household h WHERE h.archived_at IS NULL AND (h.household_no LIKE :no {member_match})"
        " ORDER BY h.household_no LIMIT :lim"
    )
    return [HouseholdHit(r[0], r[1], r[7] or "", format_address(r[2], r[3], r[4], r[5], r[6]))
            for r in session.execute(text(sql), params)]
