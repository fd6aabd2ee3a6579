"""The head of the audit chain, written down outside the database, so that entries cut off the
end of the trail (or a whole trail swapped for an older copy) are found too.

A hash chain shows an entry altered, deleted or inserted in the middle, but not the last entries
deleted: what is left is still a valid chain. So each time a writable database closes (the
window, every command) and after each backup, the chain's head (its last entry's id and hash) is
appended to an anchor file in this PC's user data folder (``audit-anchors/``, one file per
database: its resolved path, or a server's address without the password). ``audit verify`` then
also checks that the latest anchored entry is still there with the same hash.

An anchor only moves forward: a new head is recorded only while the database still holds the
previously anchored entry unchanged, so opening a trail that was cut short cannot quietly make
the cut the new normal. A restore (the trail goes back to the backup's) starts the anchor afresh
(:func:`reset_anchor`), as does an administrator's ``audit verify --reset-anchor`` after a file
was replaced on purpose; both are audited. Anchoring never stops a close or a backup: a folder
that cannot be written is logged and skipped.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from commdesk.i18n import _

log = logging.getLogger("commdesk.audit")
FOLDER = "audit-anchors"
KEEP = 50


@dataclass(frozen=True)
class Anchor:
    id: int
    hash: str
    at: str
    reason: str


def identity(database: Any) -> str:
    """What names a database on this PC: its file's resolved path, or the server address."""
    path = getattr(database, "path", None)
    if path is not None:
        return "file:" + str(Path(path).resolve())
    from sqlalchemy.engine import make_url

    url = make_url(str(getattr(database, "url", "")))
    return "server:" + url._replace(password=None).render_as_string(hide_password=False)


def anchor_file(database: Any) -> Path:
    from commdesk.paths import home_location

    digest = hashlib.sha256(identity(database).encode("utf-8")).hexdigest()[:24]
    return home_location() / FOLDER / f"{digest}.json"


def _load(path: Path) -> list[Anchor]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [Anchor(int(a["id"]), str(a["hash"]), str(a["at"]), str(a.get("reason", ""))) for a in data["anchors"]]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("the audit anchor file %s is unreadable; a new one is started", path.name)
        return []


def _save(path: Path, anchors: list[Anchor], database: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    payload = {"database": identity(database), "anchors": [a.__dict__ for a in anchors[-KEEP:]]}
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(payload, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def head(conn: Any) -> tuple[int, str] | None:
    row = conn.execute(text("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")).first()
    return (int(row[0]), str(row[1] or "")) if row is not None else None


def _holds(conn: Any, anchor: Anchor) -> bool:
    stored = conn.execute(text("SELECT hash FROM audit_log WHERE id = :i"), {"i": anchor.id}).scalar()
    return stored is not None and stored == anchor.hash


def latest(database: Any) -> Anchor | None:
    anchors = _load(anchor_file(database))
    return anchors[-1] if anchors else None


def record_head(database: Any, reason: str) -> Anchor | None:
    """Anchor the chain's head now (see the module docstring); the anchor written, or None when
    nothing was (an empty trail, the head already anchored, the earlier anchor no longer held, a
    folder that cannot be written)."""
    try:
        path = anchor_file(database)
        anchors = _load(path)
        with database.engine.connect() as conn:
            now = head(conn)
            if now is None or not now[1]:
                return None
            if anchors:
                if anchors[-1].id == now[0] and anchors[-1].hash == now[1]:
                    return None
                if not _holds(conn, anchors[-1]):
                    log.warning("audit anchor not moved: the anchored entry %s is no longer in the trail", anchors[-1].id)
                    return None
        anchor = Anchor(now[0], now[1], datetime.now().isoformat(timespec="seconds"), reason)
        _save(path, anchors + [anchor], database)
        return anchor
    except Exception as exc:  # noqa: BLE001 - anchoring never stops a close or a backup
        log.warning("audit anchor not written: %s", type(exc).__name__)
        return None


def reset_anchor(database: Any, reason: str) -> Anchor | None:
    """Start the anchor afresh at today's head (after a restore, or a file replaced on purpose)."""
    try:
        path = anchor_file(database)
        with database.engine.connect() as conn:
            now = head(conn)
        if now is None:
            path.unlink(missing_ok=True)
            return None
        anchor = Anchor(now[0], now[1], datetime.now().isoformat(timespec="seconds"), reason)
        _save(path, [anchor], database)
        return anchor
    except Exception as exc:  # noqa: BLE001
        log.warning("audit anchor not reset: %s", type(exc).__name__)
        return None


def check_anchor(conn: Any, database: Any) -> str:
    """'' when the latest anchor of this database still holds; else what is wrong, in Chinese."""
    anchor = latest(database)
    if anchor is None:
        return ""
    stored = conn.execute(text("SELECT hash FROM audit_log WHERE id = :i"), {"i": anchor.id}).scalar()
    when = anchor.at.replace("T", " ")[:16]
    if stored is None:
        top = head(conn)
        if top is None or top[0] < anchor.id:
            return _("审计记录被截断：本机在 {when} 记下的第 {id} 号记录已经不在了（现在最后一条是第 {last} 号）").format(
                when=when, id=anchor.id, last=top[0] if top else 0)
        return _("本机在 {when} 记下的第 {id} 号审计记录已经不在了").format(when=when, id=anchor.id)
    if stored != anchor.hash:
        return _("第 {id} 号审计记录与本机在 {when} 记下的校验值不同（审计记录被改写或整个换掉过）").format(id=anchor.id, when=when)
    return ""


@dataclass(frozen=True)
class TrailReport:
    """The whole check of the trail: the chain, this PC's anchor and the guards."""

    chain: Any                    # audit_chain.ChainReport
    anchor_problem: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return bool(self.chain.ok) and not self.anchor_problem

    @property
    def problem(self) -> str:
        return self.chain.problem if not self.chain.ok else self.anchor_problem


def verify_trail(conn: Any, database: Any) -> TrailReport:
    """``audit verify``: the chain entry by entry, then the latest anchor, then the guards."""
    from commdesk.models.audit_chain import verify_chain
    from commdesk.models.audit_guard import missing_guards

    chain = verify_chain(conn)
    problem = check_anchor(conn, database) if chain.ok else ""
    return TrailReport(chain, problem, tuple(missing_guards(conn)))
