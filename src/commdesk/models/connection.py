"""A PostgreSQL server's address, its password and the PC's start database, never the password in clear.

- :class:`ServerAddress`: host, port, database, user and ``sslmode`` of an office server, to and
  from a ``postgresql://`` URL (no password in it). Its :attr:`~ServerAddress.key`,
  ``user@host:port/database``, names the password in the OS keyring (service ``commdesk``).
- :func:`server_password`: the password of a server URL that has none: this process's earlier
  answer, else the OS keyring (the ``keyring`` package: Windows Credential Manager on the office
  PC, the Secret Service on Linux, the Keychain on macOS), else ``COMMDESK_DB_PASSWORD``, else the
  prompt the front end installed (:func:`set_password_prompt`: ``getpass`` on a terminal for the
  command line, a dialog in the GUI, which may also say "remember it"). A password written in the
  URL still works; :func:`notice_clear_password` warns once per server that it is in clear.
- The connection file (``database.json`` in ``paths.home()``): the server this PC starts on
  (:func:`save_start_database`, :func:`start_database`), written by 设置 → 数据库; never a
  password.

No Qt here; nothing is imported from ``keyring`` until a server URL needs it.
"""
from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from commdesk.errors import UserError
from commdesk.i18n import _

log = logging.getLogger("commdesk.connection")

SERVICE = "commdesk"                 #: the keyring's service name
PASSWORD_ENV = "COMMDESK_DB_PASSWORD"
CONNECTION_FILE = "database.json"
DEFAULT_PORT = 5432
#: libpq's sslmode values, the safest choice first after the default; labels for the settings page
SSLMODES: dict[str, str] = {
    "prefer": "优先加密（服务器支持时加密，默认）",
    "require": "必须加密（服务器不支持时不连接）",
    "verify-full": "必须加密并核对服务器证书和名称",
    "verify-ca": "必须加密并核对服务器证书",
    "disable": "不加密",
    "allow": "允许加密（服务器要求时加密）",
}


@dataclass(frozen=True)
class ServerAddress:
    """Where an office's PostgreSQL server is and who connects (never the password)."""

    host: str
    database: str
    user: str
    port: int = DEFAULT_PORT
    sslmode: str = "prefer"

    @property
    def key(self) -> str:
        """The keyring's name for this server's password: ``user@host:port/database``."""
        return f"{self.user}@{self.host}:{self.port}/{self.database}"

    def url(self) -> str:
        """The ``--db`` URL, without a password. A host that is a folder (a unix socket directory)
        goes into the query, as libpq reads it."""
        auth = quote(self.user, safe="")
        query: list[str] = []
        if self.host.startswith("/"):
            netloc = f"{auth}@"
            query += [f"host={quote(self.host, safe='/')}", f"port={self.port}"]
        else:
            host = f"[{self.host}]" if ":" in self.host else self.host
            netloc = f"{auth}@{host}:{self.port}"
        if self.sslmode != "prefer":
            query.append(f"sslmode={self.sslmode}")
        return f"postgresql://{netloc}/{quote(self.database, safe='')}" + ("?" + "&".join(query) if query else "")

    def describe(self) -> str:
        """For the screen: server, port, database, user, encryption (never the password)."""
        return _("服务器 {host}，端口 {port}，数据库 {db}，用户 {user}，加密：{ssl}").format(
            host=self.host, port=self.port, db=self.database, user=self.user, ssl=self.sslmode)

    def validate(self) -> None:
        """A UserError naming the first field that cannot work."""
        if not self.host.strip():
            raise UserError(_("请填写服务器地址（计算机名或 IP 地址）"))
        if not 0 < int(self.port) < 65536:
            raise UserError(_("端口应是 1–65535 之间的数字（PostgreSQL 默认 5432）"))
        if not self.database.strip():
            raise UserError(_("请填写数据库名"))
        if not self.user.strip():
            raise UserError(_("请填写用户名"))
        if self.sslmode not in SSLMODES:
            raise UserError(_("加密方式（sslmode）只能是：{modes}").format(modes="、".join(SSLMODES)))

    @classmethod
    def from_url(cls, url: Any) -> ServerAddress:
        """The address of a server URL (``postgresql://`` in any spelling commdesk accepts)."""
        from sqlalchemy.engine import make_url

        from commdesk.models.dialect import normalise_url

        u = make_url(normalise_url(str(url))) if not hasattr(url, "query") else url
        query = dict(u.query)
        host = u.host or _first(query.get("host")) or "localhost"
        port = u.port or int(_first(query.get("port")) or DEFAULT_PORT)
        sslmode = _first(query.get("sslmode")) or "prefer"
        return cls(host=host, database=u.database or "", user=u.username or "", port=int(port), sslmode=sslmode)


def _first(value: Any) -> str | None:
    if isinstance(value, tuple):
        return value[0] if value else None
    return value


# --- the password -----------------------------------------------------------------------------------

@dataclass
class PasswordRequest:
    """What a password prompt is told: which server, and why it asks again (a refused password)."""

    address: ServerAddress
    error: str = ""
    can_remember: bool = True


#: A prompt: the request → (password, remember) or None when the user gave up.
PasswordPrompt = Callable[[PasswordRequest], "tuple[str, bool] | None"]
_prompt: PasswordPrompt | None = None
_clear_notice: Callable[[ServerAddress], None] | None = None
_answers: dict[str, str] = {}          # this process's passwords, by key (a prompt asks once)
_refused: set[str] = set()             # keys whose stored password the server refused
_warned: set[str] = set()
_remember: set[str] = set()            # keys whose prompted password is to go to the keyring once accepted


def set_password_prompt(prompt: PasswordPrompt | None) -> PasswordPrompt | None:
    """Install the front end's prompt (the previous one is returned, for tests to put back)."""
    global _prompt
    old, _prompt = _prompt, prompt
    return old


def can_prompt() -> bool:
    """Whether a prompt is installed (a refused password can be asked again)."""
    return _prompt is not None


def set_clear_password_notice(notice: Callable[[ServerAddress], None] | None) -> None:
    """How the front end shows the once-per-server warning about a password written in the URL."""
    global _clear_notice
    _clear_notice = notice


def forget_answers() -> None:
    """Drop this process's remembered passwords (tests; a log-out)."""
    _answers.clear()
    _refused.clear()
    _warned.clear()
    _remember.clear()


def _keyring() -> Any | None:
    try:
        import keyring
    except ImportError:            # pragma: no cover - a regular dependency
        return None
    return keyring


def keyring_password(address: ServerAddress) -> str | None:
    """The password stored in the OS keyring for this server, or None (none stored, no keyring
    on this system, or the keyring refused: logged without any secret)."""
    keyring = _keyring()
    if keyring is None:
        return None
    try:
        return keyring.get_password(SERVICE, address.key)
    except Exception as exc:  # noqa: BLE001 - keyring.errors.* or a backend's own: the next source
        log.info("no password from the OS keyring (%s)", type(exc).__name__)
        return None


def remember_password(address: ServerAddress, password: str) -> bool:
    """Store the password in the OS keyring; False (and a log line) when that is not possible."""
    keyring = _keyring()
    if keyring is None:
        return False
    try:
        keyring.set_password(SERVICE, address.key, password)
    except Exception as exc:  # noqa: BLE001 - no usable backend (e.g. Linux without a Secret Service)
        log.warning("the password could not be stored in the OS keyring (%s)", type(exc).__name__)
        return False
    _refused.discard(address.key)
    return True


def forget_password(address: ServerAddress) -> None:
    """Remove the stored password (nothing when none is stored)."""
    _answers.pop(address.key, None)
    keyring = _keyring()
    if keyring is None:
        return
    try:
        keyring.delete_password(SERVICE, address.key)
    except Exception as exc:  # noqa: BLE001 - PasswordDeleteError when none was stored
        log.debug("no stored password removed (%s)", type(exc).__name__)


def server_password(address: ServerAddress, *, error: str = "") -> str:
    """The password for a server URL that has none (see the module docstring for the order).
    ``error``: the server refused the last one; the stored and environment passwords are then
    skipped and the prompt asked, with the reason. A UserError when there is no way to get one."""
    key = address.key
    if not error:
        if key in _answers:
            return _answers[key]
        if key not in _refused:
            stored = keyring_password(address)
            if stored:
                log.info("server password taken from the OS keyring")
                return stored
        env = os.environ.get(PASSWORD_ENV)
        if env and key not in _refused:
            return env
    if _prompt is None:
        raise UserError(error or no_password_message())
    answer = _prompt(PasswordRequest(address, error=error, can_remember=True))
    if answer is None or not answer[0]:
        raise UserError(_("没有输入数据库服务器的密码，未连接。"))
    password, remember = answer
    _answers[key] = password
    if remember:                # kept once the server has taken it (password_accepted), not before
        _remember.add(key)
    return password


def no_password_message() -> str:
    return _("需要数据库服务器的密码：请把它保存到系统凭据管理器（图形界面的密码框中勾选“记住密码”），"
             "或设置环境变量 {env}，或在终端中运行以输入密码").format(env=PASSWORD_ENV)


def password_refused(address: ServerAddress) -> None:
    """The server refused the password: neither this process's answer nor the stored or the
    environment's one is tried again without asking."""
    _answers.pop(address.key, None)
    _remember.discard(address.key)
    _refused.add(address.key)


def password_accepted(address: ServerAddress, password: str) -> None:
    """The server took the password: reopening in this process does not ask again."""
    _answers[address.key] = password
    _refused.discard(address.key)
    if address.key in _remember:
        _remember.discard(address.key)
        if remember_password(address, password):
            log.info("server password stored in the OS keyring")


def notice_clear_password(address: ServerAddress) -> None:
    """A password written in the URL: warn once per server and process (never showing it)."""
    if address.key in _warned:
        return
    _warned.add(address.key)
    log.warning("the database URL holds the server password in clear")
    if _clear_notice is not None:
        _clear_notice(address)


def clear_password_warning(address: ServerAddress) -> str:
    return _("注意：数据库地址中写着明文密码（{key}）。请把密码从地址中去掉，改为保存到系统凭据管理器"
             "（设置 → 数据库，或登录框的“记住密码”），或用环境变量 {env}。").format(key=address.key, env=PASSWORD_ENV)


# --- the PC's start database --------------------------------------------------------------------------

def connection_file() -> Path:
    from commdesk.paths import home

    return home() / CONNECTION_FILE


def start_database() -> ServerAddress | None:
    """The server this PC starts on (设置 → 数据库 → 保存为启动数据库), or None: the SQLite file.
    A damaged file is logged and ignored (the PC starts on its own file, not on nothing)."""
    path = connection_file()
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        address = ServerAddress(host=str(data["host"]), database=str(data["database"]), user=str(data["user"]),
                                port=int(data.get("port") or DEFAULT_PORT), sslmode=str(data.get("sslmode") or "prefer"))
        address.validate()
    except (OSError, ValueError, KeyError, TypeError, UserError) as exc:
        log.warning("connection file ignored (%s)", type(exc).__name__)
        return None
    return address


def save_start_database(address: ServerAddress) -> Path:
    """Write the connection file (the address only: a ``password`` is never a field of it)."""
    address.validate()
    path = connection_file()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"kind": "postgresql", **asdict(address)}, ensure_ascii=False, indent=1),
                   encoding="utf-8")
    os.replace(tmp, path)
    return path


def clear_start_database() -> bool:
    """Back to the SQLite file in the data folder on the next start; False when none was set."""
    path = connection_file()
    if not path.exists():
        return False
    path.unlink()
    return True
