"""The e5 passage list brings candidates of its own: a chunk that only e5 finds (across
languages the light model misses it) joins the light model's and the keyword lists'
candidates, scored by them too, instead of e5 only reordering what the light model found."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import replace

import numpy as np

from backend.rag.fusion import ALL_STAGES
from backend.rag.retriever import HybridRetriever
from backend.rag.sparse import KeywordEncoder
from backend.rag.vectors.store import ChunkHit, PassageHit, SearchQuery

# id -> (text, the light model's MaxSim, BM25); the light search returns only LIGHT_FOUND.
STORED = {
    "a": ("Die Bibliothek schließt um acht Uhr.", 0.40, 0.0),
    "b": ("Der Park ist groß und grün.", 0.38, 0.0),
    "c": ("Bücher dürfen drei Wochen ausgeliehen werden.", 0.30, 0.0),
}
LIGHT_FOUND = ["a", "b"]


def _hit(point: str) -> ChunkHit:
    text, dense, bm25 = STORED[point]
    payload = {"kb_id": "k", "doc_id": point, "filename": f"{point}.txt", "text": text}
    return ChunkHit(point, dense, payload, dense, keywords=bm25)


class _Store:
    def __init__(self) -> None:
        self.among: list[list[str]] = []

    def search(self, query: SearchQuery) -> list[ChunkHit]:
        return [_hit(p) for p in LIGHT_FOUND]

    def hits_among(self, query: SearchQuery, point_ids: list[str]) -> list[ChunkHit]:
        self.among.append(list(point_ids))
        return [_hit(p) for p in point_ids if p in STORED]

    def unit_vectors(self, point_ids: list[str]) -> dict[str, np.ndarray]:
        return {p: np.ones((1, 3), dtype=np.float32) / np.sqrt(3) for p in point_ids}


class _Embedder:
    name, dimension = "fixed", 3

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), 3), dtype=np.float32) / np.sqrt(3)

    def close(self) -> None: ...


class _E5:
    """e5 puts "c" (the answer, which the light model did not list) well above the rest."""

    def ready(self) -> bool:
        return True

    def search(
        self, question: str, kb_ids: list[str] | None, limit: int
    ) -> Future[list[PassageHit]]:
        found: Future[list[PassageHit]] = Future()
        scores = {"c": 0.90, "a": 0.80, "b": 0.79}
        found.set_result([PassageHit(p, s, {}) for p, s in scores.items()][:limit])
        return found


def _retriever() -> tuple[HybridRetriever, _Store]:
    store = _Store()
    retriever = HybridRetriever(store, _Embedder(), KeywordEncoder())  # type: ignore[arg-type]
    retriever.passages = _E5()
    return retriever, store


def test_a_chunk_only_e5_finds_enters_the_candidates_and_can_rank_first():
    retriever, store = _retriever()
    question = "How long can I borrow a book?"
    ranked = retriever.retrieve(question, None, top_k=3)
    assert ranked[0].point_id == "c"
    assert store.among == [["c"]]  # only the chunk the light lists lacked is scored again
    assert ranked[0].e5 == 0.90 and ranked[0].dense == STORED["c"][1]
    # The same question gives the same sources.
    assert [p.point_id for p in retriever.retrieve(question, None, top_k=3)] == [
        p.point_id for p in ranked
    ]


def test_without_the_e5_list_only_the_light_models_candidates_rank():
    retriever, store = _retriever()
    ranked = retriever.retrieve(
        "How long can I borrow a book?", None, top_k=3, stages=replace(ALL_STAGES, passage=False)
    )
    assert [p.point_id for p in ranked] == ["a", "b"]
    assert store.among == []


def test_the_relevance_crowd_is_the_light_models_candidates_alone():
    """relevance.py's thresholds were set on the light model's crowd: an e5 find joining
    the candidates does not move it."""
    with_e5, _ = _retriever()
    without, _ = _retriever()
    without.passages = None
    a = with_e5.retrieve("How long can I borrow a book?", None, top_k=3)
    b = without.retrieve("How long can I borrow a book?", None, top_k=3)
    assert a[0].crowd == b[0].crowd


class _VectorsOf:
    def __init__(self, having: set[str]) -> None:
        self.having, self.asked = having, []  # type: ignore[var-annotated]

    def with_passage_vectors(self, point_ids: list[str]) -> set[str]:
        self.asked.append(list(point_ids))
        return self.having & set(point_ids)


def test_a_chunk_e5_left_out_though_it_has_a_vector_gets_at_most_the_lists_last_cosine():
    from backend.rag.evidence_lists import e5_cosines

    listed = [PassageHit("x", 0.90, {}), PassageHit("y", 0.84, {})]
    store = _VectorsOf({"a"})
    cosines = e5_cosines(store, listed, ["x", "a", "b"], depth=2)  # type: ignore[arg-type]
    # "a" has a vector but ranked below the list; "b" has none (the pass has not reached it)
    assert cosines == {"x": 0.90, "y": 0.84, "a": 0.84}
    # A list shorter than its depth holds every chunk that has a vector: nothing to ask.
    assert e5_cosines(store, listed, ["x", "a"], depth=40) == {"x": 0.90, "y": 0.84}  # type: ignore[arg-type]
    assert store.asked == [["a", "b"]]
