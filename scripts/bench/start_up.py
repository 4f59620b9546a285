"""Start-up as a person meets it: headless, launch to `/api/health` and resident memory
idle; in a window (under Xvfb), launch to the window mapped and to the UI loaded (the
launcher's `WOWRAG_TIMING` lines). The app is the source tree named by WOWRAG_BENCH_APP
(common.app_root) or a bundle's executable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts.bench.common import Server, app_root, rss_mb
from scripts.virtual_display import virtual_display

# Idle memory is read twice: 3 s after health, as the bundle test reads it, and once what
# the app loads in the background after start-up (LlamaIndex core, e5 15 s in) has loaded.
EARLY_S, SETTLED_S = 3.0, 25.0


def headless(program: list[str] | None = None) -> dict[str, float]:
    """Launch on an empty data dir: seconds to health, MB resident early and settled."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        server = Server(Path(tmp) / "data", program=program)
        health_s = time.perf_counter() - started
        try:
            time.sleep(EARLY_S)
            early = server.rss_mb()
            time.sleep(SETTLED_S - EARLY_S)
            return {
                "health_s": round(health_s, 2),
                "idle_rss_mb": early,
                "settled_rss_mb": server.rss_mb(),
            }
        finally:
            server.stop()


def window(program: list[str] | None = None, timeout: float = 60) -> dict[str, float]:
    """Launch in window mode on a virtual display: seconds to the window mapped (xdotool
    sees it) and to the UI loaded in it (the launcher logs that line)."""
    app = app_root()
    with virtual_display() as display, tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DISPLAY": display, "WOWRAG_TIMING": "1", "PYTHONPATH": str(app)}
        log = Path(tmp) / "window.log"
        command = program or [sys.executable, str(app / "launcher.py")]
        started = time.monotonic()
        with log.open("w") as sink:
            process = subprocess.Popen(
                [*command, "--data-dir", str(Path(tmp) / "data")],
                env=env,
                cwd=Path(command[-1]).parent,
                stdout=sink,
                stderr=sink,
            )
        try:
            visible = _wait(lambda: _mapped(env), started, timeout, process)
            ui = _wait(
                lambda: "timing: ui loaded" in log.read_text(), started, timeout, process
            )
            time.sleep(2)
            return {
                "window_visible_s": round(visible, 2),
                "ui_ready_s": round(ui, 2),
                "window_rss_mb": rss_mb(process.pid),
            }
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def _mapped(env: dict[str, str]) -> bool:
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", "^wow-rag$"],
        env=env,
        capture_output=True,
        text=True,
    )
    return bool(found.stdout.strip())


def _wait(done, started: float, timeout: float, process: subprocess.Popen) -> float:  # type: ignore[no-untyped-def, type-arg]
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with {process.returncode}")
        if done():
            return time.monotonic() - started
        time.sleep(0.03)
    raise TimeoutError(f"not within {timeout} s")
