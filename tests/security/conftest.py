"""Fixtures of the security suite: the real app in-process (shared by a module), and a
live server started through the launcher with a 1 MB upload limit and its own TMPDIR, so
that anything written outside the data dir shows up."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from backend.app import create_app
from backend.container import Container
from tests.conftest import AUTH, LiveServer, make_settings


def error_of(answer, status: int, code: str | None = None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The `{"error": {"code", "message"}}` body of an answer with this status."""
    assert answer.status_code == status, (answer.status_code, answer.text[:300])
    body = answer.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    if code:
        assert body["error"]["code"] == code, body
    return dict(body["error"])


@pytest.fixture(scope="module")
def edge_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    container = Container(make_settings(tmp_path_factory.mktemp("edge") / "data"))
    app = create_app(container)
    yield app
    container.close()


@pytest.fixture(scope="module")
def edge_client(edge_app: FastAPI) -> Iterator[TestClient]:
    """An authorised client of the real app on http://127.0.0.1 (lifespan started)."""
    with TestClient(edge_app, base_url="http://127.0.0.1", headers=AUTH) as client:
        yield client


class HostileServer(LiveServer):
    """A LiveServer whose output is read as it comes (a full pipe would block its logging)."""

    def __init__(self, root: Path, **env: str) -> None:
        self.tmp = root / "tmp"
        self.tmp.mkdir()
        self.lines: list[str] = []
        super().__init__(
            root / "data",
            env={"TMPDIR": str(self.tmp), "WOWRAG_MAX_UPLOAD_MB": "1", **env},
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def output(self) -> str:
        return "".join(self.lines)

    def stop(self, kill: bool = False) -> int:
        code = super().stop(kill)
        self._reader.join(10)
        return code


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileServer]:
    server = HostileServer(tmp_path_factory.mktemp("hostile"))
    yield server
    server.stop()
