"""Who is logged in to this window (``None``: the database has no accounts yet, as before
accounts existed, or a test built the window directly) and what that allows on screen."""
from __future__ import annotations

from typing import Any

_current: list[Any] = [None]


def set_account(account: Any) -> None:
    """The account (``services.accounts.LoggedIn``) after a login, process-wide."""
    from commdesk.models.base import set_process_user

    _current[0] = account
    set_process_user(account.name if account is not None else "system")


def current_account() -> Any:
    return _current[0]


def may(permission: str) -> bool:
    """The logged-in account may do this (always, while the database has no accounts)."""
    account = _current[0]
    return account is None or account.may(permission)


def masks_screen() -> bool:
    """ID numbers and phones start masked on screen for every account; one granted full values
    reveals them with the purpose typed (audited), never by default."""
    return _current[0] is not None
