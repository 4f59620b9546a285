"""The re-rank after fusion: a candidate's fused score plus how many of the question's
terms it holds (with its file name and heading), whether it carries the values the
question pins down (constraints.py), and a number where an amount is asked."""

from __future__ import annotations

from backend.rag.constraints import Constraint, fit
from backend.rag.fusion import Stages
from backend.rag.passage import Passage, UnitScore
from backend.rag.question_terms import new_numbers
from backend.rag.sparse import keyword_text
from backend.rag.vectors.store import ChunkHit

# The re-rank: term coverage with identifiers weighted up, and the constraint fit.
COVERAGE_WEIGHT = 0.1
CONSTRAINT_WEIGHT = 0.1
# A question that asks for an amount is answered by a passage holding a number it does
# not already contain ("how many employees in 2024" -> "employed 230 people").
QUANTITY_BONUS = 0.08


def reranked(
    hit: ChunkHit,
    fused: dict[str, float],
    coverage: dict[str, float],
    asked: list[Constraint],
    quantity: str | None,
    stages: Stages,
) -> Passage:
    """A candidate as a Passage: its fused score plus the re-rank (term coverage, the
    constraint fit, a number where an amount is asked)."""
    payload = hit.payload
    text = hit.text
    filename, heading = labels(hit)
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


def labels(hit: ChunkHit) -> tuple[str, str]:
    return str(hit.payload.get("filename", "")), str(hit.payload.get("heading", ""))
