"""Settings of the security layer: when the window locks itself after no input."""
from __future__ import annotations

from commdesk.i18n import _
from commdesk.settings.registry import Declared, declare

SECURITY = _("安全")
IDLE_LOCK_MINUTES = "idle_lock_minutes"

declare(
    Declared(IDLE_LOCK_MINUTES, int, 10, _("无操作自动锁定"), group=SECURITY, unit=_("分钟"), minimum=1, maximum=240,
             help=_("这么久没有键盘或鼠标操作，窗口就遮住居民信息、要求重新输入密码（未保存的内容保留）")),
)
