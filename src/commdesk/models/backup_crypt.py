"""Encrypted backups (``.cdbak``): the whole database, AES-256-GCM, with a manifest, verified
after writing and before any restore.

Layout of a file::

    b"CDBAK1\\n"  |  4-byte big-endian header length  |  header (UTF-8 JSON)  |  chunks

The header holds the manifest (app and schema version, rows per table, size and SHA-256 of the
database file) and the key derivation (scrypt, its salt and parameters). The key is derived from
the backup password with scrypt (``cryptography``); the database is encrypted in 4 MB chunks,
each with its own nonce (a random 8-byte prefix and the chunk number) and the header, the chunk
number and a last-chunk mark as associated data, so a chunk cannot be altered, reordered,
dropped or the file cut short without the check failing. Nothing is home-made: AES-GCM and
scrypt are the ``cryptography`` package's.
"""
from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from commdesk.errors import UserError, write_failure
from commdesk.i18n import _

MAGIC = b"CDBAK1\n"
SUFFIX = ".cdbak"
CHUNK = 4 << 20
#: scrypt parameters (about 0.1 s and 32 MB on an office PC): stored in each file's header
SCRYPT = {"n": 1 << 15, "r": 8, "p": 1}
MIN_PASSWORD = 8
_MAX_HEADER = 1 << 20


@dataclass(frozen=True)
class Manifest:
    app_version: str
    schema: str
    created_at: str
    counts: dict[str, int]
    size: int
    sha256: str


def _key(password: str, salt: bytes, params: dict[str, int]) -> bytes:
    from commdesk.models.kdf import scrypt_key

    return scrypt_key(password, salt, params)


@dataclass(frozen=True)
class BackupKey:
    """A backup password already run through scrypt, with its salt and parameters: what the
    automatic backups are encrypted with (the password is never kept, only this). A file written
    with it opens with the password alone, on any PC: its header holds the same salt."""
    salt: bytes
    params: dict[str, int]
    key: bytes = field(repr=False)

    def to_json(self) -> str:
        return json.dumps({"salt": self.salt.hex(), **self.params, "key": self.key.hex()})

    @classmethod
    def from_json(cls, text: str) -> BackupKey:
        info = json.loads(text)
        return cls(bytes.fromhex(info["salt"]), {k: int(info[k]) for k in ("n", "r", "p")}, bytes.fromhex(info["key"]))


def derive(password: str) -> BackupKey:
    """A new key (fresh salt) from a backup password of at least ``MIN_PASSWORD`` characters."""
    if len(password) < MIN_PASSWORD:
        raise UserError(_("备份密码至少 {n} 个字符").format(n=MIN_PASSWORD))
    salt = os.urandom(16)
    return BackupKey(salt, dict(SCRYPT), _key(password, salt, SCRYPT))


def _key_for(secret: str | BackupKey, salt: bytes, params: dict[str, int]) -> bytes | None:
    """The AES key of a file with this salt: from the password, or the kept key when it is the
    one the file was written with (None: it is not)."""
    if isinstance(secret, BackupKey):
        return secret.key if secret.salt == salt and secret.params == params else None
    return _key(secret, salt, params)


def key_matches(path: Path, key: BackupKey) -> bool:
    """Whether ``path`` was written with ``key`` (same salt): it then opens without the password."""
    try:
        with path.open("rb") as fh:
            _header, info = _read_header(fh, path.name)
        return bytes.fromhex(info["kdf"]["salt"]) == key.salt
    except (OSError, UserError, ValueError, KeyError, TypeError):
        return False


def _aad(header: bytes, index: int, last: bool) -> bytes:
    return hashlib.sha256(header).digest() + struct.pack(">Q?", index, last)


def _chunks(path: Path) -> Iterator[tuple[int, bytes, bool]]:
    with path.open("rb") as fh:
        index, current = 0, fh.read(CHUNK)
        while True:
            following = fh.read(CHUNK) if current else b""
            yield index, current, not following
            if not following:
                return
            index, current = index + 1, following


def manifest_of(db_file: Path) -> Manifest:
    """Rows per table, schema revision, size and SHA-256 of a (closed, consistent) database file."""
    from datetime import datetime

    from commdesk import __version__

    digest = hashlib.sha256()
    with db_file.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    from commdesk.models import db_cipher

    conn = db_cipher.connect(db_file, readonly=True)     # the live file may be encrypted (SQLCipher)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE"
                                            " 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")]
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        try:
            schema = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        except db_cipher.db_errors():
            schema = ""
    finally:
        conn.close()
    return Manifest(__version__, schema, datetime.now().isoformat(timespec="seconds"), counts,
                    db_file.stat().st_size, digest.hexdigest())


def encrypt_file(db_file: Path, out: Path, secret: str | BackupKey) -> Manifest:
    """Write ``db_file`` encrypted to ``out`` (through a temporary file), then verify it.
    ``secret``: the backup password, or a :class:`BackupKey` derived from one."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key = secret if isinstance(secret, BackupKey) else derive(secret)
    manifest = manifest_of(db_file)
    prefix = os.urandom(8)
    header = json.dumps({"manifest": manifest.__dict__, "kdf": {"name": "scrypt", "salt": key.salt.hex(), **key.params},
                         "cipher": {"name": "AES-256-GCM", "chunk": CHUNK, "nonce_prefix": prefix.hex()}},
                        ensure_ascii=False, sort_keys=True).encode("utf-8")
    aes = AESGCM(key.key)
    tmp = out.with_name(out.name + ".part")
    try:
        with tmp.open("wb") as fh:
            fh.write(MAGIC + struct.pack(">I", len(header)) + header)
            for index, data, last in _chunks(db_file):
                fh.write(aes.encrypt(prefix + struct.pack(">I", index), data, _aad(header, index, last)))
            fh.flush()
            os.fsync(fh.fileno())
        check = read_manifest(tmp)
        if decrypt_file(tmp, None, key) != manifest.sha256 or check != manifest:
            raise UserError(_("备份写入后核对不一致，请换一个位置再备份"))
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(_("备份失败，无法写入 {path}：{err}。数据库没有改动。").format(
            path=out.parent, err=write_failure(exc))) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return manifest


def _read_header(fh: Any, name: str) -> tuple[bytes, dict[str, Any]]:
    if fh.read(len(MAGIC)) != MAGIC:
        raise UserError(_("“{name}”不是 commdesk 加密备份文件").format(name=name))
    raw = fh.read(4)
    size = struct.unpack(">I", raw)[0] if len(raw) == 4 else 0
    header = fh.read(size) if 0 < size <= _MAX_HEADER else b""
    try:
        info = json.loads(header.decode("utf-8"))
        info["manifest"], info["kdf"]["salt"], info["cipher"]["nonce_prefix"]  # noqa: B018 - must be there
    except (ValueError, KeyError, TypeError, AttributeError):
        raise UserError(_("备份文件“{name}”已损坏（文件头无法读取）").format(name=name)) from None
    return header, info


def is_encrypted_backup(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def read_manifest(path: Path) -> Manifest:
    """The manifest of an encrypted backup (readable without the password)."""
    with path.open("rb") as fh:
        _header, info = _read_header(fh, path.name)
    try:
        return Manifest(**info["manifest"])
    except TypeError:
        raise UserError(_("备份文件“{name}”已损坏（清单无法读取）").format(name=path.name)) from None


def decrypt_file(path: Path, out: Path | None, secret: str | BackupKey) -> str:
    """Decrypt ``path`` into ``out`` (or only check it when ``out`` is None); returns the SHA-256
    of the content. ``secret``: the backup password, or the kept key of the automatic backups.
    A wrong password, a damaged or cut-off file: ``UserError``, ``out`` removed."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    digest = hashlib.sha256()
    with path.open("rb") as fh:
        header, info = _read_header(fh, path.name)
        kdf, cipher = info["kdf"], info["cipher"]
        try:
            params = {k: int(kdf[k]) for k in ("n", "r", "p")}
            salt, prefix, chunk = bytes.fromhex(kdf["salt"]), bytes.fromhex(cipher["nonce_prefix"]), int(cipher["chunk"])
            if not (1 << 10 <= params["n"] <= 1 << 20 and 0 < chunk <= 64 << 20 and len(prefix) == 8):
                raise ValueError("parameters out of range")
        except (ValueError, KeyError, TypeError):
            raise UserError(_("备份文件“{name}”已损坏（加密参数无法读取）").format(name=path.name)) from None
        key = _key_for(secret, salt, params)
        if key is None:
            raise UserError(_("“{name}”是用另一个备份密码加密的，请输入当时的备份密码").format(name=path.name))
        aes = AESGCM(key)
        sink = out.open("wb") if out is not None else None
        try:
            index, block = 0, fh.read(chunk + 16)
            while True:
                following = fh.read(chunk + 16)
                try:
                    data = aes.decrypt(prefix + struct.pack(">I", index), block, _aad(header, index, not following))
                except InvalidTag:
                    if index == 0:
                        raise UserError(_("备份密码不对，或备份文件“{name}”已损坏").format(name=path.name)) from None
                    raise UserError(_("备份文件“{name}”已损坏（第 {n} 段校验失败）").format(
                        name=path.name, n=index + 1)) from None
                digest.update(data)
                if sink is not None:
                    sink.write(data)
                if not following:
                    break
                index, block = index + 1, following
        except BaseException:
            if sink is not None:
                sink.close()
                out.unlink(missing_ok=True)  # type: ignore[union-attr]
            raise
        if sink is not None:
            sink.flush()
            os.fsync(sink.fileno())
            sink.close()
    if digest.hexdigest() != info["manifest"].get("sha256"):
        if out is not None:
            out.unlink(missing_ok=True)
        raise UserError(_("备份文件“{name}”的内容与清单不符").format(name=path.name))
    return digest.hexdigest()
