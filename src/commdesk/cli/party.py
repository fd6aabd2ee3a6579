"""The Party registers on the command line. They add no sub-command of their own:

- ``commdesk import FILE --kind party-members|center-households`` (and ``import --undo N`` of
  such a batch) come here from :mod:`commdesk.cli.imports`;
- ``commdesk export party-members|center-households --format json`` comes here from
  :mod:`commdesk.cli.export` (the same keys in xlsx/pdf are the ledgers 党员花名册 and
  党员中心户联系户台账).
"""
from __future__ import annotations

import argparse
import importlib
from pathlib import Path
from typing import Any

from commdesk.cli.common import open_db, print_summary
from commdesk.errors import UserError
from commdesk.i18n import _

#: import kind → "module:function(database, path, dry_run=, backup=, cancel=)"
PARTY_IMPORTERS = {
    "party-members": "commdesk.importers.party_members:import_party_members",
    "center-households": "commdesk.importers.center_households:import_center_households",
}
#: export keys answered in JSON by commdesk.reports.party_json
PARTY_EXPORTS = ("party-members", "center-households")


def run_party_import(database: Any, path: str | Path, kind: str, *, dry_run: bool = False, backup: bool = True,
                     cancel: Any = None) -> Any:
    """Import a Party register of ``kind``; returns its summary (``lines()``, ``to_dict()``)."""
    if kind not in PARTY_IMPORTERS:
        raise UserError(_("不支持的导入类型：{kind}").format(kind=kind))
    module, _sep, name = PARTY_IMPORTERS[kind].partition(":")
    return getattr(importlib.import_module(module), name)(database, path, dry_run=dry_run, backup=backup,
                                                          cancel=cancel)


def run_import_command(args: argparse.Namespace) -> int:
    """``commdesk import FILE --kind party-members|center-households [--dry-run] [--json]``."""
    with open_db(args) as database:
        summary = run_party_import(database, Path(args.file), args.kind, dry_run=getattr(args, "dry_run", False),
                                   backup=not getattr(args, "no_backup", False))
    print_summary(args, summary)
    return 0


def undo_party_import(database: Any, batch_id: int) -> dict[str, int]:
    from commdesk.importers.party_members import undo_party_batch

    return undo_party_batch(database, batch_id)


def export_party_json(db: Any, key: str, out: Path) -> int:
    """``export party-members|center-households --format json``: records written to ``out``."""
    from commdesk.reports.party_json import export_party

    with db.Session() as session:
        return export_party(session, key, "json", out)
