"""Opening a database: URL resolution, SQLite pragmas, the session factory.

``open_database`` is the single entry point used by the CLI, the GUI, tests and benchmarks: it
refuses unsafe locations, takes the single-instance lock, checks the file really is a SQLite
database, migrates (after a backup) and returns a ``Database``.

A server URL without a password gets it through ``models.connection`` (the OS keyring, then
``COMMDESK_DB_PASSWORD``, then the front end's prompt, asked again when the server refuses it);
the password goes to the engine only, never into ``Database.url``, a message or the log. No
``--db`` at all means the PC's start database: the server saved in 设置 → 数据库, else the SQLite
file in the data folder.
"""
from __future__ import annotations

import contextvars
import logging
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, SessionTransaction, SessionTransactionOrigin, sessionmaker

from commdesk.errors import DatabaseDamaged, UserError, classify_db_error
from commdesk.i18n import _
from commdesk.models.audit_chain import install as install_audit_hash
from commdesk.models.location import check_location
from commdesk.models.lock import InstanceLock
from commdesk.paths import sqlite_uri

log = logging.getLogger("commdesk.db")
BUSY_TIMEOUT_MS = 5000


def resolve_url(db: str | Path | None) -> tuple[str, Path | None]:
    """``--db`` value → (SQLAlchemy URL, SQLite file path or None)."""
    if db is None:
        from commdesk.models.connection import start_database
        from commdesk.paths import default_db_path

        server = start_database()
        db = server.url() if server is not None else default_db_path()
    text = str(db)
    if "://" in text:
        from commdesk.models.dialect import normalise_url

        text = normalise_url(text)   # postgresql:// and postgres:// → psycopg 3
        url = make_url(text)
        if url.get_backend_name() == "sqlite":
            path = Path(url.database).resolve() if url.database and url.database != ":memory:" else None
            return text, path
        return text, None
    path = Path(text).expanduser().resolve()
    return f"sqlite+pysqlite:///{path.as_posix()}", path


#: Set while an explicit ``Session.begin()`` transaction is open in this thread/context.
_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("commdesk_write_intent", default=False)


@event.listens_for(Session, "after_transaction_create")
def _mark_write_intent(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and transaction.origin is SessionTransactionOrigin.BEGIN:
        session.info["_write_token"] = _write_intent.set(True)


@event.listens_for(Session, "after_transaction_end")
def _clear_write_intent(session: Session, transaction: SessionTransaction) -> None:
    token = session.info.pop("_write_token", None) if transaction.parent is None else None
    if token is not None:
        try:
            _write_intent.reset(token)
        except ValueError:  # ended in another context: just clear it there
            _write_intent.set(False)


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, readonly: bool) -> None:
    # journal_mode=WAL is persistent in the file: set once by open_database after the version
    # check (so a file we refuse is never rewritten), not on every connection.
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA cache_size=-32000")
    cur.close()


#: seconds libpq waits for a server that does not answer (libpq's own default is to wait for ever)
CONNECT_TIMEOUT_S = 10


def create_db_engine(url: str, *, readonly: bool = False, password: str | None = None,
                     cipher_key: bytes | None = None) -> Engine:
    """The engine for a resolved URL; ``password`` (a server's) goes into the engine's URL object
    only. ``cipher_key``: the SQLite file is encrypted (SQLCipher, ``models.db_cipher``); every
    connection sets the key first, then the same pragmas as a plain file."""
    if url.startswith("sqlite"):
        connect_args: dict[str, object] = {"check_same_thread": False}
        if cipher_key is not None:
            from commdesk.models import db_cipher

            module = db_cipher.require_driver()
            file = Path(make_url(url).database or "")
            engine = create_engine("sqlite+pysqlite://" if readonly else url, module=module,
                                   creator=lambda: db_cipher.connect_encrypted(file, cipher_key, readonly=readonly))
        elif readonly:
            # a read-only URI built by us (escaped), handed to sqlite3 directly
            uri = sqlite_uri(Path(make_url(url).database or ""), "ro")
            engine = create_engine("sqlite+pysqlite://", creator=lambda: sqlite3.connect(
                uri, uri=True, check_same_thread=False))
        else:
            engine = create_engine(url, connect_args=connect_args)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: sqlite3.Connection, record: object) -> None:
            # let SQLAlchemy manage transactions; pysqlite's legacy implicit BEGIN is off
            dbapi_conn.isolation_level = None
            _sqlite_pragmas(dbapi_conn, readonly)
            install_audit_hash(dbapi_conn)   # the audit trail's hash chain (models.audit_chain)

        @event.listens_for(engine, "begin")
        def _on_begin(conn: object) -> None:
            # An explicit ``Session.begin()`` (a command that will write) takes the write lock up
            # front so busy_timeout applies: in WAL mode a deferred BEGIN that reads and then
            # writes fails at once (SQLITE_BUSY_SNAPSHOT) if another writer committed in between.
            # Plain reads keep a deferred BEGIN and never wait for writers.
            immediate = not readonly and _write_intent.get()
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")  # type: ignore[attr-defined]

        return engine
    from commdesk.models import dialect

    target = make_url(url)
    if password is not None:
        target = target.set(password=password)
    connect_args: dict[str, object] = {}
    if "connect_timeout" not in target.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
    engine = create_engine(target, pool_pre_ping=True, connect_args=connect_args)
    dialect.install_postgresql(engine)
    return engine


def _server_engine(url: str, readonly: bool) -> tuple[str, Engine]:
    """(the URL without a password, a connected engine) for a server URL: the password from the URL
    (with a once-per-server warning that it is in clear) or from ``models.connection``, asked again
    (at most three times) while the server refuses it and a prompt can ask."""
    from commdesk.models import connection

    parsed = make_url(url)
    address = connection.ServerAddress.from_url(parsed)
    bare = parsed.set(password=None).render_as_string(hide_password=False)
    if parsed.password is not None:
        connection.notice_clear_password(address)
        engine = create_db_engine(bare, readonly=readonly, password=parsed.password)
        try:
            engine.connect().close()
        except Exception:
            engine.dispose()
            raise
        return bare, engine
    error = ""
    for attempt in range(3):
        password = connection.server_password(address, error=error)
        engine = create_db_engine(bare, readonly=readonly, password=password)
        try:
            engine.connect().close()
        except Exception as exc:
            engine.dispose()
            user = classify_db_error(exc)
            if user is None or not _refused_login(exc):
                raise
            connection.password_refused(address)
            if attempt == 2 or not connection.can_prompt():
                raise user from exc
            error = str(user)
            continue
        connection.password_accepted(address, password)
        return bare, engine
    raise AssertionError("unreachable")  # pragma: no cover


def _refused_login(exc: BaseException) -> bool:
    """The server refused the password (SQLSTATE 28P01, or libpq's message before a SQLSTATE)."""
    root = getattr(exc, "orig", None) or exc
    text = str(root).lower()
    return getattr(root, "sqlstate", None) == "28P01" or "password authentication failed" in text \
        or "no password supplied" in text


@dataclass
class Database:
    url: str
    path: Path | None
    engine: Engine
    readonly: bool = False
    lock: InstanceLock | None = None
    encrypted: bool = False         #: an SQLCipher file (models.db_cipher)
    Session: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.Session = sessionmaker(self.engine, expire_on_commit=False)
        self._checkpoint: threading.Thread | None = None
        self._anchored = False          # the audit chain's head written down at close (audit_anchor)

    def checkpoint_in_background(self) -> None:
        """Copy the write-ahead log into the database file in a thread, on a connection of its own
        (a passive checkpoint: readers and writers go on). After a bulk import the log holds the
        whole load; copying it is not part of making it durable (the commit did that), so the
        import returns without waiting for it. ``close`` waits for it."""
        if self.path is None or self.readonly or (self._checkpoint is not None and self._checkpoint.is_alive()):
            return

        def run() -> None:
            try:
                with self.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").all()
            except Exception:  # noqa: BLE001 - the next checkpoint (at the latest on close) does it
                log.debug("background checkpoint failed", exc_info=True)

        self._checkpoint = threading.Thread(target=run, name="commdesk-checkpoint", daemon=True)
        self._checkpoint.start()

    def wait_for_checkpoint(self) -> None:
        if self._checkpoint is not None:
            self._checkpoint.join()
            self._checkpoint = None

    def close(self) -> None:
        self.wait_for_checkpoint()
        if not self.readonly and not self._anchored:
            from commdesk.models.audit_anchor import record_head

            self._anchored = True
            record_head(self, "close")
        self.engine.dispose()
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_sqlite_header(path: Path) -> bool:
    """True for an encrypted commdesk database (SQLCipher: its key file or keyring entry is
    there); a file that is neither SQLite nor that is refused."""
    from commdesk.models import db_cipher

    if not path.exists() or path.stat().st_size == 0:
        return False
    with path.open("rb") as fh:
        head = fh.read(16)
    if head != b"SQLite format 3\x00":
        if db_cipher.looks_encrypted(path):
            if not db_cipher.available():
                raise UserError(_("“{name}”是加密的数据库，本机没有安装 SQLCipher（sqlcipher3），无法打开。"
                                  "请安装 commdesk 的 cipher 组件（pip install \"commdesk[cipher]\"）。").format(name=path.name))
            return True
        raise DatabaseDamaged(_("“{name}”不是 commdesk 数据库文件（或已损坏）。请打开其他文件或从备份恢复。")
                              .format(name=path.name))
    return False


def open_database(db: str | Path | None = None, *, migrate: bool = True, readonly: bool = False,
                  lock: bool = True, create: bool = True) -> Database:
    """Open (and migrate) a database. ``create=False``: a missing file is an error, not a new
    empty database (commands that only read or copy must not invent one from a typo)."""
    url, path = resolve_url(db)
    instance_lock = None
    if path is not None:
        check_location(path)
        if (readonly or not create) and not path.exists():
            raise UserError(_("数据库文件不存在：{name}").format(name=path.name))
        path.parent.mkdir(parents=True, exist_ok=True)
        encrypted = _check_sqlite_header(path)
        if lock and not readonly:
            instance_lock = InstanceLock(path)
            instance_lock.acquire()
            from commdesk.models.db_cipher import remove_leftovers   # a conversion killed half-way left its copy
            from commdesk.models.plain_scratch import remove_leftover_scratch

            remove_leftovers(path)
            remove_leftover_scratch(path)      # the plain copy a killed backup or restore left beside it
    else:
        encrypted = False
    try:
        cipher_key = None
        if encrypted:
            from commdesk.models import db_cipher

            assert path is not None
            cipher_key = db_cipher.database_key(path)     # this process's, the keyring's, or the backup password
        try:
            if path is None and not url.startswith("sqlite"):
                url, engine = _server_engine(url, readonly)
            else:
                engine = create_db_engine(url, readonly=readonly, cipher_key=cipher_key)
        except (ImportError, ArgumentError) as exc:  # NoSuchModuleError is an ArgumentError
            raise UserError(_("无法使用数据库地址（{scheme}://…）：地址无效或缺少相应的数据库驱动。")
                            .format(scheme=url.split("://", 1)[0])) from exc
        database = Database(url=url, path=path, engine=engine, readonly=readonly, lock=instance_lock,
                            encrypted=encrypted)
        if migrate and not readonly:
            from commdesk.models.upgrade import check_version, upgrade  # back up, migrate, check, restore on failure

            check_version(database)
            if url.startswith("sqlite"):
                raw = engine.raw_connection()  # outside any transaction
                try:
                    raw.driver_connection.execute("PRAGMA journal_mode=WAL")  # type: ignore[union-attr]
                finally:
                    raw.close()
            upgrade(database)
        else:
            from commdesk.models.upgrade import check_version

            check_version(database)
        return database
    except Exception as exc:
        if instance_lock is not None:
            instance_lock.release()
        if isinstance(exc, UserError):
            raise
        user = classify_db_error(exc)
        if user is not None:
            raise user from exc
        raise


@dataclass(frozen=True)
class ServerProbe:
    """What 设置 → 数据库 → 测试连接 found on a server."""

    server_version: str
    revision: str | None          # the schema revision; None: no commdesk tables yet
    other_tables: int             # tables there that are not commdesk's (a database of another program)
    pg_trgm: bool                 # the trigram extension is installed (or can be: the first start creates it)

    @property
    def usable(self) -> bool:
        """commdesk can start on it (empty, or a schema this build knows)."""
        from commdesk.models.migrate import REVISIONS

        return (self.revision is None and not self.other_tables) or self.revision in REVISIONS

    def describe(self) -> str:
        from commdesk.models.migrate import HEAD, REVISIONS

        head = _("连接成功：PostgreSQL {v}。").format(v=self.server_version)
        if self.revision is None and self.other_tables:
            return head + _("但这个数据库里已有其他程序的表（{n} 张），不是 commdesk 的数据库，请换一个数据库名。").format(
                n=self.other_tables)
        if self.revision is None:
            text = _("这是一个空数据库，第一次用它启动时会建立 commdesk 的表（结构版本 {head}）。").format(head=HEAD)
        elif self.revision not in REVISIONS:
            text = _("数据库结构版本 {rev} 比本程序新（本程序支持到 {head}），请先升级 commdesk。").format(
                rev=self.revision, head=HEAD)
        elif self.revision == HEAD:
            text = _("数据库结构版本 {rev}，与本程序一致。").format(rev=self.revision)
        else:
            text = _("数据库结构版本 {rev}，第一次用它启动时会升级到 {head}。").format(rev=self.revision, head=HEAD)
        if not self.pg_trgm:
            text += _("服务器没有 pg_trgm 扩展：搜索可用但较慢（见 README 的“Office set-up”）。")
        return head + text


def probe_server(address: Any, password: str | None = None) -> ServerProbe:
    """Connect to ``address`` (``models.connection.ServerAddress``) once and read the server's
    version and the schema revision there, changing nothing. ``password`` None: the stored one
    (OS keyring) or ``COMMDESK_DB_PASSWORD``; never a prompt (this runs on the database thread).
    A UserError with the clear Chinese reason when it cannot connect."""
    import os

    from sqlalchemy import inspect, text

    from commdesk.models import connection

    address.validate()
    if not password:
        password = connection.keyring_password(address) or os.environ.get(connection.PASSWORD_ENV) or None
    if not password:
        raise UserError(_("请输入密码（或先勾选“记住密码”保存到系统凭据管理器）后再测试。"))
    url, _path = resolve_url(address.url())
    engine = create_db_engine(url, password=password)
    try:
        with engine.connect() as conn:
            version = str(conn.exec_driver_sql("SHOW server_version").scalar_one()).split(" ")[0]
            tables = inspect(conn).get_table_names()
            revision = None
            if "alembic_version" in tables:
                revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            trgm = bool(conn.exec_driver_sql(
                "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_trgm'").scalar())
        return ServerProbe(server_version=version, revision=revision,
                           other_tables=0 if revision is not None else len(tables), pg_trgm=trgm)
    except Exception as exc:
        user = classify_db_error(exc)
        if user is not None:
            raise user from exc
        raise
    finally:
        engine.dispose()
