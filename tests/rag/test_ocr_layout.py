"""Reading order and paragraphs from OCR'd lines (no model: boxes placed by hand)."""

from __future__ import annotations

import numpy as np

from backend.rag.readers.ocr import OcrLine
from backend.rag.readers.ocr_layout import TextBox, find_regions, page_text


def line(text: str, left: int, top: int, right: int, height: int = 40) -> OcrLine:
    return OcrLine(TextBox(left, top, right, top + height), text, 0.99)


def test_boxes_of_one_row_are_read_left_to_right_and_rows_top_to_bottom() -> None:
    lines = [
        line("second row", 100, 160, 900),
        line("right half", 520, 100, 900, height=42),
        line("left half", 100, 102, 500),
    ]
    assert page_text(lines) == "left half right half second row"


def test_wrapped_rows_join_chinese_without_space_and_english_with_one() -> None:
    lines = [
        line("灌溉系统在春季每周检查两次，以确保秧苗", 100, 100, 900),
        line("得到充足的水分。", 100, 160, 420),
        line("The keeper records the weather every", 100, 300, 900),
        line("morning at six and sends the log to the har-", 100, 360, 900),
        line("bour office.", 100, 420, 330),
    ]
    assert page_text(lines) == (
        "灌溉系统在春季每周检查两次，以确保秧苗得到充足的水分。\n\n"
        "The keeper records the weather every morning at six and sends the log to the "
        "harbour office."
    )


def test_an_indented_row_or_a_short_last_row_starts_a_new_paragraph() -> None:
    lines = [
        line("第一章 总则", 100, 100, 400),  # a short title row
        line("员工每年享有带薪年假十五天，需要提前一周", 180, 160, 900),  # indented
        line("提交申请。", 100, 220, 300),
        line("病假需要医院证明，每年最多三十天，超出部分", 180, 280, 900),
        line("按事假处理。", 100, 340, 320),
    ]
    assert page_text(lines).split("\n\n") == [
        "第一章 总则",
        "员工每年享有带薪年假十五天，需要提前一周提交申请。",
        "病假需要医院证明，每年最多三十天，超出部分按事假处理。",
    ]


def test_a_short_row_ending_on_a_comma_continues_its_paragraph() -> None:
    lines = [
        line("The station opens at dawn,", 100, 100, 600),
        line("and closes at dusk on every day of the week.", 100, 160, 900),
    ]
    assert (
        page_text(lines)
        == "The station opens at dawn, and closes at dusk on every day of the week."
    )


def test_regions_are_separate_lines_grown_by_the_unclip_margin() -> None:
    probability = np.zeros((100, 200), dtype=np.float32)
    probability[10:20, 10:150] = 0.9  # a line
    probability[40:50, 10:90] = 0.9  # another line
    probability[70:71, 10:60] = 0.9  # a hairline: too thin to be text
    probability[80:90, 100:190] = 0.35  # faint: above the map threshold, below the box one
    boxes = sorted(find_regions(probability, 0.5), key=lambda b: b.top)
    assert len(boxes) == 2
    first, second = boxes
    assert first.top < 10 and first.bottom > 21 and first.left < 10 and first.right > 150
    assert second.top > first.bottom and second.right < 100
