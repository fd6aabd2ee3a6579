"""The live database encrypted at rest (SQLCipher through sqlcipher3): real files, the real driver,
the in-memory keyring (the OS credential store is the boundary).

Encrypting and decrypting keep every row; the encrypted file (and its write-ahead log) holds no
resident's name or ID number and plain SQLite cannot read it; a lost keyring entry is recovered
with the backup password through the key file; a wrong password, a missing key file, a missing
backup password, a full disk and a kill are refused or survived with the file as it was; a backup
of an encrypted database restores on another PC with the backup password alone; a restore onto an
encrypted database keeps it encrypted.
"""
from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("sqlcipher3")

from sqlalchemy import text  # noqa: E402

from commdesk.demo.households import generate_demo  # noqa: E402
from commdesk.errors import UserError  # noqa: E402
from commdesk.models import cipher_switch, db_cipher  # noqa: E402
from commdesk.models.backup import backup_encrypted, restore_any  # noqa: E402
from commdesk.models.backup_key import keep_backup_password, kept_key  # noqa: E402
from tests.cli_support import run_cli as _cli  # noqa: E402
from commdesk.models.db import open_database  # noqa: E402

pytestmark = pytest.mark.sqlite_only(reason="encryption of the SQLite file")
PASSWORD = "Beifen-2026-12"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def clean_keys(ring: object) -> Iterator[object]:
    """Every test with an in-memory keyring, no prompt and no key known to the process."""
    db_cipher._known.clear()
    old = db_cipher.set_key_prompt(None)
    try:
        yield ring
    finally:
        db_cipher._known.clear()
        db_cipher.set_key_prompt(old)


def _office(tmp_path: Path, households: int = 30, keep: bool = True) -> Path:
    db = tmp_path / "office.sqlite3"
    with open_database(db) as database:
        generate_demo(database, households=households, seed=5)
        if keep:
            keep_backup_password(database, PASSWORD)
    return db


def _rows(database: object) -> list[tuple[object, ...]]:
    with database.engine.connect() as conn:  # type: ignore[attr-defined]
        return [tuple(r) for r in conn.execute(text(
            "SELECT r.id, r.name, r.id_number, r.phone, h.household_no FROM resident r"
            " JOIN household h ON h.id = r.household_id ORDER BY r.id"))]


def _plain_rows(path: Path) -> list[tuple[object, ...]]:
    with open_database(path, readonly=True) as database:
        return _rows(database)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _forget_everything(ring: object) -> None:
    """A new Windows profile: the keyring is empty and this process knows no key."""
    ring.store.clear()  # type: ignore[attr-defined]
    db_cipher._known.clear()


def test_encrypt_open_and_decrypt_keep_every_row(tmp_path: Path, clean_keys: object) -> None:
    db = _office(tmp_path)
    before = _plain_rows(db)
    assert not db_cipher.is_encrypted_file(db)
    backup = cipher_switch.encrypt(db)
    assert backup.suffix == ".cdbak" and backup.exists()
    assert db_cipher.is_encrypted_file(db)
    assert db_cipher.sidecar_path(db).exists()
    assert (db_cipher.SERVICE, str(db.resolve())) in clean_keys.store  # type: ignore[attr-defined]
    with open_database(db) as database:
        assert database.encrypted
        assert _rows(database) == before
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            actions = [r[0] for r in conn.exec_driver_sql("SELECT action FROM audit_log ORDER BY id")]
        assert actions[-1] == "db_encrypt"
    assert _plain_rows(db) == before                 # read-only open of an encrypted file too
    _forget_everything(clean_keys)                    # decrypting on a PC that lost the key
    db_cipher.set_key_prompt(lambda request: PASSWORD)
    cipher_switch.decrypt(db)
    assert not db_cipher.is_encrypted_file(db)
    assert not db_cipher.sidecar_path(db).exists()
    assert not clean_keys.store  # type: ignore[attr-defined]
    with sqlite3.connect(db) as conn:                # plain SQLite again
        assert conn.execute("SELECT count(*) FROM resident").fetchone()[0] == len(before)
    with open_database(db) as database:
        assert not database.encrypted and _rows(database) == before
        with database.engine.connect() as conn:
            actions = [r[0] for r in conn.exec_driver_sql("SELECT action FROM audit_log ORDER BY id")]
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert actions[-2:] == ["db_encrypt", "db_decrypt"]


def test_the_encrypted_file_holds_no_name_or_id_number_and_sqlite_cannot_read_it(tmp_path: Path) -> None:
    db = _office(tmp_path)
    rows = _plain_rows(db)
    cipher_switch.encrypt(db)
    with open_database(db) as database:
        with database.Session.begin() as session:                  # a write: into the WAL
            session.execute(text("UPDATE resident SET name = '甄密文' WHERE id = 1"))
        assert Path(f"{db}-wal").stat().st_size > 0
        raw = db.read_bytes() + Path(f"{db}-wal").read_bytes()
    raw += db.read_bytes()
    samples = [r for r in rows if r[2]][:5]
    for _id, name, id_number, phone, _no in samples:
        assert str(id_number).encode() not in raw
        assert str(name).encode("utf-8") not in raw
        if phone:
            assert str(phone).encode() not in raw
    assert "甄密文".encode() not in raw
    assert b"SQLite format 3" not in raw[:100]
    sidecar = db_cipher.sidecar_path(db).read_text(encoding="utf-8")
    assert db_cipher.known_key(db).hex() not in sidecar            # the key is only there wrapped
    with pytest.raises(sqlite3.DatabaseError):
        with sqlite3.connect(db) as conn:
            conn.execute("SELECT count(*) FROM resident").fetchone()


def test_a_lost_keyring_entry_is_recovered_with_the_backup_password(tmp_path: Path, clean_keys: object) -> None:
    db = _office(tmp_path)
    rows = _plain_rows(db)
    cipher_switch.encrypt(db)
    _forget_everything(clean_keys)
    with pytest.raises(UserError, match="需要备份密码"):           # no prompt: said, not guessed
        open_database(db)
    asked: list[db_cipher.KeyRequest] = []

    def prompt(request: db_cipher.KeyRequest) -> str:
        asked.append(request)
        return "wrong-password" if len(asked) == 1 else PASSWORD
    db_cipher.set_key_prompt(prompt)
    with open_database(db) as database:
        assert _rows(database) == rows
    assert [a.error for a in asked] == ["", "备份密码不对，打不开数据库的钥匙文件"]
    assert asked[0].name == "office.sqlite3"
    assert db_cipher.keyring_key(db) is not None                   # put back into the keyring
    db_cipher._known.clear()
    db_cipher.set_key_prompt(None)
    with open_database(db) as database:                            # next time: the keyring alone
        assert _rows(database) == rows


def test_a_wrong_backup_password_is_refused_and_the_file_is_untouched(tmp_path: Path, clean_keys: object) -> None:
    db = _office(tmp_path)
    cipher_switch.encrypt(db)
    _forget_everything(clean_keys)
    digest = _sha(db)
    db_cipher.set_key_prompt(lambda request: "Falsch-2026-12")
    with pytest.raises(UserError, match="备份密码不对"):
        open_database(db)
    db_cipher.set_key_prompt(lambda request: None)                 # the user gave up
    with pytest.raises(UserError, match="没有输入备份密码"):
        open_database(db)
    assert _sha(db) == digest
    assert not clean_keys.store  # type: ignore[attr-defined]


def test_without_key_file_and_keyring_it_says_so(tmp_path: Path, clean_keys: object) -> None:
    db = _office(tmp_path)
    cipher_switch.encrypt(db)
    sidecar = db_cipher.sidecar_path(db)
    saved = sidecar.read_bytes()
    sidecar.unlink()
    _forget_everything(clean_keys)
    db_cipher.set_key_prompt(lambda request: PASSWORD)
    with pytest.raises(UserError, match="不是 commdesk 数据库文件"):  # nothing says it is ours: damaged
        open_database(db)
    sidecar.write_bytes(b"{ not json")
    with pytest.raises(UserError, match="钥匙文件 office.sqlite3.key 已损坏"):
        open_database(db)
    sidecar.write_bytes(saved)
    with open_database(db) as database:
        assert database.encrypted
    clean_keys.store.clear()  # type: ignore[attr-defined]
    db_cipher._known.clear()
    sidecar.unlink()
    clean_keys.store[(db_cipher.SERVICE, str(db.resolve()))] = os.urandom(32).hex()  # type: ignore[attr-defined]
    with pytest.raises(UserError, match="没有它的钥匙"):          # a keyring key that does not open it
        open_database(db)


def test_encryption_needs_a_kept_backup_password(tmp_path: Path, clean_keys: object) -> None:
    db = _office(tmp_path, keep=False)
    digest = _sha(db)
    with pytest.raises(UserError, match="必须先设置备份密码"):
        cipher_switch.encrypt(db)
    assert _sha(db) == digest and not db_cipher.sidecar_path(db).exists()
    assert not clean_keys.store  # type: ignore[attr-defined]


def test_a_wrong_key_never_converts(tmp_path: Path) -> None:
    db = _office(tmp_path)
    cipher_switch.encrypt(db)
    digest = _sha(db)
    with pytest.raises(UserError, match="钥匙不对"):
        db_cipher.decrypt_database(db, os.urandom(32))
    assert _sha(db) == digest
    assert not list(tmp_path.glob("*.converting*"))


def test_changing_the_backup_password_rewraps_the_key_file(tmp_path: Path, clean_keys: object) -> None:
    db = _office(tmp_path)
    cipher_switch.encrypt(db)
    with open_database(db) as database:
        keep_backup_password(database, "Neues-Passwort-2027")
    _forget_everything(clean_keys)
    with pytest.raises(UserError, match="备份密码不对"):
        db_cipher.unwrap(db, PASSWORD)
    assert len(db_cipher.unwrap(db, "Neues-Passwort-2027")) == 32


def test_a_backup_of_an_encrypted_database_restores_on_a_fresh_pc(tmp_path: Path, clean_keys: object,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    db = _office(tmp_path)
    rows = _plain_rows(db)
    cipher_switch.encrypt(db)
    with open_database(db) as database:
        made, manifest = backup_encrypted(database, PASSWORD, tmp_path / "stick")
        automatic = kept_key(database)
    assert manifest.counts["resident"] == len(rows)
    # another PC: its own data folder, an empty keyring, nothing known; the stick and the password
    other = tmp_path / "other-pc"
    monkeypatch.setenv("COMMDESK_HOME", str(other / "home"))
    _forget_everything(clean_keys)
    target = other / "office.sqlite3"
    target.parent.mkdir()
    restore_any(made, target, PASSWORD)
    assert not db_cipher.is_encrypted_file(target)                 # plain inside the .cdbak: restored plain
    with open_database(target) as database:
        assert _rows(database) == rows
        assert kept_key(database) == automatic                     # the backup password came along
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_restore_onto_an_encrypted_database_keeps_it_encrypted(tmp_path: Path, clean_keys: object) -> None:
    db = _office(tmp_path)
    with open_database(db) as database:
        made, _manifest = backup_encrypted(database, PASSWORD, tmp_path / "stick")
        rows = _rows(database)
    cipher_switch.encrypt(db)
    key = db_cipher.known_key(db)
    with open_database(db) as database, database.Session.begin() as session:
        session.execute(text("UPDATE resident SET name = name || '改'"))
    safety = restore_any(made, db, PASSWORD)
    assert db_cipher.is_encrypted_file(db) and db_cipher.known_key(db) == key
    assert safety.suffix == ".cdbak"                               # today's copy aside: never plain
    with pytest.raises(sqlite3.DatabaseError):
        with sqlite3.connect(safety) as conn:
            conn.execute("SELECT count(*) FROM resident").fetchone()
    assert not list(db.parent.glob("*.restoring"))
    _forget_everything(clean_keys)
    db_cipher.set_key_prompt(lambda request: PASSWORD)             # the restored database's password
    with open_database(db) as database:
        assert _rows(database) == rows


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE")
def test_a_full_disk_during_the_conversion_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    db = _office(tmp_path, households=200)
    digest = _sha(db)
    size = db.stat().st_size
    key = os.urandom(32)
    script = textwrap.dedent(f"""
        import resource, signal, sys
        from pathlib import Path
        from commdesk.errors import UserError
        from commdesk.models import db_cipher
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)     # the write fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, ({size // 2}, {size // 2}))
        try:
            db_cipher.encrypt_database(Path({str(db)!r}), bytes.fromhex({key.hex()!r}))
        except UserError as exc:
            print(exc)
            sys.exit(1)
        sys.exit(0)
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stderr
    message = proc.stdout.strip()
    assert "磁盘空间不足" in message and "原数据库文件没有改动" in message
    assert "\n" not in message
    assert _sha(db) == digest and not db_cipher.is_encrypted_file(db)
    assert not list(tmp_path.glob("*.converting*"))
    with open_database(db) as database:
        assert not database.encrypted


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_a_conversion_killed_at_any_moment_leaves_the_old_or_the_new_file(tmp_path: Path) -> None:
    pristine = _office(tmp_path, households=2500)
    names = frozenset(r[1] for r in _plain_rows(pristine))
    key = os.urandom(32)
    work = tmp_path / "work" / "office.sqlite3"
    work.parent.mkdir()
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from commdesk.models import db_cipher
        db_cipher.require_driver()
        print("ready", flush=True)
        t = time.perf_counter()
        db_cipher.encrypt_database(Path({str(work)!r}), bytes.fromhex({key.hex()!r}))
        print(time.perf_counter() - t, flush=True)
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))

    def start() -> subprocess.Popen[str]:
        for leftover in work.parent.iterdir():
            leftover.unlink()
        shutil.copyfile(pristine, work)
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        return proc

    proc = start()
    full = float(proc.communicate(timeout=120)[0].strip())   # one run to the end: how long it takes here
    assert db_cipher.is_encrypted_file(work)
    rng = random.Random(7)
    outcomes = {"plain": 0, "encrypted": 0}
    for _kill in range(12):
        proc = start()
        time.sleep(rng.uniform(0.0, 1.4 * full))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()  # type: ignore[union-attr]
        db_cipher._known.clear()
        if db_cipher.is_encrypted_file(work):
            outcomes["encrypted"] += 1
            db_cipher.remember(work, key)      # the key was in the keyring before the swap
        else:
            outcomes["plain"] += 1
        with open_database(work) as database:
            assert frozenset(r[1] for r in _rows(database)) == names
            with database.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert not list(work.parent.glob("*.converting*"))   # the open removed a killed copy
    print(f"conversion ({full:.2f} s) killed 12 times: {outcomes}")
    assert outcomes["plain"] >= 1


# --- the command line -------------------------------------------------------------------------------

ADMIN_PW = "Guanli-2026"
STAFF_PW = "Gongzuo-2026"


def test_cli_encrypt_and_decrypt_an_administrators_act(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch, clean_keys: object) -> None:
    db = str(_office(tmp_path))
    assert _cli(capsys, monkeypatch, ["user", "add", "admin", "--role", "admin", "--db", db], ADMIN_PW)[0] == 0
    assert _cli(capsys, monkeypatch, ["--user", "admin", "user", "add", "wang", "--role", "staff", "--db", db],
                ADMIN_PW, COMMDESK_NEW_PASSWORD=STAFF_PW)[0] == 0
    code, out, err = _cli(capsys, monkeypatch, ["--user", "wang", "encrypt-db", "--db", db], STAFF_PW)
    assert code == 1 and err.count("\n") == 1 and not out        # a staff account may not (the login is audited)
    assert not db_cipher.is_encrypted_file(Path(db)) and not clean_keys.store  # type: ignore[attr-defined]
    code, out, err = _cli(capsys, monkeypatch, ["--user", "admin", "encrypt-db", "--db", db], ADMIN_PW)
    assert code == 0, err
    assert "已加密" in out and "office.sqlite3.key" in out
    assert db_cipher.is_encrypted_file(Path(db))
    code, out, _err = _cli(capsys, monkeypatch, ["--user", "admin", "encrypt-db", "--db", db], ADMIN_PW)
    assert code == 0 and "已经是加密的" in out
    # every command on a PC that lost the key: the backup password from the environment
    _forget_everything(clean_keys)
    code, out, err = _cli(capsys, monkeypatch, ["--user", "admin", "check", "--db", db], ADMIN_PW)
    assert code == 1 and "COMMDESK_BACKUP_PASSWORD" in err and err.count("\n") == 1
    code, out, err = _cli(capsys, monkeypatch, ["--user", "admin", "check", "--db", db], ADMIN_PW,
                          COMMDESK_BACKUP_PASSWORD="Falsch-2026-12")
    assert code == 1 and "备份密码不对" in err and err.count("\n") == 1
    code, out, err = _cli(capsys, monkeypatch, ["--user", "admin", "check", "--db", db], ADMIN_PW,
                          COMMDESK_BACKUP_PASSWORD=PASSWORD)
    assert code == 0, err
    assert db_cipher.keyring_key(Path(db)) is not None
    code, out, err = _cli(capsys, monkeypatch, ["--user", "admin", "decrypt-db", "--db", db], ADMIN_PW)
    assert code == 0, err
    assert "已取消数据库加密" in out
    assert not db_cipher.is_encrypted_file(Path(db)) and not db_cipher.sidecar_path(Path(db)).exists()
    with sqlite3.connect(db) as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert "db_encrypt" in actions and actions[-1] == "db_decrypt"
    code, out, err = _cli(capsys, monkeypatch, ["audit", "verify", "--db", db, "--user", "admin"], ADMIN_PW)
    assert code == 0, err


def test_cli_without_the_driver_says_so_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    db = _office(tmp_path)
    digest = _sha(db)
    monkeypatch.setattr(db_cipher, "_driver", None)
    monkeypatch.setitem(sys.modules, "sqlcipher3", None)           # not installed on this PC
    assert not db_cipher.available()
    code, out, err = _cli(capsys, monkeypatch, ["encrypt-db", "--db", str(db)])
    assert code == 1 and not out
    assert err == "commdesk: 本机没有安装 SQLCipher（sqlcipher3），无法加密数据库\n"
    assert _sha(db) == digest


def test_cli_refuses_a_server_database(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for command in ("encrypt-db", "decrypt-db"):
        code, out, err = _cli(capsys, monkeypatch, [command, "--db", "postgresql://office@127.0.0.1:5999/commdesk"])
        assert code == 1 and not out
        assert "服务器上的数据库不能用 commdesk 加密" in err and err.count("\n") == 1


def test_an_encrypted_file_without_the_driver_is_refused_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = _office(tmp_path)
    cipher_switch.encrypt(db)
    monkeypatch.setattr(db_cipher, "_driver", None)
    monkeypatch.setitem(sys.modules, "sqlcipher3", None)
    with pytest.raises(UserError, match="是加密的数据库，本机没有安装 SQLCipher"):
        open_database(db)


def test_the_restore_preview_counts_an_encrypted_database(tmp_path: Path) -> None:
    from commdesk.models.restore_preview import preview_restore

    db = _office(tmp_path)
    with open_database(db) as database:
        made, manifest = backup_encrypted(database, PASSWORD, tmp_path / "stick")
    cipher_switch.encrypt(db)
    preview = preview_restore(made, db, PASSWORD)
    assert preview.backup_counts["resident"] == manifest.counts["resident"]
    assert preview.today_counts["resident"] == manifest.counts["resident"]   # read through the key
    from commdesk.models.backup_key import kept_key_at

    assert kept_key_at(db) is not None                             # the raw reads open it too
