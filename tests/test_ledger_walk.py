"""The ledger's first screenful walks households in number order through ix_resident_order,
whatever other indexes on resident the planner is offered (a partial index on status made it
search every live resident once per household: 10 s for the first paint of 100,000 households)."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import text

from commdesk.reports.ledger_query import LedgerFilter, ordered_ids, ordered_ids_sql
from tests.gui_support import seed_small_community

pytestmark = pytest.mark.sqlite_only(reason="SQLite's query plan (EXPLAIN QUERY PLAN, INDEXED BY)")


@pytest.mark.parametrize("kw", [{}, {"status": ""}, {"status": "迁出"}, {"grid_id": 1}, {"review_only": True},
                                {"tag": "低保"}, {"age_band": "80岁以上"}, {"political_status": "群众"}])
def test_household_walk_uses_the_member_order_index(db: Any, kw: dict[str, Any]) -> None:
    seed_small_community(db)
    with db.engine.connect() as conn:
        # whatever the schema holds, offer the planner the index that misled it
        conn.execute(text("CREATE INDEX IF NOT EXISTS ix_test_live_status ON resident (status) "
                          "WHERE archived_at IS NULL"))
        sql, params = ordered_ids_sql(LedgerFilter(**kw), date(2024, 6, 1), limit=200)
        plan = " | ".join(row[3] for row in conn.execute(text("EXPLAIN QUERY PLAN " + sql), params))
        households, members = plan.split(" | ")[:2]
        assert households.startswith(("SCAN h", "SEARCH h")), plan  # households first, in number order
        assert members in ("SEARCH r USING INDEX ix_resident_order (household_id=?)",
                           "SEARCH r USING COVERING INDEX ix_resident_order (household_id=?)"), plan
        assert len(ordered_ids(conn, LedgerFilter(**kw), date(2024, 6, 1), limit=200)) <= 6
        conn.rollback()
