"""The launcher and the desktop shell without a display: folder walking, window state,
the JS bridge's imports by path, server.json, signals, second launches, and the fallback
to the browser where no window can be shown."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backend import paths
from backend.desktop import gui
from backend.desktop.bridge import DesktopApi
from backend.paths import DataPaths
from scripts.virtual_display import virtual_display
from tests.conftest import ROOT, TOKEN, LiveServer


def touch(path: Path, text: str = "hello") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


# -- folders ---------------------------------------------------------------------------------


# -- portable mode -------------------------------------------------------------------------
@pytest.mark.parametrize("layout", ["wow-rag/wow-rag", "wow-rag.app/Contents/MacOS/wow-rag"])
def test_portable_mode_keeps_the_data_next_to_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str
) -> None:
    executable = touch(tmp_path / "stick" / layout)
    # the folder a person sees: the unzipped wow-rag/, or the one holding wow-rag.app
    beside = tmp_path / "stick" if ".app/" in layout else executable.parent
    monkeypatch.delenv("WOWRAG_DATA_DIR", raising=False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(executable))
    assert paths.default_data_dir() != beside / "data"  # not portable: the per-user dir
    (beside / "portable").write_text("")
    assert paths.default_data_dir() == beside / "data"
    (beside / "portable").unlink()
    (beside / "data").mkdir()
    assert paths.default_data_dir() == beside / "data"
    monkeypatch.setenv("WOWRAG_DATA_DIR", str(tmp_path / "elsewhere"))
    assert paths.default_data_dir() == tmp_path / "elsewhere"


# -- window state ----------------------------------------------------------------------------


# -- the JS bridge ---------------------------------------------------------------------------


# -- server.json and instances ---------------------------------------------------------------


def test_no_display_falls_back_to_the_browser_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    if sys.platform.startswith("linux"):
        assert "display" in (gui.unavailable_reason() or "")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update({"BROWSER": "true", "WOWRAG_EMBED_WORKERS": "1"})
    data = tmp_path / "data"
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "launcher.py"),
            "--port",
            "0",
            "--data-dir",
            str(data),
            "--token",
            TOKEN,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not (data / "server.json").exists():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    if sys.platform.startswith("linux"):
        lines = [line for line in err.splitlines() if "no desktop window" in line]
        assert len(lines) == 1 and "system browser" in lines[0]
    assert process.returncode == 0
    # One address, the one that signs the browser in (a bare URL lands signed out).
    urls = [word for word in out.split() if word.startswith("http")]
    assert len(urls) == 1 and urls[0].endswith(f"/?token={TOKEN}"), out
    assert not (data / "server.json").exists()


def test_sigterm_stops_the_headless_server_cleanly(tmp_path: Path) -> None:
    server = LiveServer(tmp_path / "data")
    assert server.client.get("/api/health").status_code == 200
    assert server.stop() == 0
    assert not (tmp_path / "data" / "server.json").exists()
    assert not (tmp_path / "data" / "wowrag.sqlite3-wal").exists()  # SQLite was closed


@pytest.mark.skipif(not hasattr(signal, "SIGUSR1"), reason="POSIX signals")
def test_sigusr1_prints_every_threads_stack_and_the_server_goes_on(tmp_path: Path) -> None:
    server = LiveServer(tmp_path / "data")
    try:
        server.process.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 10
        while "Current thread" not in server.output(400) and time.monotonic() < deadline:
            time.sleep(0.05)
        printed = server.output(400)
        assert "Current thread" in printed and "launcher.py" in printed, printed
        assert server.client.get("/api/health").status_code == 200
    finally:
        assert server.stop() == 0


def test_any_free_port_prefers_the_data_dirs_last_one(tmp_path: Path) -> None:
    from backend.desktop.server import bind_again

    remembered = tmp_path / "last-port"
    first = bind_again("127.0.0.1", 0, remembered)
    port = first.getsockname()[1]
    assert remembered.read_text() == str(port)
    # Taken (here by the first socket, still open): any free port, and that one remembered.
    second = bind_again("127.0.0.1", 0, remembered)
    assert second.getsockname()[1] != port
    assert remembered.read_text() == str(second.getsockname()[1])
    first.close()
    moved = second.getsockname()[1]
    second.close()
    again = bind_again("127.0.0.1", 0, remembered)
    assert again.getsockname()[1] == moved, "a restart answers where an open tab looks"
    again.close()
    remembered.write_text("not a port")
    bind_again("127.0.0.1", 0, remembered).close()


def test_ctrl_c_with_an_open_event_stream_and_failed_imports_stays_quiet(tmp_path: Path) -> None:
    """An image and an empty file fail to import with one line each; Ctrl+C while a tab
    follows /api/events ends that stream instead of cancelling it with a traceback."""
    import httpx

    # Two embedding workers: processes of their own, which must not outlive the server.
    server = LiveServer(tmp_path / "data", env={"WOWRAG_EMBED_WORKERS": "2"})
    try:
        kb = server.client.post("/api/kbs", json={"name": "quiet"}).json()["id"]
        files = [
            ("files", ("picture.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png")),
            ("files", ("empty.txt", b"", "text/plain")),
            ("files", ("notes.md", b"# Tides\n\nThe keeper logs the tide at dawn.", "")),
        ]
        docs = server.client.post(f"/api/kbs/{kb}/documents", files=files).json()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            states = [server.client.get(f"/api/kbs/{kb}/documents/{d['id']}").json() for d in docs]
            if [d["status"] for d in states] == ["failed", "failed", "ready"]:
                break
            time.sleep(0.2)
        assert [d["status"] for d in states] == ["failed", "failed", "ready"], states
        tab = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"})
        with tab, tab.stream("GET", "/api/events", timeout=30) as events:
            assert events.status_code == 200
            server.process.send_signal(signal.SIGINT)
            for _ in events.iter_bytes():  # the server ends the stream itself
                pass
        out = server.finish(timeout=30)
        assert server.process.returncode == 0
    finally:
        server.stop()
    assert "Traceback" not in out and "CancelledError" not in out, out
    failures = [line for line in out.splitlines() if "failed" in line]
    assert len(failures) == 2, out
    assert any("PNG image" in line for line in failures), out


def test_second_launch_finds_the_running_instance(tmp_path: Path) -> None:
    first = LiveServer(tmp_path / "data")
    try:
        second = subprocess.run(
            [
                sys.executable,
                str(ROOT / "launcher.py"),
                "--headless",
                "--port",
                "0",
                "--data-dir",
                str(tmp_path / "data"),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 0
        assert f"already running for this data dir at {first.url}" in second.stdout
        assert DataPaths(tmp_path / "data").server_json.exists()
        assert first.client.get("/api/kbs").status_code == 200
    finally:
        first.stop()


# -- the real window, under Xvfb -------------------------------------------------------------
def test_native_dialogs_open_in_the_users_documents_not_the_apps_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import webview

    from backend.desktop.bridge import start_folder

    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DOCUMENTS_DIR", raising=False)
    monkeypatch.chdir(ROOT)  # where a dialog left to itself opens: the app's folder
    calls: list[tuple[object, dict[str, object]]] = []

    class Window:
        def create_file_dialog(self, kind: object, **options: object) -> list[str]:
            calls.append((kind, options))
            return []

    api = DesktopApi(tmp_path / "data")
    api._attach(Window(), None)  # type: ignore[arg-type]
    assert api.choose_files() == [] and api.choose_folder() is None
    assert [kind for kind, _ in calls] == [webview.FileDialog.OPEN, webview.FileDialog.FOLDER]
    if sys.platform.startswith("linux"):
        assert start_folder() == home / "Documents"
    assert all(options["directory"] == str(start_folder()) for _, options in calls)
    assert all(not str(options["directory"]).startswith(str(ROOT)) for _, options in calls)
    (home / "Documents").rmdir()
    assert start_folder() == home, "no Documents folder: home"


def _window_possible() -> bool:
    import ctypes.util
    import importlib.util
    import shutil

    return (
        sys.platform.startswith("linux")
        and shutil.which("Xvfb") is not None
        and importlib.util.find_spec("webview") is not None
        and importlib.util.find_spec("PyQt6.QtWebEngineWidgets") is not None
        and ctypes.util.find_library("xcb-cursor") is not None
    )


@pytest.mark.skipif(not _window_possible(), reason="needs Xvfb, PyQt6-WebEngine, libxcb-cursor0")
@pytest.mark.timeout(330)
def test_window_bridge_drop_and_link_guard_under_xvfb(tmp_path: Path) -> None:
    with virtual_display("1280x800") as display:
        env = {**os.environ, "DISPLAY": display, "BROWSER": "true", "WOWRAG_EMBED_WORKERS": "1"}
        try:
            probe = subprocess.run(
                [sys.executable, "-m", "tests.test_launcher", "probe", str(tmp_path / "data")],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
        except subprocess.TimeoutExpired as hung:  # the probe dumps its threads at 280 s
            pytest.fail(f"the window hung:\n{hung.stdout!r}\n{str(hung.stderr)[-6000:]}")
    lines = [line for line in probe.stdout.splitlines() if line.startswith("{")]
    assert probe.returncode == 0 and lines, probe.stdout + probe.stderr[-3000:]
    result = json.loads(lines[-1])
    assert "error" not in result, f"{result}\n{probe.stderr[-3000:]}"
    assert result["info"]["desktop"] is True
    assert result["info"]["data_dir"] == str((tmp_path / "data").resolve())
    assert result["drop"] == {"paths": ["/tmp/some dir/report one.pdf"]}
    assert result["fonts"]["button"] == result["fonts"]["body"], result["fonts"]
    assert "sans" in result["fonts"]["body"]
    # pywebview's bridge works under the page's CSP without tripping it (no eval).
    console = [line for line in probe.stderr.splitlines() if line.startswith("js:")]
    assert not any("EvalError" in line or "unsafe-eval" in line for line in console), console
    assert not any("Uncaught" in line for line in console), console
    assert result["after_link"].startswith(result["app_url"])  # the window stayed
    assert result["after_navigation"].startswith(result["app_url"])  # and came back
    assert not (tmp_path / "data" / "server.json").exists()
    assert (tmp_path / "data" / "window.json").exists()  # size and position remembered


def _probe(data_dir: Path) -> None:
    """Run the real window, drive it from a thread, print what happened as JSON."""
    import faulthandler
    import threading

    from backend.config import Settings
    from backend.desktop.window import DesktopWindow

    faulthandler.dump_traceback_later(280)  # where it hangs, if it hangs
    shell = DesktopWindow(data_dir, lambda: Settings(data_dir=data_dir, token=TOKEN))
    result: dict[str, object] = {}

    # Waits, not timings: generous, for a machine busy with other work (under a load of
    # 19 on two cores a step once took over 20 s). A step that never happens is reported.
    def until(window: object, expression: str, timeout: float = 45) -> object:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = window.run_js(expression)  # type: ignore[attr-defined]
            if value not in (None, "", "null"):
                return value
            time.sleep(0.1)
        raise TimeoutError(f"never true within {timeout:.0f} s: {expression[:80]}")

    def drive() -> None:
        try:
            while shell.app_url is None or shell._window is None:
                time.sleep(0.1)
            window = shell._window
            until(window, "window.__wowragGuard ? 1 : null")
            # The app page's own injection may come after the guard (which the starting
            # page's late `loaded` event can already install): the UI waits for it too.
            until(window, "window.pywebview && window.pywebview.api.info ? 1 : null")
            result["app_url"] = shell.app_url
            # Asked again whenever the page was replaced (the starting page gives way to
            # the app's): an answer meant for the page before is never waited for.
            ask = (
                "window.__info || (window.__asked || !(window.pywebview && window.pywebview.api"
                " && window.pywebview.api.info) ? null : (window.__asked = 1,"
                " window.pywebview.api.info().then(r => window.__info = JSON.stringify(r)),"
                " null))"
            )
            result["info"] = json.loads(str(until(window, ask)))
            from webview.dom import _dnd_state

            _dnd_state["paths"].append(("report%20one.pdf", "/tmp/some%20dir/report%20one.pdf"))
            window.run_js("""window.addEventListener('wowrag:native-drop',
                e => window.__drop = JSON.stringify(e.detail));
              var dt = new DataTransfer(); dt.items.add(new File(['x'], 'report one.pdf'));
              document.body.dispatchEvent(new DragEvent('drop',
                {dataTransfer: dt, bubbles: true, cancelable: true}));""")
            result["drop"] = json.loads(str(until(window, "window.__drop || null")))
            # Element Plus's buttons (Choose files, Choose a folder, Create one...) in the
            # app's font, not the window's standard (serif) one.
            result["fonts"] = json.loads(
                str(
                    until(
                        window,
                        """(function (b) { return b && JSON.stringify({
                          body: getComputedStyle(document.body).fontFamily,
                          button: getComputedStyle(b).fontFamily}); }
                        )(document.querySelector('.el-button'))""",
                    )
                )
            )
            window.run_js("""var a = document.createElement('a'); a.href = 'https://example.com/';
              document.body.appendChild(a); a.click();""")
            time.sleep(1)
            result["after_link"] = window.get_current_url()
            window.run_js("location.href = 'http://127.0.0.2:9/'")
            deadline = time.monotonic() + 20
            time.sleep(1)
            while time.monotonic() < deadline and not str(window.get_current_url()).startswith(
                str(shell.app_url)
            ):
                time.sleep(0.2)
            result["after_navigation"] = window.get_current_url()
        except Exception as error:
            result["error"] = f"{type(error).__name__}: {error}"
        finally:
            shell._window.destroy()  # type: ignore[union-attr]

    threading.Thread(target=drive, daemon=True).start()
    code = shell.run()
    print(json.dumps(result), flush=True)
    # As launcher.py does: a pywebview event thread still inside run_js when the window
    # closed waits forever for Qt's answer, and interpreter exit would wait for it.
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "probe":
    _probe(Path(sys.argv[2]))
