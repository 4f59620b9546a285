"""First-token time of the chat in one process (the app behind Starlette's TestClient,
no sockets to the app): a small generated corpus, the extractive answerer and an instant
scripted upstream. Measures what the chat pipeline itself costs, so before/after numbers
of a change to it can be taken in one run:

    nice python -m scripts.bench.chat_in_process --chunks 200 --questions 30
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

from backend.app import create_app
from backend.config import Settings
from backend.container import Container
from scripts.bench.common import chat_once
from scripts.bench.corpus import generate
from scripts.bench.instant_llm import InstantUpstream

TOKEN = "bench-token"


def _import_corpus(client: TestClient, chunks: int) -> tuple[str, list[str]]:
    corpus = generate(str(chunks))
    kb = client.post("/api/kbs", json={"name": "bench"}).json()
    files = [
        ("files", (name, text.encode(), "text/markdown")) for name, text in corpus.files.items()
    ]
    client.post(f"/api/kbs/{kb['id']}/documents", files=files).raise_for_status()
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        docs = client.get(f"/api/kbs/{kb['id']}/documents").json()
        if docs and all(d["status"] in ("ready", "failed", "duplicate") for d in docs):
            break
        time.sleep(0.2)
    return kb["id"], [q.text for q in corpus.questions]


def _first_tokens(client: TestClient, kb_id: str, questions: list[str]) -> dict[str, float]:
    for question in questions[:3]:  # warm-up: caches, first model connection
        chat_once(client, question, [kb_id])
    times = [chat_once(client, q, [kb_id]).first_token_ms for q in questions[3:]]
    measured = [t for t in times if t is not None]
    return {
        "p50_ms": round(statistics.median(measured), 1),
        "p90_ms": round(statistics.quantiles(measured, n=10)[-1], 1),
        "n": len(measured),
    }


def run(chunks: int, questions: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), token=TOKEN, embed_workers=1)  # type: ignore[call-arg]
        container = Container(settings)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        with TestClient(
            create_app(container), base_url="http://127.0.0.1", headers=headers
        ) as client:
            kb_id, asked = _import_corpus(client, chunks)
            asked = (asked * (1 + questions // max(len(asked), 1)))[: questions + 3]
            result: dict[str, object] = {"extractive": _first_tokens(client, kb_id, asked)}
            with InstantUpstream(tokens=20) as upstream:
                llm = {"provider": "openai_compatible", "base_url": upstream.base_url}
                llm |= {"model": "instant", "api_key": "none"}
                client.put("/api/settings", json={"llm": llm}).raise_for_status()
                result["scripted_upstream"] = _first_tokens(client, kb_id, asked)
        container.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", type=int, default=200)
    parser.add_argument("--questions", type=int, default=30)
    args = parser.parse_args()
    print(json.dumps(run(args.chunks, args.questions), indent=2))


if __name__ == "__main__":
    main()
