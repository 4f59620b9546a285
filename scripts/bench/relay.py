"""What the relay costs: time to first token and total time for N instant tokens from a
scripted OpenAI-compatible server on loopback, called directly and through wow-rag
(/api/chat/stream and /v1/chat/completions). Median of --runs runs.

    python scripts/bench/relay.py --tokens 2000 --runs 10
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.fakes import FakeLlm, served_app, served_llm  # noqa: E402

Timing = tuple[float, float, int]  # first token ms, total ms, tokens seen


def _timed(lines: Iterator[str], is_token: Callable[[dict], bool], started: float) -> Timing:
    first, count = 0.0, 0
    for line in lines:
        if not line.startswith("data:") or line[5:].strip() == "[DONE]":
            continue
        if is_token(json.loads(line[5:])):
            count += 1
            if not first:
                first = time.perf_counter()
    end = time.perf_counter()
    return (first - started) * 1000, (end - started) * 1000, count


def _openai_delta(chunk: dict) -> bool:
    choices = chunk.get("choices") or [{}]
    return bool((choices[0].get("delta") or {}).get("content"))


def direct(client: httpx.Client, upstream: FakeLlm) -> Timing:
    body = {"model": "fake-model", "stream": True,
            "messages": [{"role": "user", "content": "How long can I borrow a book?"}]}
    started = time.perf_counter()
    with client.stream("POST", upstream.url + "/v1/chat/completions", json=body) as answer:
        return _timed(answer.iter_lines(), _openai_delta, started)


def through_chat(client: httpx.Client) -> Timing:
    started = time.perf_counter()
    with client.stream("POST", "/api/chat/stream",
                       json={"question": "How long can I borrow a book?"}) as answer:
        return _timed(answer.iter_lines(), lambda d: d.get("type") == "token", started)


def through_v1(client: httpx.Client) -> Timing:
    body = {"model": "wow-rag", "stream": True,
            "messages": [{"role": "user", "content": "How long can I borrow a book?"}]}
    started = time.perf_counter()
    with client.stream("POST", "/v1/chat/completions", json=body) as answer:
        return _timed(answer.iter_lines(), _openai_delta, started)


def median(runs: list[Timing]) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    tokens = [f"w{i} " for i in range(args.tokens)]
    with tempfile.TemporaryDirectory() as tmp, served_llm() as upstream, \
            served_app(Path(tmp) / "data") as app:
        app.add_kb("library", {"rules.md": "# Rules\nBooks may be borrowed for 21 days.\n"})
        app.use_llm(provider="openai_compatible", base_url=upstream.url + "/v1",
                    model="fake-model", timeout_s=30)
        upstream.reset(tokens=tokens)
        plain = httpx.Client(timeout=60)
        paths: dict[str, Callable[[], Timing]] = {
            "direct upstream": lambda: direct(plain, upstream),
            "/api/chat/stream": lambda: through_chat(app.client),
            "/v1/chat/completions": lambda: through_v1(app.client),
        }
        results: dict[str, list[Timing]] = {name: [] for name in paths}
        for name, run in paths.items():
            run()  # warm-up: imports, connections, the embedder
            for _ in range(args.runs):
                timing = run()
                assert timing[2] == args.tokens, f"{name}: {timing[2]} tokens arrived"
                results[name].append(timing)
        plain.close()
    base_first, base_total = median(results["direct upstream"])
    print(f"{args.tokens} instant tokens, median of {args.runs} runs (ms)")
    print(f"{'path':24} {'first token':>12} {'total':>9} {'added first':>12} {'added total':>12}")
    for name, runs in results.items():
        first, total = median(runs)
        print(f"{name:24} {first:12.1f} {total:9.1f} {first - base_first:12.1f} "
              f"{total - base_total:12.1f}")


if __name__ == "__main__":
    main()
