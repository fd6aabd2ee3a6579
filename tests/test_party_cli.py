"""The Party registers on the command line: ``import --kind party-members|center-households`` and
``export party-members|center-households --format json``."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from commdesk.cli import main
from commdesk.cli.party import PARTY_EXPORTS, run_import_command
from tests.test_party_import import CENTERS, RESIDENTS, ROSTER


def test_import_then_export_json(db_path: Path, tmp_path: Path, capsys: Any) -> None:
    if not RESIDENTS.exists():
        pytest.skip("the residents sample is not in tests/data/import")
    from commdesk.importers import ImportOptions, run_import
    from commdesk.models.db import open_database

    with open_database(db_path) as db:
        run_import(db, RESIDENTS, ImportOptions(backup=False))
    for kind, path in (("party-members", ROSTER), ("center-households", CENTERS)):
        args = argparse.Namespace(db=str(db_path), file=str(path), kind=kind, dry_run=False, no_backup=True,
                                  json=True)
        assert run_import_command(args) == 0
        result = json.loads(capsys.readouterr().out)
        assert result["rejected"] == 0 and result["imported"] > 0
    for key in PARTY_EXPORTS:
        out = tmp_path / f"{key}.json"
        assert main(["export", key, "--format", "json", "-o", str(out), "--db", str(db_path)]) == 0
        records = json.loads(out.read_text(encoding="utf-8"))
        assert len(records) == (59 if key == "party-members" else 12)


def test_dry_run_writes_nothing(db_path: Path, capsys: Any) -> None:
    from commdesk.models.db import open_database
    from commdesk.reports.party_json import party_member_records

    args = argparse.Namespace(db=str(db_path), file=str(ROSTER), kind="party-members", dry_run=True,
                              no_backup=True, json=True)
    assert run_import_command(args) == 0
    assert json.loads(capsys.readouterr().out)["imported"] == 59
    with open_database(db_path) as db, db.Session() as s:
        assert party_member_records(s) == []
