"""Business settings: the registry (:mod:`.registry`) and every module that declares settings.

Importing this package declares them all (the Party settings in :mod:`.party`, the meeting rules
in :mod:`.meetings`), so a value can be read by key from anywhere above this layer.
"""
from __future__ import annotations

from commdesk.settings import meetings, party, security  # noqa: F401  (declare their settings)
from commdesk.settings.registry import (CROSS_CHECKS, SETTINGS, Declared, SettingChange, all_settings,
                                        check_settings, check_value, declare, declare_check, get_setting,
                                        last_changes, reset_setting, save_settings, set_setting)

__all__ = ["CROSS_CHECKS", "SETTINGS", "Declared", "SettingChange", "all_settings", "check_settings",
           "check_value", "declare", "declare_check", "get_setting", "last_changes", "load_declarations",
           "reset_setting", "save_settings", "set_setting"]


def load_declarations() -> dict[str, Declared]:
    """Every declared setting, by key (the settings page lists them all)."""
    return SETTINGS
