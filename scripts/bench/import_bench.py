"""Import speed: end to end through the HTTP API of a live server, next to the embedder's
bare speed on the very same unit texts (the ceiling), plus the non-embedding cost of an
import measured on its own (parse, split, keywords, upsert, with cached vectors)."""

from __future__ import annotations

import hashlib
import time
from concurrent.futures import Future
from pathlib import Path

import numpy as np
from common import CACHE, Server, chat_once, fresh_dir

UPLOAD_BATCH = 20


def unit_texts(
    files: dict[str, str], per_chunk: list[list[int]] | None = None
) -> tuple[list[str], int]:
    """The texts wow-rag embeds for these files, as `IngestService._prepare` builds them:
    each document's distinct sentence units (overlapping chunks repeat some), unprefixed.
    `per_chunk`, when given, receives for each chunk the rows of its units in the returned
    texts. When ingest changes what it embeds, change this too: the bare embedder must run
    on the same texts to be the ceiling."""
    from backend.rag.readers import read_document
    from backend.rag.splitter import split_pages

    texts: list[str] = []
    chunks = 0
    for name, text in files.items():
        parsed = read_document(text.encode("utf-8"), name)
        found = split_pages([(p.page, p.text) for p in parsed.pages])
        rows: dict[str, int] = {}
        for chunk in found:
            for unit in chunk.unit_texts():
                rows.setdefault(unit, len(texts) + len(rows))
            if per_chunk is not None:
                per_chunk.append([rows[u] for u in chunk.unit_texts()])
        texts += list(rows)
        chunks += len(found)
    return texts, chunks


def _cache_path(texts: list[str]) -> Path:
    digest = hashlib.sha256("\x00".join(texts).encode("utf-8")).hexdigest()[:16]
    return CACHE / f"vectors-{len(texts)}-{digest}.npy"


def cached_vectors(texts: list[str]) -> np.ndarray | None:
    path = _cache_path(texts)
    return np.load(path).astype(np.float32) if path.exists() else None


def bare_embed(
    texts: list[str], chunks: int, workers: int = 0, max_seconds: float | None = None
) -> dict[str, object]:
    """The embedder alone on the same unit texts, one process per core (the import's ceiling).

    The vectors are cached under .cache/ so later steps (the local engine, 100k, HNSW
    recall) can build stores without embedding again.
    """
    from backend.rag.embedding_pool import EmbeddingPool

    pool = EmbeddingPool(workers)
    try:
        # Start and warm every worker first: the ceiling is the steady speed.
        for f in [pool.submit(["warm up"]) for _ in range(pool.workers * 2)]:
            f.result()
        batch = 48
        started = time.perf_counter()
        futures = [pool.submit(texts[i : i + batch]) for i in range(0, len(texts), batch)]
        parts, timed_out = [], False
        for future in futures:
            remaining = (
                None if max_seconds is None else max_seconds - (time.perf_counter() - started)
            )
            if remaining is not None and remaining <= 0:
                timed_out = True
                break
            parts.append(future.result())
        seconds = time.perf_counter() - started
    finally:
        pool.stop()
    done_units = sum(len(p) for p in parts)
    if not timed_out:
        matrix = np.concatenate(parts)
        CACHE.mkdir(parents=True, exist_ok=True)
        np.save(_cache_path(texts), matrix.astype(np.float16))
    share = done_units / len(texts)
    return {
        "workers": pool.workers,
        "units": len(texts),
        "chunks": chunks,
        "seconds": round(seconds, 1),
        "timed_out": timed_out,
        "units_per_s": round(done_units / seconds, 1),
        "chunks_per_s": round(chunks * share / seconds, 1),
    }


def http_import(
    server: Server,
    folder: Path,
    names: list[str],
    kb_name: str,
    timeout: float = 3600,
    right_after_launch: bool = False,
) -> dict[str, object]:
    """Upload every file through POST /api/kbs/{id}/documents and wait until all are ready.

    Timed from a started app, as a person meets it: the UI is ready 2.2 s or more after
    launch, by when the app has loaded its model (0.9 s, in the background), so one
    question (which waits for that model) is asked before the clock starts. With
    `right_after_launch` the upload starts as soon as /api/health answers instead, and
    the import also pays for the model load it overlaps."""
    client = server.client
    kb = client.post("/api/kbs", json={"name": kb_name}).json()
    if not right_after_launch:
        chat_once(client, "warm up", [kb["id"]])
    started = time.perf_counter()
    for i in range(0, len(names), UPLOAD_BATCH):
        files = [
            ("files", (n, (folder / n).read_bytes(), "text/markdown"))
            for n in names[i : i + UPLOAD_BATCH]
        ]
        response = client.post(f"/api/kbs/{kb['id']}/documents", files=files)
        response.raise_for_status()
    uploaded = time.perf_counter() - started
    deadline = time.monotonic() + timeout
    peak_rss = 0.0
    while True:
        docs = client.get(f"/api/kbs/{kb['id']}/documents").json()
        peak_rss = max(peak_rss, server.rss_mb())
        if docs and all(d["status"] in ("ready", "failed", "duplicate") for d in docs):
            break
        if time.monotonic() > deadline:
            raise TimeoutError("import did not finish in time")
        time.sleep(0.05)  # the end is seen within 50 ms (at 0.25 s: 3% of a 1k import)
    seconds = time.perf_counter() - started
    chunks = sum(d["chunk_count"] for d in docs)
    failed = [d["filename"] for d in docs if d["status"] != "ready"]
    return {
        "kb_id": kb["id"],
        "documents": len(docs),
        "chunks": chunks,
        "failed": failed,
        "upload_s": round(uploaded, 2),
        "seconds": round(seconds, 1),
        "chunks_per_s": round(chunks / seconds, 1),
        "peak_rss_mb": peak_rss,
        "timed_from": "health" if right_after_launch else "started app",
    }


class CachedPool:
    """Stands in for EmbeddingPool with precomputed vectors (same texts, same model)."""

    workers = 1

    def __init__(self, texts: list[str], vectors: np.ndarray) -> None:
        self._rows = {t: i for i, t in enumerate(texts)}
        self._vectors = vectors

    def submit(self, texts: list[str]) -> Future:
        future: Future = Future()
        future.set_result(self._vectors[[self._rows[t] for t in texts]])
        return future

    def stop(self) -> None:
        pass

    def stop_if_idle(self) -> bool:
        return False

    def start(self) -> None:
        pass

    close = stop


def direct_build(
    data_dir: Path,
    engine: str,
    folder: Path,
    names: list[str],
    texts: list[str],
    vectors: np.ndarray,
    timeout: float = 3600,
) -> dict[str, object]:
    """Build a data dir through the real IngestService (parse, split, keywords, upsert),
    only the embedding replaced by cached vectors. Measures the import's non-embedding cost
    and gives 100k-chunk stores without re-embedding."""
    import io

    from backend.config import Settings
    from backend.container import Container
    from backend.services.ingest import IncomingFile

    fresh_dir(data_dir)
    container = Container(Settings(data_dir=data_dir, vector_engine=engine, token="x"))
    container.pool = container.ingest.pipeline.pool = CachedPool(texts, vectors)  # type: ignore[assignment]
    try:
        container.ingest.start()
        kb = container.kb_repo.create(
            "bench", "", container.embedder.name, container.embedder.dimension
        )
        started = time.perf_counter()
        for i in range(0, len(names), UPLOAD_BATCH):
            container.ingest.upload(
                kb.id,
                [
                    IncomingFile(n, io.BytesIO((folder / n).read_bytes()))
                    for n in names[i : i + UPLOAD_BATCH]
                ],
            )
        deadline = time.monotonic() + timeout
        timed_out = False
        while not container.ingest.idle():
            if time.monotonic() > deadline:
                timed_out = True
                break
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        repo = container.doc_repo  # the method's name has changed while the backend moves
        docs = (repo.in_kb if hasattr(repo, "in_kb") else repo.list)(kb.id)
        chunks = sum(d.chunk_count for d in docs)
        ready = sum(1 for d in docs if d.status.value == "ready")
    finally:
        if timed_out:
            container.ingest.pipeline._stopping.set()  # let close() return instead of finishing
        container.close()
    return {
        "engine": engine,
        "kb_id": kb.id,
        "documents": len(docs),
        "ready": ready,
        "chunks": chunks,
        "seconds": round(seconds, 1),
        "timed_out": timed_out,
        "chunks_per_s": round(chunks / seconds, 1) if seconds else None,
    }


def main() -> None:
    """Only the import step, several rounds, printed (results.json is left alone):

    python scripts/bench/import_bench.py --size 1k --rounds 3
    """
    import argparse
    import json

    import corpus
    from common import CACHE, Server

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--size", default="1k")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-bare", action="store_true", help="skip the bare-embedder ceiling")
    parser.add_argument(
        "--right-after-launch",
        action="store_true",
        help="upload as soon as /api/health answers (the import overlaps the model load)",
    )
    args = parser.parse_args()
    gen = corpus.generate(args.size)
    folder = CACHE / f"corpus-{args.size}"
    if not folder.exists() or len(list(folder.glob("*.md"))) != len(gen.files):
        fresh_dir(folder)
        gen.write(folder)
    texts, chunks = unit_texts(gen.files)
    for round_ in range(1, args.rounds + 1):
        row: dict[str, object] = {"round": round_}
        if not args.no_bare:
            row["bare"] = bare_embed(texts, chunks)
        server = Server(
            fresh_dir(CACHE / "data" / f"import-only-{args.size}"),
            {"WOWRAG_VECTOR_ENGINE": "edge"},
        )
        try:
            row["import"] = http_import(
                server, folder, list(gen.files), "bench", right_after_launch=args.right_after_launch
            )
        finally:
            server.stop()
        if "bare" in row:
            bare, done = row["bare"], row["import"]
            row["share"] = round(done["chunks_per_s"] / bare["chunks_per_s"], 3)  # type: ignore[index]
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
