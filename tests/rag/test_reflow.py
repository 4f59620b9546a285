"""Hard-wrapped text joined into paragraphs at import, real line breaks kept."""

from __future__ import annotations

import textwrap

from backend.rag.readers import read_document
from backend.rag.readers.pdf import clean_pdf_text
from backend.rag.readers.reflow import reflow
from backend.rag.splitter import split_pages

# Sentences in the style of a licence: long, with commas, quotes and parentheses.
LICENCE_SENTENCES = [
    '"Licensor" shall mean the copyright owner or entity authorized by the copyright owner '
    "that is granting the License.",
    "Subject to the terms and conditions of this License, each Contributor hereby grants to "
    "You a perpetual, worldwide, no-charge, royalty-free, irrevocable copyright license to "
    "reproduce, prepare Derivative Works of, publicly display, publicly perform, sublicense, "
    "and distribute the Work and such Derivative Works in Source or Object form.",
    "If You institute patent litigation against any entity (including a cross-claim or "
    "counterclaim in a lawsuit) alleging that the Work constitutes direct or contributory "
    "patent infringement, then any patent licenses granted to You under this License for "
    "that Work shall terminate as of the date such litigation is filed.",
    "You must give any other recipients of the Work or Derivative Works a copy of this "
    "License; and You must cause any modified files to carry prominent notices stating that "
    "You changed the files.",
]


def licence_text() -> str:
    """A licence hard-wrapped at 78 columns, with a centred title and numbered sections."""
    parts = [
        "Example License".center(78).rstrip(),
        "Version 2.0, January 2004".center(78).rstrip(),
        "",
    ]
    for number, sentence in enumerate(LICENCE_SENTENCES, start=1):
        parts.append(f"   {number}. Section {number}.")
        parts.append("")
        parts.append(
            textwrap.fill(
                sentence, 78, initial_indent="      ", subsequent_indent="      ",
                break_on_hyphens=False,
            )
        )  # fmt: skip
        parts.append("")
    return "\n".join(parts)


def test_a_hard_wrapped_licence_comes_back_as_whole_sentences_in_order() -> None:
    document = read_document(licence_text().encode(), "Example-2.0")
    chunks = split_pages([(p.page, p.text) for p in document.pages])
    holding = [next(c.index for c in chunks if s in c.text) for s in LICENCE_SENTENCES]
    assert holding == sorted(holding)
    units = [c.text[a:b] for c in chunks for a, b in c.units]
    # Every unit lies inside one sentence or title: no fragment joins the end of one
    # sentence to another.
    titles = ["Example License", "Version 2.0, January 2004", "Section 1.", "Section 2."]
    for unit in units:
        assert any(unit in s for s in [*LICENCE_SENTENCES, *titles]) or unit[:8] == "Section "


def test_title_lines_and_section_numbers_keep_their_own_lines() -> None:
    text = reflow(licence_text())
    lines = [line.strip() for line in text.splitlines()]
    assert lines[:3] == ["Example License", "Version 2.0, January 2004", ""]
    assert "1. Section 1." in lines


def test_short_lines_of_verse_are_not_joined() -> None:
    verse = "Roses are red,\nviolets are blue,\nsugar is sweet\nand so are you.\n"
    prose = textwrap.fill("A line of prose that runs to the margin and beyond it. " * 4, 60)
    assert reflow(verse + "\n" + prose).startswith(verse)


def test_lines_that_are_the_authors_own_are_not_joined() -> None:
    notes = (
        "传输层为应用进程之间提供端到端的逻辑通信，而网络层为主机之间提供逻辑通信\n"
        "TCP提供面向连接的可靠服务\n"
        "UDP提供无连接的尽最大努力交付\n"
        "熟知端口的范围是0到1023，登记端口的范围是1024到49151\n"
        "客户端使用的端口号是临时的\n"
        "套接字由IP地址和端口号组成\n"
    )
    assert reflow(notes) == notes


def test_list_items_table_rows_headings_and_code_keep_their_lines() -> None:
    prose = textwrap.fill("Wrapped prose keeps going for a while before it stops here. " * 3, 60)
    text = (
        f"# Heading\n{prose}\n- first item\n- second item\n| a | b |\n| 1 | 2 |\n"
        "```\nx = 1 if the value is long enough to reach the margin\ny = 2\n```"
    )
    kept = reflow(text).splitlines()
    for line in ("# Heading", "- first item", "- second item", "| a | b |", "| 1 | 2 |", "y = 2"):
        assert line in kept


def test_chinese_lines_join_without_a_space_and_latin_lines_with_one() -> None:
    chinese = (
        "员工每年享有带薪年假十五天，需要提前一周向直属主管\n提交书面申请，并抄送人力资源部门。\n"
    )
    english = "Employees get fifteen days of paid leave each year and\nmust ask a week ahead.\n"
    filler = "这是一行足够长的文字，用来确定这份文件的折行宽度是多少。\n" * 3
    text = reflow(filler + chinese + english)
    assert "需要提前一周向直属主管提交书面申请" in text
    assert "paid leave each year and must ask a week ahead." in text


def test_end_of_line_hyphenation_is_undone_but_real_hyphens_are_kept() -> None:
    raw = (
        "Our committee has reviewed every part of the implemen-\n"
        "tation plan in detail and found the approach to be well-\n"
        "known among engineers, who describe the implementation as\n"
        "co-operative work; everyone agreed that it is a co-\n"
        "operative effort which was both well known and careful."
    )
    text = clean_pdf_text(raw)
    assert "of the implementation plan" in text
    assert "to be well-known among" in text
    assert "it is a co-operative effort" in text


def test_a_plain_text_file_is_reflowed_at_import() -> None:
    document = read_document(licence_text().encode(), "LICENSE.txt")
    assert LICENCE_SENTENCES[1] in document.pages[0].text
