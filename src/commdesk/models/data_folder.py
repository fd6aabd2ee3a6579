"""The data folders' faults, looked for on every start: read-only, on a network share, (nearly) full.

commdesk writes in two folders: the one holding the SQLite file (the database, its ``-wal``,
``-shm`` and ``.lock`` files, the copy saved aside by a restore) and the user data folder
(``paths.home()``: the automatic backups and the logs). When either cannot take writes safely the
start says so in one Chinese message naming the folder, and nothing is opened read-write (the GUI
offers 只读打开 or 退出; the command line refuses writing commands). The checks, in this order:

* **read-only**: a file is really created, written and removed there (``paths.write_error``);
  permissions, ACLs and read-only mounts are only known by trying (``os.access`` does not see
  Windows ACLs and says yes to root);
* **network share**: on Windows a UNC path (``\\\\server\\share``) or a drive whose
  ``GetDriveTypeW`` is ``DRIVE_REMOTE``; on Linux the file system type of the mount holding the
  folder, from the mount table (``/proc/self/mounts``): ``nfs``, ``cifs``, ``smb3``,
  ``fuse.sshfs`` … (:data:`NETWORK_FS_TYPES`). SQLite's file locks are not reliable there; two PCs
  writing one file can damage it. Elsewhere (macOS) shares are not detected;
* **(nearly) full**: ``shutil.disk_usage`` must leave at least :data:`MIN_FREE_BYTES` (200 MiB)
  **plus the database file's size** free, because the first start of the day copies the whole
  database into the backups folder and an upgrade copies it again before migrating; a write that
  hits a full disk half-way is refused by SQLite, but a backup or a migration that cannot finish is
  a start that cannot finish.

A server database (PostgreSQL) keeps its data on the server: only the user data folder (backups,
logs) is checked, and a fault there is reported the same way. No Qt here.
"""
from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from commdesk.i18n import _
from commdesk.models.location import DRIVE_REMOTE, _windows_drive_type
from commdesk.paths import home_location, write_error

#: free space a data folder must keep beyond the database file's own size (see the docstring)
MIN_FREE_BYTES = 200 * 1024 * 1024
#: Linux file system types that are network shares (``/proc/self/mounts``' third field)
NETWORK_FS_TYPES = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "coda", "9p.net", "ceph", "glusterfs",
    "lustre", "gpfs", "davfs", "fuse.sshfs", "fuse.glusterfs", "fuse.cephfs", "fuse.davfs2",
    "fuse.rclone", "fuse.s3fs", "fuse.smbnetfs", "fuse.curlftpfs",
})


@dataclass(frozen=True)
class FolderFault:
    """Why a data folder cannot be written safely: ``kind`` is ``readonly``, ``network`` or ``full``."""

    kind: str
    folder: Path
    message: str
    #: whether the database may still be opened read-only (Windows refuses a database on a
    #: network drive whatever the mode: ``models.location``)
    readonly_open_possible: bool = True

    def __str__(self) -> str:
        return self.message


def _unescape_mount(field: str) -> str:
    """``/proc/self/mounts`` writes a space as ``\\040``, a tab ``\\011``, a backslash ``\\134``."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def read_mount_table(path: str = "/proc/self/mounts") -> list[tuple[str, str, str]]:
    """(source, mount point, file system type) of every mount; empty where there is no table."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return []
    table = []
    for line in lines:
        parts = line.split()
        if len(parts) >= 3:
            table.append((_unescape_mount(parts[0]), _unescape_mount(parts[1]), parts[2]))
    return table


def mount_of(folder: Path, table: Iterable[tuple[str, str, str]]) -> tuple[str, str, str] | None:
    """The mount holding ``folder`` (the longest mount point above it; the last one mounted there)."""
    text = os.path.realpath(folder)
    best: tuple[str, str, str] | None = None
    for entry in table:
        point = entry[1].rstrip("/") or "/"
        if text == point or text.startswith(point if point == "/" else point + "/"):
            if best is None or len(point) >= len(best[1].rstrip("/") or "/"):
                best = entry
    return best


def network_share(folder: Path, *, is_windows: bool | None = None,
                  drive_type: Callable[[str], int] | None = None,
                  mounts: Callable[[], list[tuple[str, str, str]]] | None = None) -> str | None:
    """What makes ``folder`` a network share, for the message (None: a local disk, as far as can be told)."""
    is_windows = os.name == "nt" if is_windows is None else is_windows
    text = str(folder)
    if is_windows:
        if text.startswith(("\\\\", "//")):
            return _("网络共享路径")
        if len(text) >= 2 and text[1] == ":":
            root = text[:2].upper() + "\\"
            if (drive_type or _windows_drive_type)(root) == DRIVE_REMOTE:
                return _("网络驱动器 {root}").format(root=root)
        return None
    entry = mount_of(folder, (mounts or read_mount_table)())
    if entry is not None and entry[2] in NETWORK_FS_TYPES:
        return _("{fs} 网络文件系统，来自 {source}").format(fs=entry[2], source=entry[0])
    return None


def size_text(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit in ("B", "KB") else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover - the loop returns


def free_bytes(folder: Path) -> int:
    return int(shutil.disk_usage(folder).free)


def _existing(folder: Path) -> Path:
    """``folder``, or its nearest existing parent (a folder still to be created is made there)."""
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return folder


def _readonly_message(folder: Path, exc: OSError) -> str:
    reason = {errno.EROFS: _("所在的磁盘或共享是只读的"), errno.EACCES: _("没有写入权限"),
              errno.EPERM: _("没有写入权限")}.get(exc.errno or 0, exc.strerror or type(exc).__name__)
    return _("数据文件夹“{folder}”不能写入（{reason}）。为了不丢失数据，commdesk 不会以可写方式打开数据库："
             "可以只读打开查看；要继续录入，请让管理员给这个文件夹写入权限，或把数据移到可以写入的文件夹。"
             ).format(folder=folder, reason=reason)


def check_folder(folder: Path, needed: int = MIN_FREE_BYTES) -> FolderFault | None:
    """The first fault of ``folder`` (None: it can be written safely)."""
    at = _existing(folder)
    error = write_error(at)
    if error is not None and error.errno not in (errno.ENOSPC, errno.EDQUOT):
        return FolderFault("readonly", folder, _readonly_message(folder, error))
    share = network_share(at)
    if share is not None:
        return FolderFault("network", folder, _(
            "数据文件夹“{folder}”在网络共享上（{what}）。SQLite 数据库在网络共享上的文件锁不可靠，"
            "写入可能损坏数据，所以 commdesk 不会以可写方式打开它：可以只读打开查看；要继续录入，"
            "请把数据移到本机硬盘（几台电脑共用请使用办公室服务器数据库）。").format(folder=folder, what=share),
            readonly_open_possible=os.name != "nt")
    free = free_bytes(at)
    if error is not None or free < needed:
        return FolderFault("full", folder, _(
            "数据文件夹“{folder}”所在的磁盘快满了：只剩 {free}，至少需要 {needed}（启动时的自动备份要复制一份数据库）。"
            "为了不在写入中途因磁盘已满而出错，commdesk 不会以可写方式打开数据库：可以只读打开查看；"
            "要继续录入，请先清理这块磁盘。").format(folder=folder, free=size_text(free), needed=size_text(needed)))
    return None


def data_folders(db: str | Path | None) -> list[tuple[Path, int]]:
    """The folders the database ``db`` (as ``--db`` takes it) writes in, with the free space each needs."""
    from sqlalchemy.exc import ArgumentError

    from commdesk.models.db import resolve_url

    try:
        _url, path = resolve_url(db)
    except (ArgumentError, ValueError):
        path = None                 # not a usable address: opening it says so
    size = path.stat().st_size if path is not None and path.is_file() else 0
    home = home_location()
    folders = [(path.parent, MIN_FREE_BYTES + size)] if path is not None else []
    if not folders or os.path.realpath(folders[0][0]) != os.path.realpath(home):
        folders.append((home, MIN_FREE_BYTES + size))   # the backups and the logs
    return folders


def check_data_folders(db: str | Path | None) -> FolderFault | None:
    """The first fault of the folders ``db`` writes in (None: every one can be written safely)."""
    for folder, needed in data_folders(db):
        fault = check_folder(folder, needed)
        if fault is not None:
            return fault
    return None
