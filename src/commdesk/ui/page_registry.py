"""The main window's pages, in navigation order. A page is a QWidget class with a Chinese
``title``, ``start()`` (first load, after the window is shown) and ``on_changes(changes)``.

Modules add their pages here; an entry whose module is not part of this build is skipped, so
the navigation only ever lists modules that exist.
"""
from __future__ import annotations

import importlib
from typing import Any

PAGES: tuple[str, ...] = (
    "commdesk.ui.dashboard_page:DashboardPage",
    "commdesk.ui.ledger_page:LedgerPage",
    "commdesk.ui.party.org_page:OrgPage",
    "commdesk.ui.party.members_page:MembersPage",
    "commdesk.ui.party.centers_page:CentersPage",
    "commdesk.ui.party.coverage_page:CoveragePage",
    "commdesk.ui.party.visits_page:VisitsPage",
    "commdesk.ui.meetings.meetings_page:MeetingsPage",
    "commdesk.ui.meetings.consultations_page:ConsultationsPage",
    "commdesk.ui.meetings.checklist_page:ChecklistPage",
    "commdesk.ui.reports_page:ReportsPage",
    "commdesk.ui.grids_page:GridsPage",
)


def page_classes() -> list[type[Any]]:
    classes = []
    for entry in PAGES:
        module_name, _sep, cls_name = entry.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue  # not part of this build
            raise
        classes.append(getattr(module, cls_name))
    return classes
