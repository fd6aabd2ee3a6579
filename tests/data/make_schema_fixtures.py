"""Make one small database per older schema revision: ``tests/data/schemas/schema-<rev>.sqlite``.

    .venv/bin/python tests/data/make_schema_fixtures.py

Each is a generated demo community (``commdesk demo``, 12 households, seed 7 — never real data)
made at the newest schema and taken down to that revision with the migrations' own downgrades,
then VACUUMed, so it holds what a database of that release holds. Run it again after adding a
migration: the previous head then gets its fixture (tests/test_upgrade.py upgrades each one).
"""
from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "src"))


def main() -> int:
    os.environ["COMMDESK_HOME"] = tempfile.mkdtemp(prefix="commdesk-fixtures-")
    from alembic import command

    from commdesk.models.db import open_database
    from commdesk.models.migrate import HEAD, REVISIONS, alembic_config

    out = HERE / "schemas"
    out.mkdir(exist_ok=True)
    for rev in REVISIONS[:-1]:
        target = out / f"schema-{rev}.sqlite"
        target.unlink(missing_ok=True)
        _demo(target)
        with open_database(target, migrate=False) as database, database.engine.begin() as conn:
            command.downgrade(alembic_config(conn), rev)
        conn2 = sqlite3.connect(target)
        conn2.execute("PRAGMA journal_mode=DELETE")
        conn2.execute("VACUUM")
        got = conn2.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        conn2.close()
        assert got == rev, (got, rev)
        print(f"{target.name}: {target.stat().st_size // 1024} KiB (head is {HEAD})")
    return 0


def _demo(path: Path) -> None:
    import subprocess

    subprocess.run([sys.executable, "-m", "commdesk", "--db", str(path), "demo", "--households", "12", "--seed", "7"],
                   check=True, capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
