"""Build the desktop bundle: the web UI, the PyInstaller one-folder app, and its zip.

    python scripts/build.py              # -> dist/wow-rag/ and dist/wow-rag-<os>-<arch>.zip
    python scripts/build.py --skip-web   # reuse web/dist as it is

Needs the `build` extra (PyInstaller) and, on Linux, the `desktop` extra (PyQt6 +
PyQt6-WebEngine) for the window. Prints the sizes at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
NAME = "wow-rag"


def os_name() -> str:
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    return "linux"


def arch_name() -> str:
    machine = platform.machine().lower()
    return {"amd64": "x86_64", "x64": "x86_64", "aarch64": "arm64"}.get(machine, machine)


def zip_path() -> Path:
    return DIST / f"{NAME}-{os_name()}-{arch_name()}.zip"


def app_path() -> Path:
    """What a person double-clicks, inside dist/."""
    if sys.platform == "darwin":
        return DIST / f"{NAME}.app"
    return DIST / NAME


def build_web(skip: bool) -> None:
    web = ROOT / "web"
    if skip:
        if not (web / "dist" / "index.html").is_file():
            raise SystemExit("--skip-web, but web/dist/index.html does not exist")
        return
    npm = shutil.which("npm")
    if npm is None:
        if (web / "dist" / "index.html").is_file():
            print("npm not found: using the existing web/dist", flush=True)
            return
        raise SystemExit("npm is needed to build the web UI (or build web/dist first)")
    if not (web / "node_modules").is_dir():
        subprocess.run([npm, "ci"], cwd=web, check=True)
    subprocess.run([npm, "run", "build"], cwd=web, check=True)


def fetch_e5_weights() -> None:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "e5_weights.py")], check=True)


def build_bundle() -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            str(DIST),
            "--workpath",
            str(ROOT / "build"),
            str(ROOT / "build.spec"),
        ],
        cwd=ROOT,
        check=True,
    )


def make_zip(source: Path, target: Path) -> None:
    """Zip ``source`` as its own top folder, keeping exec bits and symlinks (macOS .app
    frameworks are full of them), as the OS unzippers restore them."""
    target.unlink(missing_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in sorted(source.rglob("*")):
            name = path.relative_to(source.parent).as_posix()
            info = zipfile.ZipInfo(name + ("/" if path.is_dir() and not path.is_symlink() else ""))
            mode = path.lstat().st_mode
            info.external_attr = (mode & 0xFFFF) << 16
            info.create_system = 3  # unix, so that the mode bits are honoured
            if path.is_symlink():
                archive.writestr(info, os.readlink(path))
            elif path.is_dir():
                archive.writestr(info, b"")
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                info.date_time = time.localtime(path.stat().st_mtime)[:6]
                with path.open("rb") as src, archive.open(info, "w") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)


def extract(archive_path: Path, dest: Path) -> None:
    """Unzip as an OS unzipper would: modes and symlinks restored."""
    with zipfile.ZipFile(archive_path) as archive:
        for info in archive.infolist():
            out = dest / info.filename
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                out.parent.mkdir(parents=True, exist_ok=True)
                os.symlink(archive.read(info).decode(), out)
            elif info.is_dir():
                out.mkdir(parents=True, exist_ok=True)
            else:
                archive.extract(info, dest)
                if mode:
                    os.chmod(out, stat.S_IMODE(mode))


def folder_size(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-web", action="store_true", help="reuse web/dist")
    parser.add_argument("--no-zip", action="store_true", help="stop after the folder")
    args = parser.parse_args(argv)
    started = time.monotonic()
    build_web(args.skip_web)
    fetch_e5_weights()
    build_bundle()
    app = app_path()
    print(f"bundle: {app} ({folder_size(app) / 1e6:.0f} MB)", flush=True)
    if not args.no_zip:
        make_zip(app, zip_path())
        print(f"zip: {zip_path()} ({zip_path().stat().st_size / 1e6:.0f} MB)", flush=True)
    print(f"built in {time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
