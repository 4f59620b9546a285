"""What the relay costs: time to first token and total time for N instant tokens from a
scripted OpenAI-compatible server on loopback, called directly and through wow-rag
(/api/chat/stream and /v1/chat/completions). Median of --runs rounds, the paths taken in
turn within each round. The model server, wow-rag (started by its launcher) and this
client each run in a process of their own.
Every path must deliver the same text; wow-rag may deliver it in fewer events (deltas
that arrived together leave together), so events are counted, not compared.

    python -m scripts.bench.relay --tokens 2000 --runs 10
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from scripts.bench.common import ROOT, Server, wait_documents

Timing = tuple[float, float, int, str]  # first token ms, total ms, token events, text
RETRIEVAL_MS: list[float] = []


def _timed(lines: Iterator[str], token_text: Callable[[dict], str], started: float) -> Timing:
    first, count, text = 0.0, 0, []
    for line in lines:
        if not line.startswith("data:") or line[5:].strip() == "[DONE]":
            continue
        data = json.loads(line[5:])
        delta = token_text(data)
        if delta:
            count += 1
            text.append(delta)
            if not first:
                first = time.perf_counter()
        elif data.get("type") == "done":
            RETRIEVAL_MS.append(data["timings"]["retrieval_ms"])
    end = time.perf_counter()
    return (first - started) * 1000, (end - started) * 1000, count, "".join(text)


def _openai_delta(chunk: dict) -> str:
    choices = chunk.get("choices") or [{}]
    return str((choices[0].get("delta") or {}).get("content") or "")


def _wow_rag_delta(event: dict) -> str:
    return str(event.get("delta") or "") if event.get("type") == "token" else ""


def direct(client: httpx.Client, upstream_url: str) -> Timing:
    body = {
        "model": "fake-model",
        "stream": True,
        "messages": [{"role": "user", "content": "How long can I borrow a book?"}],
    }
    started = time.perf_counter()
    with client.stream("POST", upstream_url + "/v1/chat/completions", json=body) as answer:
        return _timed(answer.iter_lines(), _openai_delta, started)


def through_chat(client: httpx.Client) -> Timing:
    started = time.perf_counter()
    with client.stream(
        "POST", "/api/chat/stream", json={"question": "How long can I borrow a book?"}
    ) as answer:
        return _timed(answer.iter_lines(), _wow_rag_delta, started)


def through_v1(client: httpx.Client) -> Timing:
    body = {
        "model": "wow-rag",
        "stream": True,
        "messages": [{"role": "user", "content": "How long can I borrow a book?"}],
    }
    started = time.perf_counter()
    with client.stream("POST", "/v1/chat/completions", json=body) as answer:
        return _timed(answer.iter_lines(), _openai_delta, started)


def median(runs: list[Timing]) -> tuple[float, float, float]:
    return (
        statistics.median(r[0] for r in runs),
        statistics.median(r[1] for r in runs),
        statistics.median(r[2] for r in runs),
    )


@contextmanager
def model_server(tokens: int) -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "scripts.bench.scripted_llm", "--tokens", str(tokens)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def wow_rag(data_dir: Path) -> Iterator[Server]:
    server = Server(data_dir)
    try:
        yield server
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="end with one line of JSON")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        model_server(args.tokens) as upstream_url,
        wow_rag(Path(tmp) / "data") as app,
    ):
        client = app.client
        kb = client.post("/api/kbs", json={"name": "library"}).json()
        client.post(
            f"/api/kbs/{kb['id']}/documents",
            files={"files": ("rules.md", b"# Rules\nBooks may be borrowed for 21 days.\n")},
        )
        wait_documents(client, kb["id"])
        client.put(
            "/api/settings",
            json={
                "llm": {
                    "provider": "openai_compatible",
                    "base_url": upstream_url + "/v1",
                    "model": "fake-model",
                    "timeout_s": 30,
                }
            },
        )
        plain = httpx.Client(timeout=60)
        paths: dict[str, Callable[[], Timing]] = {
            "direct upstream": lambda: direct(plain, upstream_url),
            "/api/chat/stream": lambda: through_chat(client),
            "/v1/chat/completions": lambda: through_v1(client),
        }
        results: dict[str, list[Timing]] = {name: [] for name in paths}
        expected = direct(plain, upstream_url)[3]
        assert expected, "the model server sent no text"
        for run in paths.values():
            run()  # warm-up: imports, connections, the embedder
        # Round robin, so that whatever else the machine does meanwhile weighs on each path.
        for _ in range(args.runs):
            for name, run in paths.items():
                timing = run()
                assert timing[3] == expected, f"{name}: other text arrived"
                results[name].append(timing)
        plain.close()
    base_first, base_total, _ = median(results["direct upstream"])
    print(f"{args.tokens} instant tokens, median of {args.runs} runs (ms)")
    print(
        f"{'path':24} {'first token':>12} {'total':>9} {'added first':>12} {'added total':>12}"
        f" {'added %':>8} {'events':>7}"
    )
    for name, runs in results.items():
        first, total, events = median(runs)
        print(
            f"{name:24} {first:12.1f} {total:9.1f} {first - base_first:12.1f} "
            f"{total - base_total:12.1f} {100 * (total - base_total) / base_total:7.1f}% "
            f"{events:7.0f}"
        )
    print(
        f"of which retrieval (embed the question, hybrid search, re-rank): "
        f"{statistics.median(RETRIEVAL_MS):.1f} ms"
    )
    if args.json:
        totals = {name: median(runs)[1] for name, runs in results.items()}
        print(
            json.dumps(
                {
                    "total_ms": totals,
                    "added_pct": {
                        name: round(100 * (total - base_total) / base_total, 1)
                        for name, total in totals.items()
                    },
                }
            )
        )


if __name__ == "__main__":
    main()
