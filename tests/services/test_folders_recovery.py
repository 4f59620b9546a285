"""kill -9 while a linked folder's changed files are being re-imported, then restart:
nothing is lost, and each file ends as exactly one ready document holding its newest
content, with SQLite and Qdrant agreeing (no orphan points)."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from pathlib import Path

from backend.rag.vectors.factory import open_vector_store
from tests.conftest import LiveServer

FILES = 8


def _note(number: int, version: int) -> str:
    return "\n\n".join(
        f"第{number}号仓库第{line}段（版本{version}）："
        f"库存编号 SKU-{number:03d}-{line:03d}-V{version}，每周{version}补货。"
        f"Warehouse {number} version {version} restocks item {line}."
        for line in range(40)
    )


def _write_all(root: Path, version: int) -> None:
    for number in range(FILES):
        path = root / f"仓库/warehouse_{number}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_note(number, version), encoding="utf-8")
        stamp = time.time() + version  # a distinct mtime for each version
        os.utime(path, (stamp, stamp))


def _documents(server: LiveServer, kb_id: str) -> list[dict]:
    return list(server.client.get(f"/api/kbs/{kb_id}/documents").json())


def _wait(server: LiveServer, kb_id: str, done, timeout: float = 240) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        docs = _documents(server, kb_id)
        if done(docs):
            return docs
        time.sleep(0.2)
    raise AssertionError(f"never reached: {[(d['relative_path'], d['status']) for d in docs]}")


def _one_ready_per_file(docs: list[dict]) -> bool:
    paths = [d["relative_path"] for d in docs]
    return len(docs) == FILES == len(set(paths)) and all(d["status"] == "ready" for d in docs)


def test_kill_during_folder_resync_leaves_one_newest_document_per_file(tmp_path):
    root, data = tmp_path / "notes", tmp_path / "data"
    _write_all(root, 1)
    server = LiveServer(data)
    kb_id = server.client.post("/api/kbs", json={"name": "warehouses"}).json()["id"]
    linked = server.client.post(f"/api/kbs/{kb_id}/folders", json={"path": str(root)})
    assert linked.status_code == 201, linked.text
    _wait(server, kb_id, _one_ready_per_file)

    _write_all(root, 2)
    # Kill once the new versions are being imported beside the old ones.
    _wait(server, kb_id, lambda docs: len(docs) > FILES, timeout=60)
    server.stop(kill=True)
    with sqlite3.connect(data / "wowrag.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    restarted = LiveServer(data)
    try:
        docs = _wait(restarted, kb_id, _one_ready_per_file)
        for doc in docs:
            content = (root / doc["relative_path"]).read_bytes()
            assert doc["sha256"] == hashlib.sha256(content).hexdigest(), doc["relative_path"]
        answer = restarted.client.post(
            "/api/chat", json={"question": "SKU-005-007-V2 多久补货？", "kb_ids": [kb_id]}
        ).json()
        assert answer["sources"][0]["filename"] == "warehouse_5.md"
        assert all("版本1" not in s["text"] for s in answer["sources"])
    finally:
        restarted.stop()
    store = open_vector_store("edge", str(data / "qdrant"), 512)
    try:
        assert store.document_counts() == {d["id"]: d["chunk_count"] for d in docs}
    finally:
        store.close()
    assert len(list((data / "uploads").glob("*.bin"))) == FILES
