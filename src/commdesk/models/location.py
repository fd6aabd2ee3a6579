"""Refuse database locations where SQLite's locking is unsafe (network shares, removable drives).

Only Windows reports drive types reliably; elsewhere every local path is accepted.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from commdesk.errors import UserError
from commdesk.i18n import _

DRIVE_REMOVABLE = 2
DRIVE_REMOTE = 4


def _windows_drive_type(root: str) -> int:
    import ctypes

    return int(ctypes.windll.kernel32.GetDriveTypeW(root))  # type: ignore[attr-defined]


def check_location(path: Path, *, is_windows: bool | None = None,
                   drive_type: Callable[[str], int] | None = None) -> None:
    is_windows = os.name == "nt" if is_windows is None else is_windows
    if not is_windows:
        return
    text = str(path)
    if text.startswith("\\\\") or text.startswith("//"):
        raise UserError(_("数据库不能放在网络共享文件夹中（{path}）：多人同时写入会损坏数据。"
                          "请把数据库放在本机硬盘上，需要共享时使用备份文件交换。").format(path=text))
    root = text[:3] if len(text) >= 2 and text[1] == ":" else ""
    if not root:
        return
    kind = (drive_type or _windows_drive_type)(root)
    if kind == DRIVE_REMOTE:
        raise UserError(_("数据库不能放在网络驱动器 {root} 上：SQLite 在网络盘上的文件锁不可靠，可能损坏数据。"
                          "请把数据库放在本机硬盘上。").format(root=root))
    if kind == DRIVE_REMOVABLE:
        raise UserError(_("数据库不能直接放在U盘等可移动磁盘 {root} 上：拔出时会损坏数据。"
                          "请复制到本机硬盘后打开；U盘只用于传递备份文件。").format(root=root))
