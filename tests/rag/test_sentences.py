"""Sentence segmentation of mixed Chinese and English: each test is one failure kind."""

from __future__ import annotations

import pytest

from backend.rag.sentences import sentence_spans
from backend.rag.splitter import UNIT_MAX, split_sentences


def sentences(line: str) -> list[str]:
    return [line[a:b] for a, b in sentence_spans(line)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("The U.S. economy grew fast. It slowed later.",
         ["The U.S. economy grew fast.", "It slowed later."]),
        ("Dr. Chen and Mr. Li met at No. 5 Road. They talked.",
         ["Dr. Chen and Mr. Li met at No. 5 Road.", "They talked."]),
        ("Bring tools, e.g. a hammer, i.e. a heavy one, etc. and go. Then rest.",
         ["Bring tools, e.g. a hammer, i.e. a heavy one, etc. and go.", "Then rest."]),
        ("Acme Inc. was founded in 1999. It grew.",
         ["Acme Inc. was founded in 1999.", "It grew."]),
    ],
)  # fmt: skip
def test_abbreviations_do_not_end_a_sentence(line: str, expected: list[str]) -> None:
    assert sentences(line) == expected


def test_initials_do_not_end_a_sentence() -> None:
    line = "J. R. R. Tolkien wrote the book. It sold well."
    assert sentences(line) == ["J. R. R. Tolkien wrote the book.", "It sold well."]


@pytest.mark.parametrize(
    "inner",
    [
        "pi is about 3.14 here",
        "release v1.2.3 fixed it",
        "see https://example.com/a.b?c=d.e for details",
        "write to help.desk@example.org today",
        "edit config.yaml first",
        "set strm.avail_out to zero",
        "版本为v2.0.1的补丁",
    ],
)
def test_dots_inside_numbers_addresses_and_identifiers_do_not_end_a_sentence(inner: str) -> None:
    line = f"First, {inner}. Second sentence."
    assert sentences(line) == [f"First, {inner}.", "Second sentence."]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("他说：“今天下雨。”我们走吧。", ["他说：“今天下雨。”", "我们走吧。"]),
        ("「真的吗？」她问。", ["「真的吗？」", "她问。"]),
        (
            "书名是『三体』。作者是刘慈欣（生于1963年）。",
            ["书名是『三体』。", "作者是刘慈欣（生于1963年）。"],
        ),
    ],
)
def test_chinese_closing_quotes_and_brackets_stay_with_their_sentence(
    line: str, expected: list[str]
) -> None:
    assert sentences(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("他来了。2011年他走了。", ["他来了。", "2011年他走了。"]),
        ("真好！3个人都来了？5人。", ["真好！", "3个人都来了？", "5人。"]),
        ("他说：“好。”2011年走了。", ["他说：“好。”", "2011年走了。"]),
        ("他买了手机。iPhone很贵。", ["他买了手机。", "iPhone很贵。"]),
        ("真的吗！？是的。", ["真的吗！？", "是的。"]),
    ],
)  # fmt: skip
def test_a_chinese_end_mark_ends_the_sentence_before_a_digit_or_a_small_letter(
    line: str, expected: list[str]
) -> None:
    assert sentences(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("学会以「保护环境。」为宗旨。后来改名。", ["学会以「保护环境。」为宗旨。", "后来改名。"]),
        ("书中写道“天下大乱！”这一句。作者是他。", ["书中写道“天下大乱！”这一句。", "作者是他。"]),
    ],
)  # fmt: skip
def test_a_quotation_embedded_in_a_clause_does_not_end_the_sentence(
    line: str, expected: list[str]
) -> None:
    assert sentences(line) == expected


def test_chinese_and_english_sentences_in_one_line_are_parted() -> None:
    line = "传输层提供端到端通信。TCP is reliable. UDP is not! 对吗？"
    assert sentences(line) == [
        "传输层提供端到端通信。",
        "TCP is reliable.",
        "UDP is not!",
        "对吗？",
    ]


def test_a_list_number_is_not_a_sentence_of_its_own() -> None:
    assert sentences("1. Open the lid. 2. Press reset.") == ["1. Open the lid.", "2. Press reset."]


def test_the_chinese_semicolon_ends_a_unit() -> None:
    assert sentences("甲方负责设计；乙方负责施工。") == ["甲方负责设计；", "乙方负责施工。"]


def test_a_too_long_sentence_is_cut_at_a_soft_break() -> None:
    clause = "这是一个很长的分句，"
    line = clause * 30 + "结束。"
    pieces = split_sentences(line)
    assert len(pieces) > 1
    assert all(len(piece) <= UNIT_MAX for piece in pieces)
    assert all(piece.endswith(("，", "。")) for piece in pieces)
    assert "".join(pieces) == line


def test_a_line_break_always_ends_a_sentence() -> None:
    assert split_sentences("第一行没有句号\nsecond line") == ["第一行没有句号", "second line"]
