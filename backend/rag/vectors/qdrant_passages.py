"""The e5 passage vector of qdrant-client's chunks (a collection made before e5 has
none: `has_passages`): its search, and the background pass's reads and writes
(services/passage_vectors.py). A part of QdrantClientVectorStore."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from backend.rag.vectors.store import PASSAGE, PassageHit, PendingPassage

COLLECTION = "wowrag_chunks"


class QdrantPassages:
    _m: Any  # qdrant_client.models
    _client: Any
    _lock: threading.RLock
    has_passages: bool

    def _match(self, key: str, values: list[str]) -> Any:
        raise NotImplementedError

    def count(self, doc_id: str | None = None) -> int:
        raise NotImplementedError

    def search_passages(
        self, vector: np.ndarray, kb_ids: list[str] | None, limit: int
    ) -> list[PassageHit]:
        if not self.has_passages:
            return []
        flt = self._match("kb_id", kb_ids) if kb_ids else None
        with self._lock:
            result = self._client.query_points(
                COLLECTION, query=vector.tolist(), using=PASSAGE, query_filter=flt,
                limit=limit, with_payload=True,
            )
        return [
            PassageHit(str(p.id), float(p.score), dict(p.payload or {})) for p in result.points
        ]

    def with_passage_vectors(self, point_ids: list[str]) -> set[str]:
        if not self.has_passages or not point_ids:
            return set()
        m = self._m
        having = m.Filter(
            must=[m.HasIdCondition(has_id=point_ids), m.HasVectorCondition(has_vector=PASSAGE)]
        )
        with self._lock:
            records, _ = self._client.scroll(
                COLLECTION, scroll_filter=having, limit=len(point_ids), with_payload=False,
                with_vectors=False,
            )
        return {str(r.id) for r in records}

    def missing_passages(self, limit: int) -> list[PendingPassage]:
        if not self.has_passages:
            return []
        m = self._m
        with self._lock:
            records, _ = self._client.scroll(
                COLLECTION,
                scroll_filter=m.Filter(must_not=[m.HasVectorCondition(has_vector=PASSAGE)]),
                limit=limit,
                with_payload=["text"],
                with_vectors=False,
            )
        return [PendingPassage(str(r.id), str((r.payload or {}).get("text", ""))) for r in records]

    def set_passages(self, chunks: list[PendingPassage], vectors: np.ndarray) -> int:
        if not self.has_passages or not chunks:
            return 0
        m = self._m
        with self._lock:  # deletes go through it too (one process; a server may race)
            present = self._client.retrieve(
                COLLECTION, [c.id for c in chunks], with_payload=["text"], with_vectors=False
            )
            texts = {str(r.id): (r.payload or {}).get("text") for r in present}
            batch = [
                m.PointVectors(id=chunk.id, vector={PASSAGE: vector.tolist()})
                for chunk, vector in zip(chunks, vectors, strict=True)
                if texts.get(chunk.id) == chunk.text
            ]
            if batch:
                self._client.update_vectors(COLLECTION, points=batch, wait=True)
        return len(batch)

    def passage_counts(self) -> tuple[int, int]:
        total = self.count()
        if not self.has_passages:
            return 0, total
        having = self._m.Filter(must=[self._m.HasVectorCondition(has_vector=PASSAGE)])
        with self._lock:
            return int(self._client.count(COLLECTION, count_filter=having, exact=True).count), total
