"""Whether the retrieved passages can answer the question at all.

Decided once per turn, after retrieval and before any answerer runs, so that the
extractive answerer and a model server alike say "not found" for a question the
knowledge base cannot answer (and a model is not called for it), and small talk gets a
short reply about the app instead of cited quotes from unrelated files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from backend.rag.language import NOT_FOUND, detect_language
from backend.rag.retriever import Passage

# Below both, the best passage shares neither meaning nor words with the question.
MIN_DENSE = 0.18
MIN_COVERAGE = 0.34

Verdict = Literal["answer", "not_found", "small_talk"]


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    # What the answerer may use and the sources shown: empty unless the verdict is "answer".
    passages: list[Passage] = field(default_factory=list)
    # The whole reply when the verdict is not "answer".
    reply: str = ""


def relevant(passage: Passage) -> bool:
    return passage.dense >= MIN_DENSE or passage.coverage >= MIN_COVERAGE


def judge(question: str, passages: list[Passage]) -> Judgement:
    kept = [p for p in passages if relevant(p)]
    if kept:
        return Judgement("answer", passages)
    return Judgement("not_found", [], NOT_FOUND[detect_language(question)])
