"""Ranked lists of evidence fused with weights, the switches of the ranking stages, and
two facts about the candidates of a question: which are boilerplate and how much the best
one must stand out from the crowd."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from backend.rag.normalize import fold
from backend.rag.vectors.store import ChunkHit, PassageHit

# Text found in this many documents is the site's or the template's, not the content's.
BOILERPLATE_DOCUMENTS = 3
BOILERPLATE_PENALTY = 1.0
# The median MaxSim of the candidates of a question over the public sets' knowledge
# bases was 0.15 to 0.29 (p10-p90), 0.21 at the median; a search holds 40 or more.
CROWD_PRIOR = 0.2
CROWD_MIN = 40
# The same for e5 passage cosines, which sit higher and closer together (multilingual-e5
# puts unrelated text near 0.75): measured in calibration, see relevance.py.
E5_CROWD_PRIOR = 0.78


@dataclass(frozen=True)
class Stages:
    """Which ranking stages run; all on in the app. The quality benchmark's ablation turns
    each off in turn to show what it earns (scripts/bench/quality.py --ablate)."""

    dense: bool = True  # sentence vectors (MaxSim) as a ranked list
    keywords: bool = True  # BM25 as a ranked list
    passage: bool = True  # the e5 passage vectors as a ranked list (when the chunks have them)
    fusion_weights: bool = True  # off: equal weights, BM25 not gated by its coverage
    coverage: bool = True  # re-rank: share of the question's terms the passage holds
    identifiers: bool = True  # re-rank: model numbers, years, names weigh more
    quantity: bool = True  # re-rank: "how many" prefers a passage with a new number
    constraints: bool = True  # re-rank: the asked year/version/model beats another one
    boilerplate: bool = True  # re-rank: text repeated across documents sinks below content


ALL_STAGES = Stages()


@dataclass
class Evidence:
    """One ranked list: a score per chunk id (higher is better) and its weight."""

    name: str
    weight: float
    scores: dict[str, float]


def fuse(lists: list[Evidence]) -> dict[str, float]:
    """The weighted sum of each list's scores; a chunk a list did not find adds nothing."""
    fused: dict[str, float] = {}
    for evidence in lists:
        for point, value in evidence.scores.items():
            fused[point] = fused.get(point, 0.0) + evidence.weight * value
    return fused


def boilerplate(hits: list[ChunkHit]) -> set[str]:
    """Chunks whose text (folded, spaces ignored) recurs in BOILERPLATE_DOCUMENTS or more
    documents among the candidates: a site's rating and comment blurb, a licence footer,
    a navigation line. Two twins (the same clause in two handbooks) are not boilerplate."""
    documents: dict[str, set[str]] = {}
    for hit in hits:
        key = "".join(fold(hit.text).split())
        documents.setdefault(key, set()).add(str(hit.payload.get("doc_id")))
    return {
        hit.id
        for hit in hits
        if len(documents["".join(fold(hit.text).split())]) >= BOILERPLATE_DOCUMENTS
    }


def crowd_of(similarities: list[float], prior: float = CROWD_PRIOR) -> float:
    """The median MaxSim of the candidates, padded with a typical unrelated chunk's MaxSim
    up to a full search's worth: in a knowledge base of a few chunks every candidate may
    be relevant, and the best one must not be judged by how little it stands out."""
    padding = [prior] * max(CROWD_MIN - len(similarities), 0)
    return float(np.median(similarities + padding))


class PassageSearch(Protocol):
    """The e5 query side (services/passage_vectors.py): a search on a thread of its own."""

    def ready(self) -> bool: ...
    def search(
        self, question: str, kb_ids: list[str] | None, limit: int
    ) -> Future[list[PassageHit]]: ...
