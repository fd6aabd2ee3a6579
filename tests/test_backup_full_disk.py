"""A full disk during a backup (a real one: the child process's file size limit, RLIMIT_FSIZE, so
every write past it fails as on a full USB stick): one Chinese sentence that says where and why,
exit 1, no partial backup or scratch file left, the database exactly as it was."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from commdesk.cli import main

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.sqlite_only(reason="backups of SQLite files"),
              pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE")]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _backup_with_limit(db: Path, stick: Path, limit: int, home: Path) -> subprocess.CompletedProcess[str]:
    script = textwrap.dedent(f"""
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)      # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
        from commdesk.cli import main
        sys.exit(main(["backup", "--db", {str(db)!r}, "-o", {str(stick)!r}]))
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), COMMDESK_HOME=str(home),
               COMMDESK_BACKUP_PASSWORD="Beifen-2026-12")
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("where", ["snapshot", "stick"])
def test_a_full_disk_during_a_backup_is_one_sentence_and_leaves_nothing(tmp_path: Path, where: str) -> None:
    db = tmp_path / "office.sqlite3"
    assert main(["demo", "--db", str(db), "--households", "200"]) == 0
    digest, size = _sha(db), db.stat().st_size
    stick = tmp_path / "U盘"
    # half the database: the snapshot beside it cannot be written; a few bytes more than the
    # database: the snapshot fits, the encrypted file (header and tags) on the stick does not
    limit = size // 2 if where == "snapshot" else size + 10
    proc = _backup_with_limit(db, stick, limit, tmp_path / "home")
    message = proc.stderr.strip()
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "\n" not in message and "磁盘空间不足" in message and "数据库没有改动" in message, message
    assert (str(tmp_path) if where == "snapshot" else str(stick)) in message
    assert not list(stick.glob("*")), list(stick.glob("*"))               # no partial .cdbak / .part
    assert not list(tmp_path.glob("commdesk-backup-*"))                   # the scratch snapshot removed
    assert _sha(db) == digest
    assert main(["audit", "verify", "--db", str(db)]) == 0
