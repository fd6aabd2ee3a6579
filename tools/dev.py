#!/usr/bin/env python3
"""Set up everything commdesk needs on a fresh machine, then run the app or the tests.

    python3 tools/dev.py run  [commdesk args...]   # install, then start the application
    python3 tools/dev.py test [pytest args...]     # install, then run the whole test suite (without
                                                   # args: then the store's tests on PostgreSQL)

Works with only Python 3.11 present: creates .venv next to this repository, installs the
package with its pinned dependency ranges from PyPI, and on Debian/Ubuntu installs the system
libraries Qt needs (and a Chinese font) with apt-get when they are missing. On Windows use
``py -3.11 tools\\dev.py run``. Standard library only: this runs before anything is installed.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".commdesk-installed"

# Debian package names for what PySide6 loads on Linux (offscreen and xcb), fonts for Chinese
# on screen, and the tools the test suite and the screenshot script call (postgresql: the test
# suite starts a private PostgreSQL server of its own, tests/pg_server.py).
APT_PACKAGES = [
    "libegl1", "libgl1", "libxkbcommon0", "libxkbcommon-x11-0", "libfontconfig1", "libdbus-1-3",
    "libglib2.0-0", "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-shape0",
    "libxcb-xinerama0", "libxcb-randr0", "libxcb-render-util0", "libxcb-image0", "libxcb-xkb1",
    "fonts-wqy-microhei", "poppler-utils", "xvfb", "postgresql",
    "nsis",  # makensis: tools/build_installer.py compiles the Windows installer (tests/test_frozen_bundle.py)
    # a real office suite opens every exported ledger (tests/test_reports_office.py); -nogui: no X stack
    "libreoffice-calc-nogui",
]
#: What tools/build_installer.py needs besides the test extras (the frozen-bundle test builds it).
BUILD_PACKAGES = ["pyinstaller>=6.22,<6.23", "pyinstaller-hooks-contrib"]

#: The test modules that reach the store through the ``db`` fixture: ``test`` runs them a second
#: time with that fixture on a private PostgreSQL server (tests/pg_server.py). The rest of the
#: suite (importer layouts, PDF text, Qt widgets without a database …) does not depend on the
#: store's dialect; tests/test_postgres.py compares both stores in the first pass.
SERVER_PASS = [f"tests/{name}.py" for name in (
    "test_dashboard", "test_demo", "test_households_service", "test_ledger_screen_view", "test_ledger_walk",
    "test_meetings_reports", "test_meetings_services", "test_party_edits", "test_party_reports",
    "test_party_services", "test_reports_cell_text", "test_reports_excel", "test_reports_ledger",
    "test_reports_monthly", "test_reports_office", "test_reports_pdf", "test_reports_pdf_text",
    "test_reports_sample", "test_reports_xlsx_rows", "test_search", "test_search_cap", "test_settings",
    "test_store", "test_import_vertical_merges", "test_migrations", "test_gui_ledger", "test_gui_meetings",
    "test_gui_ledger_declaration", "test_gui_settings", "test_gui_import")]


def log(msg: str) -> None:
    print(f"[commdesk setup] {msg}", flush=True)


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def install_system_libraries() -> None:
    if not sys.platform.startswith("linux") or not shutil.which("dpkg-query"):
        return
    missing = []
    for pkg in APT_PACKAGES:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True)
        if "install ok installed" not in r.stdout:
            missing.append(pkg)
    if not missing:
        return
    sudo = [] if os.geteuid() == 0 else (["sudo"] if shutil.which("sudo") else None)
    if sudo is None:
        log("missing system packages (install them as root): " + " ".join(missing))
        return
    log("installing system packages: " + " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                   check=True, env=env)


def ensure_venv(extras: str) -> Path:
    py = venv_python()
    if not py.exists():
        log(f"creating virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    key = f"{extras}:{(ROOT / 'pyproject.toml').stat().st_mtime_ns}"
    if not STAMP.exists() or STAMP.read_text() != key:
        log("installing Python packages")
        target = f"{ROOT}[{extras}]" if extras else str(ROOT)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "-e", target], check=True)
        if extras == "test":
            subprocess.run([str(py), "-m", "pip", "install", "-q", *BUILD_PACKAGES], check=True)
        STAMP.write_text(key)
    # byte-compile our own sources once, so start-up does not recompile them every time
    subprocess.run([str(py), "-m", "compileall", "-q", str(ROOT / "src")], check=False)
    return py


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test"):
        print(__doc__)
        return 2
    if sys.version_info < (3, 11):
        print("commdesk needs Python 3.11 or newer", file=sys.stderr)
        return 2
    cmd, rest = argv[0], argv[1:]
    install_system_libraries()
    py = ensure_venv("test" if cmd == "test" else "")
    if cmd == "run":
        return subprocess.call([str(py), "-m", "commdesk", *rest], cwd=ROOT)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    rc = subprocess.call([str(py), "-m", "pytest", *rest], cwd=ROOT, env=env)
    if rc != 0 or rest:
        return rc
    # the second pass: the modules that touch the store, on a real PostgreSQL server
    log("second pass: the store's tests on a PostgreSQL server (COMMDESK_TEST_DB=postgresql)")
    env["COMMDESK_TEST_DB"] = "postgresql"
    return subprocess.call([str(py), "-m", "pytest", *SERVER_PASS], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
