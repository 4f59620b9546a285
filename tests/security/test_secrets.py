"""The API key never leaves: not in answers, exports, error messages or the server's output;
it is stored owner-only, and it does not follow a change of the model server's host."""

from __future__ import annotations

import os
import stat

import pytest

from tests.conftest import read_sse, wait_documents
from tests.fakes import served_llm
from tests.security.conftest import HostileServer

KEY = "sk-wowrag-S3CRET-7f3a9c-key"


def _texts(server: HostileServer, kb: str, base_url: str) -> list[str]:
    """The text of every answer a client can get while the key is set and failing."""
    client = server.client
    llm = {"provider": "openai_compatible", "base_url": base_url, "model": "fake-model"}
    answers = [
        client.get("/api/settings"),
        client.get("/api/info"),
        client.get("/api/llm/presets"),
        client.get("/api/llm/model-files"),
        client.post("/api/llm/models", json=llm),
        client.post("/api/llm/test", json=llm),
        client.post("/api/chat", json={"question": "When is the audit?"}),
        client.get("/stream_chat", params={"param": "When is the audit?"}),
        client.get("/v1/models"),
        client.post(
            "/v1/chat/completions",
            json={"model": "wow-rag", "messages": [{"role": "user", "content": "audit?"}]},
        ),
        client.post(
            "/v1/chat/completions",
            json={
                "model": "wow-rag",
                "stream": True,
                "messages": [{"role": "user", "content": "audit?"}],
            },
        ),
        client.get(f"/api/kbs/{kb}/documents"),
    ]
    texts = [a.text for a in answers]
    with client.stream(
        "POST", "/api/chat/stream", json={"question": "When is the audit?"}
    ) as stream:
        events = read_sse(stream.iter_lines())
        texts.append(str(events))
    assert events[-1]["event"] == "error", events
    for session in client.get("/api/sessions").json():
        texts.append(client.get(f"/api/sessions/{session['id']}").text)
        texts.append(client.get(f"/api/sessions/{session['id']}/export").text)
    return texts


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_the_key_never_leaks_and_stays_with_its_host(tmp_path):
    with served_llm() as fake:
        # A server that echoes the key in its error, as some real ones do.
        fake.reset(status=401, error=f"Incorrect API key provided: {KEY}")
        server = HostileServer(tmp_path)
        try:
            kb = server.client.post("/api/kbs", json={"name": "audits"}).json()["id"]
            server.client.post(
                f"/api/kbs/{kb}/documents",
                files={"files": ("audit.txt", b"The audit takes place every March.")},
            )
            wait_documents(server.client, kb)
            saved = server.client.put("/api/settings", json={"llm": fake.settings(api_key=KEY)})
            assert saved.status_code == 200 and KEY not in saved.text
            texts = _texts(server, kb, fake.url + "/v1")
            sent = {r.headers.get("authorization") for r in fake.requests}
            assert f"Bearer {KEY}" in sent, "the key did reach its own server"
            for text in texts:
                assert KEY not in text

            # Another host: the key stays behind.
            other = fake.url.replace("127.0.0.1", "localhost") + "/v1"
            moved = server.client.put("/api/settings", json={"llm": {"base_url": other}})
            assert moved.json()["llm"]["api_key"] == ""
            fake.requests.clear()
            server.client.post("/api/chat", json={"question": "When is the audit?"})
            assert fake.requests, "the answer went to the new host"
            assert all("authorization" not in r.headers for r in fake.requests)
        finally:
            server.stop()
        assert KEY not in server.output()
        data = server.data_dir
        database = data / "wowrag.sqlite3"
        for path in (database, database.with_name(database.name + "-wal")):
            if path.exists():
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        uploads = list((data / "uploads").iterdir())
        assert uploads and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in uploads)
        for path in data.rglob("*"):
            if path.is_file() and not path.name.startswith("wowrag.sqlite3"):
                assert KEY.encode() not in path.read_bytes(), path
