"""Accounts: Argon2id hashes, roles, strength rules, lockout after five failures, and an audit
entry for each login and failure — on a real SQLite file."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from commdesk.errors import UserError
from commdesk.models import Account, AuditEntry
from commdesk.models.db import open_database
from commdesk.services import accounts

STRONG = "Shequ-2026"


@pytest.fixture()
def db(tmp_path: Path):
    database = open_database(tmp_path / "db.sqlite3")
    yield database
    database.close()


def _admin(session) -> accounts.LoggedIn:
    accounts.add_account(session, "admin", "admin", STRONG, None)
    session.commit()
    return accounts.login(session, "admin", STRONG)


def test_the_first_account_must_be_an_administrator_and_the_hash_is_argon2id(db) -> None:
    with db.Session() as s:
        with pytest.raises(UserError, match="第一个账号，必须是管理员"):
            accounts.add_account(s, "wang", "staff", STRONG, None)
        assert not accounts.has_accounts(s)
        me = _admin(s)
        assert me.role == "admin" and me.may("accounts") and not me.may("full_values")
        stored = s.scalar(select(Account.password_hash))
        assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=2$") and STRONG not in stored
        with pytest.raises(UserError, match="需要管理员登录"):
            accounts.add_account(s, "wang", "staff", STRONG, None)


@pytest.mark.parametrize(("password", "words"), [("Ab1", "太短"), ("abcdefghij", "太简单"), ("12345678", "太简单"),
                                                 ("password1", "容易被猜到"), ("wang2026!", "容易被猜到"),
                                                 ("aaaa1111", "容易被猜到")])
def test_weak_passwords_are_refused_with_the_reason(password: str, words: str) -> None:
    with pytest.raises(UserError, match=words):
        accounts.check_strength(password, "wang")


def test_roles_allow_what_they_name(db) -> None:
    with db.Session() as s:
        me = _admin(s)
        accounts.add_account(s, "staff1", "staff", STRONG, me)
        accounts.add_account(s, "viewer", "readonly", STRONG, me)
        s.commit()
        staff = accounts.login(s, "staff1", STRONG)
        viewer = accounts.login(s, "viewer", STRONG)
        assert staff.may("import") and staff.may("export") and not staff.may("restore") and not staff.may("accounts")
        assert viewer.may("view") and not viewer.may("edit") and not viewer.may("export")
        with pytest.raises(UserError, match="没有“导入”的权限"):
            viewer.require("import")
        with pytest.raises(UserError, match="管理账号"):
            accounts.add_account(s, "x2", "staff", STRONG, staff)
        accounts.set_full_values(s, "staff1", True, me)
        s.commit()
        assert accounts.login(s, "staff1", STRONG).may("full_values")
        with pytest.raises(UserError, match="唯一的管理员"):
            accounts.set_role(s, "admin", "staff", me)


def test_five_failures_lock_the_account_for_fifteen_minutes_and_each_is_audited(db) -> None:
    start = datetime(2026, 12, 6, 9, 0)
    with db.Session() as s:
        me = _admin(s)
        accounts.add_account(s, "li", "staff", STRONG, me)
        s.commit()
        for n in range(1, 5):
            with pytest.raises(UserError, match=f"再错 {5 - n} 次"):
                accounts.login(s, "li", "wrong-pass-1", clock=lambda: start)
        with pytest.raises(UserError, match="已锁定 15 分钟"):
            accounts.login(s, "li", "wrong-pass-1", clock=lambda: start)
        # locked: even the right password is refused until the time is up
        with pytest.raises(UserError, match="已锁定，请在 09:15 后再试"):
            accounts.login(s, "li", STRONG, clock=lambda: start + timedelta(minutes=14))
        assert accounts.login(s, "li", STRONG, clock=lambda: start + timedelta(minutes=16)).name == "li"
        # an administrator unlocks early
        for _n in range(5):
            with pytest.raises(UserError):
                accounts.login(s, "li", "wrong-pass-1", clock=lambda: start)
        accounts.unlock(s, "li", me)
        s.commit()
        assert accounts.login(s, "li", STRONG, clock=lambda: start).name == "li"
        actions = [a for (a,) in s.execute(select(AuditEntry.action).where(AuditEntry.user == "li"))]
    assert actions.count("login_failed") == 11 and actions.count("account_locked") == 2
    assert actions.count("login") == 2


def test_a_wrong_name_reads_like_a_wrong_password_and_is_audited(db) -> None:
    with db.Session() as s:
        _admin(s)
        with pytest.raises(UserError, match="^用户名或密码不正确$"):
            accounts.login(s, "nobody", STRONG)
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "login_failed")).one()
        assert entry.user == "nobody" and STRONG not in entry.summary


def test_reset_password_by_an_administrator_and_own_change(db) -> None:
    with db.Session() as s:
        me = _admin(s)
        accounts.add_account(s, "zhao", "staff", STRONG, me)
        accounts.reset_password(s, "zhao", "Xin-mima-77", me)
        s.commit()
        with pytest.raises(UserError):
            accounts.login(s, "zhao", STRONG)
        zhao = accounts.login(s, "zhao", "Xin-mima-77")
        with pytest.raises(UserError, match="原密码不正确"):
            accounts.change_own_password(s, zhao, "nope-nope-1", "Another-88")
        accounts.change_own_password(s, zhao, "Xin-mima-77", "Another-88")
        s.commit()
        assert accounts.login(s, "zhao", "Another-88").name == "zhao"


def test_the_audit_chain_still_verifies_after_logins(db) -> None:
    from commdesk.models.audit_chain import verify_chain

    with db.Session() as s:
        _admin(s)
        with pytest.raises(UserError):
            accounts.login(s, "admin", "wrong-wrong-1")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar() >= 3
        report = verify_chain(conn)
    assert report.ok, report
