"""``commdesk --startup-probe OUT.json`` (ui/first_paint_probe.py, for benchmarks/bench_startup.py):
the real start to a painted ledger, timed; on a database with accounts only with a valid login."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from commdesk.cli import main

pytestmark = pytest.mark.gui


def test_the_probe_paints_the_ledger_and_writes_its_times(qtbot: Any, tmp_path: Path) -> None:
    from commdesk.ui.runner import set_runner

    db, out = tmp_path / "office.sqlite3", tmp_path / "probe.json"
    assert main(["demo", "--households", "30", "--db", str(db)]) == 0
    before = time.time()
    try:
        assert main(["--startup-probe", str(out), "--db", str(db)]) == 0
    finally:
        set_runner(None)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["rows"] > 30 and before <= data["painted_unix"] <= time.time()
    assert data["entered_unix"] <= data["painted_unix"]


def test_the_probe_needs_the_login_a_database_with_accounts_needs(qtbot: Any, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from commdesk.ui.runner import set_runner

    db, out = tmp_path / "office.sqlite3", tmp_path / "probe.json"
    assert main(["demo", "--households", "5", "--db", str(db)]) == 0
    monkeypatch.setenv("COMMDESK_NEW_PASSWORD", "Qx7!mw4Rk2tP")
    assert main(["user", "add", "wang", "--role", "admin", "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["--startup-probe", str(out), "--db", str(db)]) == 1
    assert "--user" in capsys.readouterr().err and not out.exists()
    monkeypatch.setenv("COMMDESK_PASSWORD", "wrong-password-9")
    assert main(["--user", "wang", "--startup-probe", str(out), "--db", str(db)]) == 1
    assert "密码不正确" in capsys.readouterr().err and not out.exists()
    monkeypatch.setenv("COMMDESK_PASSWORD", "Qx7!mw4Rk2tP")
    try:
        assert main(["--user", "wang", "--startup-probe", str(out), "--db", str(db)]) == 0
    finally:
        set_runner(None)
    assert json.loads(out.read_text(encoding="utf-8"))["rows"] > 5
