"""The embedding processes (one model copy per core) live only while there is work: they
end after an import and come back for the next one."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.container import Container
from tests.conftest import AUTH, wait_documents


@pytest.fixture
def quick_idle_client(container: Container) -> Iterator[TestClient]:
    container.ingest.pipeline.pool_idle_s = 0.2  # before the import worker starts waiting
    with TestClient(create_app(container), base_url="http://127.0.0.1", headers=AUTH) as client:
        yield client


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
    _upload(client, kb["id"], "gate.md", "# Gate\nThe gate code of the north site is 4471.\n")
    wait_documents(client, kb["id"])
    assert _wait_stopped(container), "the embedding processes outlived the import"

    _upload(client, kb["id"], "dock.md", "# Dock\nThe loading dock opens at 06:30 on weekdays.\n")
    docs = wait_documents(client, kb["id"])
    assert sorted(d["status"] for d in docs) == ["ready", "ready"]
    answer = client.post("/api/chat", json={"question": "When does the loading dock open?"})
    assert "06:30" in answer.json()["answer"]
    assert _wait_stopped(container)
