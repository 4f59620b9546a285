"""Hybrid retrieval: ranked lists of evidence (dense sentence vectors by MaxSim, BM25
keywords, and for the chunks the background pass has reached an e5 passage vector, whose
search brings candidates of its own) fused with weights, then a light re-rank: how many
of the question's terms the passage (with its file name and heading) holds, and whether
it carries the values the question pins down (years, versions, model names; constraints).

The fusion adds each list's normalised score times its weight. Dense scores are cosines
already on one scale. BM25 scores are divided by the best one of the question, then
scaled by how much of the question the best keyword match covers: in the same language
the keyword side finds most of the question's terms and weighs fully, across languages
it matches a stray name or number, so only chunks in the question's language enter the
keyword list (on the public sets with e5, en->zh para@1 .83 -> .87; never lower
elsewhere) and it never drowns the dense side that alone can work there.

The re-rank is what separates near-twins: two handbooks with the same sentence but
different numbers differ only in their company name, which sits in the file name or
heading, so term coverage over "file name + heading + text" picks the right twin.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

import numpy as np

from backend.rag.bounded_cache import BoundedCache
from backend.rag.constraints import constraints, unheld
from backend.rag.embedder import Embedder
from backend.rag.evidence_lists import e5_cosines, passage_evidence, ranked_lists
from backend.rag.fusion import (
    ALL_STAGES,
    BOILERPLATE_PENALTY,
    CROWD_MIN,
    E5_CROWD_PRIOR,
    PassageSearch,
    Stages,
    boilerplate,
    crowd_of,
    fuse,
)
from backend.rag.language import detect_language
from backend.rag.passage import Passage
from backend.rag.passage_rerank import QUANTITY_BONUS, labels, reranked
from backend.rag.question_terms import (
    asks_quantity,
    counted,
    identifiers,
    new_numbers,
    subject_words,
    word_prefixes,
)
from backend.rag.reference import opening_subject, points_back
from backend.rag.sparse import KeywordEncoder, keyword_text
from backend.rag.vectors.store import (
    ChunkHit,
    PassageHit,
    SearchQuery,
    VectorStore,
    candidates,
)

log = logging.getLogger(__name__)
# Sentence scores (the extractive answerer's choice): dense and the sentence's own
# coverage of the question's terms.
UNIT_DENSE_WEIGHT = 0.6
UNIT_COVERAGE_WEIGHT = 0.4
# Model numbers, years, codes and names tell near-twins apart ("X3" vs "X2", "2025" vs
# "2024", "Acme" vs "Globex"), so they weigh more than ordinary words in term coverage.
IDENTIFIER_WEIGHT = 3.0


# Only the first passages are read sentence by sentence (the extractive answer and the
# citation highlight); scoring every candidate's sentences would be wasted work.
DETAILED_PASSAGES = 3
QUERY_CACHE = 256
# Passages and sentences come back for question after question; their terms are kept
# (a few KB each) instead of tokenized again for every re-rank.
TERMS_CACHE = 1024


class HybridRetriever:
    def __init__(self, store: VectorStore, embedder: Embedder, keywords: KeywordEncoder) -> None:
        self.store = store
        self.embedder = embedder
        self.keywords = keywords
        # A regenerated answer or a repeated question does not pay the embedder again.
        self.embed_query = BoundedCache[str, np.ndarray](
            QUERY_CACHE, lambda question: self.embedder.embed([question])[0]
        )
        self._terms = BoundedCache[str, frozenset[int | str]](TERMS_CACHE, self._lexical_keys)
        self.passages: PassageSearch | None = None  # e5, set by the container when it runs

    def retrieve(
        self,
        question: str,
        kb_ids: list[str] | None,
        top_k: int,
        hybrid: bool = True,
        focus: str | None = None,
        stages: Stages = ALL_STAGES,
    ) -> list[Passage]:
        """Passages for `question`; their sentences are scored against `focus` when given
        (a follow-up is searched together with the earlier question, but it is the
        follow-up's own words that pick the sentence that answers it)."""
        e5_search = self.passage_search(question, kb_ids, top_k) if stages.passage else list
        query_vector = self.embed_query(question)
        query = SearchQuery(
            dense=query_vector,
            keywords=self.keywords.query(question),
            kb_ids=kb_ids,
            limit=top_k,
            hybrid=hybrid and stages.keywords,
            dense_search=stages.dense,
        )
        hits = self.store.search(query)
        # The light model's crowd, before the e5 list's own finds join (relevance.py's
        # thresholds were set on the light model's candidates alone).
        crowd = crowd_of([h.dense for h in hits])
        e5 = e5_search()
        e5_listed = e5[: candidates(top_k)]
        hits += self.e5_finds(query, hits, e5_listed)
        texts = {hit.id: keyword_text(*labels(hit), hit.text) for hit in hits}
        self.remember_terms(hits, texts)
        terms = self.weighted_terms(question, stages.identifiers, list(texts.values()))
        coverage = {point: self.coverage(terms, text) for point, text in texts.items()}
        fused = fuse(
            ranked_lists(hits, coverage, stages, detect_language(question))
            + passage_evidence(e5_listed)
        )
        asked = constraints(question) if stages.constraints else []
        quantity = question if stages.quantity and asks_quantity(question) else None
        if stages.boilerplate:
            for point in boilerplate(hits):
                fused[point] = fused.get(point, 0.0) - BOILERPLATE_PENALTY
        ranked = sorted(
            (reranked(hit, fused, coverage, asked, quantity, stages) for hit in hits),
            # Equal scores (twin chunks) are ordered by id, so the same question over the
            # same knowledge base always gives the same sources.
            key=lambda p: (-round(p.score, 9), p.point_id),
        )[:top_k]
        # relevance.py judges the first passage: only its cosine is looked up when left out
        judged = [p.point_id for p in ranked[:1]]
        e5_scores = e5_cosines(self.store, e5, judged, max(candidates(top_k), CROWD_MIN))
        e5_crowd = crowd_of([h.score for h in e5], E5_CROWD_PRIOR) if e5 else 0.0
        rare = self.rarity_weighted(terms, list(texts.values()))
        for passage in ranked:
            passage.rare_coverage = self.coverage(rare, texts[passage.point_id])
            passage.crowd = crowd
            passage.e5 = e5_scores.get(passage.point_id)
            passage.e5_crowd = e5_crowd
        if focus and focus != question:
            query_vector = self.embed_query(focus)
            terms = self.weighted_terms(focus)
            quantity = focus if asks_quantity(focus) else None
        for number, passage in enumerate(ranked, start=1):
            passage.index = number
        detailed = ranked[:DETAILED_PASSAGES]
        self._load_unit_vectors(detailed)
        for passage in detailed:
            self._score_units(passage, query_vector, terms, quantity)
        return ranked

    def passage_search(
        self, question: str, kb_ids: list[str] | None, limit: int
    ) -> Callable[[], list[PassageHit]]:
        """The e5 passage search, started now on its own thread (alongside the light
        model's query); call the result for its hits, best first. Empty until e5 is loaded
        and has vectors. It goes a crowd deep (CROWD_MIN), so that how far the best hit
        stands out from the median (relevance.py) is measured on as many candidates as the
        light model's; only the first `candidates(limit)` enter the fusion."""
        if self.passages is None or not self.passages.ready():
            return list
        future = self.passages.search(question, kb_ids, max(candidates(limit), CROWD_MIN))

        def hits() -> list[PassageHit]:
            try:
                return future.result()
            except Exception:  # e5 is a bonus: the light model's lists still answer
                log.exception("the e5 passage search failed")
                return []

        return hits

    def e5_finds(
        self, query: SearchQuery, hits: list[ChunkHit], e5: list[PassageHit]
    ) -> list[ChunkHit]:
        """The chunks the e5 list found that the light model's and the keyword lists did
        not, scored by those lists too, so that they compete on the same evidence. Across
        languages the light model misses chunks that e5 ranks first; without this, e5
        could only reorder the light model's candidates."""
        known = {h.id for h in hits}
        found = [h.id for h in e5 if h.id not in known]
        return self.store.hits_among(query, found) if found else []

    def _load_unit_vectors(self, passages: list[Passage]) -> None:
        """Sentence vectors for the passages read sentence by sentence: from the store, or
        (a chunk stored before its sentences had vectors of their own) embedded now."""
        missing = [p.point_id for p in passages if p.unit_vectors is None]
        found = self.store.unit_vectors(missing) if missing else {}
        for passage in passages:
            if passage.unit_vectors is None:
                passage.unit_vectors = found.get(passage.point_id)
            if passage.unit_vectors is None or len(passage.unit_vectors) != len(passage.units):
                passage.unit_vectors = self.embedder.embed(
                    [passage.text[u.start : u.end] for u in passage.units]
                )

    def lexical_keys(self, text: str) -> frozenset[int | str]:
        """BM25 terms plus five-letter prefixes of English words, so that 'employees' and
        'employed' meet even where the stemmer parts them."""
        return self._terms(text)

    def remember_terms(self, hits: list[ChunkHit], texts: dict[str, str]) -> None:
        """Keep the keys of each hit whose stored keyword terms came along: the same BM25
        terms `_lexical_keys` would tokenize the chunk's keyword text again for."""
        for hit in hits:
            if hit.keyword_terms is not None:
                text = texts[hit.id]
                self._terms.offer(text, hit.keyword_terms | word_prefixes(text))

    def _lexical_keys(self, text: str) -> frozenset[int | str]:
        keys: set[int | str] = set(self.keywords.terms(text))
        keys.update(word_prefixes(text))
        return frozenset(keys)

    def weighted_terms(
        self, question: str, named: bool = True, candidates: list[str] | None = None
    ) -> dict[int | str, float]:
        """The question's terms to cover, identifiers weighted up; a value whose kind no
        candidate carries (constraints.unheld) is dropped rather than counted as missing."""
        weights = dict.fromkeys(self.lexical_keys(subject_words(question)), 1.0)
        for word in identifiers(question) if named else []:
            for term in self.lexical_keys(word):
                weights[term] = IDENTIFIER_WEIGHT
        for value in unheld(question, candidates) if candidates else ():
            for term in self.lexical_keys(value):
                weights.pop(term, None)
        return weights

    def rarity_weighted(
        self, terms: dict[int | str, float], texts: list[str]
    ) -> dict[int | str, float]:
        """The question's terms, each weighted by how few of the candidates hold it (an IDF
        over the candidates): a term most candidates share says little about whether one
        of them is about the question. Chinese terms are character pairs, many of them
        spurious ("的分"); weighed so, a question about a subject the knowledge base never
        names stops looking half-covered by its common words (relevance.py)."""
        held = [self.lexical_keys(text) for text in texts]
        count = len(held)
        return {
            term: weight * math.log(1 + count / (1 + sum(term in h for h in held)))
            for term, weight in terms.items()
        }

    def _opening_subject(self, passage: Passage) -> frozenset[int | str]:
        """The keys of the subject the passage opens with (reference.py): a sentence that
        points back to it holds it."""
        if not passage.units:
            return frozenset()
        first = passage.units[0]
        return self.lexical_keys(opening_subject(passage.text[first.start : first.end]))

    def coverage(
        self, terms: dict[int | str, float], text: str, context: frozenset[int | str] = frozenset()
    ) -> float:
        """The weighted share of the question's terms that the text (or its context) holds."""
        if not terms:
            return 0.0
        present = self.lexical_keys(text) | context
        return sum(w for t, w in terms.items() if t in present) / sum(terms.values())

    def _score_units(
        self,
        passage: Passage,
        query: np.ndarray,
        terms: dict[int | str, float],
        quantity: str | None,
    ) -> None:
        """Add each sentence's own term coverage (and answer-type fit) to its dense score.
        Terms the file name or heading carry count as held by every sentence under them:
        they do not tell one sentence of the passage from another ('City Library' in
        'city_library_rules.txt'), but they do tell the X3 manual's sentence from the X2
        manual's when the answerer weighs sentences of several passages."""
        context = self.lexical_keys(keyword_text(passage.filename, passage.heading, ""))
        asked = dict.fromkeys(terms, 1.0)
        # Of two sentences with a number, the one naming what is counted answers.
        for term in self.lexical_keys(counted(quantity or "")):
            asked[term] = IDENTIFIER_WEIGHT
        dense = passage.unit_vectors @ query if passage.unit_vectors is not None else None
        subject = context | self._opening_subject(passage)
        for number, unit in enumerate(passage.units):
            sentence = passage.text[unit.start : unit.end]
            unit.score = UNIT_DENSE_WEIGHT * float(dense[number]) if dense is not None else 0.0
            held = subject if number > 0 and points_back(sentence) else context
            unit.score += UNIT_COVERAGE_WEIGHT * self.coverage(asked, sentence, held)
            if quantity and new_numbers(sentence, quantity):
                unit.score += QUANTITY_BONUS
