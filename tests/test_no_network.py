"""Offline, always: the suite runs with network sockets disabled (pytest-socket), so any accidental
network use fails a test; the core never imports a network client; the CLI works with sockets
blocked in its own process too."""
from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
import textwrap
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from pytest_socket import SocketBlockedError

import commdesk

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(commdesk.__file__).resolve().parent
NETWORK_MODULES = ("requests", "httpx", "aiohttp", "urllib3", "urllib.request", "http.client", "ftplib", "smtplib",
                   "telnetlib", "xmlrpc.client", "websocket", "websockets")


def test_suite_configuration_disables_sockets(pytestconfig: pytest.Config) -> None:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        addopts = tomllib.load(fh)["tool"]["pytest"]["ini_options"]["addopts"].split()
    assert "--disable-socket" in addopts
    assert pytestconfig.getoption("disable_socket") is True


@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6])
def test_creating_an_internet_socket_fails_the_test(family: int) -> None:
    """As configured (filterwarnings=error), pytest-socket's warning itself is raised: the test fails."""
    with pytest.raises((UserWarning, SocketBlockedError)) as excinfo:
        socket.socket(family, socket.SOCK_STREAM)
    assert "socket" in str(excinfo.value)


@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6])
def test_creating_an_internet_socket_is_blocked(family: int) -> None:
    with pytest.warns(UserWarning, match="tried to use socket"), pytest.raises(SocketBlockedError):
        socket.socket(family, socket.SOCK_STREAM)


def test_connection_attempts_fail() -> None:
    with pytest.raises((UserWarning, SocketBlockedError)):
        socket.create_connection(("127.0.0.1", 9), timeout=1)
    with pytest.warns(UserWarning, match="tried to use socket"):
        with pytest.raises(SocketBlockedError):
            socket.create_connection(("127.0.0.1", 9), timeout=1)
        with pytest.raises((SocketBlockedError, urllib.error.URLError)) as excinfo:
            urllib.request.urlopen("http://127.0.0.1:9/", timeout=1)  # noqa: S310
    if isinstance(excinfo.value, urllib.error.URLError):
        assert isinstance(excinfo.value.reason, SocketBlockedError)


def test_unix_sockets_stay_allowed_for_qt() -> None:
    if not hasattr(socket, "AF_UNIX"):  # pragma: no cover - Windows
        pytest.skip("no AF_UNIX")
    a, b = socket.socketpair(socket.AF_UNIX)
    try:
        a.sendall("你好".encode())
        assert b.recv(16).decode() == "你好"
    finally:
        a.close()
        b.close()


def _network_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        found += [n for n in names if n in NETWORK_MODULES or n.split(".")[0] in NETWORK_MODULES]
    return found


def test_no_module_imports_a_network_client() -> None:
    offenders = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        found = _network_imports(path)
        if found:
            offenders[str(path.relative_to(PACKAGE_DIR))] = found
    assert offenders == {}


_BLOCKED_CLI = textwrap.dedent("""
    import sys
    import pytest_socket
    pytest_socket.disable_socket(allow_unix_socket=True)
    from commdesk.cli import main
    db, out = sys.argv[1], sys.argv[2]
    for args in (["demo", "--households", "5", "--db", db], ["check", "--db", db],
                 ["export", "residents", "--format", "xlsx", "-o", out, "--db", db]):
        code = main(args)
        if code != 0:
            raise SystemExit(f"{args[0]} returned {code}")
""")


def test_cli_needs_no_network(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", _BLOCKED_CLI, str(tmp_path / "db.sqlite3"),
                             str(tmp_path / "r.xlsx")], capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, PYTHONWARNINGS="error"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "r.xlsx").stat().st_size > 0
