"""A password-protected role owning a database on the test server (tests/pg_server.py), reached
over TCP as an office PC reaches its server: for the access tests (keyring, prompt, sslmode, the
settings page)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from commdesk.models.connection import ServerAddress

SECRET = "Kz9-офис-密码-7"          # not ASCII, with a dash: quoted everywhere it goes


@dataclass
class Office:
    server: object
    role: str
    db: str
    password: str

    def url(self, password: str | None = None, sslmode: str | None = None) -> str:
        return self.server.tcp_url(self.db, self.role, password, sslmode=sslmode)  # type: ignore[attr-defined]

    @property
    def address(self) -> ServerAddress:
        return ServerAddress.from_url(self.url())


@contextmanager
def office_on(server: object) -> Iterator[Office]:
    role = server.create_role(password=SECRET)  # type: ignore[attr-defined]
    db = server.create_database(owner=role)  # type: ignore[attr-defined]
    try:
        yield Office(server, role, db, SECRET)
    finally:
        server.drop_database(db)  # type: ignore[attr-defined]
        server.drop_role(role)  # type: ignore[attr-defined]
