"""Reading the audit trail: entries by who, what kind and when (the CLI's ``audit list`` and the
GUI's 审计记录 page), with the Chinese name of each kind of entry."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select

from commdesk.i18n import _
from commdesk.models.audit import AuditEntry

#: action → what staff read
ACTION_NAMES = {
    "create": _("新建"), "update": _("修改"), "archive": _("归档"), "restore": _("恢复记录"), "delete": _("删除"),
    "import": _("导入"), "undo": _("撤销导入"), "login": _("登录"), "login_failed": _("登录失败"),
    "account_locked": _("账号锁定"), "account_unlock": _("解锁账号"), "account_add": _("新建账号"),
    "password_reset": _("重设密码"), "password_change": _("修改密码"), "account_role": _("修改角色"),
    "account_disable": _("停用账号"), "grant_full": _("授权完整信息"), "revoke_full": _("收回完整信息"),
    "full_values": _("完整信息查看/导出"), "export": _("导出"), "backup": _("备份"), "restore_db": _("恢复备份"),
    "demo": _("演示数据"), "backup_key": _("设置备份密码"), "audit_anchor": _("重设审计核对点"),
    "db_encrypt": _("加密数据库"), "db_decrypt": _("取消数据库加密"), "import_undo": _("撤销导入"),
}


def action_name(action: str) -> str:
    return ACTION_NAMES.get(action, action)


def list_entries(conn: Any, *, by: str | None = None, table: str | None = None, action: str | None = None,
                 since: date | None = None, until: date | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """The newest entries first that match every filter given (``conn``: a session or connection)."""
    q = select(AuditEntry.id, AuditEntry.at, AuditEntry.user, AuditEntry.action, AuditEntry.table_name,
               AuditEntry.record_id, AuditEntry.summary)
    if by:
        q = q.where(AuditEntry.user == by)
    if table:
        q = q.where(AuditEntry.table_name == table)
    if action:
        q = q.where(AuditEntry.action == action)
    if since:
        q = q.where(AuditEntry.at >= datetime.combine(since, time.min))
    if until:
        q = q.where(AuditEntry.at <= datetime.combine(until, time.max))
    q = q.order_by(AuditEntry.id.desc()).limit(limit)
    return [dict(r._mapping) for r in conn.execute(q)]


def users_and_actions(conn: Any) -> tuple[list[str], list[str]]:
    """Every user name and action in the trail (for the page's filters)."""
    users = [u for (u,) in conn.execute(select(AuditEntry.user).distinct().order_by(AuditEntry.user))]
    actions = [a for (a,) in conn.execute(select(AuditEntry.action).distinct().order_by(AuditEntry.action))]
    return users, actions
