"""Every folder commdesk uses, from one place.

``COMMDESK_HOME`` overrides the per-user data folder (tests and portable installs use it).
"""
from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def home_location() -> Path:
    """The user data folder's path, without creating it (the start's folder check looks first)."""
    env = os.environ.get("COMMDESK_HOME")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("commdesk", appauthor=False, roaming=False))


def home() -> Path:
    path = home_location()
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


def write_error(folder: Path) -> OSError | None:
    """Why nothing can be written in ``folder`` (None: a file was really created, written and
    removed there). Permissions, ACLs and read-only mounts are only known by trying."""
    probe = folder / f".commdesk-probe-{os.getpid()}-{os.urandom(4).hex()}"
    try:
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError as exc:
        return exc
    try:
        os.write(fd, b"x")
    except OSError as exc:
        return exc
    finally:
        os.close(fd)
        try:
            os.remove(probe)
        except OSError:
            pass
    return None


def sqlite_uri(path: Path, mode: str = "ro") -> str:
    """A ``file:`` URI for SQLite with the path escaped (a '#' or '?' in a folder name is common).

    A read-only URI for a file in a folder nothing can be written to (a read-only share or
    mount) is also ``immutable``: SQLite cannot otherwise read a WAL database there, since it
    needs to create the ``-shm`` file. Not when a ``-wal`` file is there: it holds committed
    data that ``immutable`` would skip."""
    from urllib.parse import quote

    uri = f"file:{quote(path.as_posix(), safe='/:')}?mode={mode}"
    if mode == "ro" and not path.with_name(path.name + "-wal").exists() and path.parent.is_dir() \
            and write_error(path.parent) is not None:
        uri += "&immutable=1"
    return uri
