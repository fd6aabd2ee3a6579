"""One translation mechanism for every user-facing string, core and UI alike.

Source strings are Simplified Chinese. ``_("…")`` marks a string for translation and returns
its translation from ``resources/translations/<lang>.json`` when ``COMMDESK_LANG`` names a
catalogue, else the string itself. The UI uses the same function, so one catalogue serves both.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, str]:
    lang = os.environ.get("COMMDESK_LANG", "")
    if not lang or lang.startswith("zh"):
        return {}
    from commdesk.paths import resources_dir

    try:
        path = resources_dir() / "translations" / f"{lang}.json"
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _(text: str) -> str:
    return _catalogue().get(text, text)


tr = _
