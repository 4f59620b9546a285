"""A retrieved chunk ready to be cited, with its sentences' scores."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


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
    keywords: float = 0.0
    # The same share with each term weighted by how few of the candidates hold it
    # (HybridRetriever.rarity_weighted): what relevance.py judges by.
    rare_coverage: float = 0.0
    # The median MaxSim of every candidate the search considered for this question: how
    # much the best passage stands out from the crowd (relevance.py) is dense - this.
    crowd: float = 0.0
    # The e5 passage cosine (None: no passage vector, or e5 not running) and the median
    # e5 cosine of the e5 list's candidates: the same standout, on the stronger model.
    e5: float | None = None
    e5_crowd: float = 0.0
    units: list[UnitScore] = field(default_factory=list)
    unit_vectors: np.ndarray | None = field(default=None, repr=False)
    point_id: str = field(default="", repr=False)

    def to_source(self) -> dict[str, object]:
        return {
            "index": self.index,
            "kb_id": self.kb_id,
            "doc_id": self.doc_id,
            "filename": self.filename,
            "page": self.page,
            "heading": self.heading,
            "text": self.text,
            "score": round(self.score, 4),
        }
