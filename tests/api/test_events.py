"""`GET /api/events` over real HTTP: a document's way to ready arrives as `document` events,
and the launcher's server.json and clean exit behave as API.md says."""

from __future__ import annotations

import json
import os
import stat
import threading

import httpx

from tests.conftest import AUTH, LiveServer


def test_document_events_stream_until_ready(tmp_path):
    server = LiveServer(tmp_path / "data")
    try:
        kb = server.client.post("/api/kbs", json={"name": "events"}).json()
        seen: list[dict] = []
        ready = threading.Event()

        def listen() -> None:
            with httpx.stream(
                "GET", f"{server.url}/api/events", headers=AUTH, timeout=30
            ) as answer:
                assert answer.headers["content-type"].startswith("text/event-stream")
                name = None
                for line in answer.iter_lines():
                    if line.startswith("event:"):
                        name = line[6:].strip()
                    elif line.startswith("data:") and name == "document":
                        seen.append(json.loads(line[5:]))
                        if seen[-1]["status"] == "ready":
                            ready.set()
                            return

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        import time

        time.sleep(0.5)  # let the subscription open before the upload
        server.client.post(
            f"/api/kbs/{kb['id']}/documents",
            files={"files": ("a.md", b"# A\nThe kettle boils in 90 seconds.")},
        )
        assert ready.wait(60), seen
        statuses = [e["status"] for e in seen]
        assert statuses[0] == "queued" and statuses[-1] == "ready"
        assert {"parsing", "embedding"} <= set(statuses)
        progress = [e["progress"] for e in seen]
        assert progress == sorted(progress)
    finally:
        server.stop()


def test_server_json_is_private_and_removed_on_sigterm(tmp_path):
    server = LiveServer(tmp_path / "data")
    path = tmp_path / "data" / "server.json"
    info = json.loads(path.read_text())
    assert set(info) == {"url", "token", "pid"} and info["pid"] == server.process.pid
    if os.name != "nt":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert server.client.get("/api/health").json()["status"] == "ok"
    assert server.stop() == 0
    assert not path.exists()
