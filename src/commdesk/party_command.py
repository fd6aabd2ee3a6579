"""Command line for the Party module. It adds no sub-command of its own:

- ``commdesk import FILE --kind party-members|center-households`` goes through the importer's
  ``import`` command; for these kinds it calls :func:`run_party_import` (see ``PARTY_IMPORTERS``);
  ``commdesk import --undo N`` of such a batch calls :func:`undo_party_import`;
- ``commdesk export party-members|center-households --format json`` goes through the ``export``
  command, which calls :func:`run_party_export` for these keys in JSON (the same keys in xlsx/pdf
  are the ledgers 党员花名册 and 党员中心户联系户台账, exported by ``reports.command.run_export``).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from commdesk.errors import UserError
from commdesk.i18n import _

#: import kind → "module:function(database, path, dry_run=, backup=)"
PARTY_IMPORTERS = {
    "party-members": "commdesk.importers.party_members:import_party_members",
    "center-households": "commdesk.importers.center_households:import_center_households",
}
#: export keys answered in JSON by commdesk.reports.party_json
PARTY_EXPORTS = ("party-members", "center-households")


def register(subparsers: Any, common: argparse.ArgumentParser | None = None) -> None:
    """Nothing to add: ``import --kind`` and ``export`` cover the Party data."""
    # importing the kinds registers their field tables with the import framework
    import commdesk.importers.center_households  # noqa: F401
    import commdesk.importers.party_members  # noqa: F401


def _importer(kind: str) -> Any:
    import importlib

    module, _sep, name = PARTY_IMPORTERS[kind].partition(":")
    return getattr(importlib.import_module(module), name)


def run_party_import(database: Any, path: str | Path, kind: str, *, dry_run: bool = False, backup: bool = True,
                     cancel: Any = None) -> Any:
    """Import a Party register of ``kind``; returns its summary (``lines()``, ``to_dict()``)."""
    if kind not in PARTY_IMPORTERS:
        raise UserError(_("不支持的导入类型：{kind}").format(kind=kind))
    return _importer(kind)(database, path, dry_run=dry_run, backup=backup, cancel=cancel)


def undo_party_import(database: Any, batch_id: int) -> dict[str, int]:
    from commdesk.importers.party_members import undo_party_batch

    return undo_party_batch(database, batch_id)


def run_import_command(args: argparse.Namespace) -> int:
    """``commdesk import FILE --kind party-members|center-households [--dry-run] [--json]``."""
    from commdesk.models.db import open_database

    with open_database(getattr(args, "db", None)) as database:
        summary = run_party_import(database, Path(args.file), args.kind, dry_run=getattr(args, "dry_run", False),
                                   backup=not getattr(args, "no_backup", False))
    if getattr(args, "json", False):
        print(json.dumps(summary.to_dict(), ensure_ascii=False, default=str))
    else:
        print("\n".join(summary.lines()))
    return 0


def run_party_export(args: argparse.Namespace) -> int:
    """``commdesk export party-members|center-households --format json -o FILE``."""
    from commdesk.models.db import open_database
    from commdesk.reports.party_json import export_party

    if not getattr(args, "output", None):
        raise UserError(_("请用 -o 指定输出文件"))
    with open_database(getattr(args, "db", None)) as database, database.Session() as session:
        n = export_party(session, args.ledger, getattr(args, "format", None) or "json", Path(args.output))
    print(_("已导出 {n} 条到 {path}").format(n=n, path=args.output))
    return 0
