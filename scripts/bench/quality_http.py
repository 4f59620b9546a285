"""The public-set cases through wow-rag's HTTP API: import each knowledge base (one paragraph
per `.txt` file), then ask over `/api/chat/stream` and keep what came back. Takes any
httpx-like client (a live server's `httpx.Client`, or the tests' in-process client)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from scripts.bench.quality_cases import Asked, Question

UPLOAD_BATCH = 40
READY = ("ready", "failed", "duplicate")


def import_kbs(
    client: Any, kbs: dict[str, dict[str, str]], timeout: float = 1800
) -> dict[str, str]:
    """Create one knowledge base per name, upload its paragraphs, wait until imported;
    knowledge base name -> id. A failed document fails the run: the numbers would lie."""
    ids: dict[str, str] = {}
    for name, files in kbs.items():
        kb = client.post("/api/kbs", json={"name": name})
        kb.raise_for_status()
        ids[name] = str(kb.json()["id"])
        items = sorted(files.items())
        for start in range(0, len(items), UPLOAD_BATCH):
            batch = [
                ("files", (filename, text.encode("utf-8"), "text/plain"))
                for filename, text in items[start : start + UPLOAD_BATCH]
            ]
            answer = client.post(f"/api/kbs/{ids[name]}/documents", files=batch)
            if answer.status_code != 202:
                raise RuntimeError(f"upload to {name} failed: {answer.text[:300]}")
    deadline = time.monotonic() + timeout
    for name, kb_id in ids.items():
        while True:
            docs = client.get(f"/api/kbs/{kb_id}/documents").json()
            if len(docs) >= len(kbs[name]) and all(d["status"] in READY for d in docs):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"import of {name} did not finish")
            time.sleep(0.5)
        failed = [(d["filename"], d.get("error")) for d in docs if d["status"] == "failed"]
        if failed:
            raise RuntimeError(f"{name}: {len(failed)} documents failed, e.g. {failed[:3]}")
    return ids


def existing_kbs(client: Any) -> dict[str, str]:
    return {str(kb["name"]): str(kb["id"]) for kb in client.get("/api/kbs").json()}


def ask(client: Any, question: Question, kb_id: str) -> Asked:
    body = {"question": question.text, "kb_ids": [kb_id]}
    sources: list[str] = []
    answer, first, name = "", None, None
    started = time.perf_counter()
    with client.stream("POST", "/api/chat/stream", json=body) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data = json.loads(line[5:])
                kind = data.get("type", name)
                if kind == "token" and first is None:
                    first = (time.perf_counter() - started) * 1000
                elif kind == "sources":
                    sources = [str(s["filename"]) for s in data["sources"]]
                elif kind == "done":
                    answer = str(data.get("answer", ""))
                elif kind == "error":
                    raise RuntimeError(line)
    return Asked(question, sources, answer, first)


def ask_all(
    client: Any,
    questions: list[Question],
    kb_ids: dict[str, str],
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[Asked]:
    """Every question, in order. Several at once only shortens the run: the extractive
    answer streams with a typing pause that costs wall time, not CPU."""

    def one(question: Question) -> Asked:
        asked = ask(client, question, kb_ids[question.kb])
        if progress:
            progress(1)
        return asked

    if workers <= 1:
        return [one(q) for q in questions]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, questions))
