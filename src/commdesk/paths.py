"""Every folder commdesk uses, from one place.

``COMMDESK_HOME`` overrides the per-user data folder (tests and portable installs use it).
"""
from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def home() -> Path:
    env = os.environ.get("COMMDESK_HOME")
    if env:
        path = Path(env)
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir("commdesk", appauthor=False, roaming=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sub(name: str) -> Path:
    path = home() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def backups_dir() -> Path:
    return _sub("backups")


def logs_dir() -> Path:
    return _sub("logs")


def attachments_dir() -> Path:
    return _sub("attachments")


def default_db_path() -> Path:
    return home() / "commdesk.sqlite3"


def resources_dir() -> Path:
    """The repository's ``resources/`` folder (or the bundled copy next to the package)."""
    env = os.environ.get("COMMDESK_RESOURCES")
    candidates = [Path(env)] if env else []
    candidates += [_PACKAGE_DIR / "resources", _PACKAGE_DIR.parent.parent / "resources"]
    for cand in candidates:
        if cand.is_dir():
            return cand
    raise FileNotFoundError("commdesk resources folder not found")


def font_path() -> Path:
    return resources_dir() / "fonts" / "wqy-microhei.ttc"


def sqlite_uri(path: Path, mode: str = "ro") -> str:
    """A ``file:`` URI for SQLite with the path escaped (a '#' or '?' in a folder name is common)."""
    from urllib.parse import quote

    return f"file:{quote(path.as_posix(), safe='/:')}?mode={mode}"
