"""The vector-store adapter: one interface over Qdrant Edge, qdrant-client local mode and a
Qdrant server. Same data model everywhere: a named multivector `dense` (one row per
sentence unit, MaxSim), a named sparse `keywords` (BM25 with Qdrant's IDF modifier),
payload indexes on kb_id and doc_id, and hybrid search fused by RRF inside Qdrant.

A second dense model, multilingual-e5-small, adds an optional named vector `passage`: one
384-dim vector per chunk (cosine), written after import by a background pass
(services/reembed.py), so a chunk may not have it yet.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from backend.rag.sparse import SparseTerms

DENSE = "dense"
KEYWORDS = "keywords"
PASSAGE = "passage"
PASSAGE_DIMENSION = 384  # multilingual-e5-small
PREFETCH_FACTOR = 4
PREFETCH_MIN = 40
RERANK_MIN = 12


def candidates(limit: int) -> int:
    """How many fused hits come back for the re-rank: enough to reorder, few enough that
    their sentence vectors cost little to ship."""
    return max(limit * 2, RERANK_MIN)


RRF_K = 60
PAGE = 256  # points per page when a knowledge base is read whole


@dataclass
class ChunkPoint:
    """One chunk as stored: identity, payload and vectors."""

    kb_id: str
    doc_id: str
    filename: str
    page: int | None
    chunk_index: int
    text: str
    heading: str
    units: list[tuple[int, int]]
    dense: np.ndarray  # (len(units), dim)
    keywords: SparseTerms
    passage: np.ndarray | None = None  # (PASSAGE_DIMENSION,), or None until re-embedded

    @property
    def id(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.doc_id}/{self.chunk_index}"))

    def payload(self) -> dict[str, Any]:
        return {
            "kb_id": self.kb_id,
            "doc_id": self.doc_id,
            "filename": self.filename,
            "page": self.page,
            "chunk_index": self.chunk_index,
            "text": self.text,
            "heading": self.heading,
            "units": [list(u) for u in self.units],
        }

    @classmethod
    def stored(
        cls, payload: dict[str, Any], vectors: dict[str, Any], dense: np.ndarray
    ) -> ChunkPoint:
        """A point read back from a store (the inverse of `payload()`); `dense` is its
        sentence vectors as float32, decoded by the store."""
        keywords = vectors.get(KEYWORDS)
        passage = vectors.get(PASSAGE)
        return cls(
            kb_id=str(payload["kb_id"]),
            doc_id=str(payload["doc_id"]),
            filename=str(payload.get("filename", "")),
            page=payload.get("page"),
            chunk_index=int(payload["chunk_index"]),
            text=str(payload.get("text", "")),
            heading=str(payload.get("heading", "")),
            units=[(int(a), int(b)) for a, b in payload.get("units") or []],
            dense=dense,
            keywords=SparseTerms(list(keywords.indices), list(keywords.values))
            if keywords is not None
            else SparseTerms([], []),
            passage=np.asarray(passage, dtype=np.float32) if passage is not None else None,
        )


@dataclass
class ChunkHit:
    """A fused hit: its RRF score, its payload, and the question's MaxSim over its
    sentences (`dense`). Its sentence vectors come along when the store had them at hand
    (one round trip to a server); otherwise `VectorStore.unit_vectors` fetches them for the
    few passages that are read sentence by sentence."""

    id: str
    score: float
    payload: dict[str, Any]
    dense: float
    unit_vectors: np.ndarray | None = None
    keywords: float = 0.0  # the question's BM25 score for this chunk; 0 if no term matched
    # the term ids of its stored keyword vector (sparse.keyword_text's terms), when the
    # store sent them along: the retriever need not tokenize the chunk again
    keyword_terms: frozenset[int] | None = None

    @property
    def text(self) -> str:
        return str(self.payload.get("text", ""))


def keyword_terms(vector: Any) -> frozenset[int] | None:
    """The term ids of a stored keyword vector as a store returns it (None if absent)."""
    return None if vector is None else frozenset(int(i) for i in vector.indices)


def in_rrf_order(hits: list[ChunkHit]) -> list[ChunkHit]:
    """The union of the dense and keyword lists, best first by plain RRF over the two (the
    retriever fuses them again with its own weights); ties by id, so the order is stable."""
    fused: dict[str, float] = {h.id: 0.0 for h in hits}
    for value in (lambda h: h.dense, lambda h: h.keywords):
        ranked = sorted((h for h in hits if value(h) > 0), key=lambda h: (-value(h), h.id))
        for rank, hit in enumerate(ranked):
            fused[hit.id] += 1.0 / (RRF_K + rank + 1)
    for hit in hits:
        hit.score = fused[hit.id]
    return sorted(hits, key=lambda h: (-h.score, h.id))


@dataclass(frozen=True)
class PassageHit:
    """A chunk found by its whole-passage vector: cosine similarity and payload."""

    id: str
    score: float
    payload: dict[str, Any]


@dataclass(frozen=True)
class PendingPassage:
    """A chunk still without a passage vector, with the text to embed."""

    id: str
    text: str


@dataclass(frozen=True)
class SearchQuery:
    dense: np.ndarray  # (dim,)
    keywords: SparseTerms
    kb_ids: list[str] | None
    limit: int
    hybrid: bool = True  # the keyword list too (off: dense only)
    dense_search: bool = True  # the dense list (off: keywords only, for the ablation)


class VectorStore(Protocol):
    engine: str

    def upsert(self, points: list[ChunkPoint]) -> None: ...
    def delete_document(self, doc_id: str) -> None: ...
    def delete_kb(self, kb_id: str) -> None: ...
    def points_of_kb(self, kb_id: str, doc_id: str | None = None) -> Iterator[ChunkPoint]:
        """Every point of a knowledge base (or of one of its documents) with its payload
        and all its vectors, a page at a time (a package export, a renamed file; `upsert`
        writes them back as they are)."""
        ...

    def document_counts(self) -> dict[str, int]:
        """Points per document, in one pass (start-up reconciliation)."""
        ...

    def count(self, doc_id: str | None = None) -> int: ...
    def search(self, query: SearchQuery) -> list[ChunkHit]: ...
    def hits_among(self, query: SearchQuery, point_ids: list[str]) -> list[ChunkHit]:
        """These chunks (found by another list) as hits of the question, with the MaxSim
        and BM25 scores `search` gives its own; ids no longer stored are left out."""
        ...

    def unit_vectors(self, point_ids: list[str]) -> dict[str, np.ndarray]:
        """The sentence vectors of these points (float32, one row per unit)."""
        ...

    def search_passages(
        self, vector: np.ndarray, kb_ids: list[str] | None, limit: int
    ) -> list[PassageHit]:
        """Chunks by cosine of their passage vector (only chunks that have one)."""
        ...

    def with_passage_vectors(self, point_ids: list[str]) -> set[str]:
        """Which of these chunks have a passage vector."""
        ...

    def missing_passages(self, limit: int) -> list[PendingPassage]:
        """Up to `limit` chunks without a passage vector: the re-embedding pass's work."""
        ...

    def set_passages(self, chunks: list[PendingPassage], vectors: np.ndarray) -> int:
        """Store each chunk's passage vector if the chunk still holds the text it was
        embedded from (it may be gone or re-imported by now); how many were stored."""
        ...

    def passage_counts(self) -> tuple[int, int]:
        """(chunks with a passage vector, all chunks)."""
        ...

    def flush(self) -> None: ...
    def close(self) -> None: ...
