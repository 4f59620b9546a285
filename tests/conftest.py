"""Shared fixtures: a container on a temp data dir, an HTTP client on the real app, a live
server started through the launcher, and a helper to wait for imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from backend.app import create_app
from backend.config import Settings
from backend.container import Container

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _import_anyio_now() -> None:
    """anyio imports its parts lazily, on first use, often in a server's worker thread; as
    a pytest plugin's package its modules are rewritten (parsed) by pytest on import, and
    CPython 3.11 can fail parsing in two threads at once ("AST constructor recursion depth
    mismatch", seen once in a fresh venv). Importing them all here, in the main thread
    before any server starts, removes that race."""
    import anyio

    for name in dir(anyio):
        getattr(anyio, name)


_import_anyio_now()


def make_settings(data_dir: Path, **extra: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "token": TOKEN,
        "host": "127.0.0.1",
        "embed_workers": 1,
        # the e5 pass loads 160 MB and a worker process: on only in the tests about it
        "passage_vectors": False,
    }
    values.update(extra)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(params=["edge"])
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def container(tmp_path: Path, engine: str) -> Iterator[Container]:
    c = Container(make_settings(tmp_path / "data", vector_engine=engine))
    yield c
    c.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    app = create_app(container)
    with TestClient(app, base_url="http://127.0.0.1", headers=AUTH) as test_client:
        yield test_client


def wait_documents(client: TestClient | httpx.Client, kb_id: str, timeout: float = 90) -> list:
    """Wait until no document of the KB is still being imported; return them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        docs = client.get(f"/api/kbs/{kb_id}/documents").json()
        if docs and all(d["status"] in ("ready", "failed", "duplicate") for d in docs):
            return docs
        time.sleep(0.1)
    raise AssertionError(f"imports did not finish: {docs}")


def read_sse(lines: Iterator[str]) -> list[dict]:
    """Parse a text/event-stream into [{'event': name, **data}]."""
    events, name, data = [], None, []
    for line in lines:
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif line == "" and data:
            events.append({"event": name, **json.loads("\n".join(data))})
            name, data = None, []
    return events


class LiveServer:
    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        full_env = {
            **os.environ,
            "WOWRAG_EMBED_WORKERS": "1",
            "WOWRAG_PASSAGE_VECTORS": "false",  # as make_settings: on where a test asks
            **(env or {}),
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "launcher.py"),
                "--headless",
                "--port",
                "0",
                "--data-dir",
                str(data_dir),
                "--token",
                TOKEN,
            ],
            cwd=ROOT,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # Drained all along: a full pipe would block the server's logging, and a failing
        # test can show what the server said.
        self.lines: list[str] = []
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()
        server_json = data_dir / "server.json"
        deadline = time.monotonic() + 30
        while not self._ours(server_json):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                self.process.wait(30)
                time.sleep(0.2)  # the last lines through the drain
                raise RuntimeError(f"server did not start: {self.output()}")
            time.sleep(0.05)
        self.info = json.loads(server_json.read_text())
        self.url: str = self.info["url"]
        self.client = httpx.Client(base_url=self.url, headers=AUTH, timeout=60)

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def output(self, last: int = 60) -> str:
        """The server's last lines of output."""
        return "".join(self.lines[-last:])

    def finish(self, timeout: float) -> str:
        """Wait for the server to exit and its output to end (a leftover child would hold
        it open); all it printed."""
        self.process.wait(timeout)
        self._drainer.join(timeout)
        if self._drainer.is_alive():
            raise TimeoutError(f"the output stayed open after the exit: {self.output()}")
        return "".join(self.lines)

    def _ours(self, server_json: Path) -> bool:
        """server.json of this process (a killed one leaves a stale file behind)."""
        try:
            return bool(json.loads(server_json.read_text())["pid"] == self.process.pid)
        except (OSError, ValueError, KeyError):
            return False

    def stop(self, kill: bool = False) -> int:
        self.client.close()
        if self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
        return self.process.wait(30)


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path / "live")
    yield server
    server.stop()
