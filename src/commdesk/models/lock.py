"""One running commdesk per database: an OS lock on ``<db>.lock`` next to the file.

The lock is an OS file lock (``fcntl.flock`` / ``msvcrt.locking``), so the operating system
drops it when a crashed process dies: a stale lock file is recovered by simply locking it again.
The file holds the owner's pid and host for the message shown to the second instance.
"""
from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import IO

from commdesk.errors import DatabaseLocked
from commdesk.i18n import _


def lock_path_for(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def _try_lock(fh: IO[bytes]) -> bool:
    try:
        if os.name == "nt":
            import msvcrt

            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


class InstanceLock:
    def __init__(self, db_path: Path) -> None:
        self.path = lock_path_for(db_path)
        self._fh: IO[bytes] | None = None

    def owner(self) -> dict[str, object]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return {}

    def acquire(self) -> None:
        fh = open(self.path, "a+b")  # noqa: SIM115 - held open for the process lifetime
        if not _try_lock(fh):
            fh.close()
            owner = self.owner()
            host = owner.get("host", "?")
            raise DatabaseLocked(_("该数据库已在另一个 commdesk 窗口中打开（计算机 {host}，进程 {pid}）。"
                                   "可以只读方式打开，或关闭另一个窗口后重试。")
                                 .format(host=host, pid=owner.get("pid", "?")))
        info = json.dumps({"pid": os.getpid(), "host": socket.gethostname()}).encode()
        if os.name == "nt":
            # byte 0 is locked on Windows; keep the info after it
            fh.seek(1)
            fh.truncate()
            fh.write(info)
        else:
            fh.seek(0)
            fh.truncate()
            fh.write(info)
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        """Give the lock back. The file stays (emptied): deleting it would let two processes
        lock two different files of the same name."""
        if self._fh is None:
            return
        try:
            self._fh.seek(0)
            self._fh.truncate()
            self._fh.flush()
        except OSError:
            pass
        finally:
            self._fh.close()
            self._fh = None
