"""Business settings, declared once (key, type, default, Chinese label, and what an editor needs:
group, unit, range, a check), stored in the database's ``setting`` table (key → JSON). UI state
lives in QSettings instead.

Modules declare theirs with :func:`declare` at import (the Party settings in
``commdesk.settings.party``, the meeting rules in ``commdesk.settings.meetings``); every
value is read and written through :func:`get_setting` / :func:`set_setting`, which fall back to
the default when a stored value is missing or has the wrong type. The settings page saves
through :func:`save_settings`, which checks every value (and the checks that span several
settings, e.g. a range's lower bound not above its upper bound) before writing any. Every
write that changes a value leaves an entry in the audit trail (table ``setting``).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from commdesk.errors import ValidationError
from commdesk.i18n import _
from commdesk.models import AuditEntry, Setting
from commdesk.changes import Changes


@dataclass(frozen=True)
class Declared:
    key: str
    type: type
    default: Any
    label: str
    #: the heading the settings page shows it under
    group: str = ""
    #: unit shown after a number (户, 天)
    unit: str = ""
    #: allowed range of an ``int`` setting (``minimum`` defaults to 0)
    minimum: int | None = None
    maximum: int | None = None
    #: how a ``dict`` setting is edited: "meeting_rules" or "day_map" (others are shown read-only)
    editor: str = ""
    #: one sentence for the clerk: what the setting changes
    help: str = ""
    #: ``check(value)`` → a Chinese message when the value is not acceptable, else ""
    check: Callable[[Any], str] | None = field(default=None, compare=False)


#: Every declared setting, by key, in declaration order.
SETTINGS: dict[str, Declared] = {}
#: Checks spanning several settings: ``fn(values by key)`` → {key: message}.
CROSS_CHECKS: list[Callable[[dict[str, Any]], dict[str, str]]] = []


def declare(*items: Declared) -> dict[str, Declared]:
    """Register settings (keys must be unique across modules); returns them by key."""
    for item in items:
        if item.key in SETTINGS and SETTINGS[item.key] != item:
            raise ValueError(f"setting {item.key} declared twice")
        SETTINGS[item.key] = item
    return {item.key: item for item in items}


def declare_check(fn: Callable[[dict[str, Any]], dict[str, str]]) -> Callable[[dict[str, Any]], dict[str, str]]:
    """Register a check over several settings (usable as a decorator)."""
    if fn not in CROSS_CHECKS:
        CROSS_CHECKS.append(fn)
    return fn


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def get_setting(session: Session, key: str) -> Any:
    declared = SETTINGS[key]
    row = session.get(Setting, key)
    if row is None:
        return declared.default
    try:
        value = json.loads(row.value)
    except ValueError:
        return declared.default
    if declared.type is int and _is_int(value):
        return value
    if declared.type is dict and isinstance(value, dict):
        return value
    return declared.default


def all_settings(session: Session) -> dict[str, Any]:
    """The value in force of every declared setting."""
    return {key: get_setting(session, key) for key in SETTINGS}


def check_value(key: str, value: Any) -> str:
    """Why this value cannot be stored (a Chinese sentence), or "" when it can."""
    declared = SETTINGS[key]
    if declared.type is int:
        low = 0 if declared.minimum is None else declared.minimum
        if not _is_int(value):
            return _("“{label}”必须是整数").format(label=declared.label)
        if value < low or (declared.maximum is not None and value > declared.maximum):
            if declared.maximum is None:
                return _("“{label}”不能小于 {low}").format(label=declared.label, low=low)
            unit = f" {_(declared.unit)}" if declared.unit else " "
            return _("“{label}”应在 {low} 到 {high}{unit}之间").format(
                label=declared.label, low=low, high=declared.maximum, unit=unit)
    elif declared.type is dict and not isinstance(value, dict):
        return _("“{label}”格式不对").format(label=declared.label)
    return declared.check(value) if declared.check is not None else ""


def check_settings(values: dict[str, Any]) -> dict[str, str]:
    """Messages by key for a full set of values (each value's own check, then the checks that
    span several settings, for the keys whose own value is fine)."""
    errors = {key: msg for key, value in values.items() if key in SETTINGS and (msg := check_value(key, value))}
    for fn in CROSS_CHECKS:
        for key, msg in fn(values).items():
            errors.setdefault(key, msg)
    return errors


def _audit(session: Session, key: str, old: Any, new: Any, summary: str) -> None:
    if session.info.get("audit_disabled"):
        return
    session.add(AuditEntry(table_name="setting", record_id=None, record_uuid="", action="update",
                           changes=json.dumps({key: [old, new]}, ensure_ascii=False), summary=summary[:300]))


def set_setting(session: Session, key: str, value: Any) -> None:
    declared = SETTINGS[key]
    message = check_value(key, value)
    if message:
        raise ValidationError(key, message)
    old = get_setting(session, key)
    text = json.dumps(value, ensure_ascii=False)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=text))
    else:
        row.value = text
    if old != value:
        _audit(session, key, old, value, declared.label)


def reset_setting(session: Session, key: str) -> None:
    """Back to the program's default (the stored value is removed, so the default applies)."""
    declared = SETTINGS[key]
    old = get_setting(session, key)
    row = session.get(Setting, key)
    if row is not None:
        session.delete(row)
        session.flush()
    if old != declared.default:
        _audit(session, key, old, declared.default, _("{label}（恢复默认）").format(label=declared.label))


def save_settings(session: Session, values: dict[str, Any], reset: Iterable[str] = ()) -> Changes:
    """Write several settings at once: ``values`` by key, and the keys in ``reset`` back to their
    defaults. Every value is checked (with the others in force) before anything is written."""
    reset = [key for key in reset if key in SETTINGS]
    unknown = [key for key in values if key not in SETTINGS]
    if unknown:
        raise ValidationError(unknown[0], _("没有这项设置：{key}").format(key=unknown[0]))
    full = all_settings(session) | values | {key: SETTINGS[key].default for key in reset}
    errors = check_settings(full)
    # only what this save writes: a stored value it leaves alone never blocks it
    mine = [key for key in [*values, *reset] if key in errors]
    if mine:
        raise ValidationError(mine[0], errors[mine[0]])
    for key in reset:
        reset_setting(session, key)
    for key, value in values.items():
        if key not in reset:
            set_setting(session, key, value)
    return Changes.of("setting")


@dataclass(frozen=True)
class SettingChange:
    key: str
    at: datetime
    user: str


def last_changes(session: Session) -> dict[str, SettingChange]:
    """When and by whom each setting was last changed (from the audit trail)."""
    out: dict[str, SettingChange] = {}
    rows = session.execute(select(AuditEntry.at, AuditEntry.user, AuditEntry.changes)
                           .where(AuditEntry.table_name == "setting").order_by(AuditEntry.id.desc())).all()
    for at, user, changes in rows:
        try:
            keys = json.loads(changes or "{}")
        except ValueError:
            continue
        for key in keys if isinstance(keys, dict) else ():
            if key in SETTINGS and key not in out:
                out[key] = SettingChange(key, at, user)
        if len(out) == len(SETTINGS):
            break
    return out
