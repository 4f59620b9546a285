"""The settings screen's helpers: presets, a server's models, the connection test, local
server discovery (loopback only) and GGUF model files copied into the data dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import read_sse, wait_documents
from tests.fakes import dead_url, served_app

KEY = "sk-catalog-secret"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[served_app]:
    with served_app(Path(tmp_path_factory.mktemp("catalog"))) as served:
        yield served


@pytest.fixture
def client(app: served_app) -> httpx.Client:
    return app.client


@pytest.fixture
def container(app: served_app):  # type: ignore[no-untyped-def]
    return app.container


def test_presets(client):
    presets = {p["id"]: p for p in client.get("/api/llm/presets").json()}
    assert presets["ollama"]["base_url"] == "http://127.0.0.1:11434/v1"
    assert presets["dashscope"]["base_url"] == "https://dashscope.aliyuncs.com/compatible-mode/v1"
    assert presets["deepseek"]["needs_key"] and not presets["lmstudio"]["needs_key"]
    assert set(presets) == {
        "ollama",
        "lmstudio",
        "llamacpp",
        "vllm",
        "deepseek",
        "dashscope",
        "openai",
    }


def test_models_use_the_saved_key_only_for_its_own_host(client, upstream):
    upstream.reset()
    base = upstream.url + "/v1"
    client.put(
        "/api/settings",
        json={"llm": {"provider": "openai_compatible", "base_url": base, "api_key": KEY}},
    )
    answer = client.post(
        "/api/llm/models", json={"provider": "openai_compatible", "base_url": base}
    )
    assert answer.json() == {"models": ["fake-model", "other-model"]}
    assert upstream.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    other = base.replace("127.0.0.1", "localhost")
    client.post("/api/llm/models", json={"provider": "openai_compatible", "base_url": other})
    assert "authorization" not in upstream.requests[-1].headers


def test_models_fall_back_to_ollama_tags(client, upstream):
    upstream.reset(models=["qwen2.5:7b"], openai_models=False)
    answer = client.post(
        "/api/llm/models", json={"provider": "openai_compatible", "base_url": upstream.url + "/v1"}
    )
    assert answer.json()["models"] == ["qwen2.5:7b"]


def test_connection_test_reports_ok_and_failures(client, upstream):
    upstream.reset()
    ok = client.post(
        "/api/llm/test",
        json={
            "provider": "openai_compatible",
            "base_url": upstream.url + "/v1",
            "model": "fake-model",
            "api_key": "",
        },
    ).json()
    assert ok["ok"] is True and ok["latency_ms"] >= 0
    dead = client.post(
        "/api/llm/test",
        json={"provider": "openai_compatible", "base_url": dead_url(), "model": "m"},
    ).json()
    assert dead["ok"] is False and "reach" in dead["message"]
    assert dead["code"] == "llm_unreachable"  # the screen says what to do next by it
    assert ok["code"] is None
    upstream.reset(status=401, error=f"bad key {KEY}")
    refused = client.post(
        "/api/llm/test",
        json={
            "provider": "openai_compatible",
            "base_url": upstream.url + "/v1",
            "model": "m",
            "api_key": KEY,
        },
    ).json()
    assert refused["ok"] is False and KEY not in refused["message"]


def test_discover_finds_servers_on_loopback(client, container, upstream):
    upstream.reset(models=["llama3"])
    port = urlsplit(upstream.url).port
    container.llm_catalog.local_ports = {"ollama": port, "vllm": urlsplit(dead_url()).port}
    found = client.get("/api/llm/discover").json()
    assert found == [
        {
            "id": "ollama",
            "name": "Ollama",
            "base_url": f"http://127.0.0.1:{port}/v1",
            "models": ["llama3"],
        }
    ]


def gguf_bytes() -> bytes:
    return b"GGUF" + (3).to_bytes(4, "little") + bytes(64)


def test_import_model_by_upload_and_by_path(client, container, tmp_path):
    uploaded = client.post(
        "/api/llm/models/import", files={"file": ("tiny model.gguf", gguf_bytes())}
    )
    assert uploaded.status_code == 201, uploaded.text
    stored = uploaded.json()
    assert stored["filename"] == "tiny_model.gguf"
    assert stored["path"].startswith(str(container.paths.models))
    source = tmp_path / "other.gguf"
    source.write_bytes(gguf_bytes() + b"more")
    copied = client.post("/api/llm/models/import", json={"path": str(source)}).json()
    assert copied["filename"] == "other.gguf" and copied["size"] == source.stat().st_size
    listed = client.post("/api/llm/models", json={"provider": "llama_cpp"}).json()["models"]
    assert sorted(listed) == sorted([stored["path"], copied["path"]])


def test_import_rejects_what_is_not_gguf(client, tmp_path):
    fake = tmp_path / "notes.gguf"
    fake.write_bytes(b"not a model")
    answer = client.post("/api/llm/models/import", json={"path": str(fake)})
    assert answer.status_code == 415 and answer.json()["error"]["code"] == "not_gguf"
    answer = client.post("/api/llm/models/import", files={"file": ("x.bin", gguf_bytes())})
    assert answer.status_code == 415
    assert client.post("/api/llm/models/import", json={"path": "relative.gguf"}).status_code == 422
    assert client.post("/api/llm/models/import", json={"nope": 1}).status_code == 422


def test_llama_cpp_provider_without_a_model_gives_an_error_event(client):
    missing = client.put(
        "/api/settings",
        json={"llm": {"provider": "llama_cpp", "model_path": "/nonexistent/model.gguf"}},
    )
    assert missing.status_code == 404  # a model that is not there is never saved
    client.put("/api/settings", json={"llm": {"provider": "llama_cpp"}})
    # A question the knowledge base can answer, so that the model is really asked.
    kb = client.post("/api/kbs", json={"name": "gguf"}).json()
    note = ("orbit.txt", b"The Orbit desk lamp runs for 40 hours on one charge.")
    assert client.post(f"/api/kbs/{kb['id']}/documents", files={"files": note}).status_code == 202
    assert wait_documents(client, kb["id"])[0]["status"] == "ready"
    question = {"question": "How long does the Orbit lamp run on one charge?"}
    with client.stream("POST", "/api/chat/stream", json=question) as answer:
        events = read_sse(answer.iter_lines())
    assert events[-1]["event"] == "error"
    assert events[-1]["code"] in ("llm_not_configured", "llm_unavailable", "llm_model_not_found")
