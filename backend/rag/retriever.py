"""Hybrid retrieval: dense (sentence units, MaxSim) + BM25 keywords fused by RRF in Qdrant,
then a light re-rank that weighs how well the best sentence matches and how many of the
question's terms the passage (with its file name and heading) holds.

The re-rank is what separates near-twins: two handbooks with the same sentence but
different numbers differ only in their company name, which sits in the file name or
heading, so term coverage over "file name + heading + text" picks the right twin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from backend.rag.embedder import Embedder
from backend.rag.sparse import KeywordEncoder
from backend.rag.vector_store import ChunkHit, SearchQuery, VectorStore

DENSE_WEIGHT = 0.6
COVERAGE_WEIGHT = 0.4


@dataclass
class UnitScore:
    start: int
    end: int
    score: float


@dataclass
class Passage:
    """A retrieved chunk, ready to be cited."""

    index: int
    kb_id: str
    doc_id: str
    filename: str
    page: int | None
    text: str
    heading: str
    score: float
    dense: float
    coverage: float
    units: list[UnitScore] = field(default_factory=list)

    def to_source(self) -> dict[str, object]:
        return {
            "index": self.index, "kb_id": self.kb_id, "doc_id": self.doc_id,
            "filename": self.filename, "page": self.page, "text": self.text,
            "score": round(self.score, 4),
        }


def document_label(filename: str) -> str:
    """The file name as words: 'acme_handbook-2025.pdf' -> 'acme handbook 2025'."""
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    return re.sub(r"[_\-.]+", " ", stem).strip()[:80]


def keyword_text(filename: str, heading: str, text: str) -> str:
    return f"{document_label(filename)}\n{heading}\n{text}"


class HybridRetriever:
    def __init__(self, store: VectorStore, embedder: Embedder, keywords: KeywordEncoder) -> None:
        self.store = store
        self.embedder = embedder
        self.keywords = keywords

    def retrieve(
        self, question: str, kb_ids: list[str] | None, top_k: int, hybrid: bool = True
    ) -> list[Passage]:
        query_vector = self.embedder.embed([question])[0]
        query_terms = self.keywords.query(question)
        hits = self.store.search(SearchQuery(
            dense=query_vector, keywords=query_terms, kb_ids=kb_ids, limit=top_k, hybrid=hybrid))
        terms = set(query_terms.indices)
        ranked = sorted(
            (self._score(hit, rank, query_vector, terms) for rank, hit in enumerate(hits)),
            key=lambda p: p.score, reverse=True,
        )[:top_k]
        for number, passage in enumerate(ranked, start=1):
            passage.index = number
        return ranked

    def _score(self, hit: ChunkHit, rank: int, query: np.ndarray, terms: set[int]) -> Passage:
        payload = hit.payload
        text = hit.text
        spans = [tuple(u) for u in payload.get("units") or [(0, len(text))]]
        if hit.unit_vectors is not None and len(hit.unit_vectors) == len(spans):
            unit_scores = hit.unit_vectors @ query
        else:
            unit_scores = self.embedder.embed([text[a:b] for a, b in spans]) @ query
        filename = str(payload.get("filename", ""))
        heading = str(payload.get("heading", ""))
        coverage = self._coverage(terms, keyword_text(filename, heading, text))
        dense = float(np.max(unit_scores)) if len(unit_scores) else 0.0
        score = DENSE_WEIGHT * dense + COVERAGE_WEIGHT * coverage + 0.001 / (1 + rank)
        units = [UnitScore(a, b, float(s)) for (a, b), s in zip(spans, unit_scores)]
        return Passage(
            index=0, kb_id=str(payload.get("kb_id")), doc_id=str(payload.get("doc_id")),
            filename=filename, page=payload.get("page"), text=text, heading=heading,
            score=score, dense=dense, coverage=coverage, units=units,
        )

    def _coverage(self, terms: set[int], text: str) -> float:
        if not terms:
            return 0.0
        return len(terms & self.keywords.terms(text)) / len(terms)
