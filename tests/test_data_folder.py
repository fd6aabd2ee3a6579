"""A data folder that is read-only, on a network share or (nearly) full: the start says so naming the
folder and opens nothing read-write (models/data_folder.py, the command line's and the window's start).

The tests run as root, so ``chmod`` stops nothing: a read-only folder is made by ``os.open``
refusing files there (what the OS does), a share by the mount table's entry, a full disk by
``shutil.disk_usage`` — the OS boundaries the check reads. One test mounts a real read-only
tmpfs where the machine lets it (root with CAP_SYS_ADMIN) and runs the real command there.
"""
from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
import sys
from collections import namedtuple
from pathlib import Path
from typing import Any

import pytest

from commdesk.cli import main
from commdesk.models import data_folder
from commdesk.models.data_folder import MIN_FREE_BYTES, check_data_folders, check_folder, network_share

Usage = namedtuple("Usage", "total used free")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def _refuse_files_in(monkeypatch: pytest.MonkeyPatch, folder: Path, code: int = errno.EACCES) -> None:
    """``os.open`` of a new file in ``folder`` fails as it does in a folder without write permission."""
    real = os.open
    root = os.path.realpath(folder)

    def fake(path: Any, flags: int, *args: Any, **kw: Any) -> int:
        if flags & os.O_CREAT and os.path.realpath(os.path.dirname(os.fspath(path))) == root:
            raise OSError(code, os.strerror(code), os.fspath(path))
        return real(path, flags, *args, **kw)
    monkeypatch.setattr(os, "open", fake)


def _share_at(monkeypatch: pytest.MonkeyPatch, folder: Path, fs: str = "cifs") -> None:
    """The mount table says ``folder`` is a mount of ``fs`` from //nas/office."""
    real = data_folder.read_mount_table()
    monkeypatch.setattr(data_folder, "read_mount_table",
                        lambda path="/proc/self/mounts": real + [("//nas/office", os.path.realpath(folder), fs)])


def _free_space(monkeypatch: pytest.MonkeyPatch, folder: Path, free: int) -> None:
    real = shutil.disk_usage
    root = os.path.realpath(folder)

    def fake(path: Any) -> Any:
        if os.path.realpath(path) == root:
            return Usage(10 * 2**30, 10 * 2**30 - free, free)
        return real(path)
    monkeypatch.setattr(shutil, "disk_usage", fake)


@pytest.fixture(autouse=True)
def _no_screen_fit_after() -> Any:
    """``run_gui`` installs the screen-fit filter for the process: taken off again for the next tests."""
    yield
    if "PySide6.QtWidgets" in sys.modules:
        from commdesk.ui import screen_fit

        screen_fit.uninstall()


@pytest.fixture()
def office(tmp_path: Path) -> Path:
    """A small demo database in its own folder (not the data folder)."""
    folder = tmp_path / "台账 数据"
    folder.mkdir()
    db = folder / "office.sqlite3"
    assert main(["demo", "--households", "5", "--db", str(db)]) == 0
    return db


# --- the checks ----------------------------------------------------------------------------------

def test_a_writable_folder_has_no_fault_and_the_probe_leaves_nothing(tmp_path: Path) -> None:
    before = _files(tmp_path)
    assert check_folder(tmp_path) is None
    assert _files(tmp_path) == before


def test_a_read_only_folder_is_found_by_really_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _refuse_files_in(monkeypatch, tmp_path, errno.EROFS)
    fault = check_folder(tmp_path)
    assert fault is not None and fault.kind == "readonly"
    assert str(tmp_path) in fault.message and "只读" in fault.message and "不能写入" in fault.message


def test_a_folder_still_to_be_created_is_judged_by_its_parent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _refuse_files_in(monkeypatch, tmp_path)
    fault = check_folder(tmp_path / "commdesk" / "data")
    assert fault is not None and fault.kind == "readonly"
    assert str(tmp_path / "commdesk" / "data") in fault.message and "没有写入权限" in fault.message
    assert not (tmp_path / "commdesk").exists()


def test_the_mount_table_is_read_with_its_escapes(tmp_path: Path) -> None:
    table = tmp_path / "mounts"
    table.write_text("/dev/vda / ext4 rw,relatime 0 0\n"
                     "//nas/办公 /mnt/office\\040share cifs rw,vers=3.0 0 0\n"
                     "nas:/export /mnt/nfs nfs4 rw 0 0\n"
                     "sshfs#me@host: /home/me/remote fuse.sshfs rw 0 0\n", encoding="utf-8")
    rows = data_folder.read_mount_table(str(table))
    assert rows[1] == ("//nas/办公", "/mnt/office share", "cifs")
    assert data_folder.mount_of(Path("/mnt/office share/commdesk"), rows) == rows[1]
    assert data_folder.mount_of(Path("/mnt/office sharex"), rows) == rows[0]   # not a prefix of a name
    assert data_folder.mount_of(Path("/mnt/nfs"), rows) == rows[2]
    for folder, fs in (("/mnt/office share/commdesk", "cifs"), ("/mnt/nfs/a", "nfs4"), ("/home/me/remote/x", "fuse.sshfs")):
        what = network_share(Path(folder), is_windows=False, mounts=lambda: rows)
        assert what is not None and fs in what
    assert network_share(Path("/home/me"), is_windows=False, mounts=lambda: rows) is None
    assert data_folder.read_mount_table(str(tmp_path / "none")) == []


def test_windows_shares_by_unc_path_and_drive_type() -> None:
    kinds = {"Z:\\": 4, "C:\\": 3, "E:\\": 2}
    drive = kinds.__getitem__
    assert network_share(Path("\\\\nas\\office\\commdesk"), is_windows=True, drive_type=drive) is not None
    what = network_share(Path("z:\\社区\\commdesk"), is_windows=True, drive_type=drive)
    assert what is not None and "Z:" in what
    assert network_share(Path("C:\\Users\\wang\\AppData\\Local\\commdesk"), is_windows=True, drive_type=drive) is None


def test_a_share_is_a_fault_naming_the_folder_and_the_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _share_at(monkeypatch, tmp_path, "smb3")
    fault = check_folder(tmp_path / "sub")
    assert fault is not None and fault.kind == "network"
    assert str(tmp_path / "sub") in fault.message and "smb3" in fault.message and "//nas/office" in fault.message


def test_free_space_needs_the_margin_plus_the_database(office: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    size = office.stat().st_size
    _free_space(monkeypatch, office.parent, MIN_FREE_BYTES + size)
    assert check_data_folders(office) is None
    _free_space(monkeypatch, office.parent, MIN_FREE_BYTES + size - 1)
    fault = check_data_folders(office)
    assert fault is not None and fault.kind == "full"
    assert str(office.parent) in fault.message and "磁盘快满" in fault.message and "MB" in fault.message


def test_a_probe_that_finds_the_disk_full_is_a_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _refuse_files_in(monkeypatch, tmp_path, errno.ENOSPC)
    fault = check_folder(tmp_path)
    assert fault is not None and fault.kind == "full"


def test_the_user_data_folder_is_checked_too(office: Path, commdesk_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Backups and logs go to the user data folder even when --db names a file elsewhere."""
    _refuse_files_in(monkeypatch, commdesk_home)
    fault = check_data_folders(office)
    assert fault is not None and fault.folder == commdesk_home


def test_a_server_database_checks_only_the_user_data_folder(commdesk_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql://commdesk@server/commdesk"
    assert [f for f, _n in data_folder.data_folders(url)] == [commdesk_home]
    _free_space(monkeypatch, commdesk_home, 1024)
    fault = check_data_folders(url)
    assert fault is not None and fault.kind == "full"


# --- the command line ------------------------------------------------------------------------------

def test_cli_refuses_writing_commands_and_reads_read_only(office: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    before, files = _digest(office), _files(office.parent)
    _refuse_files_in(monkeypatch, office.parent)
    capsys.readouterr()
    assert main(["demo", "--households", "3", "--db", str(office)]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and str(office.parent) in err and "没有执行" in err
    assert main(["import", str(office), "--db", str(office)]) == 1
    assert main(["backup", "--db", str(office)]) == 1
    capsys.readouterr()
    assert main(["check", "--db", str(office)]) == 0          # reads: runs on a read-only open
    out = capsys.readouterr()
    assert "检查通过" in out.out and "以只读方式执行" in out.err and str(office.parent) in out.err
    assert main(["search", "社区", "--db", str(office)]) == 0
    assert main(["audit", "verify", "--db", str(office)]) == 0
    assert main(["check", "--repair", "--db", str(office)]) == 1    # --repair writes
    assert _digest(office) == before and _files(office.parent) == files


def test_cli_login_on_a_read_only_folder_checks_the_password_and_records_nothing(
        office: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COMMDESK_NEW_PASSWORD", "Qx7!mw4Rk2tP")
    assert main(["user", "add", "zhang", "--role", "admin", "--db", str(office)]) == 0
    before = _digest(office)
    _share_at(monkeypatch, office.parent, "nfs4")
    monkeypatch.setenv("COMMDESK_PASSWORD", "Qx7!mw4Rk2tP")
    capsys.readouterr()
    assert main(["--user", "zhang", "audit", "list", "--db", str(office)]) == 0
    assert "nfs4" in capsys.readouterr().err
    monkeypatch.setenv("COMMDESK_PASSWORD", "wrong-password-1")
    assert main(["--user", "zhang", "check", "--db", str(office)]) == 1
    assert "密码不正确" in capsys.readouterr().err
    assert _digest(office) == before


def test_cli_full_disk_refuses_a_new_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    _free_space(monkeypatch, tmp_path, 50 * 2**20)
    assert main(["demo", "--households", "3", "--db", str(tmp_path / "new.sqlite3")]) == 1
    assert "磁盘快满" in capsys.readouterr().err
    assert not (tmp_path / "new.sqlite3").exists()


def _mount_tmpfs(point: Path) -> bool:
    if sys.platform != "linux" or os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400m", "tmpfs", str(point)], capture_output=True)
    return done.returncode == 0


def test_a_really_read_only_mount(tmp_path: Path) -> None:
    """On a real read-only file system (where the machine lets the test mount one): the reading
    command works — SQLite cannot create the -shm file there, so the file is opened immutable —
    and a writing one is refused, both naming the folder."""
    point = tmp_path / "ro"
    if not _mount_tmpfs(point):
        pytest.skip("mounting a tmpfs needs root with CAP_SYS_ADMIN on Linux")
    try:
        env = dict(os.environ, COMMDESK_HOME=str(point / "home"), PYTHONWARNINGS="error")
        db = point / "office.sqlite3"

        def cmd(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "commdesk", *args, "--db", str(db)], env=env,
                                  capture_output=True, text=True, timeout=120)
        assert cmd("demo", "--households", "5").returncode == 0
        subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)
        before, files = _digest(db), _files(point)
        checked = cmd("check")
        assert checked.returncode == 0 and "检查通过" in checked.stdout, checked.stderr
        assert str(point) in checked.stderr and "只读" in checked.stderr
        refused = cmd("demo", "--households", "3")
        assert refused.returncode == 1 and "没有执行" in refused.stderr and "Traceback" not in refused.stderr
        assert _digest(db) == before and _files(point) == files
    finally:
        subprocess.run(["umount", str(point)], capture_output=True)


# --- the window -----------------------------------------------------------------------------------------

def _answer_box(qtbot: Any, button: str, seen: list[str]) -> None:
    """Click ``button`` in the next message box shown (modal: it runs its own event loop)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    def poll() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.windowTitle() + "|" + box.text() + "|" + ",".join(b.text() for b in box.buttons()))
            next(b for b in box.buttons() if b.text() == button).click()
        else:
            QTimer.singleShot(20, poll)
    QTimer.singleShot(20, poll)


@pytest.mark.gui
def test_gui_read_only_folder_offers_read_only_or_quit(qtbot: Any, office: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from commdesk.ui import app as app_mod

    app_mod.make_app()
    before, files = _digest(office), _files(office.parent)
    _refuse_files_in(monkeypatch, office.parent)
    seen: list[str] = []
    _answer_box(qtbot, "退出", seen)
    assert app_mod.run_gui(office) == 1                        # the real start, answered 退出
    title, text, buttons = seen[0].split("|")
    assert title == "数据文件夹不能安全写入" and str(office.parent) in text and buttons == "只读打开,退出"
    _answer_box(qtbot, "只读打开", seen)
    database = app_mod.open_database_interactive(office)
    try:
        assert database is not None and database.readonly
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM household").scalar_one() == 5
    finally:
        database.close()
    assert _digest(office) == before and _files(office.parent) == files


@pytest.mark.gui
def test_gui_full_data_folder_names_it_and_skips_the_daily_backup(qtbot: Any, office: Path, commdesk_home: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from commdesk.ui import app as app_mod

    app_mod.make_app()
    real = shutil.disk_usage
    _free_space(monkeypatch, commdesk_home, 20 * 2**20)
    seen: list[str] = []
    _answer_box(qtbot, "只读打开", seen)
    database = app_mod.open_database_interactive(office)
    try:
        assert database is not None and database.readonly
        assert str(commdesk_home) in seen[0] and "磁盘快满" in seen[0]
        app_mod._daily_backup(database)
        assert not list((commdesk_home / "backups").glob("*-daily.sqlite3"))
    finally:
        database.close()
    monkeypatch.setattr(shutil, "disk_usage", real)
    with app_mod.open_database_interactive(office) as database:   # room again: no question, read-write
        assert not database.readonly
        app_mod._daily_backup(database)
    assert list((commdesk_home / "backups").glob("*-daily.sqlite3"))


@pytest.mark.gui
def test_gui_a_fault_without_a_read_only_way_offers_only_quit(qtbot: Any, office: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A network drive on Windows (models.location refuses it in any mode): only 退出."""
    from commdesk.models.data_folder import FolderFault
    from commdesk.ui import app as app_mod

    app_mod.make_app()
    fault = FolderFault("network", office.parent, "数据文件夹“Z:\\社区”在网络共享上", readonly_open_possible=False)
    monkeypatch.setattr(data_folder, "check_data_folders", lambda db: fault)
    seen: list[str] = []
    _answer_box(qtbot, "退出", seen)
    assert app_mod.folder_fault_choice(office) is None
    assert seen[0].endswith("|退出") and "Z:" in seen[0]


@pytest.mark.gui
def test_gui_a_newer_database_is_refused_naming_both_versions(qtbot: Any, office: Path) -> None:
    import sqlite3

    from commdesk import __version__
    from commdesk.models import migrate
    from commdesk.ui import app as app_mod

    app_mod.make_app()
    with sqlite3.connect(office) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9001'")
    conn.close()
    before = _digest(office)
    seen: list[str] = []
    _answer_box(qtbot, "退出", seen)
    assert app_mod.run_gui(office) == 1
    title, text, buttons = seen[0].split("|")
    assert title == "无法打开数据库" and "9001" in text and __version__ in text and migrate.HEAD in text
    assert _digest(office) == before
