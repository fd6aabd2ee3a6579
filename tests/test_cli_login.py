"""The command line's login contract: ``user add/list/reset-password/unlock`` and a global
``--user`` with the password from ``COMMDESK_PASSWORD``; on a database that has accounts every
command refuses without a valid login, and a role without the permission is refused.

Driven in-process through ``commdesk.cli.main`` and once as a real process; real SQLite files."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_support import run_cli as run

ADMIN_PW = "Guanli-2026"
STAFF_PW = "Gongzuo-2026"
SAMPLE = Path(__file__).parent / "data" / "import" / "幸福里社区居民信息登记表.xlsx"


@pytest.fixture()
def accounts_db(tmp_path: Path, capsys, monkeypatch) -> str:
    """A demo database with an administrator and a staff and a read-only account."""
    db = str(tmp_path / "office.sqlite3")
    assert run(capsys, monkeypatch, ["demo", "--db", db, "--households", "20"])[0] == 0
    code, out, err = run(capsys, monkeypatch, ["user", "add", "admin", "--role", "admin", "--db", db], ADMIN_PW)
    assert code == 0 and "第一个管理员" in out, err
    for name, role in (("wang", "staff"), ("viewer", "readonly")):
        code, out, err = run(capsys, monkeypatch, ["--user", "admin", "user", "add", name, "--role", role, "--db", db],
                             ADMIN_PW, COMMDESK_NEW_PASSWORD=STAFF_PW)
        assert code == 0, err
    return db


def test_without_accounts_commands_run_as_before(tmp_path: Path, capsys, monkeypatch) -> None:
    db = str(tmp_path / "plain.sqlite3")
    assert run(capsys, monkeypatch, ["demo", "--db", db, "--households", "5"])[0] == 0
    assert run(capsys, monkeypatch, ["check", "--db", db])[0] == 0
    code, out, _err = run(capsys, monkeypatch, ["user", "list", "--db", db])
    assert code == 0 and "还没有账号" in out


def test_the_first_account_must_be_admin(tmp_path: Path, capsys, monkeypatch) -> None:
    db = str(tmp_path / "x.sqlite3")
    code, _out, err = run(capsys, monkeypatch, ["user", "add", "wang", "--role", "staff", "--db", db], STAFF_PW)
    assert code == 1 and "必须是管理员" in err
    code, _out, err = run(capsys, monkeypatch, ["user", "add", "admin", "--role", "admin", "--db", db], "short")
    assert code == 1 and "密码太短" in err


def test_every_command_needs_a_login_once_accounts_exist(accounts_db: str, tmp_path: Path, capsys, monkeypatch) -> None:
    db = accounts_db
    out_file = str(tmp_path / "ledger.xlsx")
    for argv in (["check"], ["export", "households", "-o", out_file], ["audit", "verify"], ["user", "list"],
                 ["import", str(SAMPLE), "--dry-run"], ["backup"], ["restore", str(tmp_path / "nothing.cdbak")]):
        code, _out, err = run(capsys, monkeypatch, argv + ["--db", db])
        assert code == 1 and ("--user" in err), (argv, err)
    code, _out, err = run(capsys, monkeypatch, ["--user", "wang", "check", "--db", db], "wrong-pass-9")
    assert code == 1 and "用户名或密码不正确" in err
    code, out, err = run(capsys, monkeypatch, ["--user", "wang", "check", "--db", db], STAFF_PW)
    assert code == 0, err
    # the subcommand's own --user is the same option
    code, out, err = run(capsys, monkeypatch, ["check", "--db", db, "--user", "wang"], STAFF_PW)
    assert code == 0, err


def test_roles_are_enforced_on_the_command_line(accounts_db: str, tmp_path: Path, capsys, monkeypatch) -> None:
    db = accounts_db
    out_file = str(tmp_path / "ledger.xlsx")
    code, _out, err = run(capsys, monkeypatch, ["--user", "viewer", "export", "households", "-o", out_file,
                                                "--db", db], STAFF_PW)
    assert code == 1 and "没有“导出”的权限" in err and not Path(out_file).exists()
    code, _out, err = run(capsys, monkeypatch, ["--user", "viewer", "import", str(SAMPLE), "--db", db], STAFF_PW)
    assert code == 1 and "没有“导入”的权限" in err
    code, _out, err = run(capsys, monkeypatch, ["--user", "wang", "user", "add", "li", "--role", "staff", "--db", db],
                          STAFF_PW)
    assert code == 1 and "管理账号" in err
    code, _out, err = run(capsys, monkeypatch, ["--user", "wang", "export", "households", "-o", out_file,
                                                "--db", db], STAFF_PW)
    assert code == 0, err
    # full values: a permission the administrator grants, with the reason typed, audited
    code, _out, err = run(capsys, monkeypatch, ["--user", "wang", "export", "households", "--full", "-o",
                                                out_file, "--db", db], STAFF_PW)
    assert code == 1 and "查看完整身份证号和电话" in err
    assert run(capsys, monkeypatch, ["--user", "admin", "user", "grant-full", "wang", "--db", db], ADMIN_PW)[0] == 0
    code, _out, err = run(capsys, monkeypatch, ["--user", "wang", "export", "households", "--full", "-o",
                                                out_file, "--db", db], STAFF_PW)
    assert code == 1 and "--reason" in err
    code, _out, err = run(capsys, monkeypatch, ["--user", "wang", "export", "households", "--full", "--reason",
                                                "报送街道低保复核", "-o", out_file, "--db", db], STAFF_PW)
    assert code == 0, err
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT user, summary FROM audit_log WHERE action = 'full_values'").fetchall()
    assert rows and rows[-1][0] == "wang" and "报送街道低保复核" in rows[-1][1]


def test_lockout_unlock_and_reset_password(accounts_db: str, capsys, monkeypatch) -> None:
    db = accounts_db
    for _n in range(5):
        code, _out, err = run(capsys, monkeypatch, ["--user", "wang", "check", "--db", db], "wrong-pass-9")
        assert code == 1
    assert "已锁定 15 分钟" in err
    code, _out, err = run(capsys, monkeypatch, ["--user", "wang", "check", "--db", db], STAFF_PW)
    assert code == 1 and "已锁定" in err
    code, out, _err = run(capsys, monkeypatch, ["--user", "admin", "user", "list", "--json", "--db", db], ADMIN_PW)
    state = {r["name"]: r["state"] for r in json.loads(out)}
    assert state["wang"].startswith("锁定至") and state["admin"] == "正常"
    assert run(capsys, monkeypatch, ["--user", "admin", "user", "unlock", "wang", "--db", db], ADMIN_PW)[0] == 0
    assert run(capsys, monkeypatch, ["--user", "wang", "check", "--db", db], STAFF_PW)[0] == 0
    code, _out, err = run(capsys, monkeypatch, ["--user", "admin", "user", "reset-password", "wang", "--db", db],
                          ADMIN_PW, COMMDESK_NEW_PASSWORD="Xinmima-3030")
    assert code == 0, err
    assert run(capsys, monkeypatch, ["--user", "wang", "check", "--db", db], STAFF_PW)[0] == 1
    assert run(capsys, monkeypatch, ["--user", "wang", "check", "--db", db], "Xinmima-3030")[0] == 0
    with sqlite3.connect(db) as conn:
        actions = [a for (a,) in conn.execute("SELECT action FROM audit_log WHERE table_name = 'account'")]
    assert {"login", "login_failed", "account_locked", "account_unlock", "password_reset", "account_add"} <= set(actions)
    assert run(capsys, monkeypatch, ["audit", "verify", "--db", db, "--user", "admin"], ADMIN_PW)[0] == 0


def test_a_real_process_reads_the_password_from_the_environment(accounts_db: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMDESK_")}
    env["COMMDESK_PASSWORD"] = STAFF_PW
    done = subprocess.run([sys.executable, "-m", "commdesk", "--user", "wang", "check", "--db", accounts_db],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([sys.executable, "-m", "commdesk", "check", "--db", accounts_db], capture_output=True,
                          text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 1 and "--user" in done.stderr and "Traceback" not in done.stderr


def test_an_account_changes_its_own_password(accounts_db: str, capsys, monkeypatch) -> None:
    db = accounts_db
    code, out, err = run(capsys, monkeypatch, ["--user", "wang", "user", "change-password", "--db", db], STAFF_PW,
                         COMMDESK_NEW_PASSWORD="Ziji-mima-99")
    assert code == 0 and "已修改 wang 的密码" in out, err
    assert run(capsys, monkeypatch, ["--user", "wang", "check", "--db", db], STAFF_PW)[0] == 1
    assert run(capsys, monkeypatch, ["--user", "wang", "check", "--db", db], "Ziji-mima-99")[0] == 0
