"""The desktop window: a "starting" page at once, the server booted behind it, then the UI.

Order matters for how fast the window appears: only pywebview is imported before the
window is shown; the backend is imported and started by ``_boot`` on pywebview's
worker thread, and the UI is loaded with the token (``/?token=`` sets the cookie and
redirects, so the token never shows). Closing the window stops the server cleanly.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from backend.desktop import webview_shim
from backend.desktop.bridge import DesktopApi, http_importer, local_importer
from backend.desktop.gui import gui_name, prepare_environment
from backend.desktop.pages import BACKGROUND, failed_page, starting_page
from backend.desktop.server import AppServer, running_instance
from backend.desktop.system import open_url
from backend.desktop.window_state import MIN_SIZE, WindowState
from backend.paths import DataPaths, assets_dir

if TYPE_CHECKING:
    import webview

    from backend.config import Settings

log = logging.getLogger(__name__)
TITLE = "wow-rag"
LAUNCH_RACE_WAIT_S = 15

# Runs on every page of the app: links to other sites go to the system browser; a drop of
# files anywhere on the window asks Python for their real paths (which the page never
# sees) and announces them as a `wowrag:native-drop` event; a drop never replaces the page.
GUARD_JS = r"""
(function () {
  if (window.__wowragGuard) return;
  window.__wowragGuard = true;
  function api() { return window.pywebview && window.pywebview.api; }
  document.addEventListener('click', function (event) {
    var link = event.target && event.target.closest ? event.target.closest('a[href]') : null;
    if (!link || event.defaultPrevented) return;
    var url;
    try { url = new URL(link.href, location.href); } catch (e) { return; }
    if (url.origin === location.origin) return;
    event.preventDefault();
    if (api()) api().open_external(url.href);
  }, true);
  window.addEventListener('dragover', function (event) { event.preventDefault(); });
  window.addEventListener('drop', function (event) {
    event.preventDefault();
    var files = event.dataTransfer && event.dataTransfer.files;
    if (!files || !files.length || !api() || !api().dropped_paths) return;
    var webview2 = window.chrome && window.chrome.webview;
    if (webview2 && webview2.postMessageWithAdditionalObjects) {
      webview2.postMessageWithAdditionalObjects('FilesDropped', files);
    }
    var names = Array.prototype.map.call(files, function (file) { return file.name; });
    api().dropped_paths(names).then(function (paths) {
      if (paths && paths.length) {
        window.dispatchEvent(new CustomEvent('wowrag:native-drop', {detail: {paths: paths}}));
      }
    });
  }, true);
})();
"""


def _timing(label: str) -> None:
    if os.environ.get("WOWRAG_TIMING"):
        print(f"timing: {label} {process_age():.3f} s", file=sys.stderr, flush=True)


def process_age() -> float:
    """Seconds since this process started (the double-click), where the OS tells us."""
    try:
        with (
            open("/proc/self/stat", encoding="ascii") as stat,
            open("/proc/uptime", encoding="ascii") as uptime,
        ):
            started = int(stat.read().rsplit(")", 1)[1].split()[19]) / os.sysconf("SC_CLK_TCK")
            return float(uptime.read().split()[0]) - started
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - _IMPORTED_AT


_IMPORTED_AT = time.perf_counter()


class DesktopWindow:
    """``make_settings`` runs on the boot thread: pydantic-settings alone costs a quarter
    of a second that the window should not wait for."""

    def __init__(self, data_dir: Path, make_settings: Callable[[], Settings]) -> None:
        self.make_settings = make_settings
        self.paths = DataPaths(data_dir.resolve())
        self.paths.ensure()
        self.state_file = self.paths.root / "window.json"
        self.state = WindowState.load(self.state_file)
        self.api = DesktopApi(self.paths.root)
        self.server: AppServer | None = None
        self.app_url: str | None = None
        self._window: webview.Window | None = None
        self._lock = threading.Lock()
        self._closing = False
        self._booted = threading.Event()
        self._minimized = False

    # -- lifecycle -------------------------------------------------------------------------------
    def run(self) -> int:
        """Show the window and block until it is closed; then stop the server."""
        import webview

        prepare_environment()
        state = self.state
        window = webview.create_window(
            TITLE,
            html=starting_page(),
            js_api=self.api,
            width=state.width,
            height=state.height,
            x=state.x,
            y=state.y,
            min_size=MIN_SIZE,
            maximized=state.maximized,
            background_color=BACKGROUND,
            text_select=True,
        )
        assert window is not None
        self._window = window
        self.api._attach(window, None)
        webview_shim.install(window)
        events = window.events
        events.shown += self._on_shown
        events.loaded += self._on_loaded
        events.resized += self._on_resized
        events.moved += self._on_moved
        events.maximized += lambda: self._set_maximized(True)
        events.restored += lambda: self._set_maximized(False)
        events.minimized += self._on_minimized
        self._handle_signals(window)
        icon = assets_dir() / "icon.png"
        # Import the GUI toolkit first (Qt: 0.3 s of Python), then boot the server while
        # the toolkit starts (mostly native work), not after it: measured under load,
        # that showed the window 0.5 s sooner than booting first, and the UI no later
        # than booting from webview.start's callback. Loading the UI waits for the window.
        from webview.guilib import initialize

        gui = gui_name()
        initialize(gui)
        threading.Thread(target=self._boot, args=(window,), name="boot", daemon=True).start()
        # Exports (a conversation as Markdown, a knowledge base as .wowkb) are downloads:
        # the window asks where to save them, as a browser would.
        webview.settings["ALLOW_DOWNLOADS"] = True
        try:
            webview.start(
                gui=gui,
                private_mode=False,
                storage_path=str(self.paths.root / "webview"),
                icon=str(icon) if icon.is_file() else None,
            )
        except BaseException:
            self.shutdown()
            raise
        return self.shutdown()

    def shutdown(self) -> int:
        with self._lock:
            self._closing = True
        self.state.save(self.state_file)
        self._booted.wait(LAUNCH_RACE_WAIT_S + 5)
        if self.server is not None:
            self.server.stop()
            _timing("stopped")
        return 0

    def _handle_signals(self, window: webview.Window) -> None:
        """SIGTERM / Ctrl+C close the window like a click on its close button."""

        def close(signum: int, frame: Any) -> None:
            threading.Thread(target=window.destroy, name="close", daemon=True).start()

        for name in ("SIGTERM", "SIGINT", "SIGHUP"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), close)

    # -- boot (pywebview's worker thread) ---------------------------------------------------
    def _boot(self, window: webview.Window) -> None:
        try:
            live = running_instance(self.paths.server_json)
            if live:
                self._attach_to(window, live)
                return
            server = self._start_server(window)
            if server is None:
                return
            self.api._attach(None, local_importer(server.container))
            self._open_app(window, server.url, server.token)
        except Exception as error:
            log.exception("start-up failed")
            window.load_html(failed_page(f"{type(error).__name__}: {error}"))
        finally:
            self._booted.set()

    def _start_server(self, window: webview.Window) -> AppServer | None:
        try:
            server = AppServer(self.make_settings())
        except Exception:
            # Two launches at once: the other one holds the store's lock; use it.
            live = self._wait_for_other_instance()
            if live is None:
                raise
            self._attach_to(window, live)
            return None
        with self._lock:
            if self._closing:
                server.stop()
                return None
            self.server = server
        server.start()
        if not server.wait_ready(120):
            raise RuntimeError(str(server.failed or "The server did not start in time."))
        _timing("server ready")
        return server

    def _wait_for_other_instance(self) -> dict[str, object] | None:
        deadline = time.monotonic() + LAUNCH_RACE_WAIT_S
        while time.monotonic() < deadline and not self._closing:
            live = running_instance(self.paths.server_json)
            if live:
                return live
            time.sleep(0.25)
        return None

    def _attach_to(self, window: webview.Window, live: dict[str, object]) -> None:
        log.info("wow-rag is already running for this data dir at %s", live["url"])
        self.api._attach(None, http_importer(str(live["url"]), str(live["token"])))
        self._open_app(window, str(live["url"]), str(live["token"]))

    def _open_app(self, window: webview.Window, url: str, token: str) -> None:
        self.app_url = url
        window.load_url(f"{url}/?token={quote(token)}")

    # -- window events -----------------------------------------------------------------------
    def _on_shown(self) -> None:
        _timing("window shown")

    def _on_loaded(self, window: webview.Window) -> None:
        url = window.get_current_url() or ""
        if self.app_url is None or not url.startswith(self.app_url):
            # Not the app: the starting page, or somewhere the window must not stay.
            if self.app_url and url.startswith(("http:", "https:")):
                open_url(url)
                window.load_url(f"{self.app_url}/")
            return
        window.run_js(GUARD_JS)
        _timing("ui loaded")

    def _on_resized(self, width: int, height: int) -> None:
        if not (self.state.maximized or self._minimized):
            self.state.width, self.state.height = width, height

    def _on_moved(self, x: int, y: int) -> None:
        if not (self.state.maximized or self._minimized):
            self.state.x, self.state.y = x, y

    def _on_minimized(self) -> None:
        self._minimized = True

    def _set_maximized(self, maximized: bool) -> None:
        if self._minimized and not maximized:
            self._minimized = False  # restored from the task bar, not from maximized
            return
        self._minimized = False
        self.state.maximized = maximized
