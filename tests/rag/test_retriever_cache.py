"""The retriever's caches: what is kept, what is computed again, what is dropped."""

from __future__ import annotations

import threading

from backend.rag.retriever import BoundedCache, HybridRetriever
from backend.rag.sparse import KeywordEncoder


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
        import numpy as np

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
