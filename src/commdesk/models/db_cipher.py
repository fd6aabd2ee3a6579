"""The live SQLite file encrypted at rest (SQLCipher, through the optional ``sqlcipher3`` driver).

What it protects: a database file that leaves the PC (copied to a stick or a share, a disk taken
out, a stolen laptop's disk read elsewhere) cannot be read without its key. What it does not: the
key is in the OS keyring of the Windows account (Credential Manager), so anyone logged into that
account, or a program running in it, can open the database as commdesk does.

- One random 32-byte key per database file (:func:`new_key`), used as SQLCipher's raw key
  (``PRAGMA key = "x'…'"``: no password stretching at each open, the key is already random).
- Where it lives: the OS keyring (service :data:`SERVICE`, user = the file's resolved path), and,
  so that losing the keyring entry (a new Windows profile, a reinstalled PC) never loses the data,
  a sidecar file beside the database (``<name>.key``, :func:`sidecar_path`) holding the key
  wrapped with AES-256-GCM under the kept backup key (:mod:`.backup_key`): the scrypt salt and
  parameters are in it, so the backup password alone re-derives the wrapping key (:mod:`.kdf`).
- :func:`database_key`: the key of an encrypted file: this process's, else the keyring's, else
  the front end's prompt for the backup password (:func:`set_key_prompt`) → unwrap the sidecar →
  back into the keyring.
- :func:`connect`: a DB-API connection to a plain or an encrypted file (the raw connections of
  backups, manifests, restore previews); :func:`export` copies a database with or without a key
  (``sqlcipher_export``).
- :func:`encrypt_database` / :func:`decrypt_database`: a closed file converted in place,
  atomically: the converted copy is written beside it, checked (SQLCipher's page HMACs, SQLite's
  integrity check, the rows of every table), synced and only then moved over the original. Any
  failure (a wrong key, a full disk, a kill) leaves the original file as it was.

No Qt here. Keys are never logged nor put into a message.
"""
from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from commdesk.errors import UserError, disk_full
from commdesk.i18n import _

log = logging.getLogger("commdesk.db_cipher")

SERVICE = "commdesk-database"          #: the keyring's service name for database keys
SQLITE_HEADER = b"SQLite format 3\x00"
SIDECAR_SUFFIX = ".key"
SIDECAR_FORMAT = "commdesk-database-key"
CONVERTING_SUFFIX = ".converting"
_AAD = b"commdesk-database-key/1"
KEY_BYTES = 32
NO_DRIVER = "本机没有安装 SQLCipher（sqlcipher3），无法加密数据库"

_driver: ModuleType | None = None
_known: dict[str, bytes] = {}           # this process's keys, by resolved path


# --- the driver ---------------------------------------------------------------------------------

def driver() -> ModuleType | None:
    """``sqlcipher3.dbapi2``, or None when it is not installed (or does not load)."""
    global _driver
    if _driver is None:
        try:
            from sqlcipher3 import dbapi2
        except ImportError:
            return None
        try:   # SQLCipher writes its own log lines to stderr (a wrong key's HMAC failure): not ours
            conn = dbapi2.connect(":memory:")
            conn.execute("PRAGMA cipher_log_level = NONE")
            conn.close()
        except dbapi2.Error:  # pragma: no cover - an older SQLCipher without the pragma
            pass
        _driver = dbapi2
    return _driver


def available() -> bool:
    """Whether SQLCipher can be used on this PC (``sqlcipher3`` importable)."""
    return driver() is not None


def require_driver() -> ModuleType:
    module = driver()
    if module is None:
        raise UserError(_(NO_DRIVER))
    return module


def db_errors() -> tuple[type[BaseException], ...]:
    """The DB-API error classes of both drivers (for ``except``)."""
    module = driver()
    return (sqlite3.Error,) if module is None else (sqlite3.Error, module.Error)


# --- files --------------------------------------------------------------------------------------

def is_encrypted_file(path: Path) -> bool:
    """A non-empty file whose first 16 bytes are not SQLite's header (an SQLCipher file looks like
    random bytes from the first byte on; a damaged file does too: :func:`looks_encrypted`)."""
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(16)
    except OSError:
        return False
    return bool(head) and head != SQLITE_HEADER


def sidecar_path(db_path: Path) -> Path:
    """``<name>.key`` beside the database: its key, wrapped under the backup key."""
    return Path(db_path).with_name(Path(db_path).name + SIDECAR_SUFFIX)


def looks_encrypted(db_path: Path) -> bool:
    """An encrypted commdesk database: not SQLite's header, and its key is known here (the
    sidecar file, the keyring or this process). A file that only fails the header is damaged."""
    if not is_encrypted_file(db_path):
        return False
    return sidecar_path(db_path).exists() or _cached(db_path) is not None or keyring_key(db_path) is not None


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def _resolved(path: Path) -> str:
    return str(Path(path).resolve())


def _cached(path: Path) -> bytes | None:
    return _known.get(_resolved(path))


def remember(path: Path, key: bytes) -> None:
    """This process knows ``key`` for ``path`` (after it opened the file with it)."""
    _known[_resolved(path)] = key


def forget(path: Path) -> None:
    _known.pop(_resolved(path), None)


def _pragma_key(key: bytes) -> str:
    return f"PRAGMA key = \"x'{key.hex()}'\""


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with path.open("rb+") as fh:
        os.fsync(fh.fileno())


# --- the keyring --------------------------------------------------------------------------------

def _keyring() -> Any | None:
    try:
        import keyring
    except ImportError:            # pragma: no cover - a regular dependency
        return None
    return keyring


def keyring_key(path: Path) -> bytes | None:
    """The key stored in the OS keyring for this file, or None (none, no keyring, refused)."""
    ring = _keyring()
    if ring is None:
        return None
    try:
        value = ring.get_password(SERVICE, _resolved(path))
    except Exception as exc:  # noqa: BLE001 - keyring.errors.* or a backend's own
        log.info("no database key from the OS keyring (%s)", type(exc).__name__)
        return None
    if not value:
        return None
    try:
        key = bytes.fromhex(value)
    except ValueError:
        log.warning("the database key in the OS keyring is unreadable; ignored")
        return None
    return key if len(key) == KEY_BYTES else None


def store_in_keyring(path: Path, key: bytes) -> bool:
    """Store the key in the OS keyring; False (and a log line, never the key) when not possible."""
    ring = _keyring()
    if ring is None:
        return False
    try:
        ring.set_password(SERVICE, _resolved(path), key.hex())
    except Exception as exc:  # noqa: BLE001 - no usable backend (e.g. Linux without a Secret Service)
        log.warning("the database key could not be stored in the OS keyring (%s)", type(exc).__name__)
        return False
    return True


def forget_keyring(path: Path) -> None:
    ring = _keyring()
    if ring is None:
        return
    try:
        ring.delete_password(SERVICE, _resolved(path))
    except Exception as exc:  # noqa: BLE001 - nothing stored, or no backend
        log.debug("no database key removed from the keyring (%s)", type(exc).__name__)


# --- the sidecar: the key wrapped under the backup key ------------------------------------------

def write_sidecar(db_path: Path, key: bytes, backup_key: Any) -> Path:
    """Write ``<name>.key``: ``key`` wrapped with AES-256-GCM under ``backup_key`` (a
    ``backup_crypt.BackupKey``: its salt and scrypt parameters go into the file), atomically."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    info = {"format": SIDECAR_FORMAT, "version": 1,
            "kdf": {"name": "scrypt", "salt": backup_key.salt.hex(), **backup_key.params},
            "cipher": "AES-256-GCM", "nonce": nonce.hex(),
            "wrapped": AESGCM(backup_key.key).encrypt(nonce, key, _AAD).hex(),
            "note": "commdesk: the database key, wrapped under the backup password (scrypt); keep it beside the database"}
    target = sidecar_path(db_path)
    tmp = target.with_name(target.name + ".part")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(info, fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(_("无法写入数据库的钥匙文件 {name}：{err}").format(
            name=target.name, err=exc.strerror or exc)) from exc
    return target


def read_sidecar(db_path: Path) -> dict[str, Any]:
    target = sidecar_path(db_path)
    try:
        info = json.loads(target.read_text(encoding="utf-8"))
        if info.get("format") != SIDECAR_FORMAT:
            raise ValueError("not a key file")
        kdf = info["kdf"]
        bytes.fromhex(kdf["salt"]), bytes.fromhex(info["nonce"]), bytes.fromhex(info["wrapped"])  # noqa: B018
        params = {k: int(kdf[k]) for k in ("n", "r", "p")}
        if not 1 << 10 <= params["n"] <= 1 << 20:
            raise ValueError("parameters out of range")
    except FileNotFoundError:
        raise UserError(_("找不到数据库的钥匙文件 {name}").format(name=target.name)) from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise UserError(_("数据库的钥匙文件 {name} 已损坏").format(name=target.name)) from None
    return info


def sidecar_salt(db_path: Path) -> bytes | None:
    """The backup key's salt the sidecar is wrapped under (None: no readable sidecar)."""
    try:
        return bytes.fromhex(read_sidecar(db_path)["kdf"]["salt"])
    except UserError:
        return None


def unwrap(db_path: Path, password: str) -> bytes:
    """The database key from the sidecar and the backup password (``UserError`` when wrong)."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from commdesk.models.kdf import scrypt_key

    info = read_sidecar(db_path)
    kdf = info["kdf"]
    wrapping = scrypt_key(password, bytes.fromhex(kdf["salt"]), {k: int(kdf[k]) for k in ("n", "r", "p")})
    try:
        key = AESGCM(wrapping).decrypt(bytes.fromhex(info["nonce"]), bytes.fromhex(info["wrapped"]), _AAD)
    except InvalidTag:
        raise UserError(_("备份密码不对，打不开数据库的钥匙文件")) from None
    if len(key) != KEY_BYTES:
        raise UserError(_("数据库的钥匙文件 {name} 已损坏").format(name=sidecar_path(db_path).name))
    return key


# --- the key of an encrypted file ---------------------------------------------------------------

@dataclass
class KeyRequest:
    """What the backup-password prompt is told: which database, and why it asks again."""

    name: str
    error: str = ""


#: A prompt: the request → the backup password, or None when the user gave up.
KeyPrompt = Callable[[KeyRequest], "str | None"]
_prompt: KeyPrompt | None = None
MISSING_KEY = "本机的数据库钥匙不在了，请输入备份密码"


def set_key_prompt(prompt: KeyPrompt | None) -> KeyPrompt | None:
    """Install the front end's backup-password prompt (the previous one is returned)."""
    global _prompt
    old, _prompt = _prompt, prompt
    return old


def key_opens(db_path: Path, key: bytes) -> bool:
    """Whether ``key`` opens the encrypted file."""
    try:
        conn = _open_encrypted(db_path, key, readonly=True)
    except UserError:
        return False
    conn.close()
    return True


def known_key(db_path: Path) -> bytes | None:
    """The key without asking anyone: this process's, else the keyring's (checked against the file)."""
    key = _cached(db_path)
    if key is not None:
        return key
    key = keyring_key(db_path)
    if key is None:
        return None
    if not key_opens(db_path, key):
        log.warning("the database key in the OS keyring does not open %s; ignored", Path(db_path).name)
        return None
    remember(db_path, key)
    return key


def database_key(db_path: Path, *, ask: bool = True) -> bytes:
    """The key of an encrypted database file: this process's, the keyring's, else (``ask``) the
    backup password from the installed prompt → the sidecar → the keyring again. A clear
    ``UserError`` when none of these works; nothing is changed then."""
    require_driver()
    key = known_key(db_path)
    if key is not None:
        return key
    name = Path(db_path).name
    if not sidecar_path(db_path).exists():
        raise UserError(_("“{name}”是加密的数据库，但本机的系统凭据管理器里没有它的钥匙，旁边也没有钥匙文件 {key}："
                          "无法打开。请把钥匙文件放回数据库旁边，或用备份密码从备份恢复。").format(
                              name=name, key=sidecar_path(db_path).name))
    read_sidecar(db_path)            # a damaged key file is said before a password is asked
    if not ask or _prompt is None:
        raise UserError(_("“{name}”是加密的数据库，本机的数据库钥匙不在了：需要备份密码才能打开。").format(name=name))
    error = ""
    for _attempt in range(3):
        password = _prompt(KeyRequest(name=name, error=error))
        if not password:
            raise UserError(_("没有输入备份密码，数据库没有打开。"))
        try:
            key = unwrap(db_path, password)
        except UserError as exc:
            error = str(exc)
            continue
        if not key_opens(db_path, key):
            raise UserError(_("钥匙文件 {key} 不是“{name}”的钥匙（可能来自另一个数据库），无法打开。").format(
                key=sidecar_path(db_path).name, name=name))
        remember(db_path, key)
        if store_in_keyring(db_path, key):
            log.info("the database key of %s was put back into the OS keyring from its key file", name)
        return key
    raise UserError(_("备份密码不对，数据库没有打开。"))


# --- connections --------------------------------------------------------------------------------

def _open_encrypted(db_path: Path, key: bytes, *, readonly: bool, check_same_thread: bool = True) -> Any:
    """A sqlcipher3 connection with the key set and checked (a wrong key: ``UserError``)."""
    from commdesk.paths import sqlite_uri

    module = require_driver()
    target = sqlite_uri(Path(db_path), "ro" if readonly else "rw")
    try:
        conn = module.connect(target, uri=True, check_same_thread=check_same_thread)
    except module.Error as exc:
        raise UserError(_("无法打开数据库文件“{name}”：{err}").format(name=Path(db_path).name, err=exc)) from exc
    try:
        conn.execute(_pragma_key(key))
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except module.DatabaseError:
        conn.close()
        raise UserError(_("钥匙不对，打不开加密的数据库“{name}”（或文件已损坏）。").format(name=Path(db_path).name)) from None
    return conn


def connect_encrypted(db_path: Path, key: bytes, *, readonly: bool = False) -> Any:
    """What the engine's ``creator`` calls: the key first, nothing else (the engine's pragmas follow)."""
    return _open_encrypted(db_path, key, readonly=readonly, check_same_thread=False)


def connect(db_path: Path, *, readonly: bool = True, key: bytes | None = None) -> Any:
    """A DB-API connection to ``db_path``, plain (``sqlite3``) or encrypted (``sqlcipher3``, the
    key given, or :func:`known_key`: never a prompt). ``UserError`` when an encrypted file's key
    is not known here or the driver is missing."""
    from commdesk.paths import sqlite_uri

    db_path = Path(db_path)
    if not is_encrypted_file(db_path):
        if readonly:
            return sqlite3.connect(sqlite_uri(db_path, "ro"), uri=True)
        return sqlite3.connect(db_path)
    require_driver()
    key = key or known_key(db_path)
    if key is None:
        raise UserError(_("“{name}”是加密的数据库，本机没有它的钥匙。").format(name=db_path.name))
    return _open_encrypted(db_path, key, readonly=readonly)


def _tables(conn: Any, schema: str = "main") -> list[str]:
    """Every table that holds rows (FTS5 shadow tables included, virtual tables themselves not)."""
    return [r[0] for r in conn.execute(
        f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND coalesce(rootpage, 0) > 0 ORDER BY name")]


def row_counts(conn: Any, schema: str = "main") -> dict[str, int]:
    return {t: conn.execute(f'SELECT count(*) FROM {schema}."{t}"').fetchone()[0] for t in _tables(conn, schema)}


def export(src: Path, src_key: bytes | None, dst: Path, dst_key: bytes | None) -> dict[str, int]:
    """Copy the database ``src`` (read in one consistent snapshot, even while in use) into the
    new file ``dst`` with ``sqlcipher_export``: encrypted with ``dst_key``, or plain when None.
    Returns the rows of every table (checked equal on both sides)."""
    from commdesk.paths import sqlite_uri

    module = require_driver()
    if dst.exists():
        raise UserError(_("目标文件已存在：{name}").format(name=dst.name))
    conn = module.connect(str(dst), isolation_level=None, uri=True)
    try:
        if dst_key is not None:
            conn.execute(_pragma_key(dst_key))
        conn.execute("ATTACH DATABASE ? AS src KEY ?",
                     (sqlite_uri(src, "ro"), f"x'{src_key.hex()}'" if src_key is not None else ""))
        conn.execute("BEGIN")
        source_counts = row_counts(conn, "src")
        conn.execute("SELECT sqlcipher_export('main', 'src')")
        version = conn.execute("PRAGMA src.user_version").fetchone()[0]
        conn.execute(f"PRAGMA main.user_version = {int(version)}")
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE src")
        copied = row_counts(conn)
    except module.Error as exc:
        conn.close()
        dst.unlink(missing_ok=True)
        raise _user_error(exc, dst) from exc
    except BaseException:
        conn.close()
        dst.unlink(missing_ok=True)
        raise
    conn.close()
    if copied != source_counts:
        dst.unlink(missing_ok=True)
        raise UserError(_("复制数据库时行数不一致，没有完成（原文件未改动）。"))
    return source_counts


def _user_error(exc: BaseException, where: Path) -> UserError:
    text = str(exc).lower()
    if disk_full(exc):
        return UserError(_("磁盘空间不足（或写入磁盘出错），无法写入 {name}：原数据库文件没有改动。请清理磁盘后重试。").format(
            name=where.name))
    if "not a database" in text:
        return UserError(_("钥匙不对，或数据库文件已损坏：没有完成（原文件没有改动）。"))
    return UserError(_("无法写入 {name}：{err}（原数据库文件没有改动）").format(name=where.name, err=exc))


# --- converting a closed file in place ----------------------------------------------------------

def _verify(path: Path, key: bytes | None, expected: dict[str, int]) -> None:
    module = require_driver()
    conn = module.connect(str(path), isolation_level=None)
    try:
        if key is not None:
            conn.execute(_pragma_key(key))
            failures = conn.execute("PRAGMA cipher_integrity_check").fetchall()
            if failures:
                raise UserError(_("加密后的文件核对没有通过（页校验失败），没有替换原文件。"))
        if [r[0] for r in conn.execute("PRAGMA integrity_check")] != ["ok"]:
            raise UserError(_("转换后的文件核对没有通过（完整性检查），没有替换原文件。"))
        if row_counts(conn) != expected:
            raise UserError(_("转换后的文件行数与原文件不一致，没有替换原文件。"))
        conn.execute("PRAGMA journal_mode=WAL")   # as the original: persistent in the file
    finally:
        conn.close()


def _fold_wal(db_path: Path, key: bytes | None) -> None:
    """Copy the write-ahead log into the file and empty it (so nothing is left in ``-wal`` that
    belongs to the old file when the new one takes its name)."""
    module = require_driver()
    conn = module.connect(str(db_path), isolation_level=None)
    try:
        if key is not None:
            conn.execute(_pragma_key(key))
        conn.execute(f"PRAGMA busy_timeout={5000}")
        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except module.DatabaseError as exc:
        raise _user_error(exc, db_path) from exc
    finally:
        conn.close()
    if busy and busy[0]:
        raise UserError(_("数据库正被其他程序使用，无法转换。请关闭其他 commdesk 窗口后重试。"))


def remove_leftovers(db_path: Path) -> None:
    """The half-written copy of a conversion that was killed (the caller holds the instance lock,
    so no conversion is running): never the database, only its ``.converting`` files."""
    tmp = Path(db_path).with_name(Path(db_path).name + CONVERTING_SUFFIX)
    for stale in (tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        stale.unlink(missing_ok=True)


def _convert(db_path: Path, src_key: bytes | None, dst_key: bytes | None) -> None:
    db_path = Path(db_path)
    if not db_path.exists():
        raise UserError(_("数据库文件不存在：{name}").format(name=db_path.name))
    tmp = db_path.with_name(db_path.name + CONVERTING_SUFFIX)
    remove_leftovers(db_path)              # an earlier conversion that was killed
    _fold_wal(db_path, src_key)
    try:
        counts = export(db_path, src_key, tmp, dst_key)
        _verify(tmp, dst_key, counts)
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)
        _fsync_file(tmp)
        wal = Path(f"{db_path}-wal")
        if wal.exists() and wal.stat().st_size:
            raise UserError(_("数据库正被其他程序使用，无法转换。请关闭其他 commdesk 窗口后重试。"))
        for suffix in ("-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        os.replace(tmp, db_path)
        _fsync_dir(db_path.parent)
    except OSError as exc:
        remove_leftovers(db_path)
        raise _user_error(exc, tmp) from exc
    except BaseException:
        remove_leftovers(db_path)
        raise


def encrypt_database(db_path: Path, key: bytes) -> None:
    """Encrypt the closed plain file ``db_path`` in place with ``key`` (see the module docstring)."""
    if is_encrypted_file(db_path):
        raise UserError(_("数据库已经是加密的。"))
    _convert(db_path, None, key)
    remember(db_path, key)
    log.info("database file %s encrypted (SQLCipher)", Path(db_path).name)


def decrypt_database(db_path: Path, key: bytes) -> None:
    """Turn the closed encrypted file ``db_path`` back into a plain SQLite file, in place."""
    if not is_encrypted_file(db_path):
        raise UserError(_("数据库没有加密。"))
    if not key_opens(db_path, key):
        raise UserError(_("钥匙不对，打不开加密的数据库“{name}”（或文件已损坏）。").format(name=Path(db_path).name))
    _convert(db_path, key, None)
    forget(db_path)
    log.info("database file %s decrypted", Path(db_path).name)
