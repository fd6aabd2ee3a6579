"""Access to a real PostgreSQL server: the password never in clear (OS keyring through the real
``keyring`` API with an in-memory backend, ``COMMDESK_DB_PASSWORD``, a prompt asked again when the
server refuses it), the warning about a password written in the URL, ``sslmode=require`` against a
server without TLS, and the PC's start database (the connection file, without the password)."""
from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import text

from commdesk.errors import UserError
from commdesk.models import connection
from commdesk.models.connection import ServerAddress
from commdesk.models.db import open_database, resolve_url
from tests.memory_keyring import MemoryKeyring
from tests.pg_office import SECRET, Office

pytestmark = pytest.mark.postgres


def _count(database: object) -> int:
    with database.engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one())


def test_the_address_and_its_url_round_trip() -> None:
    a = ServerAddress(host="192.168.1.10", database="commdesk", user="commdesk", port=5433, sslmode="require")
    assert a.url() == "postgresql://commdesk@192.168.1.10:5433/commdesk?sslmode=require"
    assert ServerAddress.from_url(a.url()) == a
    assert a.key == "commdesk@192.168.1.10:5433/commdesk"
    sock = ServerAddress(host="/run/postgresql", database="d", user="u", port=5432)
    assert ServerAddress.from_url(sock.url()) == sock
    assert ServerAddress.from_url("postgresql+psycopg://u:pw@h/d").port == 5432
    with pytest.raises(UserError, match="端口"):
        ServerAddress(host="h", database="d", user="u", port=0).validate()
    with pytest.raises(UserError, match="sslmode"):
        ServerAddress(host="h", database="d", user="u", sslmode="maybe").validate()


def test_the_password_comes_from_the_os_keyring(office: Office, ring: MemoryKeyring,
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ring.set_password("commdesk", office.address.key, SECRET)
    with open_database(office.url()) as database:
        assert _count(database) == 1                       # migrated: the role can work in its database
        assert SECRET not in database.url and office.role in database.url
        assert database.engine.url.password == SECRET      # only the engine holds it
    assert not any(SECRET in r.getMessage() for r in caplog.records)


def test_without_keyring_the_environment_then_the_prompt(office: Office, ring: MemoryKeyring,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UserError, match="COMMDESK_DB_PASSWORD"):    # no keyring entry, no prompt
        open_database(office.url())
    monkeypatch.setenv("COMMDESK_DB_PASSWORD", SECRET)
    with open_database(office.url()) as database:
        assert _count(database) == 1
    monkeypatch.delenv("COMMDESK_DB_PASSWORD")
    connection.forget_answers()
    asked: list[connection.PasswordRequest] = []

    def prompt(request: connection.PasswordRequest) -> tuple[str, bool]:
        asked.append(request)
        return SECRET, True                                  # ticked: remember it

    connection.set_password_prompt(prompt)
    with open_database(office.url()):
        pass
    with open_database(office.url()):                        # this process does not ask again
        pass
    assert len(asked) == 1 and asked[0].address.key == office.address.key and asked[0].error == ""
    assert ring.get_password("commdesk", office.address.key) == SECRET   # remembered in the keyring
    connection.forget_answers()
    connection.set_password_prompt(None)
    with open_database(office.url()):                        # the next start: from the keyring
        pass


def test_a_refused_password_is_asked_again_with_the_reason(office: Office, ring: MemoryKeyring) -> None:
    ring.set_password("commdesk", office.address.key, "an old password")
    answers = iter(["still wrong", SECRET])
    asked: list[str] = []

    def prompt(request: connection.PasswordRequest) -> tuple[str, bool]:
        asked.append(request.error)
        return next(answers), True

    connection.set_password_prompt(prompt)
    with open_database(office.url()) as database:
        assert _count(database) == 1
    assert len(asked) == 2 and all("用户名或密码不对" in e for e in asked)
    assert ring.get_password("commdesk", office.address.key) == SECRET   # the right one replaced the old


def test_three_refusals_end_with_the_clear_message(office: Office, ring: MemoryKeyring) -> None:
    calls: list[int] = []

    def prompt(request: connection.PasswordRequest) -> tuple[str, bool]:
        calls.append(1)
        return "wrong", True                                  # ticked, but refused by the server

    connection.set_password_prompt(prompt)
    with pytest.raises(UserError, match="用户名或密码不对"):
        open_database(office.url())
    assert len(calls) == 3
    assert ring.store == {}                                  # a refused password is never stored


def test_a_password_in_the_url_works_and_is_warned_about_once(office: Office, ring: MemoryKeyring) -> None:
    shown: list[ServerAddress] = []
    connection.set_clear_password_notice(shown.append)
    for _i in range(2):
        with open_database(office.url(SECRET)) as database:
            assert SECRET not in database.url
    assert [a.key for a in shown] == [office.address.key]
    assert SECRET not in connection.clear_password_warning(office.address)


def test_the_command_line_takes_the_keyring_or_says_how(office: Office, ring: MemoryKeyring,
                                                       capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from commdesk.cli import main

    assert main(["check", "--db", office.url()]) == 1     # no keyring entry, no terminal (pytest)
    err = capsys.readouterr().err
    assert "需要数据库服务器的密码" in err and "COMMDESK_DB_PASSWORD" in err
    ring.set_password("commdesk", office.address.key, SECRET)
    assert main(["check", "--db", office.url()]) == 0
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err
    connection.forget_answers()
    assert main(["check", "--db", office.url(SECRET)]) == 0     # in the URL: it works, with the warning
    err = capsys.readouterr().err
    assert "明文密码" in err and SECRET not in err
    ring.store.clear()
    connection.forget_answers()
    monkeypatch.setenv("COMMDESK_DB_PASSWORD", "wrong")
    assert main(["check", "--db", office.url()]) == 1
    assert "用户名或密码不对" in capsys.readouterr().err


def test_sslmode_require_against_a_server_without_tls_is_the_clear_message(office: Office, ring: MemoryKeyring,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from commdesk.cli import main

    ring.set_password("commdesk", office.address.key, SECRET)
    with pytest.raises(UserError) as excinfo:
        open_database(office.url(sslmode="require"))
    assert "sslmode" in str(excinfo.value) and "加密连接" in str(excinfo.value)
    assert main(["check", "--db", office.url(sslmode="require")]) == 1
    assert "无法建立加密连接" in capsys.readouterr().err
    with open_database(office.url(sslmode="disable")) as database:   # the same server without TLS: fine
        assert _count(database) == 1


def test_the_start_database_is_the_saved_server_without_its_password(office: Office, ring: MemoryKeyring,
                                                                   commdesk_home) -> None:
    ring.set_password("commdesk", office.address.key, SECRET)
    assert resolve_url(None)[1] == commdesk_home / "commdesk.sqlite3"      # nothing saved: the file
    path = connection.save_start_database(office.address)
    stored = path.read_text(encoding="utf-8")
    assert SECRET not in stored and "password" not in stored
    assert json.loads(stored)["host"] == "127.0.0.1"
    url, file = resolve_url(None)
    assert file is None and office.role in url
    with open_database(None) as database:                 # what `commdesk` without --db opens now
        assert database.path is None and _count(database) == 1
    assert connection.clear_start_database()
    assert resolve_url(None)[1] is not None
    (commdesk_home / "database.json").write_text("{not json", encoding="utf-8")
    assert connection.start_database() is None           # a damaged file: the PC's own file


def test_the_command_line_asks_at_the_terminal_and_offers_to_remember(office: Office, ring: MemoryKeyring,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """The terminal is the boundary: a tty whose typed password (never echoed: getpass) and the
    answer to 保存到系统凭据管理器？ are given."""
    import builtins
    import getpass
    import io

    from commdesk.cli import main

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    typed = iter(["wrong", SECRET])
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(typed)

    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    monkeypatch.setattr(builtins, "input", lambda prompt="": "y")
    assert main(["check", "--db", office.url()]) == 0
    assert len(prompts) == 2 and office.address.key in prompts[0]
    assert "用户名或密码不对" in capsys.readouterr().err        # the reason before asking again
    assert ring.get_password("commdesk", office.address.key) == SECRET
