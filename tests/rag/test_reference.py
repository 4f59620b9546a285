"""A sentence that points back to the subject a passage opens with is about that subject:
it holds the subject's name when sentences are weighed against a question (reference.py,
in the retriever's sentence scores and in sentence_evidence.py)."""

from __future__ import annotations

import numpy as np

from backend.rag.reference import opening_subject, opens_with_pronoun, points_back
from backend.rag.retriever import HybridRetriever
from backend.rag.sentence_evidence import evidence
from backend.rag.sparse import KeywordEncoder
from backend.rag.vectors.store import ChunkHit, SearchQuery

OPENING = "The greyfin is a small fish of the reef family."
POINTING = "It can live in deep water."
ELSEWHERE = "Other fish also live in deep water."
QUESTION = "Where does the greyfin live?"


def test_the_opening_subject_is_what_the_first_sentence_names_before_its_comma_or_copula():
    assert opening_subject("青岩鸟，又称山岩雀，为雀形目的一种。") == "青岩鸟"
    assert opening_subject(OPENING) == "The greyfin"
    assert opening_subject("Lakeside is a market town on the river.") == "Lakeside"
    assert opening_subject("The bridge over the river opened after seven years of work.") == ""


def test_a_pronoun_the_subjects_kind_or_a_chinese_sentence_points_back():
    assert points_back(POINTING) and points_back("The species feeds on small fish.")
    assert not points_back(ELSEWHERE)
    # Chinese drops a subject the reader knows: a sentence that names none is about it
    assert points_back("本鸟主要分布于山地森林。") and points_back("属于底栖鱼类，以小鱼为食。")
    # only a pronoun needs its referent said beside it
    assert opens_with_pronoun("他曾任校长。") and not opens_with_pronoun("本鸟分布于山地。")


def test_sentence_evidence_a_sentence_pointing_back_holds_the_subject():
    weighed = evidence(QUESTION, [OPENING, POINTING, ELSEWHERE])
    assert weighed[1] > weighed[2]


class _OneChunkStore:
    """One chunk of three sentences, every sentence as close to the question as the next."""

    def __init__(self, text: str, units: list[list[int]]) -> None:
        self.text, self.units = text, units

    def search(self, query: SearchQuery) -> list[ChunkHit]:
        payload = {"kb_id": "k", "doc_id": "d", "filename": "birds.txt", "text": self.text}
        return [ChunkHit("d", 0.5, {**payload, "units": self.units}, 0.8, keywords=1.0)]

    def unit_vectors(self, point_ids: list[str]) -> dict[str, np.ndarray]:
        return {p: np.ones((len(self.units), 3), dtype=np.float32) / np.sqrt(3) for p in point_ids}


class _FlatEmbedder:
    name, dimension = "flat", 3

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), 3), dtype=np.float32) / np.sqrt(3)

    def close(self) -> None: ...


def test_retriever_sentence_score_a_sentence_pointing_back_holds_the_subject():
    text, units = "", []
    for sentence in (OPENING, POINTING, ELSEWHERE):
        units.append([len(text), len(text) + len(sentence)])
        text += sentence
    retriever = HybridRetriever(_OneChunkStore(text, units), _FlatEmbedder(), KeywordEncoder())  # type: ignore[arg-type]
    (passage,) = retriever.retrieve(QUESTION, None, top_k=1)
    scores = [unit.score for unit in passage.units]
    assert scores[1] > scores[2]
