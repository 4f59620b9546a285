"""Answer typing (backend/rag/answer_types.py): what a question asks for, and whether a
sentence holds an item of that kind which the question does not already name."""

from __future__ import annotations

import pytest

from backend.rag.answer_types import asked_type, holds_type, is_question


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who founded the company?", "person"),
        ("这家公司是谁创立的？", "person"),
        ("When did the bridge open?", "date"),
        ("大桥哪一年通车？", "date"),
        ("How many people live there?", "number"),
        ("全镇面积有多少平方公里？", "number"),
        ("Where is the headquarters?", "place"),
        ("总部在哪里？", "place"),
        ("How do I reset the device?", "steps"),
        ("如何重置设备？", "steps"),
        ("她写过哪部小说？", "work"),
        ("Which album did the band release first?", "work"),
        ("他一共写了几部小说？", "number"),
        ("What is the theme of the book?", "other"),
    ],
)
def test_answer_typing_of_questions(question, kind):
    assert asked_type(question) == kind


def test_answer_typing_sentence_holds_a_new_item_of_the_asked_kind():
    question = "When did the bridge open?"
    assert holds_type("The bridge opened in March 1937.", "date", question)
    assert not holds_type("The bridge is painted red.", "date", question)
    assert holds_type("全镇面积为72平方公里。", "number", "全镇面积有多少？")
    # a value the question already names answers nothing
    assert not holds_type("In 2020 it was busy.", "date", "What happened in 2020?")


def test_question_sentence_recognised_with_closing_quotes():
    assert is_question("新款手机什么时间开售？")
    assert is_question("Who sells it?")
    assert not is_question("新款手机于三月开售。")


def test_answer_typing_a_title_is_a_work_the_question_does_not_already_name():
    question = "除了《春雨集》之外，作者还写过什么著作？"
    assert holds_type("他晚年的见闻都收在《北窗杂记》里。", "work", question)
    assert not holds_type("《春雨集》是他的第一部诗集。", "work", question)
    assert not holds_type("他晚年定居在北方。", "work", question)
    assert holds_type('Her first novel, "The Quiet Shore", came out in 1951.', "work")
