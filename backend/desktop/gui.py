"""Can this machine show a desktop window, and with which pywebview backend?

Windows uses WebView2 and macOS WKWebView, both part of the system. On Linux the Qt
backend (PyQt6 + PyQt6-WebEngine) is preferred: with GTK, dropped files arrive without
their paths. Qt aborts the whole process when it cannot reach a display, so the checks
that can be made cheaply are made here first.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.util
import os
import sys
from typing import Literal


def unavailable_reason() -> str | None:
    """Why no window can be shown here, in a few words; None when one can."""
    if importlib.util.find_spec("webview") is None:
        return "pywebview is not installed (pip install 'wow-rag[desktop]')"
    if not sys.platform.startswith("linux"):
        return None
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return "no graphical display (DISPLAY and WAYLAND_DISPLAY are not set)"
    backend = linux_backend()
    if backend is None:
        return "neither Qt WebEngine (PyQt6-WebEngine) nor GTK WebKit is installed"
    if backend == "qt" and not os.environ.get("WAYLAND_DISPLAY"):
        if not _x_display_reachable():
            return f"cannot connect to the X display {os.environ.get('DISPLAY')}"
        if ctypes.util.find_library("xcb-cursor") is None and not getattr(sys, "frozen", False):
            return "Qt needs the system library libxcb-cursor0"
    return None


def linux_backend() -> Literal["qt", "gtk"] | None:
    if _has_module("PyQt6.QtWebEngineWidgets") or _has_module("PySide6.QtWebEngineWidgets"):
        return "qt"
    if _has_module("gi"):
        return "gtk"
    return None


def gui_name() -> Literal["qt", "gtk"] | None:
    """The pywebview ``gui`` argument: force Qt on Linux, the system default elsewhere."""
    if sys.platform.startswith("linux"):
        return linux_backend()
    return None


def prepare_environment() -> None:
    """Qt WebEngine's Chromium refuses to run as root unless its sandbox is off."""
    if sys.platform.startswith("linux") and hasattr(os, "geteuid") and os.geteuid() == 0:
        flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
        if "--no-sandbox" not in flags:
            os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = f"{flags} --no-sandbox".strip()


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _x_display_reachable() -> bool:
    name = ctypes.util.find_library("X11")
    if name is None:
        return True  # cannot tell; let Qt try
    try:
        xlib = ctypes.CDLL(name)
        xlib.XOpenDisplay.restype = ctypes.c_void_p
        xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
        xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
        display = xlib.XOpenDisplay(None)
    except (OSError, AttributeError):
        return True
    if not display:
        return False
    xlib.XCloseDisplay(display)
    return True
