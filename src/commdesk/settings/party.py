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
from commdesk.settings.registry import Declared, declare, declare_check, get_setting, set_setting


#: Visit cadence in days by key-group tag (resident or household tags); others get ``default``.
DEFAULT_CADENCE: dict[str, int] = {
    "独居老人": 7, "独居老人户": 7, "失能失智": 7,
    "低保": 30, "低保户": 30, "特困供养": 30, "特困户": 30, "残疾人": 30, "残疾人家庭": 30,
    "高龄老人": 30, "空巢老人": 30, "空巢家庭": 30, "留守儿童": 30, "重点优抚对象": 30, "军烈属": 30,
    "default": 90,
}

MAX_CADENCE_DAYS = 3650
CENTER = _("党员中心户")
VISITS = _("走访")
MEMBERS = _("党员管理提醒")


def check_cadence(value: Any) -> str:
    """Days between visits by key group: positive whole days, named groups, a default."""
    if "default" not in value:
        return _("请填写其他住户的走访间隔天数")
    for tag, days in value.items():
        name = _("其他住户") if tag == "default" else str(tag).strip()
        if not name:
            return _("请填写重点人群类别的名称")
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_CADENCE_DAYS:
            return _("“{tag}”的间隔天数应为 1 到 {n} 之间的整数").format(tag=name, n=MAX_CADENCE_DAYS)
    return ""


SETTINGS: dict[str, Declared] = declare(
    Declared("party.center_target_min", int, 10, _("每个党员中心户联系户数（下限）"), group=CENTER, unit=_("户"),
             minimum=1, maximum=200,
             help=_("各地做法不同（约 6 到 36 户）；联系户少于下限或多于上限时，“党员中心户”和“覆盖情况”中提示不足或偏多。")),
    Declared("party.center_target_max", int, 15, _("每个党员中心户联系户数（上限）"), group=CENTER, unit=_("户"),
             minimum=1, maximum=200),
    Declared("party.visit_cadence", dict, DEFAULT_CADENCE, _("走访频次：按重点人群类别（间隔天数）"), group=VISITS,
             editor="day_map", check=check_cadence,
             help=_("多少天内应走访一次；住户属于几个类别时按最短的间隔；超过间隔未走访的列入“逾期未走访”。")),
    Declared("party.probation_reminder_days", int, 30, _("预备党员转正提前提醒天数"), group=MEMBERS, unit=_("天"),
             minimum=0, maximum=365),
    Declared("party.mobile_report_days", int, 365, _("流动党员向支部报告的间隔"), group=MEMBERS, unit=_("天"),
             minimum=1, maximum=MAX_CADENCE_DAYS),
    Declared("party.mobile_reminder_days", int, 30, _("流动党员报告到期提前提醒天数"), group=MEMBERS, unit=_("天"),
             minimum=0, maximum=365),
)


@declare_check
def check_center_target(values: dict[str, Any]) -> dict[str, str]:
    low, high = values.get("party.center_target_min"), values.get("party.center_target_max")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        message = _("联系户数下限（{low} 户）不能大于上限（{high} 户）").format(low=low, high=high)
        return {"party.center_target_min": message, "party.center_target_max": message}
    return {}


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
