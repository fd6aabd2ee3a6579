"""Before a restore: the backup checked completely (every encrypted chunk, or SQLite's
integrity check) and what it holds set against today's database, table by table."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from commdesk.errors import UserError
from commdesk.i18n import _

#: the tables staff recognise, in the order the preview lists them
TABLE_NAMES = {"household": _("户"), "resident": _("居民"), "party_member": _("党员"), "meeting": _("会议"),
               "consultation": _("协商议事"), "checklist_item": _("责任清单事项"), "account": _("账号"),
               "audit_log": _("审计记录")}


@dataclass(frozen=True)
class RestorePreview:
    backup: Path
    created_at: str
    schema: str
    backup_counts: dict[str, int]
    today_counts: dict[str, int]

    def rows(self) -> list[tuple[str, int | None, int | None]]:
        """(what, rows in the backup, rows today) for the tables staff recognise."""
        return [(label, self.backup_counts.get(t), self.today_counts.get(t)) for t, label in TABLE_NAMES.items()
                if t in self.backup_counts or t in self.today_counts]


def _counts(path: Path) -> dict[str, int]:
    from commdesk.models.backup_crypt import manifest_of

    return dict(manifest_of(path).counts) if path.exists() else {}


def preview_restore(backup: Path, db_path: Path, password: str | None) -> RestorePreview:
    """Check ``backup`` whole (a wrong password or a damaged file: UserError) and count both sides.
    An automatic backup encrypted with today's kept backup key needs no password."""
    from commdesk.models.backup import check_sqlite_backup, secret_for
    from commdesk.models.backup_crypt import decrypt_file, manifest_of, read_manifest
    from commdesk.models.backup_key import kept_key_at

    if not backup.exists():
        raise UserError(_("备份文件不存在：{name}").format(name=backup.name))
    secret = secret_for(backup, password, None if password else kept_key_at(db_path))
    if secret is not None:
        manifest = read_manifest(backup)
        decrypt_file(backup, None, secret)     # every chunk and the content's SHA-256 against the manifest
    else:
        check_sqlite_backup(backup)
        manifest = manifest_of(backup)
    return RestorePreview(backup, manifest.created_at, manifest.schema, dict(manifest.counts), _counts(db_path))
