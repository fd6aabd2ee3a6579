"""The business-settings registry headless: declarations an editor can use, checks with Chinese
messages, saving several at once (all or nothing), 恢复默认, the audit trail, and the computations
that read the settings (center-household warnings, the 三会一课 calendar)."""
from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from commdesk.errors import ValidationError
from commdesk.models import AuditEntry, Setting
from commdesk.services.compliance import compliance_calendar, compliance_issues
from commdesk.settings.meetings import DEFAULT_RULES, meeting_rules, rules_by_kind, set_meeting_rule
from commdesk.services.party_centers import list_centers
from commdesk.settings import (all_settings, check_settings, check_value, get_setting, last_changes,
                               load_declarations, reset_setting, save_settings, set_setting)
from commdesk.settings.party import DEFAULT_CADENCE, center_target, set_center_target
from tests.test_party_services import TODAY, populate


def _audit(db: Any) -> list[AuditEntry]:
    with db.Session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.table_name == "setting").order_by(AuditEntry.id)))


def _stored(db: Any) -> dict[str, Any]:
    with db.Session() as s:
        return {row.key: json.loads(row.value) for row in s.scalars(select(Setting))}


def test_every_declaration_is_editable_and_its_default_passes() -> None:
    declared = load_declarations()
    assert {"party.center_target_min", "party.center_target_max", "party.visit_cadence", "meetings.rules",
            "meetings.alert_days", "checklist.due_soon_days", "party.probation_reminder_days"} <= set(declared)
    for key, d in declared.items():
        assert d.label and d.group, key
        assert check_value(key, d.default) == "", key
        if d.type is int:
            assert d.maximum is not None and (d.minimum or 0) <= d.default <= d.maximum, key
        else:
            assert d.editor in ("meeting_rules", "day_map"), key
    assert check_settings({k: d.default for k, d in declared.items()}) == {}
    # the target range allows what places use (~6 to ~36)
    assert declared["party.center_target_min"].minimum == 1 and declared["party.center_target_max"].maximum >= 36


def test_checks_give_chinese_messages() -> None:
    assert "1 到 200" in check_value("party.center_target_min", 0)
    assert "整数" in check_value("meetings.alert_days", "5")
    assert "整数" in check_value("meetings.alert_days", True)
    assert "周期" in check_value("meetings.rules", {"党课": {"period": "week", "times": 1}})
    assert "1 到 31" in check_value("meetings.rules", {"党课": {"period": "month", "times": 0}})
    assert "党组织的会议" in check_value("meetings.rules", {"居民议事会": {"period": "month", "times": 1}})
    assert check_value("meetings.rules", {"党课": None}) == ""
    assert "其他住户" in check_value("party.visit_cadence", {"低保": 30})
    assert "“低保”的间隔天数" in check_value("party.visit_cadence", {"低保": 0, "default": 90})
    errors = check_settings({"party.center_target_min": 16, "party.center_target_max": 15})
    assert errors["party.center_target_min"] == "联系户数下限（16 户）不能大于上限（15 户）"


def test_set_setting_is_audited_once_per_change(db: Any) -> None:
    with db.Session.begin() as s:
        set_setting(s, "party.probation_reminder_days", 45)
    with db.Session.begin() as s:
        set_setting(s, "party.probation_reminder_days", 45)          # unchanged: no entry
        set_setting(s, "party.probation_reminder_days", 60)
    entries = _audit(db)
    assert [e.change_dict() for e in entries] == [{"party.probation_reminder_days": [30, 45]},
                                                  {"party.probation_reminder_days": [45, 60]}]
    assert entries[0].action == "update" and entries[0].summary == "预备党员转正提前提醒天数"
    assert entries[0].user == "system"
    with db.Session() as s:
        assert get_setting(s, "party.probation_reminder_days") == 60
        assert last_changes(s)["party.probation_reminder_days"].at == entries[1].at


def test_save_settings_writes_all_or_nothing(db: Any) -> None:
    with db.Session.begin() as s, pytest.raises(ValidationError) as err:
        save_settings(s, {"party.center_target_min": 20, "meetings.alert_days": 5})
    assert err.value.field == "party.center_target_min" and "不能大于上限" in err.value.message
    assert _stored(db) == {} and _audit(db) == []
    with db.Session.begin() as s, pytest.raises(ValidationError) as err:
        save_settings(s, {"meetings.alert_days": 5, "meetings.rules": {"党课": {"period": "month", "times": 99}}})
    assert err.value.field == "meetings.rules"
    assert _stored(db) == {} and _audit(db) == []
    with db.Session.begin() as s:
        changes = save_settings(s, {"party.center_target_min": 20, "party.center_target_max": 30,
                                    "meetings.alert_days": 5})
    assert changes.touches("setting")
    assert _stored(db) == {"party.center_target_min": 20, "party.center_target_max": 30, "meetings.alert_days": 5}
    assert len(_audit(db)) == 3
    with db.Session() as s:
        assert center_target(s) == (20, 30)


def test_a_stored_odd_pair_does_not_block_other_settings(db: Any) -> None:
    with db.Session.begin() as s:                     # written one at a time (as set_setting allows)
        set_setting(s, "party.center_target_min", 40)
    with db.Session.begin() as s:
        save_settings(s, {"meetings.alert_days": 3})
    with db.Session() as s:
        assert get_setting(s, "meetings.alert_days") == 3 and center_target(s) == (15, 40)


def test_reset_removes_the_stored_value_and_is_audited(db: Any) -> None:
    with db.Session.begin() as s:
        set_meeting_rule(s, "党课", "half", 2)
        set_setting(s, "checklist.due_soon_days", 14)
    with db.Session.begin() as s:
        save_settings(s, {}, reset=["meetings.rules", "checklist.due_soon_days"])
    assert _stored(db) == {}
    with db.Session() as s:
        assert get_setting(s, "meetings.rules") == DEFAULT_RULES and get_setting(s, "checklist.due_soon_days") == 7
    last = _audit(db)[-2:]
    assert all(e.summary.endswith("（恢复默认）") for e in last)
    assert {k: v[1] for e in last for k, v in e.change_dict().items()} == {"meetings.rules": DEFAULT_RULES,
                                                                          "checklist.due_soon_days": 7}
    with db.Session.begin() as s:                   # resetting what is already the default leaves no entry
        reset_setting(s, "checklist.due_soon_days")
    assert len(_audit(db)) == 4


def test_rules_by_kind_lists_every_party_kind() -> None:
    rules = rules_by_kind({"党课": {"period": "half", "times": 2}, "支委会": None, "主题党日": {"period": "week"}})
    assert list(rules) == ["支部党员大会", "支委会", "党小组会", "党课", "主题党日", "组织生活会"]
    assert rules["党课"] == {"period": "half", "times": 2}
    assert rules["支委会"] is None and rules["主题党日"] is None and rules["支部党员大会"] is None
    assert rules_by_kind(DEFAULT_RULES) == DEFAULT_RULES


def test_existing_writers_still_work(db: Any) -> None:
    with db.Session.begin() as s:
        set_center_target(s, 6, 36)
        set_meeting_rule(s, "主题党日", None)
        with pytest.raises(ValidationError):
            set_center_target(s, 5, 3)
        with pytest.raises(ValidationError):
            set_setting(s, "party.center_target_max", 0)
    with db.Session() as s:
        assert center_target(s) == (6, 36)
        assert "主题党日" not in {r.kind for r in meeting_rules(s)}
        assert all_settings(s)["party.visit_cadence"] == DEFAULT_CADENCE
    assert {k for e in _audit(db) for k in e.change_dict()} == {"party.center_target_min", "party.center_target_max",
                                                               "meetings.rules"}


def test_center_warnings_follow_the_target(db: Any) -> None:
    ids = populate(db)                                    # one center with 3 contact households
    with db.Session() as s:
        (center,) = [c for c in list_centers(s) if c.id == ids["center"]]
        assert center.warning == "under"                  # default 10–15
    with db.Session.begin() as s:
        save_settings(s, {"party.center_target_min": 2, "party.center_target_max": 3})
    with db.Session() as s:
        assert [c.warning for c in list_centers(s) if c.id == ids["center"]] == [""]
    with db.Session.begin() as s:
        save_settings(s, {"party.center_target_min": 1, "party.center_target_max": 2})
    with db.Session() as s:
        assert [c.warning for c in list_centers(s) if c.id == ids["center"]] == ["over"]


def test_calendar_follows_the_rules(db: Any) -> None:
    populate(db)

    def cells(kind: str) -> list[int]:
        with db.Session() as s:
            rows = [r for r in compliance_calendar(s, 2025, TODAY) if r.kind == kind]
            return [len(r.cells) for r in rows]

    assert cells("党课") == [4, 4] and cells("支委会") == [12, 12]      # two branches
    with db.Session.begin() as s:
        rules = rules_by_kind(get_setting(s, "meetings.rules"))
        rules["党课"] = {"period": "month", "times": 2}
        rules["支委会"] = None
        save_settings(s, {"meetings.rules": rules})
    assert cells("党课") == [12, 12] and cells("支委会") == []
    with db.Session() as s:
        issues = compliance_issues(s, TODAY)
        assert not any(i.kind == "支委会" for i in issues)
        assert any(i.kind == "党课" and i.required == 2 for i in issues)
        assert s.scalar(select(func.count()).select_from(Setting)) == 1
