"""Business settings of the meetings module: the 三会一课 frequency rules, declared once.

Stored in the ``setting`` table like the Party settings (:mod:`commdesk.settings.party`, whose
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
from commdesk.settings.registry import Declared, declare, get_setting, set_setting

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

MAX_TIMES = 31


def check_rules(value: Any) -> str:
    """Each kind (a Party meeting kind) is ``None`` (no rule) or a period and 1–31 times."""
    from commdesk.models.meeting import PARTY_KINDS

    for kind, raw in value.items():
        if kind not in PARTY_KINDS:
            return _("只有党组织的会议（三会一课等）可以设定频次：“{kind}”不是").format(kind=kind)
        if raw is None:
            continue
        if not isinstance(raw, dict) or raw.get("period") not in PERIODS:
            return _("“{kind}”的周期只能是每月、每季度、每半年或每年").format(kind=kind)
        times = raw.get("times", 1)
        if not isinstance(times, int) or isinstance(times, bool) or not 1 <= times <= MAX_TIMES:
            return _("“{kind}”的次数应为 1 到 {n} 之间的整数").format(kind=kind, n=MAX_TIMES)
    return ""


SETTINGS: dict[str, Declared] = declare(
    Declared("meetings.rules", dict, DEFAULT_RULES, _("三会一课频次（按会议类型：周期与次数）"), group=_("三会一课"),
             editor="meeting_rules", check=check_rules,
             help=_("每个支部（党小组会为每个党小组）每个周期至少开几次；“不作要求”的会议类型不检查。"
                    "会议记录的三会一课日历和工作台的“会议待开/未开”按此计算。")),
    Declared("meetings.alert_days", int, 10, _("本期会议未开时，期末前多少天开始提醒"), group=_("工作台提醒"),
             unit=_("天"), minimum=0, maximum=180),
    Declared("checklist.due_soon_days", int, 7, _("责任清单到期提前提醒天数"), group=_("工作台提醒"), unit=_("天"),
             minimum=0, maximum=180),
)


def rules_by_kind(raw: Any) -> dict[str, dict[str, Any] | None]:
    """Every Party meeting kind with its rule as stored (``None``: no rule, also for a missing
    or damaged entry), in the order of ``PARTY_KINDS``: what the settings editor shows."""
    from commdesk.models.meeting import PARTY_KINDS

    raw = raw if isinstance(raw, dict) else {}
    out: dict[str, dict[str, Any] | None] = {}
    for kind in PARTY_KINDS:
        rule = _rule(kind, raw.get(kind))
        out[kind] = None if rule is None else {"period": rule.period, "times": rule.times}
    return out


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
        if not isinstance(times, int) or times < 1 or times > MAX_TIMES:
            raise ValidationError("times", _("次数应为 1 到 {n} 之间的整数").format(n=MAX_TIMES))
        rules[kind] = {"period": period, "times": times}
    set_setting(session, "meetings.rules", rules)
