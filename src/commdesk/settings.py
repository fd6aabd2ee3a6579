"""Business settings, declared once (key, type, default, Chinese label), stored in the
database's ``setting`` table (key → JSON). UI state lives in QSettings instead.

Modules declare theirs with :func:`declare` at import (the Party module in
``commdesk.settings_party``, the meetings module in ``commdesk.services.meeting_rules``); every
value is read and written through :func:`get_setting` / :func:`set_setting`, which fall back to
the default when a stored value is missing or has the wrong type.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from commdesk.errors import ValidationError
from commdesk.i18n import _
from commdesk.models import Setting


@dataclass(frozen=True)
class Declared:
    key: str
    type: type
    default: Any
    label: str


#: Every declared setting, by key.
SETTINGS: dict[str, Declared] = {}


def declare(*items: Declared) -> dict[str, Declared]:
    """Register settings (keys must be unique across modules); returns them by key."""
    for item in items:
        if item.key in SETTINGS and SETTINGS[item.key] != item:
            raise ValueError(f"setting {item.key} declared twice")
        SETTINGS[item.key] = item
    return {item.key: item for item in items}


def get_setting(session: Session, key: str) -> Any:
    declared = SETTINGS[key]
    row = session.get(Setting, key)
    if row is None:
        return declared.default
    try:
        value = json.loads(row.value)
    except ValueError:
        return declared.default
    if declared.type is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if declared.type is dict and isinstance(value, dict):
        return value
    return declared.default


def set_setting(session: Session, key: str, value: Any) -> None:
    declared = SETTINGS[key]
    if declared.type is int and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise ValidationError(key, _("“{label}”必须是非负整数").format(label=declared.label))
    if declared.type is dict and not isinstance(value, dict):
        raise ValidationError(key, _("“{label}”格式不对").format(label=declared.label))
    text = json.dumps(value, ensure_ascii=False)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=text))
    else:
        row.value = text
