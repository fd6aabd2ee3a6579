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


#: ``COMMDESK_TEST_DB=postgresql`` runs the store fixtures (``db``, ``db_target``) on a real
#: PostgreSQL server started for the session (tests/pg_server.py); SQLite otherwise.
TEST_BACKEND = os.environ.get("COMMDESK_TEST_DB", "sqlite").strip().lower() or "sqlite"
ON_SERVER = TEST_BACKEND in ("postgresql", "postgres", "pg")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: needs the real PostgreSQL server (tests/pg_server.py)")
    config.addinivalue_line("markers", "sqlite_only(reason): tests a property of the SQLite file (WAL, "
                            "file lock, file backup); skipped on the PostgreSQL pass")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not ON_SERVER:
        return
    for item in items:
        mark = item.get_closest_marker("sqlite_only")
        if mark is not None:
            reason = mark.kwargs.get("reason") or (mark.args[0] if mark.args else "SQLite file only")
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    """One private PostgreSQL server for the whole session (started on first use)."""
    from tests import pg_server as pgs

    if pgs.find_bin_dir() is None:
        if sys.platform.startswith("linux"):
            pytest.fail("PostgreSQL server binaries not found: install the Debian package 'postgresql' "
                        "(tools/dev.py does) or set COMMDESK_PG_BIN")
        pytest.skip("no PostgreSQL server binaries on this system")
    server = pgs.start_server()
    try:
        yield server
    finally:
        pgs.stop_server(server)


@pytest.fixture
def pg_url(pg_server: object) -> Iterator[str]:
    """An empty database of its own on the session's server, as a ``--db`` URL."""
    name = pg_server.create_database()  # type: ignore[attr-defined]
    try:
        yield pg_server.url(name)  # type: ignore[attr-defined]
    finally:
        pg_server.drop_database(name)  # type: ignore[attr-defined]


@pytest.fixture
def office(pg_server: object) -> Iterator[object]:
    """A password-protected role and its database on the session's server (tests/pg_office.py)."""
    from tests.pg_office import office_on

    with office_on(pg_server) as o:
        yield o


@pytest.fixture
def ring() -> Iterator[object]:
    """An in-memory keyring for the test (the OS keyring is the boundary)."""
    from tests.memory_keyring import memory_keyring

    with memory_keyring() as r:
        yield r


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.sqlite3"


@pytest.fixture
def db_target(request: pytest.FixtureRequest, db_path: Path) -> str | Path:
    """What ``--db`` names for this test: the SQLite file, or a fresh server database on the
    PostgreSQL pass."""
    if ON_SERVER:
        return request.getfixturevalue("pg_url")
    return db_path


@pytest.fixture
def db(db_target: str | Path) -> Iterator[object]:
    from commdesk.models.db import open_database

    database = open_database(db_target)
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
