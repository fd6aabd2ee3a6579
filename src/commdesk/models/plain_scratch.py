"""The plain copies a backup or a restore needs for a moment, and what a killed one left behind.

An encrypted backup is made from a consistent snapshot of the database, and an encrypted backup
is restored from its decrypted content: both are whole, readable copies of the residents' data
(plain even when the database itself is encrypted with SQLCipher). They live for seconds in a
scratch folder beside the database, ``commdesk-backup-<database name>-…``, removed when the work
is done. A power cut or a killed process would leave the folder there, a plain copy beside an
encrypted database, so the folder holds an OS lock (``work.lock``) while in use, and opening the
database for writing removes every such folder of this database whose lock is free (and the
``<database>.decrypted`` copy earlier versions restored from).
"""
from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from commdesk.errors import DatabaseLocked
from commdesk.models.lock import InstanceLock

log = logging.getLogger(__name__)

PREFIX = "commdesk-backup-"


@contextmanager
def scratch_folder(db_path: Path) -> Iterator[Path]:
    """A new locked scratch folder beside ``db_path``, removed with what it holds on leaving
    (``OSError`` when the folder cannot be made)."""
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{db_path.name}-", dir=db_path.parent))
    lock = InstanceLock(folder / "work")
    try:
        lock.acquire()
        yield folder
    finally:
        lock.release()       # first: Windows does not remove a file that is held open
        shutil.rmtree(folder, ignore_errors=True)


def _ours(folder: Path, db_path: Path) -> bool:
    if folder.name.startswith(f"{PREFIX}{db_path.name}-"):
        return True
    # a folder of an earlier version (no database name in it): its snapshot is named for the database
    return not (folder / "work.lock").exists() and any(
        f.name.startswith(f"{db_path.stem}-") for f in folder.iterdir())


def remove_leftover_scratch(db_path: Path) -> int:
    """Remove the scratch folders of this database that no running backup or restore holds;
    returns how many. The caller holds the database's instance lock."""
    removed = 0
    try:
        candidates = [p for p in db_path.parent.glob(f"{PREFIX}*") if p.is_dir()]
    except OSError:
        return 0
    for folder in candidates:
        try:
            if not _ours(folder, db_path):
                continue
            lock = InstanceLock(folder / "work")
            lock.acquire()
        except (DatabaseLocked, OSError):
            continue                   # in use by a backup running now (or not readable): left alone
        lock.release()
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed += 1
    old_copy = db_path.with_name(db_path.name + ".decrypted")     # where earlier versions decrypted a restore
    try:
        if old_copy.is_file():
            old_copy.unlink()
            removed += 1
    except OSError:
        pass
    if removed:
        log.warning("removed %d plain temporary cop(ies) left by an interrupted backup or restore", removed)
    return removed
