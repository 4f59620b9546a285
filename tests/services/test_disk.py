"""A full disk at each write site (the upload store, SQLite, Qdrant upserts, the flush):
the request answers 507 or the document fails with a reason a person can act on, nothing
half-written stays behind (no stored file without a document, no points of a document
that is not ready), what was ready stays ready, and the import picks up again once there
is room. ENOSPC is injected at the write; the stores themselves are real."""

from __future__ import annotations

import errno
import sqlite3
import time
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from backend.app import create_app
from backend.container import Container
from backend.services.disk import DISK_FULL, DiskSpace
from backend.services.ingest_recovery import recover
from backend.services.model_files import ModelUpload
from backend.store.disk_full import is_disk_full
from backend.store.models import DocumentStatus
from tests.conftest import AUTH, read_sse, wait_documents

TEXT = "\n\n".join(
    f"第{n}条：仓库{n}的钥匙由值班员保管，借用需登记。Key {n} is kept by the duty officer."
    for n in range(40)
)
EDGE_FULL = Exception(
    "Service runtime error: Failed to save structure on disk with error:"
    " No space left on device (os error 28)"
)
SQLITE_FULL = sqlite3.OperationalError("database or disk is full")


def _kb(client: Any, name: str = "keys") -> str:
    return str(client.post("/api/kbs", json={"name": name}).json()["id"])


def _upload(client: Any, kb: str, name: str, text: str = TEXT) -> Any:
    return client.post(f"/api/kbs/{kb}/documents", files={"files": (name, text.encode())})


def _stored_files(container: Container) -> set[str]:
    return {p.name for p in container.paths.uploads.glob("*.bin")}


def _assert_consistent(container: Container) -> None:
    """Points only for ready documents, each with all its chunks; every stored file named."""
    assert not container.doc_repo.unfinished(), "a document was left unfinished"
    ready = {
        doc_id: container.doc_repo.get(doc_id).chunk_count
        for doc_id in container.doc_repo.ids_by_status(DocumentStatus.READY)
    }
    assert container.store.document_counts() == ready
    assert _stored_files(container) <= container.doc_repo.all_stored_names()


def _settled(client: Any, container: Container, kb: str) -> list[dict[str, Any]]:
    """The documents once the pipeline is done with them: a document is ready before its
    flush, and failed after it when the flush meets a full disk."""
    wait_documents(client, kb)
    deadline = time.monotonic() + 30
    while not container.ingest.idle() and time.monotonic() < deadline:
        time.sleep(0.05)
    return wait_documents(client, kb)


def _failing(real: Callable[..., Any], error: Exception, after_real: bool) -> Callable[..., Any]:
    """`real`, but the write meets a full disk (after it wrote, when `after_real`)."""

    def write(*args: Any, **kwargs: Any) -> Any:
        if after_real:
            real(*args, **kwargs)
        raise error

    return write


def test_disk_full_errors_are_recognised_from_every_writer():
    assert is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    assert is_disk_full(SQLITE_FULL)
    assert is_disk_full(EDGE_FULL)
    wrapped = RuntimeError("flush failed")
    wrapped.__cause__ = OSError(errno.ENOSPC, "full")
    assert is_disk_full(wrapped)
    assert not is_disk_full(OSError(errno.EACCES, "Permission denied"))
    assert not is_disk_full(sqlite3.OperationalError("no such table: x"))


def test_upload_below_the_margin_is_refused_with_507(client, container):
    kb = _kb(client)
    container.disk.min_free_bytes = container.disk.free() + (5 << 30)
    answer = _upload(client, kb, "keys.txt")
    assert answer.status_code == 507
    error = answer.json()["error"]
    assert error["code"] == "insufficient_storage"
    assert error["message"].startswith(DISK_FULL) and " MB " in error["message"]
    assert client.get(f"/api/kbs/{kb}/documents").json() == []
    assert _stored_files(container) == set()
    info = client.get("/api/info").json()["disk"]
    assert info["full"] and info["low"] and info["free_bytes"] > 0


def test_enospc_in_the_upload_store_keeps_no_file(client, container, monkeypatch):
    kb = _kb(client)
    real_writer = container.uploads.writer

    def writer() -> Any:
        made = real_writer()
        made._out.write = _failing(made._out.write, OSError(errno.ENOSPC, "full"), False)
        return made

    monkeypatch.setattr(container.uploads, "writer", writer)
    answer = _upload(client, kb, "keys.txt")
    assert answer.status_code == 507, answer.text
    assert answer.json()["error"]["code"] == "insufficient_storage"
    assert _stored_files(container) == set()
    assert client.get(f"/api/kbs/{kb}/documents").json() == []


def test_sqlite_full_while_accepting_keeps_no_file(client, container, monkeypatch):
    kb = _kb(client)
    real = container.doc_repo.create
    monkeypatch.setattr(container.doc_repo, "create", _failing(real, SQLITE_FULL, False))
    answer = _upload(client, kb, "keys.txt")
    assert answer.status_code == 507, answer.text
    assert _stored_files(container) == set()
    monkeypatch.setattr(container.doc_repo, "create", real)
    assert _upload(client, kb, "keys.txt").status_code == 202  # room again: it works


@pytest.mark.parametrize("site", ["upsert", "flush"])
def test_qdrant_full_fails_the_document_and_leaves_no_orphan_points(
    client, container, monkeypatch, site
):
    kb = _kb(client)
    _upload(client, kb, "first.txt", TEXT.replace("钥匙", "门禁卡"))
    # Settled, flushed: a flush the disk refuses fails what only the log holds, and the
    # first document must not be among them.
    (first,) = _settled(client, container, kb)
    assert first["status"] == "ready"
    real = getattr(container.store, site)
    # The write goes through and then fails: points exist that must not stay.
    monkeypatch.setattr(container.store, site, _failing(real, EDGE_FULL, True))
    _upload(client, kb, "second.txt")
    docs = {d["filename"]: d for d in _settled(client, container, kb)}
    assert docs["second.txt"]["status"] == "failed"
    assert docs["second.txt"]["error"].startswith(DISK_FULL)
    assert docs["first.txt"]["status"] == "ready"
    monkeypatch.setattr(container.store, site, real)
    _assert_consistent(container)
    assert container.store.count(docs["second.txt"]["id"]) == 0
    assert container.store.count(first["id"]) == first["chunk_count"]

    # Room again: Retry imports it.
    second = docs["second.txt"]
    retried = client.post(f"/api/kbs/{kb}/documents/{second['id']}/reindex")
    assert retried.status_code == 202 and retried.json()["status"] == "queued"
    assert {d["status"] for d in wait_documents(client, kb)} == {"ready"}
    _assert_consistent(container)


def test_a_document_refused_for_space_is_queued_again_after_a_delete(
    client, container, monkeypatch
):
    kb = _kb(client)
    _upload(client, kb, "old.txt", TEXT.replace("钥匙", "门禁卡"))
    (old,) = wait_documents(client, kb)
    # The disk fills between the upload and the import: the import looks and refuses.
    tight = DiskSpace(container.paths.root, container.disk.free() + (5 << 30), 0)
    monkeypatch.setattr(container.ingest.pipeline, "disk", tight)
    assert _upload(client, kb, "new.txt").status_code == 202
    docs = {d["filename"]: d for d in wait_documents(client, kb)}
    assert docs["new.txt"]["status"] == "failed"
    assert docs["new.txt"]["error"].startswith(DISK_FULL)
    _assert_consistent(container)
    # The user frees space by deleting a document: the refused one is imported by itself.
    monkeypatch.setattr(container.ingest.pipeline, "disk", container.disk)
    assert client.delete(f"/api/kbs/{kb}/documents/{old['id']}").status_code == 204
    (new,) = wait_documents(client, kb)
    assert new["filename"] == "new.txt" and new["status"] == "ready"
    _assert_consistent(container)


def test_chat_answers_when_the_history_cannot_be_saved(client, container, monkeypatch):
    kb = _kb(client)
    _upload(client, kb, "keys.txt")
    wait_documents(client, kb)
    db = container.session_repo.db
    real_execute, real_transaction = db.execute, db.transaction

    def execute(sql: str, params: Any = ()) -> int:
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE")):
            raise SQLITE_FULL
        return int(real_execute(sql, params))

    def transaction() -> Any:
        raise SQLITE_FULL

    monkeypatch.setattr(db, "execute", execute)
    monkeypatch.setattr(db, "transaction", transaction)
    with client.stream(
        "POST", "/api/chat/stream", json={"question": "仓库7的钥匙由谁保管？", "kb_ids": [kb]}
    ) as answer:
        assert answer.status_code == 200
        events = read_sse(answer.iter_lines())
    names = [e["event"] for e in events]
    assert "warning" in names and "error" not in names, names
    warning = next(e for e in events if e["event"] == "warning")
    assert warning["code"] == "history_not_saved" and warning["message"]
    done = next(e for e in events if e["event"] == "done")
    assert "值班员" in done["answer"]
    monkeypatch.setattr(db, "execute", real_execute)
    monkeypatch.setattr(db, "transaction", real_transaction)
    whole = client.post("/api/chat", json={"question": "仓库3的钥匙由谁保管？"})
    assert whole.status_code == 200


def test_kbs_report_the_space_they_take(client, container):
    kb = _kb(client)
    empty = client.get(f"/api/kbs/{kb}").json()
    assert empty["storage_bytes"] == 0
    _upload(client, kb, "keys.txt")
    wait_documents(client, kb)
    (listed,) = client.get("/api/kbs").json()
    assert listed["storage_bytes"] > len(TEXT.encode())  # the file and its vectors


def test_a_model_import_on_a_full_disk_is_refused_and_leaves_no_part_file(
    client, container, monkeypatch
):
    model = b"GGUF" + (3).to_bytes(4, "little") + bytes(3 << 20)
    real_open = ModelUpload.open

    def open_failing(self: ModelUpload, filename: str) -> ModelUpload:
        opened = real_open(self, filename)
        assert self._out is not None
        self._out.write = _failing(self._out.write, OSError(errno.ENOSPC, "full"), False)
        return opened

    monkeypatch.setattr(ModelUpload, "open", open_failing)
    answer = client.post("/api/llm/models/import", files={"file": ("m.gguf", model)})
    assert answer.status_code == 507, answer.text
    assert answer.json()["error"]["code"] == "insufficient_storage"
    assert list(container.paths.models.iterdir()) == []
    monkeypatch.setattr(ModelUpload, "open", real_open)
    container.disk.min_free_bytes = container.disk.free() + (5 << 30)
    answer = client.post("/api/llm/models/import", files={"file": ("m.gguf", model)})
    assert answer.status_code == 507
    assert list(container.paths.models.iterdir()) == []


def test_sqlite_refusing_even_the_failure_record_never_stops_the_import(
    client, container, monkeypatch
):
    kb = _kb(client)
    real = container.doc_repo.update
    monkeypatch.setattr(container.doc_repo, "update", _failing(real, SQLITE_FULL, False))
    assert _upload(client, kb, "stuck.txt").status_code == 202
    deadline = time.monotonic() + 30
    while not container.ingest.idle() and time.monotonic() < deadline:
        time.sleep(0.05)
    monkeypatch.setattr(container.doc_repo, "update", real)
    # Room again: the next upload wakes the worker, which first records the failure.
    assert _upload(client, kb, "next.txt", TEXT.replace("钥匙", "门禁卡")).status_code == 202
    docs = {d["filename"]: d for d in _settled(client, container, kb)}
    assert docs["stuck.txt"]["status"] == "failed"
    assert docs["stuck.txt"]["error"].startswith(DISK_FULL)
    assert docs["next.txt"]["status"] == "ready"
    _assert_consistent(container)


def test_deleting_a_kb_on_a_disk_too_full_for_its_rows_removes_its_files_first(
    client, container, monkeypatch
):
    kb = _kb(client)
    _upload(client, kb, "keys.txt")
    (doc,) = _settled(client, container, kb)
    stored = container.doc_repo.get(doc["id"]).stored_name
    real = container.kb_repo.delete
    calls: list[bool] = []

    def delete_when_files_are_gone(kb_id: str) -> None:
        calls.append(container.uploads.path(stored).exists())
        if calls[-1]:  # SQLite finds no room until the knowledge base's files are gone
            raise SQLITE_FULL
        real(kb_id)

    monkeypatch.setattr(container.kb_repo, "delete", delete_when_files_are_gone)
    assert client.delete(f"/api/kbs/{kb}").status_code == 204
    assert calls == [True, False]
    assert client.get(f"/api/kbs/{kb}").status_code == 404
    _assert_consistent(container)


def test_a_kb_delete_the_vector_store_refuses_is_finished_at_the_next_start(
    client, container, monkeypatch
):
    kb = _kb(client)
    _upload(client, kb, "keys.txt")
    (doc,) = _settled(client, container, kb)
    real = container.store.delete_kb
    monkeypatch.setattr(container.store, "delete_kb", _failing(real, EDGE_FULL, False))
    assert client.delete(f"/api/kbs/{kb}").status_code == 204
    assert client.get(f"/api/kbs/{kb}").status_code == 404
    assert container.store.count(doc["id"]) == doc["chunk_count"]  # the log had no room
    monkeypatch.setattr(container.store, "delete_kb", real)
    recover(container.ingest.pipeline)  # what the next start runs
    assert container.store.count(doc["id"]) == 0
    _assert_consistent(container)


def test_a_write_that_meets_a_full_disk_anywhere_answers_507_not_500(container, monkeypatch):
    # As a person's client sees it: the server's error, not the exception the test client
    # would raise.
    app = create_app(container)
    with TestClient(
        app, base_url="http://127.0.0.1", headers=AUTH, raise_server_exceptions=False
    ) as client:
        kb = _kb(client)
        real = container.kb_repo.update
        monkeypatch.setattr(container.kb_repo, "update", _failing(real, SQLITE_FULL, False))
        answer = client.patch(f"/api/kbs/{kb}", json={"name": "renamed"})
    assert answer.status_code == 507, answer.text
    assert answer.json()["error"]["code"] == "insufficient_storage"
