"""The frozen bundle works: ``tools/build_installer.py`` builds it once (PyInstaller) and compiles
the NSIS installer against it, then the bundled executable — not the source tree — runs
``--version``, makes a demo database, imports a sample register, exports a PDF and an xlsx
ledger (re-read with openpyxl; the PDF's fonts embedded, by ``pdffonts``), the monthly report,
``check``, and keeps the main window open offscreen for 10 s without an error.

Nothing is mocked and nothing is cached across runs: the build goes into this session's
temporary folder. tools/dev.py installs PyInstaller and makensis (Debian ``nsis``); on Linux
their absence fails the test rather than skipping it.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
REGISTER = DATA / "import" / "幸福里社区居民信息登记表.xlsx"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if shutil.which("makensis") is None and sys.platform.startswith("linux"):
        pytest.fail("makensis not found: install the Debian package 'nsis' (tools/dev.py does)")
    out = tmp_path_factory.mktemp("bundle")
    cmd = [sys.executable, str(ROOT / "tools" / "build_installer.py"), "--dist", str(out / "dist"),
           "--work", str(out / "work"), "--fast"]
    if shutil.which("makensis") is None:  # a Windows developer without NSIS: the bundle only
        cmd.append("--no-installer")
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", errors="replace")
    assert r.returncode == 0, f"build failed:\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    result = json.loads(r.stdout.strip().splitlines()[-1])
    result["build_s"] = round(time.perf_counter() - t0, 1)
    print(f"\nfrozen bundle: {json.dumps(result, ensure_ascii=False)}")
    return result


@pytest.fixture
def exe(build: dict[str, Any]) -> Path:
    bundle = Path(build["bundle"])
    return bundle / ("commdesk.exe" if os.name == "nt" else "commdesk")


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "COMMDESK_"))}
    env.update(COMMDESK_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    return env


def run(exe: Path, home: Path, *args: str, timeout: float = 120,
        extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([str(exe), *args], capture_output=True, text=True, encoding="utf-8", errors="replace",
                       env={**_env(home), **(extra or {})}, cwd=home, timeout=timeout)
    assert r.returncode == 0, f"{args}: exit {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    assert "Traceback" not in r.stderr, r.stderr
    return r


def test_the_installer_is_compiled_against_the_bundle(build: dict[str, Any]) -> None:
    if "installer" not in build:
        pytest.skip("makensis not installed on this Windows machine (the workflow installs it)")
    setup = Path(build["installer"])
    assert setup.name == f"commdesk-{build['version']}-setup.exe"
    assert setup.read_bytes()[:2] == b"MZ"   # a Windows executable, whatever the build machine
    assert build["installer_mb"] > 0.5 * build["bundle_mb"]  # it carries the bundle's files


def test_bundle_holds_what_it_needs_and_nothing_else(build: dict[str, Any]) -> None:
    internal = Path(build["bundle"]) / "_internal"
    assert (internal / "commdesk" / "models" / "migrations" / "env.py").is_file()
    versions = sorted(p.name[:4] for p in (internal / "commdesk" / "models" / "migrations" / "versions").glob("0*.py"))
    sources = sorted(p.name[:4] for p in (ROOT / "src" / "commdesk" / "models" / "migrations" / "versions").glob("0*.py"))
    assert versions == sources
    assert (internal / "commdesk" / "resources" / "fonts" / "wqy-microhei.ttc").is_file()
    plugins = internal / "PySide6" / "Qt" / "plugins"
    for folder in ("platforms", "styles", "imageformats", "printsupport"):
        if folder == "styles" and not (plugins / folder).exists() and sys.platform.startswith("linux"):
            continue  # the Linux wheel builds its styles into QtWidgets; Windows has qmodernwindowsstyle
        assert (plugins / folder).is_dir(), folder
    names = {p.name for p in internal.rglob("*")}
    for unwanted in ("tests", "benchmarks", "pytest", "hypothesis", "openpyxl", "QtNetwork.abi3.so",
                     "QtQml.abi3.so", "QtNetwork.pyd", "QtQml.pyd"):
        assert unwanted not in names, unwanted
    assert not any(n.startswith(("libQt6Qml", "libQt6Quick", "Qt6Qml", "Qt6Quick", "libQt6Network")) for n in names)


def test_the_bundled_command_works_end_to_end(exe: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    t0 = time.perf_counter()
    r = run(exe, tmp_path, "--version")
    assert r.stdout.strip() == "commdesk 0.1.0" or r.stdout.strip().startswith("commdesk ")

    # a sample register into a new database: every resident of its truth arrives
    truth = json.loads(REGISTER.with_name(REGISTER.name + ".truth.json").read_text(encoding="utf-8"))
    imported = tmp_path / "imported.sqlite3"
    run(exe, tmp_path, "--db", str(imported), "import", str(REGISTER))
    out = tmp_path / "residents.json"
    run(exe, tmp_path, "--db", str(imported), "export", "residents", "--format", "json", "-o", str(out))
    assert len(json.loads(out.read_text(encoding="utf-8"))) == truth["residents"]

    demo = tmp_path / "demo.sqlite3"
    run(exe, tmp_path, "--db", str(demo), "demo", "--households", "40", "--seed", "1")
    pdf, xlsx = tmp_path / "户.pdf", tmp_path / "户.xlsx"
    run(exe, tmp_path, "--db", str(demo), "export", "households", "--format", "pdf", "-o", str(pdf))
    run(exe, tmp_path, "--db", str(demo), "export", "households", "--format", "xlsx", "-o", str(xlsx))
    wb = load_workbook(xlsx, read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    assert len(rows) > 40 and any("居民户信息台账" in str(c) for row in rows[:3] for c in row if c)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # the 'emb' column
    assert any("WenQuanYi" in line for line in fonts), fonts
    monthly = tmp_path / "月报.pdf"
    run(exe, tmp_path, "--db", str(demo), "report", "monthly", "--month", time.strftime("%Y-%m"), "-o", str(monthly))
    assert monthly.read_bytes()[:5] == b"%PDF-"
    assert "检查通过" in run(exe, tmp_path, "--db", str(demo), "check").stdout
    print(f"\nbundle commands: {time.perf_counter() - t0:.1f} s")


def test_the_main_window_stays_up_offscreen_for_10_seconds(exe: Path, tmp_path: Path) -> None:
    demo = tmp_path / "demo.sqlite3"
    run(exe, tmp_path, "--db", str(demo), "demo", "--households", "40", "--seed", "2")
    proc = subprocess.Popen([str(exe), "--db", str(demo), "gui"], env=_env(tmp_path), cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            errors="replace")
    try:
        time.sleep(10)
        alive = proc.poll() is None
    finally:
        proc.terminate()
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
    assert alive, f"the window closed by itself (exit {proc.returncode}):\n{out}\n{err}"
    assert "Traceback" not in err and "Error" not in err, err
    crash_logs = list((tmp_path / "logs").glob("crash-*.log")) if (tmp_path / "logs").exists() else []
    assert crash_logs == [], [p.read_text(encoding="utf-8") for p in crash_logs]


def test_the_bundle_carries_the_sqlcipher_driver_when_it_was_built_with_it(exe: Path, tmp_path: Path) -> None:
    """With SQLCipher in the build environment (the test extra on Linux, the cipher extra on the
    Windows runner) the bundle carries it: encrypt-db gets past the driver check. The build machine
    has no OS keyring, so the bundle then refuses (as it must: no key is kept where only a typed
    password could open the file every day) and leaves the file plain and whole."""
    import importlib.util

    if importlib.util.find_spec("sqlcipher3") is None:
        pytest.skip("sqlcipher3 is not installed in the build environment")
    secret = {"COMMDESK_BACKUP_PASSWORD": "Beifen-2026-12"}
    demo = tmp_path / "demo.sqlite3"
    run(exe, tmp_path, "--db", str(demo), "demo", "--households", "10", "--seed", "1")
    run(exe, tmp_path, "--db", str(demo), "backup", "--remember", "-o", str(tmp_path / "stick"), extra=secret)
    r = subprocess.run([str(exe), "--db", str(demo), "encrypt-db"], capture_output=True, text=True, encoding="utf-8",
                       errors="replace", env={**_env(tmp_path), **secret}, cwd=tmp_path, timeout=120)
    assert "没有安装 SQLCipher" not in r.stderr and "Traceback" not in r.stderr, r.stderr
    if r.returncode != 0:                       # no keyring here: refused in one line, nothing changed
        assert "凭据管理器" in r.stderr, r.stderr
        assert demo.read_bytes()[:16] == b"SQLite format 3\x00"
    else:                                       # a build machine with a keyring: encrypted and sound
        assert demo.read_bytes()[:16] != b"SQLite format 3\x00"
    assert "检查通过" in run(exe, tmp_path, "--db", str(demo), "check", extra=secret).stdout
