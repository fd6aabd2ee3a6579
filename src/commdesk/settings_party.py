"""Business settings of the Party module, declared once (key, type, default, Chinese label).

Stored in the ``setting`` table (key → JSON). Places differ: the households-per-center target
runs from ~6 to ~36, so it is a setting, never a constant; so are the visit cadences by key
group and the reminder lead times.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from commdesk.errors import ValidationError
from commdesk.i18n import _
from commdesk.settings import Declared, declare, get_setting, set_setting


#: Visit cadence in days by key-group tag (resident or household tags); others get ``default``.
DEFAULT_CADENCE: dict[str, int] = {
    "独居老人": 7, "独居老人户": 7, "失能失智": 7,
    "低保": 30, "低保户": 30, "特困供养": 30, "特困户": 30, "残疾人": 30, "残疾人家庭": 30,
    "高龄老人": 30, "空巢老人": 30, "空巢家庭": 30, "留守儿童": 30, "重点优抚对象": 30, "军烈属": 30,
    "default": 90,
}

SETTINGS: dict[str, Declared] = declare(
    Declared("party.center_target_min", int, 10, _("每个党员中心户联系户数（下限）")),
    Declared("party.center_target_max", int, 15, _("每个党员中心户联系户数（上限）")),
    Declared("party.visit_cadence", dict, DEFAULT_CADENCE, _("走访频次（天）：按重点人群类别")),
    Declared("party.probation_reminder_days", int, 30, _("预备党员转正提前提醒天数")),
    Declared("party.mobile_report_days", int, 365, _("流动党员向支部报告的间隔（天）")),
    Declared("party.mobile_reminder_days", int, 30, _("流动党员报告到期提前提醒天数")),
)


def center_target(session: Session) -> tuple[int, int]:
    low = get_setting(session, "party.center_target_min")
    high = get_setting(session, "party.center_target_max")
    return (min(low, high), max(low, high))


def set_center_target(session: Session, low: int, high: int) -> None:
    if low < 1 or high < low:
        raise ValidationError("target", _("联系户数范围不对：下限至少为 1，且不大于上限"))
    set_setting(session, "party.center_target_min", low)
    set_setting(session, "party.center_target_max", high)


def visit_cadence(session: Session) -> dict[str, int]:
    cadence = dict(get_setting(session, "party.visit_cadence"))
    cadence.setdefault("default", 90)
    return {str(k): int(v) for k, v in cadence.items() if isinstance(v, (int, float)) and v > 0}
