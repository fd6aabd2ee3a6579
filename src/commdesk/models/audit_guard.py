"""The audit trail is append-only in the store itself: triggers refuse an UPDATE or DELETE of an
entry (and, on a server, a TRUNCATE), whoever sends it.

A guard is not the proof: anyone who may change the schema can drop a trigger first. The hash
chain (``audit_chain``) and the head anchored outside the database (``audit_anchor``) are what
show a change; the guard makes a casual edit with an SQLite tool or a careless ``DELETE`` fail
loudly instead of succeeding, and :func:`missing_guards` lets ``audit verify`` say when a guard
(or the chain's own trigger) was removed. On SQLite the chain trigger fills ``prev_hash``/``hash``
of a row just inserted with an UPDATE; the guard lets exactly that through (the row's hash is
still empty). On PostgreSQL the README also tells the server administrator to REVOKE UPDATE,
DELETE and TRUNCATE on ``audit_log`` from the application's role.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import text

from commdesk.i18n import _

SQLITE_GUARDS = {
    "audit_no_update": "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit_log "
                       "WHEN OLD.hash IS NOT NULL AND OLD.hash != '' "
                       "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: an entry cannot be changed'); END",
    "audit_no_delete": "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit_log "
                       "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: an entry cannot be deleted'); END",
}
PG_GUARD_SQL = (
    """CREATE OR REPLACE FUNCTION commdesk_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END $$""",
    "DROP TRIGGER IF EXISTS audit_no_change ON audit_log",
    "CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW "
    "EXECUTE FUNCTION commdesk_audit_guard()",
    "DROP TRIGGER IF EXISTS audit_no_truncate ON audit_log",
    "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT "
    "EXECUTE FUNCTION commdesk_audit_guard()",
)
PG_GUARDS = ("audit_no_change", "audit_no_truncate")
CHAIN_TRIGGER = "audit_chain"


def create_guards(bind: Any) -> None:
    """The guards on this store (migration 0011; ``migrate-db`` creates them with the schema)."""
    if bind.dialect.name == "postgresql":
        for sql in PG_GUARD_SQL:
            bind.exec_driver_sql(sql)
    else:
        for sql in SQLITE_GUARDS.values():
            bind.execute(text(sql))


def drop_guards(bind: Any) -> None:
    if bind.dialect.name == "postgresql":
        for name in PG_GUARDS:
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON audit_log")
        bind.exec_driver_sql("DROP FUNCTION IF EXISTS commdesk_audit_guard()")
    else:
        for name in SQLITE_GUARDS:
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def missing_guards(conn: Any) -> list[str]:
    """What protects the trail and is gone or switched off, in Chinese ([] when all is in place)."""
    if conn.dialect.name == "postgresql":
        rows = conn.execute(text("SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass "
                                 "AND NOT tgisinternal")).all()
        enabled = {name for name, state in rows if state != "D"}
        wanted: tuple[str, ...] = (CHAIN_TRIGGER, *PG_GUARDS)
    else:
        rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"))
        enabled = {r[0] for r in rows}
        wanted = (CHAIN_TRIGGER, *SQLITE_GUARDS)
    out = []
    for name in wanted:
        if name not in enabled:
            what = _("校验链触发器") if name == CHAIN_TRIGGER else _("防改防删触发器")
            out.append(_("{what}“{name}”被删除或停用了").format(what=what, name=name))
    return out
