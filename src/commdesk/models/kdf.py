"""The one key derivation of the backup password: scrypt (``cryptography``), 32 bytes.

Used by the encrypted backups (:mod:`.backup_crypt`) and by the database key's sidecar file
(:mod:`.db_cipher`), so the backup password alone, with the salt and parameters written in the
file, re-derives the same key on any PC.
"""
from __future__ import annotations


def scrypt_key(password: str, salt: bytes, params: dict[str, int]) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=params["n"], r=params["r"], p=params["p"]).derive(password.encode("utf-8"))
