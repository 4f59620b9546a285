"""The embedding processes (one model copy per core) live only while there is work: they
end after an import and come back for the next one."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.container import Container
from tests.conftest import AUTH, make_settings, wait_documents


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    # Two embedding workers: this process and one worker process. With the suite's usual
    # one, no process would ever start and "the processes stopped" would always hold.
    c = Container(make_settings(tmp_path / "data", embed_workers=2))
    yield c
    c.close()


@pytest.fixture
def quick_idle_client(container: Container) -> Iterator[TestClient]:
    container.ingest.pipeline.pool_idle_s = 0.2  # before the import worker starts waiting
    with TestClient(create_app(container), base_url="http://127.0.0.1", headers=AUTH) as client:
        yield client


class RunningSeen:
    """Samples `pool.running` from a thread while an import runs: was it ever true?"""

    def __init__(self, container: Container) -> None:
        self.container, self.seen, self._stop = container, False, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.seen = self.seen or self.container.pool.running
            time.sleep(0.005)

    def __enter__(self) -> RunningSeen:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)


def _upload(client: TestClient, kb_id: str, name: str, text: str) -> None:
    response = client.post(
        f"/api/kbs/{kb_id}/documents", files={"files": (name, text.encode(), "text/markdown")}
    )
    assert response.status_code in (200, 201, 202), response.text


def _wait_stopped(container: Container, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while container.pool.running and time.monotonic() < deadline:
        time.sleep(0.05)
    return not container.pool.running


def test_processes_end_after_an_import_and_return_for_the_next(container, quick_idle_client):
    client = quick_idle_client
    kb = client.post("/api/kbs", json={"name": "site"}).json()
    with RunningSeen(container) as first:
        _upload(client, kb["id"], "gate.md", "# Gate\nThe gate code of the north site is 4471.\n")
        wait_documents(client, kb["id"])
    assert first.seen, "no embedding process started for the import"
    assert _wait_stopped(container), "the embedding processes outlived the import"

    with RunningSeen(container) as second:
        _upload(client, kb["id"], "dock.md", "# Dock\nThe loading dock opens at 06:30.\n")
        docs = wait_documents(client, kb["id"])
    assert second.seen, "the embedding processes did not come back for the next import"
    assert sorted(d["status"] for d in docs) == ["ready", "ready"]
    answer = client.post("/api/chat", json={"question": "When does the loading dock open?"})
    assert "06:30" in answer.json()["answer"]
    assert _wait_stopped(container)
