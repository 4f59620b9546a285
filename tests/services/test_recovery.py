"""kill -9 in the middle of work, then restart: nothing a user imported is lost, SQLite is
intact, Qdrant and SQLite agree, and a half-streamed answer is kept as stopped."""

from __future__ import annotations

import json
import sqlite3
import time

from backend.rag.vectors.factory import open_vector_store
from tests.conftest import LiveServer, wait_documents
from tests.fakes import served_llm


def _files(count: int) -> list[tuple[str, bytes]]:
    files = []
    for number in range(count):
        body = "\n\n".join(
            f"第{number}号文档第{line}段：仓库{number}的库存编号为 SKU-{number:03d}-{line:03d}，"
            f"每周一补货一次。Warehouse {number} restocks item {line} every Monday."
            for line in range(60)
        )
        files.append((f"warehouse_{number}.txt", body.encode()))
    return files


def test_kill_during_import_then_restart_recovers(tmp_path):
    data_dir = tmp_path / "data"
    server = LiveServer(data_dir)
    kb = server.client.post("/api/kbs", json={"name": "warehouses"}).json()
    for name, data in _files(12):
        server.client.post(f"/api/kbs/{kb['id']}/documents", files={"files": (name, data)})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        statuses = [d["status"] for d in server.client.get(f"/api/kbs/{kb['id']}/documents").json()]
        if "ready" in statuses:
            break
        time.sleep(0.05)
    assert "queued" in statuses or "embedding" in statuses or "parsing" in statuses
    server.stop(kill=True)

    with sqlite3.connect(data_dir / "wowrag.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    restarted = LiveServer(data_dir)
    try:
        docs = wait_documents(restarted.client, kb["id"], timeout=240)
        assert len(docs) == 12
        assert all(d["status"] == "ready" for d in docs), [d["status"] for d in docs]
        answer = restarted.client.post(
            "/api/chat", json={"question": "仓库7的库存编号 SKU-007-011 多久补货？"}
        ).json()
        assert answer["sources"][0]["filename"] == "warehouse_7.txt"
    finally:
        restarted.stop()
    store = open_vector_store("edge", str(data_dir / "qdrant"), 512)
    try:
        assert set(store.document_counts()) == {d["id"] for d in docs}
        for doc in docs:
            assert store.count(doc["id"]) == doc["chunk_count"]
    finally:
        store.close()


def test_kill_during_stream_keeps_partial_answer(tmp_path):
    data_dir = tmp_path / "data"
    with served_llm() as fake:
        fake.reset(tokens=[f"第{i}段 " for i in range(200)], delay_s=0.02)
        server = LiveServer(data_dir)
        kb = server.client.post("/api/kbs", json={"name": "k"}).json()
        server.client.post(
            f"/api/kbs/{kb['id']}/documents",
            files={"files": ("rules.txt", "员工每年可以申请两次培训补贴。".encode())},
        )
        wait_documents(server.client, kb["id"])
        server.client.put("/api/settings", json={"llm": fake.settings()})
        session_id = None
        with server.client.stream(
            "POST", "/api/chat/stream", json={"question": "培训补贴规定是什么？"}
        ) as answer:
            for line in answer.iter_lines():
                if '"session_id"' in line and session_id is None:
                    session_id = json.loads(line[5:])["session_id"]
                if '"token"' in line:
                    time.sleep(1.5)  # past the first checkpoint of the partial answer
                    break
            server.stop(kill=True)
    restarted = LiveServer(data_dir)
    try:
        session = restarted.client.get(f"/api/sessions/{session_id}").json()
        user, assistant = session["messages"]
        assert user["role"] == "user" and user["content"] == "培训补贴规定是什么？"
        assert assistant["role"] == "assistant" and assistant["status"] == "stopped"
        assert assistant["content"].startswith("第0段"), assistant["content"]
    finally:
        restarted.stop()
