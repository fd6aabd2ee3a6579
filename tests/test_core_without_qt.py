"""The core runs without Qt (STYLE habit 1): every module of models, services, search, validation,
importers and reports imports with PySide6 unavailable, and the core CLI commands work."""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import commdesk

CORE_PACKAGES = ("commdesk.models", "commdesk.services", "commdesk.search", "commdesk.validation",
                 "commdesk.importers", "commdesk.reports", "commdesk.settings", "commdesk.demo")
CORE_MODULES = ("commdesk", "commdesk.errors", "commdesk.paths", "commdesk.i18n", "commdesk.logsetup", "commdesk.changes",
                "commdesk.cli")
PACKAGE_DIR = Path(commdesk.__file__).resolve().parent

_IMPORT_ALL = textwrap.dedent("""
    import importlib, json, pkgutil, sys
    sys.modules["PySide6"] = None          # any "import PySide6..." now raises ImportError
    packages, modules = json.loads(sys.argv[1]), json.loads(sys.argv[2])
    done = []
    for name in modules:
        importlib.import_module(name)
        done.append(name)
    for pkg in packages:
        module = importlib.import_module(pkg)
        done.append(pkg)
        for info in pkgutil.walk_packages(module.__path__, pkg + ".", onerror=lambda name: None):
            if ".migrations." in info.name:  # alembic scripts: run by alembic, not imported by name
                continue
            importlib.import_module(info.name)
            done.append(info.name)
    qt = sorted(m for m, v in sys.modules.items() if m.split(".")[0] in ("PySide6", "shiboken6") and v is not None)
    print(json.dumps({"imported": done, "qt": qt}))
""")


def _core_files() -> set[str]:
    """Dotted names of every .py file under the core packages, from the file system."""
    names = set()
    for pkg in CORE_PACKAGES:
        folder = PACKAGE_DIR / pkg.split(".", 1)[1]
        if not folder.is_dir():
            continue
        for path in folder.rglob("*.py"):
            rel = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts.pop()
            names.add(".".join(parts))
    return names


def test_every_core_module_imports_without_pyside6() -> None:
    result = subprocess.run([sys.executable, "-c", _IMPORT_ALL, json.dumps(CORE_PACKAGES), json.dumps(CORE_MODULES)],
                            capture_output=True, text=True, timeout=300, env=dict(os.environ, PYTHONWARNINGS="error"))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    imported = set(report["imported"])
    assert report["qt"] == []
    files = _core_files()
    # every file on disk was imported (migration scripts are run by alembic, not imported by name)
    assert files - imported - {n for n in files if ".migrations." in n or n.endswith(".migrations")} == set()
    for name in ("commdesk.models.db", "commdesk.models.lock", "commdesk.models.search_index", "commdesk.search.query",
                 "commdesk.services.households", "commdesk.reports.ledger_query", "commdesk.models.backup",
                 "commdesk.services.export_residents", "commdesk.services.integrity", "commdesk.validation.idcard"):
        assert name in imported
    assert not any(n.startswith(("commdesk.ui", "commdesk.app")) for n in imported)


def _qt_imports(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(a.name.split(".")[0] in ("PySide6", "shiboken6") for a in node.names):
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] in ("PySide6", "shiboken6") or node.module.startswith(("commdesk.ui",
                                                                                                 "commdesk.app")):
                lines.append(node.lineno)
    return lines


def test_no_core_file_imports_qt_even_lazily() -> None:
    """The import test cannot see an import inside a function; the source can."""
    offenders = {}
    for pkg in CORE_PACKAGES:
        folder = PACKAGE_DIR / pkg.split(".", 1)[1]
        for path in sorted(folder.rglob("*.py")) if folder.is_dir() else []:
            lines = _qt_imports(path)
            if lines:
                offenders[str(path.relative_to(PACKAGE_DIR))] = lines
    assert offenders == {}


_CLI_WITHOUT_QT = textwrap.dedent("""
    import os, sys
    sys.modules["PySide6"] = None
    os.environ["COMMDESK_BACKUP_PASSWORD"] = "办公室的备份密码"
    from commdesk.cli import main
    db = sys.argv[1]
    for args in (["demo", "--households", "5", "--db", db], ["check", "--db", db],
                 ["export", "residents", "--format", "json", "-o", sys.argv[2], "--db", db],
                 ["backup", "--db", db, "-o", sys.argv[3]]):
        code = main(args)
        if code != 0:
            raise SystemExit(f"{args[0]} returned {code}")
""")


def test_core_commands_run_without_pyside6(tmp_path: Path) -> None:
    db = tmp_path / "office.sqlite3"
    out = tmp_path / "residents.json"
    result = subprocess.run([sys.executable, "-c", _CLI_WITHOUT_QT, str(db), str(out), str(tmp_path / "bk")],
                            capture_output=True, text=True, timeout=300, env=dict(os.environ, PYTHONWARNINGS="error"))
    assert result.returncode == 0, result.stderr
    assert len(json.loads(out.read_text(encoding="utf-8"))) > 5
    assert len(list((tmp_path / "bk").glob("*.cdbak"))) == 1
