"""A small in-memory keyring backend for the tests (``keyring.set_keyring``): the real package's
API, no OS credential store touched."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import keyring
import keyring.core
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.store:
            raise PasswordDeleteError(username)
        del self.store[(service, username)]


@contextmanager
def memory_keyring() -> Iterator[MemoryKeyring]:
    """The in-memory keyring for the block, this process's remembered server passwords and the
    installed prompt cleared before and after."""
    from commdesk.models import connection

    previous = getattr(keyring.core, "_keyring_backend", None)
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    connection.forget_answers()
    old_prompt = connection.set_password_prompt(None)
    try:
        yield ring
    finally:
        connection.forget_answers()
        connection.set_password_prompt(old_prompt)
        connection.set_clear_password_notice(None)
        keyring.core._keyring_backend = previous  # type: ignore[attr-defined]
