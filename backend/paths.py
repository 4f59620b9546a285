"""Where files live: bundled read-only files (PyInstaller's _MEIPASS) vs the writable data dir."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "wow-rag"


def bundle_root() -> Path:
    """The folder holding read-only resources: the repository, or the unpacked bundle."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    return Path(__file__).resolve().parent.parent


def executable_dir() -> Path:
    """The folder a person sees the app in: next to wow-rag(.exe), or next to wow-rag.app."""
    if getattr(sys, "frozen", False):
        executable = Path(sys.executable).resolve()
        for parent in executable.parents:
            if parent.suffix == ".app":
                return parent.parent
        return executable.parent
    return bundle_root()


def web_dist() -> Path:
    return bundle_root() / "web" / "dist"


def assets_dir() -> Path:
    """The app's icons."""
    return bundle_root() / "assets"


def default_data_dir() -> Path:
    """Portable mode when a `data` folder or a `portable` file sits next to the executable."""
    env = os.environ.get("WOWRAG_DATA_DIR")
    if env:
        return Path(env)
    if getattr(sys, "frozen", False):
        here = executable_dir()
        if (here / "data").is_dir() or (here / "portable").exists():
            return here / "data"
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


class DataPaths:
    """The layout of one data dir."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def database(self) -> Path:
        return self.root / "wowrag.sqlite3"

    @property
    def qdrant(self) -> Path:
        return self.root / "qdrant"

    @property
    def uploads(self) -> Path:
        return self.root / "uploads"

    @property
    def models(self) -> Path:
        return self.root / "models"

    @property
    def server_json(self) -> Path:
        return self.root / "server.json"

    def ensure(self) -> None:
        for folder in (self.root, self.qdrant, self.uploads, self.models):
            folder.mkdir(parents=True, exist_ok=True)
            if os.name != "nt":
                os.chmod(folder, 0o700)
        if os.name != "nt":
            # Owner-only: it holds the API key. SQLite gives its -wal and -shm files the
            # mode of the database file, so creating that one 0600 covers all three.
            os.close(os.open(self.database, os.O_WRONLY | os.O_CREAT, 0o600))
            for suffix in ("", "-wal", "-shm", "-journal"):
                companion = self.database.with_name(self.database.name + suffix)
                if companion.exists():
                    os.chmod(companion, 0o600)
