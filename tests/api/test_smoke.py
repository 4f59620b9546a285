"""The first path a user takes: create a KB, import a file, ask, get a cited answer."""

from __future__ import annotations

from tests.conftest import read_sse, wait_documents


def test_health_is_open(client):
    answer = client.get("/api/health", headers={"Authorization": ""})
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


def test_import_and_ask_in_chinese(client):
    kb = client.post("/api/kbs", json={"name": "手册"}).json()
    text = "# Acme 员工手册\n## 年假\nAcme 员工每年享有带薪年假十五天。\n"
    files = {"files": ("acme.md", text.encode())}
    assert client.post(f"/api/kbs/{kb['id']}/documents", files=files).status_code == 202
    docs = wait_documents(client, kb["id"])
    assert docs[0]["status"] == "ready", docs
    with client.stream("POST", "/api/chat/stream", json={"question": "年假有几天？"}) as answer:
        events = read_sse(answer.iter_lines())
    names = [e["event"] for e in events]
    assert names[0] == "session" and names[1] == "sources" and names[-1] == "done"
    assert "十五天" in events[-1]["answer"] and events[-1]["citations"] == [1]
