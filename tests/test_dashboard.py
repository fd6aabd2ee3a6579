"""Dashboard figures headless: counts, alerts with their targets, chart series."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from commdesk.services import checklist as ck
from commdesk.services import meetings as ms
from commdesk.services.dashboard import dashboard_data, naive_dashboard
from tests.meetings_support import build_party

TODAY = date(2025, 6, 15)


def test_dashboard_counts_alerts_and_charts(db: Any) -> None:
    ids = build_party(db)
    with db.Session.begin() as s:
        ck.create_item(s, ck.ChecklistForm(title="逾期", source="上级交办", responsible_unit="居委会",
                                           deadline=TODAY - timedelta(days=2)))
        ms.create_meeting(s, ms.MeetingForm(kind="支委会", org_id=ids["b1"], topic="例会",
                                            start_at=datetime(2025, 6, 2, 9)), today=TODAY)
    with db.Session() as s:
        d = dashboard_data(s, TODAY)
        naive = naive_dashboard(s, TODAY)
    assert d.counts["households"] == 1 and d.counts["members"] == 31 and d.counts["probationary"] == 2
    alerts = {a.key: a for a in d.alerts}
    assert alerts["checklist_overdue"].count == 1 and alerts["checklist_overdue"].target == "checklist"
    assert alerts["checklist_overdue"].filter == "逾期"
    assert alerts["meetings_missing"].target == "meetings" and alerts["meetings_due"].count > 0
    assert d.alerts[0].level == "high"
    assert dict((k, (h, n)) for k, h, n in d.meetings)["支委会"] == (1, 12)
    assert d.checklist["逾期"] == 1 and d.households_per_grid[0][1] == 1
    assert naive["overdue_items"] == 1 and naive["members"] == 31
