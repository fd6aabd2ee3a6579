"""A real PostgreSQL server for the tests: started once per test session, stopped at the end.

The Debian ``postgresql`` package's binaries (``/usr/lib/postgresql/<major>/bin``, or
``COMMDESK_PG_BIN``) run ``initdb`` in a temporary directory and ``pg_ctl`` on a private unix
socket directory and port: no TCP listener, nothing shared with a system cluster. PostgreSQL
refuses to run as root, so when the tests run as root the server runs as the ``postgres``
system user (created by the Debian package) through ``setpriv``; the data directory and the
socket directory belong to that user.

The server also listens on 127.0.0.1 (a port no one else listens on, read from
``/proc/net/tcp``; another is tried when the bind fails), without TLS: the tests of the address
form an office PC uses (``host:port``) and of ``sslmode=require`` against a server that has no TLS
(libpq never uses TLS over a unix socket, so only TCP shows it). ``pg_hba.conf`` is initdb's:
``scram-sha-256`` for the socket and for 127.0.0.1.

``PgServer.create_database()`` gives each test an empty database of its own (``CREATE
DATABASE`` from ``template0``, a few milliseconds); ``url(db)`` is the SQLAlchemy URL commdesk
accepts for ``--db`` (the superuser, password in the URL); ``create_role(name, password)`` and
``create_database(owner=...)`` give a password-protected ordinary account, as an office sets up.
"""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

SUPERUSER = "commdesk_test"
PASSWORD = "commdesk-test-password"


def find_bin_dir() -> Path | None:
    env = os.environ.get("COMMDESK_PG_BIN")
    candidates = [Path(env)] if env else sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for cand in candidates:
        if (cand / "initdb").exists() and (cand / "pg_ctl").exists():
            return cand
    return None


def _listening_ports() -> set[int]:
    """TCP ports something listens on (Linux: ``/proc/net/tcp*``, state 0A), without a socket of
    our own (the tests run with Python sockets disabled)."""
    ports: set[int] = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 3 and fields[3] == "0A":
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def _free_port(after: int | None = None) -> int:
    """A port for the 127.0.0.1 listener (also the socket file's number): from 54000 + pid % 1000
    on, the first that nothing listens on."""
    busy = _listening_ports()
    port = (after + 1) if after is not None else 54000 + (os.getpid() % 1000)
    while port in busy or port > 64000:
        port = port + 1 if port <= 64000 else 54000
    return port


@dataclass
class PgServer:
    bin_dir: Path
    base: Path
    port: int
    run_as: str | None = None          # system user the server runs as (when we are root)
    _dbs: list[str] = field(default_factory=list)
    _roles: list[str] = field(default_factory=list)

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base / "sock"

    def _cmd(self, *args: str) -> list[str]:
        if self.run_as is None:
            return list(args)
        pw = pwd.getpwnam(self.run_as)
        return ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups", "--", *args]

    def _run(self, *args: str, timeout: float = 60) -> None:
        env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8", PGTZ="UTC")
        r = subprocess.run(self._cmd(*args), capture_output=True, text=True, env=env, timeout=timeout,
                           cwd=self.base)
        if r.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({r.returncode}): {r.stdout}\n{r.stderr}")

    def start(self) -> None:
        self.data_dir.mkdir(parents=True)
        self.socket_dir.mkdir()
        pwfile = self.base / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self.run_as is not None:
            pw = pwd.getpwnam(self.run_as)
            for p in (self.base, self.data_dir, self.socket_dir, pwfile):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER,
                  "--pwfile", str(pwfile), "-A", "scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8",
                  "--no-sync")
        pwfile.unlink()
        for attempt in range(5):
            try:
                self._pg_ctl_start()
                return
            except RuntimeError:
                log = (self.base / "server.log").read_text(errors="replace") \
                    if (self.base / "server.log").exists() else ""
                if attempt == 4 or "could not bind" not in log and "already in use" not in log:
                    raise
                self.port = _free_port(self.port)     # someone took the port meanwhile: the next one

    def _pg_ctl_start(self) -> None:
        opts = (f"-k {self.socket_dir} -p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off"
                " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
                " -c shared_buffers=128MB -c timezone=UTC -c ssl=off")
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-o", opts,
                  "-l", str(self.base / "server.log"), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        self._pg_ctl_start()

    def url(self, dbname: str = "postgres", *, with_password: bool = True, scheme: str = "postgresql+psycopg") -> str:
        auth = f"{SUPERUSER}:{quote(PASSWORD)}" if with_password else SUPERUSER
        return f"{scheme}://{auth}@/{dbname}?host={quote(str(self.socket_dir))}&port={self.port}"

    def tcp_url(self, dbname: str, user: str, password: str | None = None, *, sslmode: str | None = None,
                scheme: str = "postgresql") -> str:
        """The address form an office PC uses: ``postgresql://user[:password]@127.0.0.1:PORT/db``."""
        auth = f"{quote(user)}:{quote(password)}" if password is not None else quote(user)
        query = f"?sslmode={sslmode}" if sslmode else ""
        return f"{scheme}://{auth}@127.0.0.1:{self.port}/{dbname}{query}"

    def create_role(self, name: str | None = None, password: str = "") -> str:
        """An ordinary login role with a password (scram-sha-256), as an office creates for commdesk."""
        name = name or "r_" + uuid.uuid4().hex[:10]
        literal = password.replace("'", "''")
        self.admin(f'CREATE ROLE "{name}" LOGIN PASSWORD \'{literal}\'')
        self._roles.append(name)
        return name

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host=str(self.socket_dir), port=self.port, user=SUPERUSER, password=PASSWORD,
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, name: str | None = None, owner: str | None = None) -> str:
        name = name or "t_" + uuid.uuid4().hex[:12]
        owned = f' OWNER "{owner}"' if owner else ""
        self.admin(f'CREATE DATABASE "{name}"{owned} TEMPLATE template0 ENCODING \'UTF8\'')
        self._dbs.append(name)
        return name

    def drop_database(self, name: str) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop_role(self, name: str) -> None:
        """Drop a role of ``create_role`` (its databases first: ``drop_database``)."""
        self.admin(f'DROP ROLE IF EXISTS "{name}"')


def start_server() -> PgServer | None:
    """Start a private server, or None when the PostgreSQL binaries are not installed."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        return None
    run_as = None
    if os.geteuid() == 0:
        run_as = os.environ.get("COMMDESK_PG_USER", "postgres")
        pwd.getpwnam(run_as)  # KeyError if missing: say so loudly
    base = Path(tempfile.mkdtemp(prefix="commdesk-pg-"))
    os.chmod(base, 0o755)
    server = PgServer(bin_dir=bin_dir, base=base, port=_free_port(), run_as=run_as)
    try:
        server.start()
    except Exception:
        log = base / "server.log"
        if log.exists():
            print(log.read_text(errors="replace")[-4000:])
        shutil.rmtree(base, ignore_errors=True)
        raise
    return server


def stop_server(server: PgServer) -> None:
    try:
        server.stop("immediate")
    finally:
        shutil.rmtree(server.base, ignore_errors=True)


def wait_until_down(server: PgServer, timeout: float = 10) -> None:
    end = time.monotonic() + timeout
    sock = server.socket_dir / f".s.PGSQL.{server.port}"
    while sock.exists() and time.monotonic() < end:
        time.sleep(0.05)
