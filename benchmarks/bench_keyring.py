"""A keyring backend for the benchmark's GUI probe process only (``PYTHON_KEYRING_BACKEND=
bench_keyring.BenchKeyring``): it answers the SQLCipher benchmark database's key from
``COMMDESK_BENCH_DB_KEY``, as the OS keyring (Windows Credential Manager) answers it on an office
PC. Never used by the application; the key is the throw-away key of a demo-data copy."""
from __future__ import annotations

import os

from keyring.backend import KeyringBackend


class BenchKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        if service == "commdesk-database" and username == os.environ.get("COMMDESK_BENCH_DB_PATH"):
            return os.environ.get("COMMDESK_BENCH_DB_KEY")
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise NotImplementedError("the benchmark's keyring is read-only")

    def delete_password(self, service: str, username: str) -> None:
        raise NotImplementedError("the benchmark's keyring is read-only")
