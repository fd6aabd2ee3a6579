"""A restore killed with SIGKILL at any moment leaves a database that opens, whole: either the one
it had or the backup's, never a mix and never a damaged file."""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from commdesk.demo.households import generate_demo
from commdesk.models.backup import backup_encrypted
from commdesk.models.db import open_database

KILLS = 30


def _names(path: Path) -> frozenset[str]:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return frozenset(r[0] for r in conn.execute("SELECT name FROM resident"))
    finally:
        conn.close()


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_restore_killed_at_random_moments(tmp_path: Path) -> None:
    db = tmp_path / "office.sqlite3"
    with open_database(db) as database:
        generate_demo(database, households=400, seed=3)
        backup, _manifest = backup_encrypted(database, "办公室的备份密码", tmp_path / "bk")
    original = _names(db)
    with open_database(db) as database, database.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE resident SET name = name || '改' WHERE id % 3 = 0")
    changed = _names(db)
    assert changed != original
    env = dict(os.environ, COMMDESK_BACKUP_PASSWORD="办公室的备份密码")
    # one restore that runs to the end, to spread the kills over the time a restore takes here
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "commdesk", "restore", str(backup), "--db", str(db)], env=env,
                   check=True, capture_output=True)
    full = time.perf_counter() - started
    assert _names(db) == original
    with open_database(db) as database, database.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE resident SET name = name || '改' WHERE id % 3 = 0")
    rng = random.Random(11)
    outcomes = {"old": 0, "restored": 0}
    finished = 0
    for _kill in range(KILLS):
        proc = subprocess.Popen([sys.executable, "-m", "commdesk", "restore", str(backup), "--db", str(db)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.0, 0.9 * full))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        else:
            finished += 1
        proc.wait()
        names = _names(db)                       # opens and is whole after every kill
        assert names in (original, changed)
        outcomes["restored" if names == original else "old"] += 1
        with open_database(db):                  # the application opens it too (lock, migrations)
            pass
        # and the decrypted copy a killed restore works from is gone once it did
        assert not list(tmp_path.glob("commdesk-backup-*")), list(tmp_path.iterdir())
        if names == original:                    # put today's data back for the next round
            with open_database(db) as database, database.engine.begin() as conn:
                conn.exec_driver_sql("UPDATE resident SET name = name || '改' WHERE id % 3 = 0")
    print(f"restore killed {KILLS - finished} times, finished {finished} times; outcomes {outcomes}")
    assert KILLS - finished >= 20                # killed in flight, not only after it finished
