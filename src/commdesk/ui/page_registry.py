"""The main window's pages, in navigation order. A page is a QWidget class with a Chinese
``title``, ``start()`` (first load, after the window is shown) and ``on_changes(changes)``.

Each entry names its page's title and where the class lives, so the navigation can list every
page without importing it: a page's module is imported, and the page built, the first time it is
shown (start-up only pays for the page in view). An entry whose module is not part of this build
is skipped, so the navigation only ever lists modules that exist.
"""
from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PageEntry:
    title: str
    target: str  # "package.module:ClassName"
    #: what the logged-in account needs to see the page (``ui.session.may``)
    permission: str = "view"

    @property
    def module_name(self) -> str:
        return self.target.partition(":")[0]

    @property
    def class_name(self) -> str:
        return self.target.partition(":")[2]

    def load(self) -> type[Any]:
        return getattr(importlib.import_module(self.module_name), self.class_name)

    def is_for(self, cls: type) -> bool:
        return cls.__module__ == self.module_name and cls.__qualname__ == self.class_name


PAGES: tuple[PageEntry, ...] = (
    PageEntry("工作台", "commdesk.ui.dashboard_page:DashboardPage"),
    PageEntry("住户台账", "commdesk.ui.ledger_page:LedgerPage"),
    PageEntry("党组织", "commdesk.ui.party.org_page:OrgPage"),
    PageEntry("党员", "commdesk.ui.party.members_page:MembersPage"),
    PageEntry("党员中心户", "commdesk.ui.party.centers_page:CentersPage"),
    PageEntry("覆盖情况", "commdesk.ui.party.coverage_page:CoveragePage"),
    PageEntry("走访记录", "commdesk.ui.party.visits_page:VisitsPage"),
    PageEntry("会议记录", "commdesk.ui.meetings.meetings_page:MeetingsPage"),
    PageEntry("协商议事", "commdesk.ui.meetings.consultations_page:ConsultationsPage"),
    PageEntry("责任清单", "commdesk.ui.meetings.checklist_page:ChecklistPage"),
    PageEntry("台账与报表", "commdesk.ui.reports_page:ReportsPage"),
    PageEntry("网格管理", "commdesk.ui.grids_page:GridsPage"),
    PageEntry("账号管理", "commdesk.ui.accounts_page:AccountsPage", permission="accounts"),
    PageEntry("审计记录", "commdesk.ui.audit_page:AuditPage", permission="audit"),
    PageEntry("设置", "commdesk.ui.settings_page:SettingsPage"),
)


def _exists(module_name: str) -> bool:
    try:
        return importlib.util.find_spec(module_name) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def available_pages() -> list[PageEntry]:
    """The entries whose modules exist in this build (found without importing them) and that
    the logged-in account may see."""
    from commdesk.ui.session import may

    return [entry for entry in PAGES if _exists(entry.module_name) and may(entry.permission)]


def page_classes() -> list[type[Any]]:
    """Every available page class (imports them all: for tests and tools, not for start-up)."""
    return [entry.load() for entry in available_pages()]
