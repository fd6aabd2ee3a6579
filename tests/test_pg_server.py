"""The test suite's own PostgreSQL server (tests/pg_server.py) really runs and isolates tests."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.postgres


def test_server_is_real_postgresql_15_on_a_private_socket(pg_server, pg_url) -> None:
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            version = conn.execute(text("SHOW server_version_num")).scalar_one()
            listen = conn.execute(text("SHOW listen_addresses")).scalar_one()
            sockets = conn.execute(text("SHOW unix_socket_directories")).scalar_one()
            user = conn.execute(text("SELECT current_user")).scalar_one()
    finally:
        engine.dispose()
    assert int(version) >= 150000
    assert listen == "127.0.0.1"              # loopback only (sslmode tests need TCP), never a public address
    assert sockets == str(pg_server.socket_dir)
    assert user == "commdesk_test"
    if os.geteuid() == 0:                     # the server process is not root
        pid = int((pg_server.data_dir / "postmaster.pid").read_text().split()[0])
        assert os.stat(f"/proc/{pid}").st_uid != 0


def test_each_test_gets_an_empty_database_of_its_own(pg_server, pg_url) -> None:
    other = pg_server.url(pg_server.create_database())
    try:
        for url in (pg_url, other):
            engine = create_engine(url)
            with engine.begin() as conn:
                assert conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar() == 0
                conn.execute(text("CREATE TABLE t (x int)"))
            engine.dispose()
    finally:
        pg_server.drop_database(other.split("/")[-1].split("?")[0])


def test_wrong_password_is_refused(pg_server, pg_url) -> None:
    from sqlalchemy.exc import OperationalError

    bad = pg_url.replace("commdesk-test-password", "wrong")
    engine = create_engine(bad)
    with pytest.raises(OperationalError, match="password authentication failed"):
        engine.connect()
    engine.dispose()
