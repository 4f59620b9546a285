"""Load: 20 streamed answers at once while an import runs. All finish, none waits for the
import, each stream carries only its own tokens, and closing one leaves the others running."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import httpx

from tests.conftest import AUTH, LiveServer, read_sse, wait_documents
from tests.fakes import served_llm

STREAMS = 20
TOKENS = 40
CLOSED = 0  # this client goes away after a few tokens


def _tokens_for(body: dict[str, Any]) -> list[str]:
    question = [m for m in body["messages"] if m["role"] == "user"][-1]["content"]
    number = int(re.search(r"QID-(\d+)", question).group(1))  # type: ignore[union-attr]
    return [f"q{number}t{i} " for i in range(TOKENS)]


def _import_files(count: int) -> list[tuple[str, bytes]]:
    return [
        (
            f"ledger_{n}.txt",
            "\n\n".join(
                f"Ledger {n} line {line}: shipment {n}-{line} left dock {line % 7} on time."
                for line in range(150)
            ).encode(),
        )
        for n in range(count)
    ]


def _stream(url: str, kb: str, number: int, results: dict[int, dict[str, Any]]) -> None:
    started = time.monotonic()
    outcome: dict[str, Any] = {"tokens": [], "events": []}
    body = {"question": f"QID-{number:03d}: when do pallets leave dock 3?", "kb_ids": [kb]}
    try:
        with (
            httpx.Client(base_url=url, headers=AUTH, timeout=60) as client,
            client.stream("POST", "/api/chat/stream", json=body) as answer,
        ):
            lines = answer.iter_lines()
            if number == CLOSED:
                buffered = []
                for line in lines:
                    buffered.append(line)
                    if line.startswith("event: token"):
                        outcome["tokens"].append(line)
                        if len(outcome["tokens"]) >= 3:
                            break
                outcome["events"] = read_sse(iter([*buffered, ""]))
            else:
                outcome["events"] = read_sse(lines)
    except Exception as error:  # recorded; the assertions below say what went wrong
        outcome["error"] = repr(error)
    outcome["seconds"] = time.monotonic() - started
    results[number] = outcome


def test_twenty_streams_during_an_import(tmp_path):
    with served_llm() as fake:
        fake.reset(tokens_for=_tokens_for, delay_s=0.02)
        server = LiveServer(tmp_path / "data")
        try:
            client = server.client
            kb = client.post("/api/kbs", json={"name": "docks"}).json()["id"]
            client.post(
                f"/api/kbs/{kb}/documents",
                files={"files": ("docks.txt", b"Pallets leave dock 3 every morning at six.")},
            )
            wait_documents(client, kb)
            assert client.put("/api/settings", json={"llm": fake.settings()}).status_code == 200
            busy = client.post("/api/kbs", json={"name": "ledgers"}).json()["id"]
            for name, data in _import_files(8):
                client.post(f"/api/kbs/{busy}/documents", files={"files": (name, data)})

            results: dict[int, dict[str, Any]] = {}
            threads = [
                threading.Thread(target=_stream, args=(server.url, kb, n, results))
                for n in range(STREAMS)
            ]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(90)
            elapsed = time.monotonic() - started
            statuses = [d["status"] for d in client.get(f"/api/kbs/{busy}/documents").json()]

            assert len(results) == STREAMS, sorted(results)
            for number, outcome in results.items():
                assert "error" not in outcome, (number, outcome)
                if number == CLOSED:
                    continue
                events = outcome["events"]
                assert events[0]["event"] == "session" and events[-1]["event"] == "done", events
                tokens = "".join(e["delta"] for e in events if e["event"] == "token")
                assert tokens == "".join(f"q{number}t{i} " for i in range(TOKENS)), (number, tokens)
                assert events[-1]["answer"].strip() == tokens.strip()
            # Nobody queued behind the import: it was still going when all had answered.
            assert any(s not in ("ready", "failed") for s in statuses) or elapsed < 30, statuses
            assert elapsed < 45, elapsed

            # The closed stream stopped upstream and was saved as stopped; the others not.
            closed_session = results[CLOSED]["events"][0]["session_id"]
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                messages = client.get(f"/api/sessions/{closed_session}").json()["messages"]
                if messages[-1]["status"] == "stopped":
                    break
                time.sleep(0.1)
            assert messages[-1]["status"] == "stopped", messages
            assert f"q{CLOSED}t{TOKENS - 1}" not in messages[-1]["content"]
            assert all(f"q{CLOSED}t" in t for t in messages[-1]["content"].split())
            for number in (1, STREAMS - 1):
                session = results[number]["events"][0]["session_id"]
                last = client.get(f"/api/sessions/{session}").json()["messages"][-1]
                assert last["status"] != "stopped" and f"q{number}t{TOKENS - 1}" in last["content"]
            assert len([r for r in fake.completions(stream=True) if r.disconnected]) == 1
            wait_documents(client, busy, timeout=240)
        finally:
            server.stop()
