"""Shared fixtures. Every test runs with a temporary COMMDESK_HOME and Qt offscreen."""
from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_SCALE_FACTOR", "1")
# QSettings (UI state) must not read or write the real user's configuration
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="commdesk-test-config-")
ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SRC = ROOT / "src"
if str(SRC) not in sys.path:  # pragma: no cover - the editable install normally provides it
    sys.path.insert(0, str(SRC))


@pytest.fixture(autouse=True)
def commdesk_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("COMMDESK_HOME", str(home))
    return home


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.sqlite3"


@pytest.fixture
def db(db_path: Path) -> Iterator[object]:
    from commdesk.models.db import open_database

    database = open_database(db_path)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def data_dir() -> Path:
    return DATA


def lock_is_free(db_path: Path) -> bool:
    """True when no process holds the single-instance lock of this database (the lock file
    itself may stay, emptied, after a release)."""
    from commdesk.models.lock import InstanceLock, lock_path_for

    if not lock_path_for(db_path).exists():
        return True
    lock = InstanceLock(db_path)
    try:
        lock.acquire()
    except Exception:  # noqa: BLE001 - DatabaseLocked: someone holds it
        return False
    lock.release()
    return True


@pytest.fixture(autouse=True)
def no_crash_dialog() -> Iterator[None]:
    """A bug that reaches the app's crash dialog fails the test that caused it."""
    from commdesk.ui.errors import SHOWN_BUGS

    SHOWN_BUGS.clear()
    yield
    bugs = list(SHOWN_BUGS)
    SHOWN_BUGS.clear()
    assert not bugs, f"the crash dialog was shown: {bugs[0]!r}"
