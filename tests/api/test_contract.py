"""Each row of API.md's contract, against the real app (TestClient) on a temp data dir."""

from __future__ import annotations

import pytest

from tests.conftest import AUTH, read_sse, wait_documents


def _kb(client, name="docs"):
    answer = client.post("/api/kbs", json={"name": name})
    assert answer.status_code == 201, answer.text
    return answer.json()


def _upload(client, kb_id, name, data):
    answer = client.post(f"/api/kbs/{kb_id}/documents", files={"files": (name, data)})
    assert answer.status_code == 202, answer.text
    return answer.json()


def _error(answer, status, code=None):
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    if code:
        assert body["error"]["code"] == code
    return body["error"]


# -- knowledge bases ---------------------------------------------------------------------------
def test_kb_lifecycle(client):
    kb = _kb(client, "Handbooks")
    assert set(kb) == {
        "id",
        "name",
        "description",
        "created_at",
        "document_count",
        "ready_count",
        "failed_count",
        "chunk_count",
        "storage_bytes",
    }
    assert [k["name"] for k in client.get("/api/kbs").json()] == ["Handbooks"]
    _error(client.post("/api/kbs", json={"name": "Handbooks"}), 409)
    renamed = client.patch(f"/api/kbs/{kb['id']}", json={"name": "手册", "description": "d"})
    assert renamed.json()["name"] == "手册" and renamed.json()["description"] == "d"
    assert client.delete(f"/api/kbs/{kb['id']}").status_code == 204
    assert client.get("/api/kbs").json() == []
    _error(client.patch(f"/api/kbs/{kb['id']}", json={"name": "x"}), 404)


@pytest.mark.parametrize("body", [{"name": ""}, {"name": "x" * 101}, {"name": "   "}, {}])
def test_kb_name_bounds(client, body):
    _error(client.post("/api/kbs", json=body), 422)


def test_delete_kb_removes_documents_vectors_and_files(client, container):
    kb = _kb(client)
    _upload(client, kb["id"], "a.txt", b"The orbit kettle boils water in 90 seconds.")
    wait_documents(client, kb["id"])
    assert container.store.count() > 0
    assert any(container.paths.uploads.iterdir())
    assert client.delete(f"/api/kbs/{kb['id']}").status_code == 204
    assert container.store.count() == 0
    assert not any(container.paths.uploads.iterdir())
    _error(client.get(f"/api/kbs/{kb['id']}/documents"), 404)


# -- documents ---------------------------------------------------------------------------------
def test_document_import_duplicate_and_delete(client, container):
    kb = _kb(client)
    data = b"# Rules\nBooks can be borrowed for 21 days.\n"
    docs = _upload(client, kb["id"], "rules.md", data)
    assert docs[0]["status"] == "queued" and docs[0]["progress"] == 0
    assert set(docs[0]) == {
        "id",
        "kb_id",
        "filename",
        "size",
        "sha256",
        "status",
        "progress",
        "error",
        "chunk_count",
        "pages",
        "created_at",
        "imported_at",
        "modified_at",
        "folder_id",
        "relative_path",
    }
    assert docs[0]["folder_id"] is None and docs[0]["imported_at"] == docs[0]["created_at"]
    wait_documents(client, kb["id"])
    twin = _upload(client, kb["id"], "copy.md", data)[0]
    assert twin["status"] == "duplicate"
    doc = client.get(f"/api/kbs/{kb['id']}/documents/{docs[0]['id']}").json()
    assert doc["status"] == "ready" and doc["progress"] == 1 and doc["chunk_count"] >= 1
    assert client.get("/api/kbs").json()[0]["document_count"] == 1
    assert container.store.count(doc["id"]) == doc["chunk_count"]
    assert client.delete(f"/api/kbs/{kb['id']}/documents/{doc['id']}").status_code == 204
    assert container.store.count(doc["id"]) == 0
    _error(client.get(f"/api/kbs/{kb['id']}/documents/{doc['id']}"), 404)


def test_bad_file_is_failed_with_a_reason(client):
    kb = _kb(client)
    _upload(client, kb["id"], "fake.pdf", b"MZ\x90\x00 this is not a pdf at all")
    _upload(client, kb["id"], "empty.txt", b"")
    docs = wait_documents(client, kb["id"])
    assert [d["status"] for d in docs] == ["failed", "failed"]
    assert all(d["error"] and "Traceback" not in d["error"] for d in docs)


def test_upload_needs_files(client):
    kb = _kb(client)
    _error(client.post(f"/api/kbs/{kb['id']}/documents", data={"x": "1"}), 422)
    _error(client.post("/api/kbs/nope/documents", files={"files": ("a.txt", b"x")}), 404)


# -- chat --------------------------------------------------------------------------------------
@pytest.fixture
def library(client):
    kb = _kb(client, "library")
    _upload(
        client,
        kb["id"],
        "city_library.md",
        (
            b"# City Library\n## Loans\nBooks can be borrowed for 21 days.\n\n"
            b"## Renewals\nA loan can be renewed twice online, unless the book is reserved.\n\n"
            b"## Fees\nLate returns cost 0.50 dollars per day.\n"
        ),
    )
    _upload(
        client,
        kb["id"],
        "garden.md",
        (
            b"# Garden club\nTomatoes need six hours of sun a day.\n\n"
            b"Water the roses early in the morning.\n"
        ),
    )
    wait_documents(client, kb["id"])
    return kb


def _ask(client, body):
    with client.stream("POST", "/api/chat/stream", json=body) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        return read_sse(answer.iter_lines())


def test_chat_stream_event_sequence(client, library):
    events = _ask(client, {"question": "How long can I borrow a book?"})
    names = [e["event"] for e in events]
    assert names[0] == "session" and names[1] == "sources" and names[-1] == "done"
    assert set(names[2:-1]) == {"token"} and len(names) > 5
    assert all(e["type"] == e["event"] for e in events)
    source = events[1]["sources"][0]
    required = {"index", "kb_id", "doc_id", "filename", "page", "text", "score"}
    assert required <= set(source) <= required | {"heading", "modified_at"}
    assert source["filename"] == "city_library.md" and source["index"] == 1
    done = events[-1]
    assert "21 days" in done["answer"]
    assert done["answer"] == "".join(e["delta"] for e in events if e["event"] == "token")
    assert done["citations"] == [1]
    assert set(done["timings"]) >= {"retrieval_ms", "first_token_ms", "total_ms"}


def test_follow_up_uses_the_earlier_turn(client, library):
    first = _ask(client, {"question": "How long can I borrow a book?"})
    session_id = first[0]["session_id"]
    follow = _ask(client, {"question": "Can I renew it?", "session_id": session_id})
    assert follow[0]["session_id"] == session_id
    assert follow[1]["sources"][0]["filename"] == "city_library.md"
    assert "renewed twice" in follow[-1]["answer"]


def test_nothing_relevant_says_so_in_the_question_language(client, library):
    zh = _ask(client, {"question": "量子计算机的退相干时间是多少？"})[-1]["answer"]
    en = _ask(client, {"question": "What is the decoherence time of a quantum computer?"})
    assert "没有找到" in zh
    assert "could not find" in en[-1]["answer"]


def test_chat_bounds_and_unknown_ids(client, library):
    _error(client.post("/api/chat/stream", json={"question": ""}), 422)
    _error(client.post("/api/chat/stream", json={"question": "x" * 10_001}), 422)
    _error(client.post("/api/chat/stream", json={"question": "x", "top_k": 51}), 422)
    _error(client.post("/api/chat/stream", json={"question": "x", "top_k": 0}), 422)
    _error(client.post("/api/chat/stream", json={"question": "x", "session_id": "nope"}), 404)
    _error(client.post("/api/chat/stream", json={"question": "x", "kb_ids": ["nope"]}), 404)


def test_chat_once_and_plain_text_stream(client, library):
    body = client.post("/api/chat", json={"question": "What do late returns cost?"}).json()
    assert set(body) == {"session_id", "answer", "sources"} and "0.50" in body["answer"]
    answer = client.get("/stream_chat", params={"param": "How long can I borrow a book?"})
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert "21 days" in answer.text


def test_kb_scope_limits_sources(client, library):
    other = _kb(client, "other")
    _upload(client, other["id"], "loans.md", b"Bikes can be borrowed for 3 days.")
    wait_documents(client, other["id"])
    events = _ask(client, {"question": "How long can I borrow a bike?", "kb_ids": [other["id"]]})
    assert {s["kb_id"] for s in events[1]["sources"]} == {other["id"]}


# -- sessions ----------------------------------------------------------------------------------
def test_sessions_history_rename_export_delete(client, library):
    first = _ask(client, {"question": "How long can I borrow a book?"})[0]["session_id"]
    second = _ask(client, {"question": "What do late returns cost?"})[0]["session_id"]
    listed = client.get("/api/sessions").json()
    assert [s["id"] for s in listed] == [second, first]
    detail = client.get(f"/api/sessions/{first}").json()
    assert [m["role"] for m in detail["messages"]] == ["user", "assistant"]
    assistant = detail["messages"][1]
    assert assistant["status"] == "done" and assistant["sources"][0]["index"] == 1
    renamed = client.patch(f"/api/sessions/{first}", json={"title": "借书"}).json()
    assert renamed["title"] == "借书"
    export = client.get(f"/api/sessions/{first}/export")
    assert export.headers["content-type"].startswith("text/markdown")
    assert "21 days" in export.text and "city_library.md" in export.text
    assert client.delete(f"/api/sessions/{first}").status_code == 204
    _error(client.get(f"/api/sessions/{first}"), 404)


# -- settings ----------------------------------------------------------------------------------
def test_settings_partial_update_and_masked_key(client):
    initial = client.get("/api/settings").json()
    assert initial["llm"]["provider"] == "extractive"
    assert initial["retrieval"] == {"top_k": 5, "hybrid": True}
    updated = client.put(
        "/api/settings",
        json={
            "llm": {
                "provider": "openai_compatible",
                "base_url": "http://127.0.0.1:11434/v1",
                "model": "qwen2.5:7b",
                "api_key": "sk-secret-123",
            }
        },
    ).json()
    assert updated["llm"]["api_key"] != "sk-secret-123" and updated["llm"]["api_key"]
    assert "sk-secret-123" not in client.get("/api/settings").text
    client.put("/api/settings", json={"retrieval": {"top_k": 8}})
    again = client.get("/api/settings").json()
    assert again["retrieval"]["top_k"] == 8 and again["llm"]["model"] == "qwen2.5:7b"
    moved = client.put("/api/settings", json={"llm": {"base_url": "https://other.example/v1"}})
    assert moved.json()["llm"]["api_key"] == ""
    _error(client.put("/api/settings", json={"llm": {"provider": "magic"}}), 422)
    client.put("/api/settings", json={"llm": {"provider": "extractive"}})


# -- auth and origin ---------------------------------------------------------------------------
def test_token_rules(client):
    bare = {"Authorization": ""}
    _error(client.get("/api/kbs", headers=bare), 401, "unauthorized")
    _error(client.get("/api/kbs", headers={"Authorization": "Bearer wrong"}), 401)
    assert client.get("/api/kbs", headers=bare, params={"token": "test-token"}).status_code == 200
    login = client.get("/?token=test-token", headers=bare, follow_redirects=False)
    assert login.status_code in (302, 303) and login.headers["location"] == "/"
    cookie = login.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert (
        client.get(
            "/api/kbs", headers={"Authorization": "", "Cookie": cookie.split(";")[0]}
        ).status_code
        == 200
    )
    assert client.get("/api/health", headers=bare).status_code == 200
    assert client.get("/", headers=bare).status_code == 200


def test_host_and_origin_rules(client):
    _error(client.get("/api/kbs", headers={"Host": "evil.example:8000"}), 403)
    assert client.get("/api/kbs", headers={"Host": "localhost:8000"}).status_code == 200
    for origin in ("null", "http://evil.example"):
        _error(client.post("/api/kbs", json={"name": "x"}, headers={"Origin": origin}), 403)
    ok = client.post("/api/kbs", json={"name": "y"}, headers={"Origin": "http://127.0.0.1"})
    assert ok.status_code == 201


def test_unknown_route_and_method_are_json(client):
    _error(client.get("/api/nothing-here"), 404)
    _error(client.put("/api/kbs", headers=AUTH), 405)


def test_model_file_chosen_in_settings_is_copied_into_the_data_dir(client, container, tmp_path):
    from tests.fakes import write_tiny_gguf

    source = write_tiny_gguf(tmp_path / "tiny.gguf")
    answer = client.put("/api/settings", json={"llm": {"model_path": str(source)}})
    saved = answer.json()["llm"]["model_path"]
    assert saved.startswith(str(container.paths.models)) and saved.endswith(".gguf")
    _error(
        client.put("/api/settings", json={"llm": {"model_path": str(tmp_path / "no.gguf")}}), 404
    )
    (tmp_path / "fake.gguf").write_bytes(b"not a model")
    _error(
        client.put("/api/settings", json={"llm": {"model_path": str(tmp_path / "fake.gguf")}}), 415
    )
