"""qdrant-client engines: `local` (the pure-Python local mode the LlamaIndex tutorials use)
and `server` (a Qdrant server or cluster, for teams). Same data model and the same
prefetch + RRF query as the edge engine.

Local mode is not thread-safe, so one lock guards every call. A collection made before the
e5 `passage` vector existed cannot get it here (qdrant-client cannot add a named vector):
such a store has no passage vectors, and the passage methods find nothing to do.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from backend.rag.vectors.qdrant_passages import COLLECTION, QdrantPassages
from backend.rag.vectors.store import (
    DENSE,
    KEYWORDS,
    PAGE,
    PASSAGE,
    PASSAGE_DIMENSION,
    PREFETCH_FACTOR,
    PREFETCH_MIN,
    ChunkHit,
    ChunkPoint,
    SearchQuery,
    in_rrf_order,
    keyword_terms,
)


class QdrantClientVectorStore(QdrantPassages):
    def __init__(
        self,
        engine: str,
        folder: str,
        dimension: int,
        url: str | None = None,
        api_key: str | None = None,
    ) -> None:
        from qdrant_client import QdrantClient, models

        self.engine = engine
        self._m = models
        self._lock = threading.RLock()
        if engine == "server":
            if not url:
                raise ValueError("the server engine needs a Qdrant URL (--qdrant-url)")
            self._client = QdrantClient(url=url, api_key=api_key, timeout=30)
        else:
            self._client = QdrantClient(path=str(Path(folder) / "local"))
        if not self._client.collection_exists(COLLECTION):
            self._client.create_collection(
                COLLECTION,
                vectors_config={
                    DENSE: models.VectorParams(
                        size=dimension,
                        distance=models.Distance.COSINE,
                        multivector_config=models.MultiVectorConfig(
                            comparator=models.MultiVectorComparator.MAX_SIM
                        ),
                        # Half floats on a server (the edge engine keeps bytes, see
                        # byte_vectors); local mode keeps float32 anyway.
                        datatype=models.Datatype.FLOAT16 if engine == "server" else None,
                    ),
                    PASSAGE: models.VectorParams(
                        size=PASSAGE_DIMENSION,
                        distance=models.Distance.COSINE,
                        datatype=models.Datatype.FLOAT16 if engine == "server" else None,
                    ),
                },
                sparse_vectors_config={
                    KEYWORDS: models.SparseVectorParams(modifier=models.Modifier.IDF)
                },
            )
            # Local mode ignores payload indexes (and warns); a server needs them.
            for name in ("kb_id", "doc_id") if engine == "server" else ():
                self._client.create_payload_index(
                    COLLECTION, name, models.PayloadSchemaType.KEYWORD
                )
        vectors = self._client.get_collection(COLLECTION).config.params.vectors
        self.has_passages = isinstance(vectors, dict) and PASSAGE in vectors

    def _match(self, key: str, values: list[str]) -> Any:
        m = self._m
        match = m.MatchValue(value=values[0]) if len(values) == 1 else m.MatchAny(any=values)
        return m.Filter(must=[m.FieldCondition(key=key, match=match)])

    def upsert(self, points: list[ChunkPoint]) -> None:
        m = self._m
        batch = []
        for p in points:
            vectors: dict[str, Any] = {
                DENSE: p.dense.tolist(),
                KEYWORDS: m.SparseVector(indices=p.keywords.indices, values=p.keywords.values),
            }
            if p.passage is not None and self.has_passages:
                vectors[PASSAGE] = p.passage.tolist()
            batch.append(m.PointStruct(id=p.id, payload=p.payload(), vector=vectors))
        with self._lock:
            self._client.upsert(COLLECTION, batch, wait=True)

    def delete_document(self, doc_id: str) -> None:
        with self._lock:
            self._client.delete(
                COLLECTION,
                self._m.FilterSelector(filter=self._match("doc_id", [doc_id])),
                wait=True,
            )

    def delete_kb(self, kb_id: str) -> None:
        with self._lock:
            self._client.delete(
                COLLECTION, self._m.FilterSelector(filter=self._match("kb_id", [kb_id])), wait=True
            )

    def document_counts(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        offset = None
        with self._lock:
            while True:
                records, offset = self._client.scroll(
                    COLLECTION,
                    limit=1000,
                    offset=offset,
                    with_payload=["doc_id"],
                    with_vectors=False,
                )
                counts.update(str((r.payload or {}).get("doc_id")) for r in records)
                if offset is None:
                    return dict(counts)

    def points_of_kb(self, kb_id: str, doc_id: str | None = None) -> Iterator[ChunkPoint]:
        flt = self._match("kb_id", [kb_id])
        if doc_id is not None:
            flt = self._m.Filter(must=[*flt.must, *self._match("doc_id", [doc_id]).must])
        offset = None
        while True:
            with self._lock:
                records, offset = self._client.scroll(
                    COLLECTION,
                    scroll_filter=flt,
                    limit=PAGE,
                    offset=offset,
                    with_payload=True,
                    with_vectors=True,
                )
            for r in records:
                vectors = r.vector if isinstance(r.vector, dict) else {}
                dense = np.asarray(vectors[DENSE], dtype=np.float32)
                yield ChunkPoint.stored(dict(r.payload or {}), vectors, dense)
            if offset is None:
                return

    def count(self, doc_id: str | None = None) -> int:
        flt = self._match("doc_id", [doc_id]) if doc_id else None
        with self._lock:
            return int(self._client.count(COLLECTION, count_filter=flt, exact=True).count)

    def _candidates(self, vector: Any, using: str, flt: Any, depth: int) -> list[Any]:
        """One ranked list of candidates, with payloads, sentence vectors and keyword terms."""
        return self._client.query_points(
            COLLECTION,
            query=vector,
            using=using,
            query_filter=flt,
            limit=depth,
            with_payload=True,
            with_vectors=[DENSE, KEYWORDS],
        ).points

    def search(self, query: SearchQuery) -> list[ChunkHit]:
        """The union of the dense and keyword lists, each hit with both scores (see
        EdgeVectorStore.search). Sentence vectors come in the same round trip (a server
        is a network hop away), so the MaxSim is computed here."""
        m = self._m
        flt = self._match("kb_id", query.kb_ids) if query.kb_ids else None
        dense = [query.dense.tolist()]
        depth = max(query.limit * PREFETCH_FACTOR, PREFETCH_MIN)
        points: dict[str, Any] = {}
        bm25: dict[str, float] = {}
        with self._lock:
            if query.dense_search:
                for point in self._candidates(dense, DENSE, flt, depth):
                    points[str(point.id)] = point
            if query.hybrid and query.keywords.indices:
                sparse = m.SparseVector(
                    indices=query.keywords.indices, values=query.keywords.values
                )
                for point in self._candidates(sparse, KEYWORDS, flt, depth):
                    points.setdefault(str(point.id), point)
                    bm25[str(point.id)] = float(point.score)
                missing = [p for p in points if p not in bm25]
                if missing:
                    among = m.Filter(must=[m.HasIdCondition(has_id=missing)])
                    for point in self._client.query_points(
                        COLLECTION,
                        query=sparse,
                        using=KEYWORDS,
                        query_filter=among,
                        limit=len(missing),
                        with_payload=False,
                    ).points:
                        bm25[str(point.id)] = float(point.score)
        return in_rrf_order([self._hit(point, query.dense, bm25) for point in points.values()])

    @staticmethod
    def _hit(point: Any, question: np.ndarray, bm25: dict[str, float]) -> ChunkHit:
        """A hit with its MaxSim, computed here over the sentence vectors that came along."""
        vectors = point.vector if isinstance(point.vector, dict) else {}
        units = np.asarray(vectors.get(DENSE) or np.zeros((0, len(question))), np.float32)
        maxsim = float(np.max(units @ question)) if len(units) else 0.0
        return ChunkHit(
            id=str(point.id),
            score=maxsim,
            payload=dict(point.payload or {}),
            dense=maxsim,
            unit_vectors=units if len(units) else None,
            keywords=bm25.get(str(point.id), 0.0),
            keyword_terms=keyword_terms(vectors.get(KEYWORDS)),
        )

    def hits_among(self, query: SearchQuery, point_ids: list[str]) -> list[ChunkHit]:
        """These chunks as hits of the question (see EdgeVectorStore.hits_among)."""
        m = self._m
        if not point_ids:
            return []
        among = m.Filter(must=[m.HasIdCondition(has_id=list(point_ids))])
        bm25: dict[str, float] = {}
        with self._lock:
            points = self._candidates([query.dense.tolist()], DENSE, among, len(point_ids))
            if query.hybrid and query.keywords.indices:
                sparse = m.SparseVector(
                    indices=query.keywords.indices, values=query.keywords.values
                )
                for point in self._candidates(sparse, KEYWORDS, among, len(point_ids)):
                    bm25[str(point.id)] = float(point.score)
        hits = [self._hit(point, query.dense, bm25) for point in points]
        return sorted(hits, key=lambda h: h.id)

    def unit_vectors(self, point_ids: list[str]) -> dict[str, np.ndarray]:
        with self._lock:
            records = self._client.retrieve(
                COLLECTION, point_ids, with_payload=False, with_vectors=[DENSE]
            )
        return {
            str(r.id): np.asarray(r.vector[DENSE], dtype=np.float32)
            for r in records
            if isinstance(r.vector, dict) and DENSE in r.vector
        }

    def flush(self) -> None:
        """qdrant-client writes through; nothing to do."""

    def close(self) -> None:
        with self._lock:
            self._client.close()
