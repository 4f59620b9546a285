"""The extractive answer (backend/rag/llm/extractive.py): which sentences it says."""

from __future__ import annotations

from backend.rag.llm.extractive import choose_sentences, compose
from backend.rag.llm.generation import AnswerRequest
from backend.rag.passage import Passage, UnitScore


def _passage(sentences: list[tuple[str, float]], index: int = 1, sep: str = "\n") -> Passage:
    text, units = "", []
    for sentence, score in sentences:
        if text:
            text += sep
        units.append(UnitScore(len(text), len(text) + len(sentence), score))
        text += sentence
    return Passage(
        index, "k", f"d{index}", f"doc{index}.md", None, text, "", 1.0, 0.5, 0.5, units=units
    )


def _said(passages: list[Passage], question: str) -> list[str]:
    return [p.text[u.start : u.end] for p, u in choose_sentences(passages, question)]


def test_heading_rule_a_matching_heading_leads_to_the_content_under_it():
    p = _passage(
        [
            ("4. Factory reset", 0.9),
            ("Hold the power button for ten seconds until the light blinks.", 0.3),
            ("The warranty lasts two years.", 0.2),
        ]
    )
    said = _said([p], "How do I factory reset the device?")
    assert said[0] == "Hold the power button for ten seconds until the light blinks."
    assert "4. Factory reset" not in said


def test_question_sentence_rule_never_says_a_question_and_takes_the_answer_after_it():
    p = _passage(
        [
            ("新款手机什么时间开售？", 0.9),
            ("——官方宣布于三月十五日开售。", 0.4),
            ("这款手机有三种颜色。", 0.1),
        ],
        sep="",
    )
    said = _said([p], "新款手机什么时间开售？")
    assert said[0] == "——官方宣布于三月十五日开售。"
    assert all(not s.endswith("？") for s in said)


def test_continuation_a_sentence_ending_in_a_colon_brings_the_next():
    p = _passage([("The steps are:", 0.8), ("Open the lid and press reset.", 0.1)], sep=" ")
    assert _said([p], "What are the steps?") == ["The steps are:", "Open the lid and press reset."]


def test_answer_typing_prefers_the_sentence_holding_the_asked_kind():
    p = _passage(
        [
            ("The bridge was a major project of the city.", 0.6),
            ("It opened to traffic in May 1937.", 0.5),
        ],
        sep=" ",
    )
    assert _said([p], "When did the bridge open?")[0] == "It opened to traffic in May 1937."


def test_simple_question_gets_at_most_two_sentences_best_first():
    p = _passage(
        [(f"Sentence number {n} states a fact.", 1.0 - n / 100) for n in range(6)], sep=" "
    )
    said = _said([p], "What does it state?")
    assert said == ["Sentence number 0 states a fact.", "Sentence number 1 states a fact."]


def test_citations_stay_exact_for_sentences_cut_into_windows():
    text = "The basin covers 5,500,000 square kilometres, most of it rainforest. Fish live there."
    cut = text.index("000 square")
    p = Passage(
        1,
        "k",
        "d",
        "d.md",
        None,
        text,
        "",
        1.0,
        0.5,
        0.5,
        units=[
            UnitScore(0, cut, 0.2),
            UnitScore(cut, text.index(" Fish"), 0.9),
            UnitScore(text.index("Fish"), len(text), 0.1),
        ],
    )
    answer = compose(AnswerRequest("How large is the basin?", [p], language="en"))
    assert answer.startswith(
        "The basin covers 5,500,000 square kilometres, most of it rainforest.[1]"
    )


def test_heading_rule_short_lines_with_no_statement_after_them_are_the_content():
    """A JSON file's fields or a sheet's rows are short lines without an end mark; with no
    sentence under them they are what the passage says, not headings to skip."""
    fields = _passage([("server.host: 0.0.0.0", 0.3), ("server.port: 8080", 0.6)])
    other = _passage([("The company employed 230 people.", 0.2)], index=2)
    said = _said([fields, other], "What port does the server listen on?")
    assert said[0] == "server.port: 8080"
