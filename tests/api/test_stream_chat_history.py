"""The address-bar demo (`/stream_chat?param=...`) answers without filling the history."""

from __future__ import annotations

from tests.conftest import wait_documents


def test_address_bar_answer_adds_no_conversation(client):
    kb = client.post("/api/kbs", json={"name": "loans"}).json()
    files = {"files": ("loans.md", b"# Loans\n\nBooks can be borrowed for 21 days.")}
    client.post(f"/api/kbs/{kb['id']}/documents", files=files)
    wait_documents(client, kb["id"])
    for _ in range(2):
        answer = client.get("/stream_chat", params={"param": "How long can I borrow a book?"})
        assert answer.status_code == 200 and "21 days" in answer.text
    assert client.get("/api/sessions").json() == []
    # A conversation of the app itself is still kept.
    client.post("/api/chat", json={"question": "How long can I borrow a book?"})
    assert len(client.get("/api/sessions").json()) == 1
