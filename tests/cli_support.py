"""Helpers for command-line tests: ``commdesk`` run in-process with its passwords in the
environment, as a script would give them."""
from __future__ import annotations

from typing import Any

#: every password variable the commands read; cleared first so one test's never reaches another's
PASSWORD_VARS = ("COMMDESK_PASSWORD", "COMMDESK_ADMIN_PASSWORD", "COMMDESK_NEW_PASSWORD", "COMMDESK_BACKUP_PASSWORD")


def run_cli(capsys: Any, monkeypatch: Any, argv: list[str], password: str | None = None,
            **env: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``commdesk argv``; ``password`` as COMMDESK_PASSWORD, ``env``
    any other variables."""
    from commdesk.cli import main

    for key in PASSWORD_VARS:
        monkeypatch.delenv(key, raising=False)
    if password is not None:
        monkeypatch.setenv("COMMDESK_PASSWORD", password)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err
