"""A real PostgreSQL server for the tests: started once per test session, stopped at the end.

The Debian ``postgresql`` package's binaries (``/usr/lib/postgresql/<major>/bin``, or
``COMMDESK_PG_BIN``) run ``initdb`` in a temporary directory and ``pg_ctl`` on a private unix
socket directory and port: no TCP listener, nothing shared with a system cluster. PostgreSQL
refuses to run as root, so when the tests run as root the server runs as the ``postgres``
system user (created by the Debian package) through ``setpriv``; the data directory and the
socket directory belong to that user.

``PgServer.create_database()`` gives each test an empty database of its own (``CREATE
DATABASE`` from ``template0``, a few milliseconds); ``url(db)`` is the SQLAlchemy URL commdesk
accepts for ``--db``.
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


def _free_port() -> int:
    # the server listens only on its unix socket in a directory of its own; the port number only
    # names the socket file, so any number will do
    return 54000 + (os.getpid() % 1000)


@dataclass
class PgServer:
    bin_dir: Path
    base: Path
    port: int
    run_as: str | None = None          # system user the server runs as (when we are root)
    _dbs: list[str] = field(default_factory=list)

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
        opts = (f"-k {self.socket_dir} -p {self.port} -c listen_addresses='' -c fsync=off"
                " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
                " -c shared_buffers=128MB -c timezone=UTC")
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-o", opts,
                  "-l", str(self.base / "server.log"), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        opts = (f"-k {self.socket_dir} -p {self.port} -c listen_addresses='' -c fsync=off"
                " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
                " -c shared_buffers=128MB -c timezone=UTC")
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-o", opts,
                  "-l", str(self.base / "server.log"), "-w", "-t", "60", "start")

    def url(self, dbname: str = "postgres", *, with_password: bool = True, scheme: str = "postgresql+psycopg") -> str:
        auth = f"{SUPERUSER}:{quote(PASSWORD)}" if with_password else SUPERUSER
        return f"{scheme}://{auth}@/{dbname}?host={quote(str(self.socket_dir))}&port={self.port}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host=str(self.socket_dir), port=self.port, user=SUPERUSER, password=PASSWORD,
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, name: str | None = None) -> str:
        name = name or "t_" + uuid.uuid4().hex[:12]
        self.admin(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
        self._dbs.append(name)
        return name

    def drop_database(self, name: str) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
