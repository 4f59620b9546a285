"""multilingual-e5-small in numpy, on its own (no reference engine needed): vector
invariants, windows for long texts, the tokenizer's rules, the exact GELU."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backend.rag.e5 import PASSAGE, E5Embedder, WeightsMissing
from backend.rag.e5.encoder import gelu
from backend.rag.e5.weights import WeightsFile, locate

try:
    locate()
except WeightsMissing:
    pytest.skip("no e5 weights: run scripts/e5_weights.py", allow_module_level=True)


@pytest.fixture(scope="module")
def e5() -> E5Embedder:
    return E5Embedder()


def test_vectors_are_unit_length_float32_and_empty_input_gives_no_rows(e5):
    vectors = e5.passage(["知识库里的第一段。", "A second passage."])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert e5.query([]).shape == (0, 384)


def test_the_query_prefix_changes_the_vector(e5):
    text = "员工每天的餐补标准是多少？"
    cosine = float(e5.query([text])[0] @ e5.passage([text])[0])
    assert 0.5 < cosine < 0.999


def test_padding_in_a_batch_does_not_leak_into_a_short_text(e5):
    short = "机器学习是人工智能的一个分支。"
    alone = e5.passage([short])[0]
    longer = "Deep learning models are trained on large corpora of text and images. " * 6
    batched = e5.passage([longer, short, "短"])[1]
    assert np.allclose(alone, batched, atol=1e-5)


def test_a_question_is_closest_to_its_answer_in_either_language(e5):
    passages = [
        "每位员工每天可以领取三十元的餐补，月底随工资一起发放。",
        "Each employee receives a meal allowance of thirty yuan per day, paid with the salary.",
        "该河流发源于青藏高原，全长约六千三百公里，最终注入东海。",
        "The museum opens at nine in the morning and closes at five, except on Mondays.",
    ]
    scores = e5.passage(passages) @ e5.query(["员工每天的餐补是多少钱？"])[0]
    assert min(scores[0], scores[1]) > max(scores[2], scores[3])


def test_a_text_longer_than_one_window_uses_all_of_it(e5):
    head = "第一部分讲的是数据库索引的设计。" * 60  # more than 510 pieces
    tail = "The last part is about cooking pasta with tomatoes and basil."
    assert e5.token_counts([PASSAGE + head])[0] > 512
    whole, first = e5.passage([head + tail, head])
    assert np.isclose(np.linalg.norm(whole), 1.0, atol=1e-5)
    assert float(whole @ first) < 0.9999  # the second window counted


def test_a_run_of_characters_missing_from_the_vocabulary_is_one_unknown_piece(e5):
    tokenizer, _ = e5._load()
    [ids] = tokenizer.content_ids(["\U0001f004\U0001f005\U0001f006 x"])
    assert ids.count(3) == 1  # <unk>, as SentencePiece and XLM-R's own tokenizer do


def test_compatibility_forms_and_space_runs_are_normalised_like_the_model_expects(e5):
    tokenizer, _ = e5._load()
    [plain, folded] = tokenizer.content_ids(["ABC 123 用户", "ＡＢＣ  １２３ ⽤户"])
    assert plain == folded


def test_gelu_matches_the_erf_definition():
    x = np.linspace(-9, 9, 20001, dtype=np.float32)
    exact = np.array([v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x.tolist()])
    assert np.abs(gelu(x.copy()) - exact).max() < 1e-5


def test_a_file_that_is_not_e5_weights_is_refused(tmp_path):
    path = tmp_path / "e5-small-q4.bin"
    path.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ValueError, match="not an e5 weights file"):
        WeightsFile(path)
