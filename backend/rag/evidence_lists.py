"""The ranked lists that retrieval fuses (fusion.py), each with its weight: the light
model's dense MaxSim, BM25 keywords in the question's language, and the e5 passage list.
See retriever.py's docstring for their scales."""

from __future__ import annotations

from backend.rag.fusion import Evidence, Stages
from backend.rag.language import detect_language
from backend.rag.vectors.store import ChunkHit, PassageHit, VectorStore

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


def ranked_lists(
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
        gate = max((coverage[h.id] for h in hits), default=0.0) if stages.fusion_weights else 1.0
        weight = KEYWORD_WEIGHT if stages.fusion_weights else DENSE_WEIGHT
        scores = {h.id: gate * h.keywords / best for h in hits}
        lists.append(Evidence("keywords", weight, scores))
    return lists


def passage_evidence(hits: list[PassageHit]) -> list[Evidence]:
    """The e5 list: cosine above the weakest hit of the list (see PASSAGE_WEIGHT)."""
    if not hits:
        return []
    floor = min(h.score for h in hits)
    return [Evidence("passage", PASSAGE_WEIGHT, {h.id: h.score - floor for h in hits})]


def e5_cosines(
    store: VectorStore, e5: list[PassageHit], point_ids: list[str], depth: int
) -> dict[str, float]:
    """Each chunk's e5 cosine. A chunk the e5 list (searched `depth` deep) left out although
    it has a passage vector ranks below the whole list: its cosine is at most the list's
    last, which is what it gets, so that relevance.py judges it by e5 like any other
    instead of by the light model alone as if the background pass had not reached it."""
    scores = {h.id: h.score for h in e5}
    left_out = [point for point in point_ids if point not in scores]
    if not left_out or len(e5) < depth:
        return scores  # a short list (or none) holds every chunk that has a vector
    last = min(scores.values())
    return scores | dict.fromkeys(store.with_passage_vectors(left_out), last)
