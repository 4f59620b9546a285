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
from collections.abc import Callable

import numpy as np

from backend.rag.bounded_cache import BoundedCache
from backend.rag.constraints import Constraint, constraints, fit, unheld
from backend.rag.embedder import Embedder
from backend.rag.fusion import (
    ALL_STAGES,
    BOILERPLATE_PENALTY,
    CROWD_MIN,
    E5_CROWD_PRIOR,
    Evidence,
    PassageSearch,
    Stages,
    boilerplate,
    crowd_of,
    fuse,
)
from backend.rag.language import detect_language
from backend.rag.passage import Passage, UnitScore
from backend.rag.question_terms import (
    asks_quantity,
    counted,
    identifiers,
    new_numbers,
    subject_words,
    word_prefixes,
)
from backend.rag.sparse import KeywordEncoder, keyword_text
from backend.rag.vectors.store import (
    ChunkHit,
    PassageHit,
    SearchQuery,
    VectorStore,
    candidates,
)

log = logging.getLogger(__name__)
DENSE_WEIGHT = 0.6
KEYWORD_WEIGHT = 0.6
# The e5 passage list (documents the background pass has reached): cosine above the
# weakest hit of the list, so a chunk without a passage vector yet is not pushed down by
# more than e5's own spread. scripts/bench/passage_weight.py (80 paragraphs, 100 questions
# a set), hit@1 at weights 0 / 0.6 / 1 / 1.5 / 4: XQuAD zh->en .76 .83 .86 .86 .85, en->zh
# .78 .82 .85 .85 .87, en and zh .97 throughout, CMRC 1.00. Once e5's own finds joined the
# candidates (e5_finds), the in-process bench (80 paragraphs, 30 questions a set) ranked
# zh->en first .87 at 1 and .97 at 2 (en->zh .87, same-language sets 1.00 at both; end to
# end zh->en para@1 .73 -> .83, not-found across languages .90/.90 -> .87/.93).
PASSAGE_WEIGHT = 2.0
# The re-rank: term coverage with identifiers weighted up, and the constraint fit.
COVERAGE_WEIGHT = 0.1
CONSTRAINT_WEIGHT = 0.1
# Sentence scores (the extractive answerer's choice): dense and the sentence's own
# coverage of the question's terms.
UNIT_DENSE_WEIGHT = 0.6
UNIT_COVERAGE_WEIGHT = 0.4
# Model numbers, years, codes and names tell near-twins apart ("X3" vs "X2", "2025" vs
# "2024", "Acme" vs "Globex"), so they weigh more than ordinary words in term coverage.
IDENTIFIER_WEIGHT = 3.0
# A question that asks for an amount is answered by a passage holding a number it does
# not already contain ("how many employees in 2024" -> "employed 230 people").
QUANTITY_BONUS = 0.08


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
        texts = {hit.id: keyword_text(*_labels(hit), hit.text) for hit in hits}
        terms = self.weighted_terms(question, stages.identifiers, list(texts.values()))
        coverage = {point: self.coverage(terms, text) for point, text in texts.items()}
        fused = fuse(
            self.evidence(hits, coverage, stages, detect_language(question))
            + passage_evidence(e5_listed)
        )
        asked = constraints(question) if stages.constraints else []
        quantity = question if stages.quantity and asks_quantity(question) else None
        if stages.boilerplate:
            for point in boilerplate(hits):
                fused[point] = fused.get(point, 0.0) - BOILERPLATE_PENALTY
        ranked = sorted(
            (self._passage(hit, fused, coverage, asked, quantity, stages) for hit in hits),
            # Equal scores (twin chunks) are ordered by id, so the same question over the
            # same knowledge base always gives the same sources.
            key=lambda p: (-round(p.score, 9), p.point_id),
        )[:top_k]
        e5_scores = {h.id: h.score for h in e5}
        e5_crowd = crowd_of(list(e5_scores.values()), E5_CROWD_PRIOR) if e5 else 0.0
        for passage in ranked:
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
        for number, unit in enumerate(passage.units):
            sentence = passage.text[unit.start : unit.end]
            unit.score = UNIT_DENSE_WEIGHT * float(dense[number]) if dense is not None else 0.0
            unit.score += UNIT_COVERAGE_WEIGHT * self.coverage(asked, sentence, context)
            if quantity and new_numbers(sentence, quantity):
                unit.score += QUANTITY_BONUS

    def evidence(
        self,
        hits: list[ChunkHit],
        coverage: dict[str, float],
        stages: Stages,
        language: str = "",
    ) -> list[Evidence]:
        """The ranked lists to fuse (see the module docstring for their scales). With
        fusion weights on, the keyword list holds only the chunks in the question's
        language: across languages BM25 matches a stray name or number, not the
        question."""
        lists = []
        if stages.dense:
            lists.append(Evidence("dense", DENSE_WEIGHT, {h.id: h.dense for h in hits}))
        if stages.fusion_weights and language:
            hits = [h for h in hits if detect_language(h.text) == language]
        best = max((h.keywords for h in hits), default=0.0)
        if stages.keywords and best > 0:
            gate = (
                max((coverage[h.id] for h in hits), default=0.0) if stages.fusion_weights else 1.0
            )
            weight = KEYWORD_WEIGHT if stages.fusion_weights else DENSE_WEIGHT
            scores = {h.id: gate * h.keywords / best for h in hits}
            lists.append(Evidence("keywords", weight, scores))
        return lists

    def _passage(
        self,
        hit: ChunkHit,
        fused: dict[str, float],
        coverage: dict[str, float],
        asked: list[Constraint],
        quantity: str | None,
        stages: Stages,
    ) -> Passage:
        payload = hit.payload
        text = hit.text
        filename, heading = _labels(hit)
        score = fused.get(hit.id, 0.0)
        if stages.coverage:
            score += COVERAGE_WEIGHT * coverage[hit.id]
        if asked:
            score += CONSTRAINT_WEIGHT * fit(asked, keyword_text(filename, heading, text))
        if quantity and new_numbers(text, quantity):
            score += QUANTITY_BONUS
        spans = [tuple(u) for u in payload.get("units") or [(0, len(text))]]
        return Passage(
            index=0,
            kb_id=str(payload.get("kb_id")),
            doc_id=str(payload.get("doc_id")),
            filename=filename,
            page=payload.get("page"),
            text=text,
            heading=heading,
            score=score,
            dense=hit.dense,
            coverage=coverage[hit.id],
            keywords=hit.keywords,
            units=[UnitScore(a, b, 0.0) for a, b in spans],  # scored for the first few only
            unit_vectors=hit.unit_vectors,
            point_id=hit.id,
        )


def passage_evidence(hits: list[PassageHit]) -> list[Evidence]:
    """The e5 list: cosine above the weakest hit of the list (see PASSAGE_WEIGHT)."""
    if not hits:
        return []
    floor = min(h.score for h in hits)
    return [Evidence("passage", PASSAGE_WEIGHT, {h.id: h.score - floor for h in hits})]


def _labels(hit: ChunkHit) -> tuple[str, str]:
    return str(hit.payload.get("filename", "")), str(hit.payload.get("heading", ""))
