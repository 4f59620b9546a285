"""A document's life after its import, through the real app: retry a failed one, re-index
one or a whole knowledge base without leaving orphan points, clear failed and duplicate
rows with their files, ready and failed counted apart, the file date a cited source
carries, and an order of the list that status changes do not reshuffle."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from backend.app import create_app
from backend.container import Container
from backend.services.disk import DISK_FULL, DiskSpace
from backend.store.models import DocumentStatus
from tests.conftest import AUTH, make_settings, wait_documents

TEXT = "\n\n".join(
    f"第{n}条：仓库{n}的钥匙由值班员保管，借用需登记。Key {n} is kept by the duty officer."
    for n in range(40)
)
SHORT = "仓库的钥匙由值班员保管。The keys are kept by the duty officer."


def _kb(client: Any, name: str = "keys") -> str:
    return str(client.post("/api/kbs", json={"name": name}).json()["id"])


def _upload(client: Any, kb: str, name: str, text: str = TEXT) -> dict[str, Any]:
    answer = client.post(f"/api/kbs/{kb}/documents", files={"files": (name, text.encode())})
    assert answer.status_code == 202, answer.text
    return dict(answer.json()[0])


def _settled(client: Any, container: Container, kb: str) -> dict[str, dict[str, Any]]:
    wait_documents(client, kb)
    deadline = time.monotonic() + 30
    while not container.ingest.idle() and time.monotonic() < deadline:
        time.sleep(0.05)
    return {d["filename"]: d for d in wait_documents(client, kb)}


def _no_orphans(container: Container) -> None:
    """Points only for ready documents, each exactly its chunks."""
    ready = {
        doc_id: container.doc_repo.get(doc_id).chunk_count
        for doc_id in container.doc_repo.ids_by_status(DocumentStatus.READY)
    }
    assert container.store.document_counts() == ready


def _stored(container: Container, doc_id: str) -> Any:
    return container.uploads.path(container.doc_repo.get(doc_id).stored_name)


def _fail_for_space(client: Any, container: Container, kb: str, name: str, monkeypatch: Any):
    """Import `name` while the disk has too little room for it: it fails, for a reason
    that goes away."""
    room = container.ingest.pipeline.disk
    tight = DiskSpace(container.paths.root, container.disk.free() + (5 << 30), 0)
    monkeypatch.setattr(container.ingest.pipeline, "disk", tight)
    _upload(client, kb, name, TEXT.replace("钥匙", "门禁卡"))
    failed = _settled(client, container, kb)[name]
    monkeypatch.setattr(container.ingest.pipeline, "disk", room)
    assert failed["status"] == "failed" and failed["error"].startswith(DISK_FULL)
    return failed


def test_retry_imports_a_document_whose_failure_went_away(client, container, monkeypatch):
    kb = _kb(client)
    failed = _fail_for_space(client, container, kb, "later.txt", monkeypatch)
    retried = client.post(f"/api/kbs/{kb}/documents/{failed['id']}/reindex")
    assert retried.status_code == 202
    assert retried.json()["status"] == "queued" and retried.json()["error"] is None
    doc = _settled(client, container, kb)["later.txt"]
    assert doc["status"] == "ready" and doc["chunk_count"] > 0
    _no_orphans(container)


def test_reindex_of_a_changed_file_leaves_no_old_chunks_behind(client, container):
    kb = _kb(client)
    _upload(client, kb, "keys.txt")
    before = _settled(client, container, kb)["keys.txt"]
    assert container.store.count(before["id"]) == before["chunk_count"] > 1
    # The same document, now shorter: its old chunks beyond the new ones must go too.
    _stored(container, before["id"]).write_text(SHORT, encoding="utf-8")
    answer = client.post(f"/api/kbs/{kb}/documents/{before['id']}/reindex")
    assert answer.status_code == 202 and answer.json()["status"] == "queued"
    after = _settled(client, container, kb)["keys.txt"]
    assert after["status"] == "ready" and after["id"] == before["id"]
    assert after["chunk_count"] < before["chunk_count"]
    assert container.store.count(before["id"]) == after["chunk_count"]
    _no_orphans(container)


def test_a_document_being_reindexed_answers_from_its_old_version_until_the_new_one_is_in(
    client, container, monkeypatch
):
    kb = _kb(client)
    _upload(client, kb, "keys.txt")
    before = _settled(client, container, kb)["keys.txt"]
    _stored(container, before["id"]).write_text(SHORT.replace("值班员", "保安队长"), "utf-8")
    reader, reading, go_on = container.ingest.pipeline.reader, threading.Event(), threading.Event()

    class SlowReader:
        def read_many(self, *args: Any, **kwargs: Any) -> Any:
            reading.set()
            go_on.wait(30)
            return reader.read_many(*args, **kwargs)

    monkeypatch.setattr(container.ingest.pipeline, "reader", SlowReader())
    assert client.post(f"/api/kbs/{kb}/documents/{before['id']}/reindex").status_code == 202
    assert reading.wait(30)
    question = {"question": "仓库的钥匙由谁保管？", "kb_ids": [kb]}
    meanwhile = client.post("/api/chat", json=question).json()["sources"]
    assert meanwhile and meanwhile[0]["doc_id"] == before["id"]
    assert "值班员" in meanwhile[0]["text"]
    go_on.set()
    after = _settled(client, container, kb)["keys.txt"]
    assert after["status"] == "ready" and after["chunk_count"] < before["chunk_count"]
    now = client.post("/api/chat", json=question).json()["sources"]
    assert "保安队长" in now[0]["text"] and not any("值班员" in s["text"] for s in now)
    _no_orphans(container)


def test_reindex_refuses_a_duplicate_and_a_document_that_is_not_there(client, container):
    kb = _kb(client)
    _upload(client, kb, "a.txt")
    _upload(client, kb, "again.txt")
    docs = _settled(client, container, kb)
    duplicate = docs["again.txt"]
    assert duplicate["status"] == "duplicate"
    refused = client.post(f"/api/kbs/{kb}/documents/{duplicate['id']}/reindex")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "duplicate_not_indexed"
    missing = client.post(f"/api/kbs/{kb}/documents/nope/reindex")
    assert missing.status_code == 404


def test_kb_reindex_queues_ready_and_failed_again_and_records_the_embedder(
    client, container, monkeypatch
):
    kb = _kb(client)
    _upload(client, kb, "a.txt")
    _upload(client, kb, "b.txt", SHORT)
    _upload(client, kb, "a-again.txt")
    _settled(client, container, kb)
    _fail_for_space(client, container, kb, "c.txt", monkeypatch)
    container.db.execute("UPDATE knowledge_bases SET embedder = 'older-model' WHERE id = ?", (kb,))
    answer = client.post(f"/api/kbs/{kb}/reindex")
    assert answer.status_code == 202 and answer.json()["id"] == kb
    statuses = {d["filename"]: d["status"] for d in client.get(f"/api/kbs/{kb}/documents").json()}
    assert statuses["a-again.txt"] == "duplicate"
    assert {statuses[n] for n in ("a.txt", "b.txt", "c.txt")} <= {
        "queued",
        "parsing",
        "embedding",
        "ready",
    }
    docs = _settled(client, container, kb)
    assert [docs[n]["status"] for n in ("a.txt", "b.txt", "c.txt")] == ["ready"] * 3
    assert docs["a-again.txt"]["status"] == "duplicate"
    assert container.kb_repo.get(kb).embedder == container.embedder.name
    _no_orphans(container)
    assert client.post("/api/kbs/nope/reindex").status_code == 404


def test_kb_reindex_keeps_a_document_whose_file_is_gone_as_it_was(client, container):
    kb = _kb(client)
    _upload(client, kb, "a.txt")
    _upload(client, kb, "b.txt", SHORT)
    docs = _settled(client, container, kb)
    touched = {n: container.doc_repo.get(d["id"]).updated_at for n, d in docs.items()}
    _stored(container, docs["b.txt"]["id"]).unlink()
    assert client.post(f"/api/kbs/{kb}/reindex").status_code == 202
    after = _settled(client, container, kb)
    assert container.doc_repo.get(docs["b.txt"]["id"]).updated_at == touched["b.txt"]
    assert container.doc_repo.get(docs["a.txt"]["id"]).updated_at != touched["a.txt"]
    assert [after[n]["status"] for n in ("a.txt", "b.txt")] == ["ready", "ready"]
    assert container.store.count(docs["b.txt"]["id"]) == docs["b.txt"]["chunk_count"]
    _no_orphans(container)


def test_clear_removes_only_that_status_with_its_files(client, container, monkeypatch):
    kb = _kb(client)
    other = _kb(client, "other")
    _upload(client, kb, "a.txt")
    _upload(client, kb, "a-again.txt")
    _upload(client, other, "failed-elsewhere.txt", "")
    _settled(client, container, kb)
    failed = _fail_for_space(client, container, kb, "c.txt", monkeypatch)
    failed_file = _stored(container, failed["id"])
    assert failed_file.exists()
    elsewhere = _settled(client, container, other)["failed-elsewhere.txt"]
    assert elsewhere["status"] == "failed"

    assert client.delete(f"/api/kbs/{kb}/documents?status=failed").status_code == 204
    docs = _settled(client, container, kb)
    assert sorted(docs) == ["a-again.txt", "a.txt"]
    assert not failed_file.exists()
    assert _stored(container, docs["a.txt"]["id"]).exists()
    assert client.get(f"/api/kbs/{other}/documents/{elsewhere['id']}").status_code == 200

    assert client.delete(f"/api/kbs/{kb}/documents?status=duplicate").status_code == 204
    (ready,) = wait_documents(client, kb)
    assert ready["filename"] == "a.txt" and ready["status"] == "ready"
    assert container.store.count(ready["id"]) == ready["chunk_count"]
    _no_orphans(container)


def test_clear_with_a_status_it_cannot_clear_is_a_400(client):
    kb = _kb(client)
    for query in ("?status=ready", "?status=bogus", ""):
        answer = client.delete(f"/api/kbs/{kb}/documents{query}")
        assert answer.status_code == 400, query
        assert answer.json()["error"]["code"] == "invalid_status"
    assert client.delete("/api/kbs/nope/documents?status=failed").status_code == 404


def test_kb_counts_ready_and_failed_apart(client, container, monkeypatch):
    kb = _kb(client)
    _upload(client, kb, "a.txt")
    _upload(client, kb, "b.txt", SHORT)
    _upload(client, kb, "a-again.txt")
    _settled(client, container, kb)
    _fail_for_space(client, container, kb, "c.txt", monkeypatch)
    counts = client.get(f"/api/kbs/{kb}").json()
    assert (counts["document_count"], counts["ready_count"], counts["failed_count"]) == (3, 2, 1)
    listed = next(k for k in client.get("/api/kbs").json() if k["id"] == kb)
    assert listed["ready_count"] == 2 and listed["failed_count"] == 1


def test_a_cited_source_carries_its_files_date(client, container):
    kb = _kb(client)
    doc = _upload(client, kb, "keys.txt")
    imported = _settled(client, container, kb)["keys.txt"]["imported_at"]
    edited = "2025-11-03T08:00:00.000Z"
    for known, expected in ((None, imported), (edited, edited)):
        container.doc_repo.update(doc["id"], modified_at=known)
        answer = client.post("/api/chat", json={"question": "谁保管仓库的钥匙？", "kb_ids": [kb]})
        assert answer.status_code == 200, answer.text
        sources = answer.json()["sources"]
        assert sources and {s["modified_at"] for s in sources} == {expected}
        # The session keeps the date the answer was given with.
        session = client.get(f"/api/sessions/{answer.json()['session_id']}").json()
        assert {s["modified_at"] for s in session["messages"][-1]["sources"]} == {expected}


def test_the_list_keeps_its_order_when_a_document_is_reindexed(client, container):
    kb = _kb(client)
    names = ["c.txt", "a.txt", "b.txt"]
    for n, name in enumerate(names):
        _upload(client, kb, name, f"{SHORT} 第{n}份。")
    first = [d["id"] for d in wait_documents(client, kb)]
    assert [d["filename"] for d in wait_documents(client, kb)] == names
    client.post(f"/api/kbs/{kb}/documents/{first[0]}/reindex")
    assert [d["id"] for d in client.get(f"/api/kbs/{kb}/documents").json()] == first
    _settled(client, container, kb)
    assert [d["id"] for d in client.get(f"/api/kbs/{kb}/documents").json()] == first


def test_an_upload_keeps_the_files_own_time_when_sent(client):
    kb = _kb(client)
    sent = client.post(
        f"/api/kbs/{kb}/documents?modified_at=2026-03-02T09:30:00%2B01:00",
        files={"files": ("old.txt", SHORT.encode())},
    )
    assert sent.status_code == 202, sent.text
    assert sent.json()[0]["modified_at"] == "2026-03-02T08:30:00.000Z"
    plain = _upload(client, kb, "plain.txt", TEXT)
    assert plain["modified_at"] is None and plain["imported_at"]
    for bad in ("yesterday", "2026-03-02T09:30:00"):
        refused = client.post(
            f"/api/kbs/{kb}/documents?modified_at={bad}",
            files={"files": ("x.txt", b"x")},
        )
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "invalid_modified_at"
    assert len(wait_documents(client, kb)) == 2


def test_a_start_with_another_embedder_reindexes_the_kbs_indexed_with_the_old_one(tmp_path):
    data = tmp_path / "data"
    with _client(data) as (client, container):
        kb = _kb(client)
        other = _kb(client, "current")
        _upload(client, kb, "a.txt")
        _upload(client, other, "b.txt", SHORT)
        _settled(client, container, kb)
        _settled(client, container, other)
        container.db.execute(
            "UPDATE knowledge_bases SET embedder = 'older-model' WHERE id = ?", (kb,)
        )
        before = {d["id"]: d["updated_at"] for d in _rows(container, kb, other)}
    with _client(data) as (client, container):
        docs = _settled(client, container, kb)
        assert docs["a.txt"]["status"] == "ready"
        assert container.kb_repo.get(kb).embedder == container.embedder.name
        after = {d["id"]: d["updated_at"] for d in _rows(container, kb, other)}
        (a_id,) = (i for i in before if container.doc_repo.get(i).kb_id == kb)
        assert after[a_id] != before[a_id], "the old KB's document was imported again"
        assert {i: after[i] for i in after if i != a_id} == {
            i: before[i] for i in before if i != a_id
        }, "the KB already on this embedder was left alone"
        _no_orphans(container)


@contextlib.contextmanager
def _client(data: Path) -> Iterator[tuple[TestClient, Container]]:
    container = Container(make_settings(data))
    try:
        with TestClient(create_app(container), base_url="http://127.0.0.1", headers=AUTH) as c:
            yield c, container
    finally:
        container.close()


def _rows(container: Container, *kb_ids: str) -> list[dict[str, Any]]:
    return [
        {"id": d.id, "updated_at": d.updated_at}
        for kb_id in kb_ids
        for d in container.doc_repo.in_kb(kb_id)
    ]
