"""The relevance judgement (backend/rag/relevance.py) and small talk (small_talk.py)."""

from __future__ import annotations

import pytest

from backend.rag.passage import Passage, UnitScore
from backend.rag.relevance import (
    CROSS_LANGUAGE_MIN_STANDOUT,
    E5_CROSS_LANGUAGE_MIN,
    SAME_LANGUAGE_MIN,
    judge,
    relevance,
)


def _passage(text: str, dense: float, coverage: float, crowd: float) -> Passage:
    p = Passage(1, "k", "d", "d.txt", None, text, "", 1.0, dense, coverage)
    p.units, p.crowd = [UnitScore(0, len(text), dense)], crowd
    p.rare_coverage = coverage
    return p


def test_threshold_same_language_below_is_not_found_above_is_answered():
    text = "The library lends books for 21 days."
    weak = _passage(text, dense=0.30, coverage=0.2, crowd=0.25)
    strong = _passage(text, dense=0.55, coverage=0.6, crowd=0.25)
    assert relevance(weak) < SAME_LANGUAGE_MIN <= relevance(strong)
    assert judge("How long can I keep a library book?", [weak]).verdict == "not_found"
    verdict = judge("How long can I keep a library book?", [strong])
    assert verdict.verdict == "answer" and verdict.passages == [strong]


def test_threshold_across_languages_is_how_far_the_best_stands_out():
    text = "图书馆的书可以借阅二十一天。"
    crowd = 0.30
    flat = _passage(text, dense=crowd + CROSS_LANGUAGE_MIN_STANDOUT / 2, coverage=0.0, crowd=crowd)
    standing = _passage(
        text, dense=crowd + CROSS_LANGUAGE_MIN_STANDOUT * 1.5, coverage=0.0, crowd=crowd
    )
    assert judge("How long can I keep a library book?", [flat]).verdict == "not_found"
    assert judge("How long can I keep a library book?", [standing]).verdict == "answer"


def _with_e5(passage: Passage, standout: float, crowd: float = 0.8) -> Passage:
    passage.e5, passage.e5_crowd = crowd + standout, crowd
    return passage


def test_threshold_with_e5_same_language_weighs_e5_and_the_light_model_together():
    text = "The library lends books for 21 days."
    question = "How long can I keep a library book?"
    # Shares the question's words (the light model's relevance is high) but e5 puts it
    # below the crowd: the words were the question's, not an answer.
    wordy = _with_e5(_passage(text, dense=0.55, coverage=0.6, crowd=0.25), standout=-0.05)
    assert relevance(wordy) >= SAME_LANGUAGE_MIN
    assert judge(question, [wordy]).verdict == "not_found"
    apart = _with_e5(_passage(text, dense=0.55, coverage=0.6, crowd=0.25), standout=0.05)
    assert judge(question, [apart]).verdict == "answer"
    # Few shared words (refused by the light model alone) but e5 finds it far closer than
    # the crowd: the answer says it in other words.
    reworded = _passage(text, dense=0.35, coverage=0.1, crowd=0.25)
    assert relevance(reworded) < SAME_LANGUAGE_MIN
    assert judge(question, [_with_e5(reworded, standout=0.10)]).verdict == "answer"
    assert judge(question, [_with_e5(reworded, standout=0.0)]).verdict == "not_found"


def test_threshold_with_e5_across_languages_lets_e5_carry_a_weak_light_model():
    text = "图书馆的书可以借阅二十一天。"
    question = "How long can I keep a library book?"
    weak = 0.30 + CROSS_LANGUAGE_MIN_STANDOUT / 2  # refused by the light model alone
    assert judge(question, [_passage(text, weak, 0.0, crowd=0.30)]).verdict == "not_found"
    e5_found = _with_e5(_passage(text, weak, 0.0, crowd=0.30), E5_CROSS_LANGUAGE_MIN)
    assert judge(question, [e5_found]).verdict == "answer"
    e5_below = _with_e5(_passage(text, 0.30 + CROSS_LANGUAGE_MIN_STANDOUT * 1.5, 0.0, 0.30), -0.05)
    assert judge(question, [e5_below]).verdict == "not_found"


def test_not_found_has_no_sources_and_says_so_in_the_question_language():
    judgement = judge("图书馆的书在暑假期间可以连续借阅多长时间而不需要续借？", [])
    assert judgement.verdict == "not_found" and not judgement.passages and "没有" in judgement.reply


@pytest.mark.parametrize(
    "question",
    [
        "你好",
        "您好！",
        "你是谁？",
        "你能做什么",
        "hello",
        "Hi there!",
        "who are you?",
        "What can you do?",
        "thanks!",
        "谢谢你",
    ],
)
def test_small_talk_greeting_and_identity_get_a_reply_about_the_app(question):
    strong = _passage("你好，欢迎来到本店。Hello and welcome.", dense=0.9, coverage=1.0, crowd=0.1)
    judgement = judge(question, [strong])
    assert judgement.verdict == "small_talk"
    assert not judgement.passages and "wow-rag" in judgement.reply


def test_small_talk_short_chat_that_no_passage_shares_a_word_with():
    unrelated = _passage("The library lends books for 21 days.", dense=0.1, coverage=0.0, crowd=0.1)
    chat = judge("今天心情不错", [unrelated])
    assert chat.verdict == "small_talk" and "没有" in chat.reply and "wow-rag" in chat.reply
    long_question = "What is the name of the river that flows through the old town of the city?"
    assert judge(long_question, [unrelated]).verdict == "not_found"
