"""The retriever's caches (what is kept, what is computed again, what is dropped) and
where the first passages' sentence vectors come from."""

from __future__ import annotations

import threading

import numpy as np

from backend.rag.bounded_cache import BoundedCache
from backend.rag.evidence_lists import ranked_lists
from backend.rag.fusion import ALL_STAGES
from backend.rag.retriever import HybridRetriever
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


class _ListStore:
    """Hits given as (id, text, dense MaxSim, BM25), returned in the order given."""

    def __init__(self, hits: list[tuple[str, str, float, float]]) -> None:
        self.hits = hits

    def search(self, query: SearchQuery) -> list[ChunkHit]:
        out = []
        for point, text, dense, bm25 in self.hits:
            payload = {"kb_id": "k", "doc_id": point, "filename": f"{point}.txt", "text": text}
            out.append(ChunkHit(point, 0.0, dict(payload), dense, keywords=bm25))
        return out

    def unit_vectors(self, point_ids: list[str]) -> dict[str, np.ndarray]:
        return {p: np.ones((1, 3), dtype=np.float32) / np.sqrt(3) for p in point_ids}


def _retriever(hits: list[tuple[str, str, float, float]]) -> HybridRetriever:
    return HybridRetriever(_ListStore(hits), _CountingEmbedder(), KeywordEncoder())  # type: ignore[arg-type]


def test_determinism_twin_chunks_rank_by_id_whatever_order_the_store_returns():
    twins = [("b", "The fee is 20 euros.", 0.5, 3.0), ("a", "The fee is 20 euros.", 0.5, 3.0)]
    first = [p.point_id for p in _retriever(twins).retrieve("What is the fee?", None, 2)]
    again = [p.point_id for p in _retriever(twins[::-1]).retrieve("What is the fee?", None, 2)]
    assert first == again == ["a", "b"]


def test_keyword_evidence_is_not_lost_to_a_denser_passage_in_the_same_language():
    hits = [
        ("dense", "The museum opened its doors to visitors.", 0.55, 2.0),
        ("keyword", "The Louvre Pyramid was completed in 1989 by Pei.", 0.45, 12.0),
    ]
    ranked = _retriever(hits).retrieve("When was the Louvre Pyramid completed?", None, 2)
    assert ranked[0].point_id == "keyword"


def test_keyword_evidence_weighs_little_when_it_covers_little_of_the_question():
    """Across languages the keyword side matches a stray name; dense decides."""
    hits = [
        ("meaning", "卢浮宫金字塔于一九八九年建成。", 0.5, 0.0),
        ("stray", "Pei 的其他作品包括许多建筑。", 0.3, 4.0),
    ]
    ranked = _retriever(hits).retrieve("When did Pei finish the Louvre Pyramid?", None, 2)
    assert ranked[0].point_id == "meaning"


def test_year_constraint_asked_year_beats_another_year():
    hits = [
        ("y2023", "In 2023 the annual report listed revenue of 5 million.", 0.6, 8.0),
        ("y2022", "In 2022 the annual report listed revenue of 4 million.", 0.58, 8.0),
    ]
    ranked = _retriever(hits).retrieve("What revenue did the 2022 annual report list?", None, 2)
    assert ranked[0].point_id == "y2022"


def test_ablation_switches_turn_a_ranking_stage_off():
    from backend.rag.fusion import Stages

    hits = [
        ("y2023", "In 2023 the annual report listed revenue of 5 million.", 0.6, 8.0),
        ("y2022", "In 2022 the annual report listed revenue of 4 million.", 0.58, 8.0),
    ]
    off = Stages(constraints=False, coverage=False)
    ranked = _retriever(hits).retrieve(
        "What revenue did the 2022 report list?", None, 2, stages=off
    )
    assert ranked[0].point_id == "y2023"  # without the rule, the denser twin wins


def test_boilerplate_repeated_across_documents_never_outranks_content():
    blurb = "Rate this article and leave a comment about the 2024 tax changes below."
    hits = [(f"page{n}", blurb, 0.6, 9.0) for n in range(3)]
    hits.append(("content", "The 2024 tax changes raise the allowance to 12,000.", 0.5, 6.0))
    ranked = _retriever(hits).retrieve("What are the 2024 tax changes?", None, 4)
    assert ranked[0].point_id == "content"


def test_coverage_the_words_that_ask_are_not_terms_the_answer_must_hold():
    """'How long can I borrow?' is answered by '21 days', which never says 'long'."""
    hits = [("rule", "Books can be borrowed for 21 days.", 0.3, 2.0)]
    ranked = _retriever(hits).retrieve("How long can I borrow?", None, 1)
    assert ranked[0].coverage == 1.0


def test_keyword_evidence_across_languages_is_left_out_of_the_fusion():
    """BM25 across languages matches a stray name or number ("Ford" in both the English
    question and a Chinese paragraph), not the question: only chunks in the question's
    language enter the keyword list, while the dense list keeps every chunk."""
    same = ChunkHit(
        "en", 0.0, {"text": "Ford closed its plant in Geelong in 2016."}, 0.4, keywords=2.0
    )
    other = ChunkHit("zh", 0.0, {"text": "福特（Ford）公司在澳大利亚设有工厂。"}, 0.5, keywords=6.0)
    coverage = {"en": 0.5, "zh": 0.2}
    dense, keywords = ranked_lists([same, other], coverage, ALL_STAGES, "en")
    assert set(dense.scores) == {"en", "zh"}
    assert set(keywords.scores) == {"en"}
    _, mixed = ranked_lists([same, other], coverage, ALL_STAGES)
    assert set(mixed.scores) == {"en", "zh"}  # no question language given: as before


def test_a_subject_no_candidate_names_is_not_covered_by_the_questions_common_words():
    """Asked about a station the knowledge base never names, the best passage holds the
    question's common words ("railway line"); weighted by how few candidates hold each
    term, those count for little and the missing name for much (relevance.py judges by
    the weighted share)."""
    hits = [
        (f"c{n}", f"The railway line number {n} runs through the valley.", 0.5, 3.0)
        for n in range(4)
    ]
    asked = "Which railway line serves Jiaxing?"
    best = _retriever(hits).retrieve(asked, None, 1)[0]
    assert best.coverage > 0.3
    assert best.rare_coverage < best.coverage / 2
    named = [*hits, ("named", "Jiaxing South station lies on the railway line.", 0.5, 3.0)]
    found = _retriever(named).retrieve(asked, None, 1)[0]
    assert found.point_id == "named" and found.rare_coverage > 3 * best.rare_coverage
