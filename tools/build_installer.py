#!/usr/bin/env python3
"""Build the frozen bundle and the Windows installer in one command.

    python3 tools/build_installer.py [--dist DIR] [--work DIR] [--no-installer] [--fast]

1. PyInstaller (from the repository's .venv, installed there when missing) builds the onedir
   bundle from ``installer/commdesk.spec`` into ``DIST/commdesk/`` (executable ``commdesk`` on
   Linux, ``commdesk.exe`` and the console-less ``commdeskw.exe`` on Windows);
2. ``makensis`` compiles ``installer/commdesk.nsi`` against that bundle into
   ``DIST/commdesk-<version>-setup.exe``. On Linux the NSIS script is compiled against the Linux
   bundle, so a broken script or a file missing from the bundle fails the build here; the
   Windows workflow (.github/workflows/windows.yml) builds the real installer.

``--fast`` stores the installer's files uncompressed (the test suite's build: the same script and
files, seconds instead of a minute and a half of LZMA). Prints the bundle's size and the times as
JSON on the last line. Standard library only; exits non-zero with the reason on any failure.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "installer" / "commdesk.spec"
NSI = ROOT / "installer" / "commdesk.nsi"
PYINSTALLER_REQ = ["pyinstaller>=6.22,<6.23", "pyinstaller-hooks-contrib"]


class BuildError(Exception):
    pass


def log(msg: str) -> None:
    print(f"[build_installer] {msg}", flush=True)


def venv_python() -> Path:
    venv = ROOT / ".venv"
    py = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    return py if py.exists() else Path(sys.executable)


def app_version() -> str:
    text = (ROOT / "src" / "commdesk" / "__init__.py").read_text(encoding="utf-8")
    m = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.M)
    if not m:
        raise BuildError("no __version__ in src/commdesk/__init__.py")
    return m.group(1)


def ensure_pyinstaller(py: Path) -> None:
    r = subprocess.run([str(py), "-c", "import PyInstaller"], capture_output=True)
    if r.returncode == 0:
        return
    log("installing PyInstaller into " + str(py.parent.parent))
    subprocess.run([str(py), "-m", "pip", "install", "-q", *PYINSTALLER_REQ], check=True)


def find_makensis() -> str:
    found = shutil.which("makensis")
    if found:
        return found
    for cand in (r"C:\Program Files (x86)\NSIS\makensis.exe", r"C:\Program Files\NSIS\makensis.exe"):
        if Path(cand).exists():
            return cand
    raise BuildError("makensis not found (Debian: apt-get install nsis; Windows: choco install nsis)")


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def build_bundle(py: Path, dist: Path, work: Path) -> Path:
    bundle = dist / "commdesk"
    cmd = [str(py), "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
           "--distpath", str(dist), "--workpath", str(work), str(SPEC)]
    log("pyinstaller: " + " ".join(cmd[3:]))
    r = subprocess.run(cmd, cwd=ROOT, stdout=sys.stderr)  # stdout keeps only the JSON line
    if r.returncode != 0:
        raise BuildError(f"PyInstaller failed (exit {r.returncode})")
    exe = bundle / ("commdesk.exe" if os.name == "nt" else "commdesk")
    if not exe.is_file():
        raise BuildError(f"PyInstaller produced no executable {exe}")
    return bundle


def build_installer(bundle: Path, out: Path, version: str, fast: bool) -> None:
    makensis = find_makensis()
    defines = [f"-DVERSION={version}", f"-DBUNDLE_DIR={bundle}", f"-DOUTFILE={out}",
               "-DEXE_SUFFIX=" + (".exe" if os.name == "nt" else "")]
    if fast:
        defines.append("-DNOCOMPRESS=1")
    flag = "/" if os.name == "nt" else "-"
    defines = [flag + d[1:] for d in defines]
    cmd = [makensis, f"{flag}V2", f"{flag}WX", *defines, str(NSI)]  # -WX: a warning fails too
    log("makensis: " + " ".join(cmd[1:]))
    if out.exists():
        out.unlink()
    r = subprocess.run(cmd, cwd=ROOT / "installer")
    if r.returncode != 0 or not out.is_file():
        raise BuildError(f"makensis failed (exit {r.returncode}): {NSI.name} or the bundle is broken")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dist", type=Path, default=ROOT / "dist")
    ap.add_argument("--work", type=Path, default=ROOT / "build")
    ap.add_argument("--no-installer", action="store_true", help="only the PyInstaller bundle")
    ap.add_argument("--fast", action="store_true", help="installer without compression (tests)")
    args = ap.parse_args(argv)
    dist, work = args.dist.resolve(), args.work.resolve()
    try:
        version = app_version()
        py = venv_python()
        ensure_pyinstaller(py)
        if not args.no_installer:
            find_makensis()  # fail before a minute of PyInstaller, not after
        t0 = time.perf_counter()
        bundle = build_bundle(py, dist, work)
        t1 = time.perf_counter()
        result = {"version": version, "bundle": str(bundle), "bundle_mb": round(dir_size(bundle) / 1e6, 1),
                  "pyinstaller_s": round(t1 - t0, 1)}
        if not args.no_installer:
            out = dist / f"commdesk-{version}-setup.exe"
            build_installer(bundle, out, version, args.fast)
            result.update(installer=str(out), installer_mb=round(out.stat().st_size / 1e6, 1),
                          makensis_s=round(time.perf_counter() - t1, 1), compressed=not args.fast)
    except (BuildError, subprocess.CalledProcessError, OSError) as exc:
        print(f"build_installer: FAILED: {exc}", file=sys.stderr)
        return 1
    log(f"bundle {result['bundle_mb']} MB in {result['pyinstaller_s']} s"
        + (f", installer {result['installer_mb']} MB in {result['makensis_s']} s" if "installer" in result else ""))
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
