"""Hand things to the operating system: open a folder in the file manager, a link in the
system browser. Inside a PyInstaller bundle on Linux the bootloader points
LD_LIBRARY_PATH at the bundle's libraries; programs we start must not inherit that."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXTERNAL_SCHEMES = ("http://", "https://", "mailto:")


def external_env() -> dict[str, str]:
    """The environment as it was before the bundle's bootloader changed it."""
    env = dict(os.environ)
    for name in ("LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH"):
        original = env.pop(f"{name}_ORIG", None)
        if original is not None:
            env[name] = original
        elif getattr(sys, "frozen", False):
            env.pop(name, None)
    for name in ("QTWEBENGINE_CHROMIUM_FLAGS", "QT_PLUGIN_PATH", "QML2_IMPORT_PATH"):
        if getattr(sys, "frozen", False):
            env.pop(name, None)
    return env


def open_path(path: Path) -> bool:
    """Show a folder (or open a file) with the desktop's default program."""
    try:
        if sys.platform == "win32":
            os.startfile(str(path))  # type: ignore[attr-defined]
        else:
            opener = "open" if sys.platform == "darwin" else "xdg-open"
            subprocess.Popen(
                [opener, str(path)],
                env=external_env(),
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
    except OSError:
        return False
    return True


def reveal_path(path: Path) -> bool:
    """Show a file in its folder: selected where the file manager can (Windows, macOS),
    else the folder that holds it."""
    try:
        if sys.platform == "win32":
            subprocess.Popen(["explorer", f"/select,{path}"])
            return True
        if sys.platform == "darwin":
            subprocess.Popen(["open", "-R", str(path)], start_new_session=True)
            return True
    except OSError:
        return False
    return open_path(path.parent)


def open_url(url: str) -> bool:
    """Open a web or mail link in the system's browser; anything else is refused."""
    if not url.lower().startswith(EXTERNAL_SCHEMES):
        return False
    if sys.platform.startswith("linux") and getattr(sys, "frozen", False):
        try:
            subprocess.Popen(
                ["xdg-open", url],
                env=external_env(),
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            return True
        except OSError:
            return False
    import webbrowser

    return webbrowser.open(url)
