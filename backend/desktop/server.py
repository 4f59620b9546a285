"""The app server of one data dir: container + uvicorn on a bound socket, run in a thread.

Every launch mode runs uvicorn in a background thread, so that the main thread is free
for the GUI loop (window mode) or for signals (headless and browser modes). Stopping is
one path for all of them: ``stop()`` asks uvicorn to exit, which runs the app's lifespan
shutdown (the import worker stops, Qdrant and SQLite close), then ``server.json`` goes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backend.config import Settings
    from backend.container import Container

log = logging.getLogger(__name__)
LAST_PORT = "last-port"


def running_instance(server_json: Path) -> dict[str, object] | None:
    """The live server of this data dir, if one answers; a stale file is removed."""
    try:
        info = json.loads(server_json.read_text("utf-8"))
        url = str(info["url"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if health_ok(url, timeout=2):
        return dict(info)
    server_json.unlink(missing_ok=True)
    return None


def health_ok(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/health", timeout=timeout) as answer:
            return bool(answer.status == 200)
    except Exception:
        return False


def write_server_json(path: Path, url: str, token: str) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"url": url, "token": token, "pid": os.getpid()}, out)
    os.replace(tmp, path)


def remove_own_server_json(path: Path) -> None:
    """Remove server.json unless another process has written its own since."""
    try:
        if json.loads(path.read_text("utf-8")).get("pid") != os.getpid():
            return
    except (OSError, ValueError, AttributeError):
        pass
    path.unlink(missing_ok=True)


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP;
    # without it every streamed answer stalled ~40 ms (Nagle + delayed ACK) before its start.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    if os.name != "nt":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def bind_again(host: str, port: int, remembered: Path) -> socket.socket:
    """Bind ``port``; for "any free port" (0) prefer the one this data dir had last time,
    so that a tab left open across a restart finds the app again at the same address."""
    if port == 0:
        try:
            last = int(remembered.read_text("ascii"))
            sock = bind(host, last) if 0 < last < 65536 else None
        except (OSError, ValueError):
            sock = None
        if sock is None:
            sock = bind(host, 0)
    else:
        sock = bind(host, port)
    with contextlib.suppress(OSError):  # a read-only data dir only loses the convenience
        remembered.write_text(str(sock.getsockname()[1]), "ascii")
    return sock


def keep_temp_files_inside(folder: Path) -> None:
    """Whatever a library spools to a temporary file (a multipart form, a parser) lands in
    the data dir, never in the system temp dir; child processes inherit it via TMPDIR."""
    import shutil
    import tempfile

    shutil.rmtree(folder, ignore_errors=True)  # leftovers of a killed run
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    tempfile.tempdir = str(folder)
    os.environ["TMPDIR"] = str(folder)


class AppServer:
    """Build with ``AppServer(settings)`` (opens the data dir: may raise on a locked store)."""

    def __init__(self, settings: Settings) -> None:
        import uvicorn

        from backend.app import create_app
        from backend.container import Container

        self.container: Container = Container(settings)
        self.paths = self.container.paths
        keep_temp_files_inside(self.paths.root / "tmp")
        try:
            self._sock = bind_again(settings.host, settings.port, self.paths.root / LAST_PORT)
        except OSError:
            self.container.close()
            raise
        port = self._sock.getsockname()[1]
        shown_host = f"[{settings.host}]" if ":" in settings.host else settings.host
        self.url = f"http://{shown_host}:{port}"
        self.token = self.container.token
        self.server = uvicorn.Server(
            uvicorn.Config(
                create_app(self.container),
                log_level="warning",
                access_log=False,
                lifespan="on",
                timeout_graceful_shutdown=5,
            )
        )
        _event_streams_may_run()
        self.ready = threading.Event()
        self.failed: BaseException | None = None
        self._thread = threading.Thread(target=self._serve, name="uvicorn", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _serve(self) -> None:
        watcher = threading.Thread(target=self._announce, name="announce", daemon=True)
        watcher.start()
        try:
            self.server.run(sockets=[self._sock])
        except BaseException as error:  # reported through wait_ready; the thread just ends
            self.failed = error
            log.exception("the server stopped with an error")
        finally:
            remove_own_server_json(self.paths.server_json)
            self.container.close()
            self._sock.close()
            self.ready.set()

    def _announce(self) -> None:
        while not self.server.started:
            if self.server.should_exit or not self._thread.is_alive():
                return
            time.sleep(0.01)
        write_server_json(self.paths.server_json, self.url, self.token)
        self.ready.set()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """True once the server answers; False if it ended (or the wait timed out) first."""
        self.ready.wait(timeout)
        return self.server.started and self.failed is None and self.alive

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def wait(self, poll: float = 0.5) -> None:
        """Block until the server has stopped, waking often so that signals get handled."""
        while self._thread.is_alive():
            self._thread.join(poll)

    def request_exit(self) -> None:
        """Ask the server to stop, from any thread (a signal handler too)."""
        self.server.should_exit = True
        _end_event_streams()

    def stop(self, timeout: float = 30.0) -> None:
        """Clean shutdown: the lifespan closes the container; then server.json is removed."""
        self.request_exit()
        if self._thread.ident is None:  # never started: close what __init__ opened
            self.container.close()
            self._sock.close()
            return
        if self._thread.is_alive():
            self._thread.join(timeout)
        if self._thread.is_alive():  # a request that would not end: cut it short
            self.server.force_exit = True
            self._thread.join(5)


def _end_event_streams() -> None:
    """Open event streams (a tab's /api/events, an answer being streamed) end now rather
    than hold the shutdown until uvicorn cancels them with a CancelledError traceback.
    sse-starlette learns of a shutdown from uvicorn's own signal handler, which a server
    run in a thread never installs; this tells it directly."""
    from sse_starlette.sse import AppStatus

    AppStatus.should_exit = True


def _event_streams_may_run() -> None:
    """The flag above is process-wide: a new server (tests start several) clears it."""
    from sse_starlette.sse import AppStatus

    AppStatus.should_exit = False
