"""Business settings of the meetings module: the 三会一课 frequency rules, declared once.

Stored in the ``setting`` table like the Party settings (:mod:`commdesk.settings_party`, whose
``Declared`` record this reuses). A rule says how many meetings of a kind each branch (or, for
党小组会, each Party group) must hold per period; local practice varies, so every number here is
a default the office can change.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from commdesk.errors import ValidationError
from commdesk.i18n import _
from commdesk.settings import Declared, declare, get_setting, set_setting

PERIODS = ("month", "quarter", "half", "year")
PERIOD_LABELS = {"month": "每月", "quarter": "每季度", "half": "每半年", "year": "每年"}

#: kind → {"period": month|quarter|half|year, "times": n}
DEFAULT_RULES: dict[str, dict[str, Any]] = {
    "支部党员大会": {"period": "quarter", "times": 1},
    "支委会": {"period": "month", "times": 1},
    "党小组会": {"period": "month", "times": 1},
    "党课": {"period": "quarter", "times": 1},
    "主题党日": {"period": "month", "times": 1},
    "组织生活会": {"period": "year", "times": 1},
}
#: kinds whose rule applies per Party group instead of per branch
PER_GROUP = ("党小组会",)

SETTINGS: dict[str, Declared] = declare(
    Declared("meetings.rules", dict, DEFAULT_RULES, _("三会一课频次（按会议类型：周期与次数）")),
    Declared("meetings.alert_days", int, 10, _("本期会议未开时，期末前多少天开始提醒")),
    Declared("checklist.due_soon_days", int, 7, _("责任清单到期提前提醒天数")),
)


@dataclass(frozen=True)
class Rule:
    kind: str
    period: str
    times: int

    @property
    def per_group(self) -> bool:
        return self.kind in PER_GROUP

    @property
    def label(self) -> str:
        unit = _("每个党小组") if self.per_group else _("每个支部")
        return _("{unit}{period}至少 {n} 次").format(unit=unit, period=_(PERIOD_LABELS[self.period]), n=self.times)


def _rule(kind: str, raw: Any) -> Rule | None:
    if not isinstance(raw, dict):
        return None
    period, times = raw.get("period"), raw.get("times", 1)
    if period not in PERIODS or not isinstance(times, int) or isinstance(times, bool) or times < 1:
        return None
    return Rule(kind, period, times)


def meeting_rules(session: Session) -> list[Rule]:
    """The rules in force, in the order of ``DEFAULT_RULES`` then any others; a kind set to
    ``null`` (or with a damaged value) has no rule."""
    raw = get_setting(session, "meetings.rules")
    kinds = [k for k in DEFAULT_RULES if k in raw] + sorted(k for k in raw if k not in DEFAULT_RULES)
    return [r for r in (_rule(k, raw[k]) for k in kinds) if r is not None]


def set_meeting_rule(session: Session, kind: str, period: str | None, times: int = 1) -> None:
    """Set (or, with ``period=None``, remove) the rule of one meeting kind."""
    from commdesk.models.meeting import PARTY_KINDS

    if kind not in PARTY_KINDS:
        raise ValidationError("kind", _("只有党组织的会议（三会一课等）可以设定频次"))
    rules = dict(get_setting(session, "meetings.rules"))
    if period is None:
        rules[kind] = None
    else:
        if period not in PERIODS:
            raise ValidationError("period", _("周期只能是每月、每季度、每半年或每年"))
        if not isinstance(times, int) or times < 1 or times > 31:
            raise ValidationError("times", _("次数应为 1 到 31 之间的整数"))
        rules[kind] = {"period": period, "times": times}
    set_setting(session, "meetings.rules", rules)
