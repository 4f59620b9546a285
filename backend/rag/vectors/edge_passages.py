"""The e5 passage vector of Qdrant Edge's chunks: its search, and the background pass's
reads and writes (services/passage_vectors.py). A part of EdgeVectorStore."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import numpy as np

from backend.rag.vectors.store import PASSAGE, PassageHit, PendingPassage


class EdgePassages:
    _q: Any  # qdrant_edge's module
    _shard: Any
    _lock: threading.Lock | threading.RLock

    def _match(self, key: str, values: list[str]) -> Any:
        raise NotImplementedError

    def count(self, doc_id: str | None = None) -> int:
        raise NotImplementedError

    def search_passages(
        self, vector: np.ndarray, kb_ids: list[str] | None, limit: int
    ) -> list[PassageHit]:
        q = self._q
        request = q.QueryRequest(
            limit=limit,
            query=q.Query.Nearest(vector.tolist(), using=PASSAGE),
            filter=self._match("kb_id", kb_ids) if kb_ids else None,
            params=q.SearchParams(exact=True),
            with_payload=True,
            with_vector=False,
        )
        return [
            PassageHit(str(p.id), float(p.score), dict(p.payload or {}))
            for p in self._shard.query(request)
        ]

    def with_passage_vectors(self, point_ids: list[str]) -> set[str]:
        q = self._q
        ids = q.HasIdCondition({uuid.UUID(p) for p in point_ids})
        having = q.Filter(must=[ids, q.HasVectorCondition(PASSAGE)])
        records, _ = self._shard.scroll(q.ScrollRequest(
            limit=len(point_ids), filter=having, with_payload=False, with_vector=False
        ))
        return {str(r.id) for r in records}

    def missing_passages(self, limit: int) -> list[PendingPassage]:
        q = self._q
        records, _ = self._shard.scroll(q.ScrollRequest(
            limit=limit,
            filter=q.Filter(must_not=[q.HasVectorCondition(PASSAGE)]),
            with_payload=True,
            with_vector=False,
        ))
        return [PendingPassage(str(r.id), str((r.payload or {}).get("text", ""))) for r in records]

    def set_passages(self, chunks: list[PendingPassage], vectors: np.ndarray) -> int:
        q = self._q
        if not chunks:
            return 0
        with self._lock:  # deletes take it too: nothing vanishes between the two steps
            present = self._shard.retrieve([uuid.UUID(c.id) for c in chunks], True, False)
            texts = {str(r.id): (r.payload or {}).get("text") for r in present}
            batch = [
                q.PointVectors(chunk.id, {PASSAGE: vector.tolist()})
                for chunk, vector in zip(chunks, vectors, strict=True)
                if texts.get(chunk.id) == chunk.text
            ]
            if batch:
                self._shard.update(q.UpdateOperation.update_vectors(batch))
        return len(batch)

    def passage_counts(self) -> tuple[int, int]:
        q = self._q
        having = q.Filter(must=[q.HasVectorCondition(PASSAGE)])
        done = int(self._shard.count(q.CountRequest(exact=True, filter=having)))
        return done, self.count()
