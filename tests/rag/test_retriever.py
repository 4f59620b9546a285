"""The retriever's caches (what is kept, what is computed again, what is dropped) and
where the first passages' sentence vectors come from."""

from __future__ import annotations

import threading

import numpy as np

from backend.rag.retriever import BoundedCache, HybridRetriever
from backend.rag.sparse import KeywordEncoder
from backend.rag.vectors.store import ChunkHit, SearchQuery


def test_bounded_cache_computes_once_and_drops_the_least_recently_used():
    calls: list[str] = []
    cache = BoundedCache[str, str](2, lambda key: calls.append(key) or key.upper())
    assert cache("a") == "A" and cache("b") == "B" and cache("a") == "A"
    assert calls == ["a", "b"]
    cache("c")  # "b" is now the least recently used: it goes
    assert cache("a") == "A" and calls == ["a", "b", "c"]
    assert cache("b") == "B" and calls == ["a", "b", "c", "b"]


def test_bounded_cache_serves_threads_consistent_values():
    cache = BoundedCache[int, int](64, lambda key: key * key)
    errors: list[int] = []

    def work() -> None:
        for n in range(500):
            if cache(n % 100) != (n % 100) ** 2:
                errors.append(n)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(cache._values) <= 64


class _CountingEmbedder:
    name, dimension = "counting", 3

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed(self, texts: list[str]):  # type: ignore[no-untyped-def]
        self.texts += texts
        return np.ones((len(texts), 3), dtype=np.float32) / np.sqrt(3)

    def close(self) -> None: ...


def test_question_vectors_and_passage_terms_are_reused():
    embedder = _CountingEmbedder()
    retriever = HybridRetriever(store=None, embedder=embedder, keywords=KeywordEncoder())  # type: ignore[arg-type]
    retriever.embed_query("年假有几天？")
    retriever.embed_query("年假有几天？")
    assert embedder.texts == ["年假有几天？"]
    text = "员工每年享有带薪年假 15 天。Employees get 15 days of paid leave."
    keys = retriever.lexical_keys(text)
    assert retriever.lexical_keys(text) is keys  # kept, not tokenized again
    assert "emplo" in keys and retriever.keywords.terms("年假") <= keys


class _TwoHitStore:
    """Two hits without vectors; the store knows the sentence vectors of the first only
    (the second chunk was stored before its sentences had vectors of their own)."""

    def __init__(self) -> None:
        self.asked: list[list[str]] = []

    def search(self, query: SearchQuery) -> list[ChunkHit]:
        def hit(point: str, text: str, dense: float) -> ChunkHit:
            payload = {
                "kb_id": "k",
                "doc_id": point,
                "filename": f"{point}.md",
                "text": text,
                "units": [[0, len(text)]],
            }
            return ChunkHit(point, 0.5, payload, dense)

        return [
            hit("a", "Books may be borrowed for 21 days.", 0.9),
            hit("b", "Fines are low.", 0.2),
        ]

    def unit_vectors(self, point_ids: list[str]) -> dict[str, np.ndarray]:
        self.asked.append(point_ids)
        return {"a": np.ones((1, 3), dtype=np.float32) / np.sqrt(3)} if "a" in point_ids else {}


def test_first_passages_get_sentence_vectors_from_the_store_or_else_the_embedder():
    embedder, store = _CountingEmbedder(), _TwoHitStore()
    retriever = HybridRetriever(store, embedder, KeywordEncoder())  # type: ignore[arg-type]
    passages = retriever.retrieve("How long can I borrow a book?", None, top_k=2)
    assert [p.doc_id for p in passages] == ["a", "b"]
    assert store.asked == [["a", "b"]]  # one call for the passages read sentence by sentence
    assert embedder.texts == ["How long can I borrow a book?", "Fines are low."]
    assert all(p.units[0].score > 0 for p in passages)
