"""Chunks keep the structure of the source and carry the path of headings above them."""

from __future__ import annotations

from backend.rag.normalize import fold
from backend.rag.readers import read_document
from backend.rag.sparse import KeywordEncoder
from backend.rag.splitter import CHUNK_MAX, HEADING_SEPARATOR, split_pages

NOTES = """# 第5章 传输层

## 传输层概述
- 传输层为应用进程提供端到端的逻辑通信。
- 网络层为主机之间提供逻辑通信。

## 端口
端口号是16位的整数。

### 熟知端口
1. HTTP 使用80端口。
2. HTTPS 使用443端口。

# 第6章 应用层
应用层协议定义了报文的格式。
"""


def chunks_of(text: str, filename: str = "notes.md") -> list:
    document = read_document(text.encode(), filename)
    return split_pages([(p.page, p.text) for p in document.pages])


def test_markdown_list_items_are_not_flattened_into_run_on_text() -> None:
    overview = chunks_of(NOTES)[0]
    assert overview.text == (
        "- 传输层为应用进程提供端到端的逻辑通信。\n- 网络层为主机之间提供逻辑通信。"
    )
    # A unit is the item's sentence, without its marker.
    units = [overview.text[a:b] for a, b in overview.units]
    assert units == ["传输层为应用进程提供端到端的逻辑通信。", "网络层为主机之间提供逻辑通信。"]


def test_each_chunk_records_the_path_of_headings_above_it() -> None:
    paths = [(c.headings, c.heading) for c in chunks_of(NOTES)]
    assert [p for p, _ in paths] == [
        ("第5章 传输层", "传输层概述"),
        ("第5章 传输层", "端口"),
        ("第5章 传输层", "端口", "熟知端口"),
        ("第6章 应用层",),
    ]
    assert all(heading == HEADING_SEPARATOR.join(parts) for parts, heading in paths)


def test_numbered_items_keep_their_numbers_on_their_own_lines() -> None:
    ports = chunks_of(NOTES)[2]
    assert ports.text == "1. HTTP 使用80端口。\n2. HTTPS 使用443端口。"


def test_setext_underlined_lines_are_headings() -> None:
    text = "Terms\n=====\n\nDefinitions\n-----------\nA word means what it says here.\n"
    (chunk,) = chunks_of(text, "terms.txt")
    assert chunk.headings == ("Terms", "Definitions")
    assert chunk.text == "A word means what it says here."


def test_a_hash_inside_a_code_block_is_not_a_heading_and_code_is_not_segmented() -> None:
    text = "## Setup\n\n```python\n# set the buffer. Then call it\nstrm.avail_out = 0\n```\n"
    (chunk,) = chunks_of(text)
    assert chunk.headings == ("Setup",)
    assert [chunk.text[a:b] for a, b in chunk.units] == [
        "# set the buffer. Then call it",
        "strm.avail_out = 0",
    ]


def test_a_chunk_ends_between_sentences_not_inside_a_long_one() -> None:
    sentence = "This sentence is long, " + "and it goes on, " * 15 + "until it stops."
    text = "\n".join([sentence] * 6)
    for chunk in chunks_of(text, "long.txt"):
        assert len(chunk.text) <= CHUNK_MAX
        assert chunk.text.startswith("This sentence is long,")
        assert chunk.text.endswith("until it stops.")


def test_unit_texts_are_folded_for_embedding_but_the_text_keeps_the_original() -> None:
    (chunk,) = chunks_of("使⽤说明：请⽤ＵＳＢ线连接，电压为１２Ｖ。", "manual.txt")
    assert "⽤" in chunk.text and "ＵＳＢ" in chunk.text
    assert chunk.unit_texts() == ["使用说明:请用USB线连接,电压为12V。"]
    assert chunk.text[chunk.units[0][0] : chunk.units[0][1]] == chunk.text


def test_keyword_search_folds_compatibility_forms_on_both_sides() -> None:
    keywords = KeywordEncoder()
    stored = keywords.document("使⽤说明：请⽤ＵＳＢ线连接")
    for query in ("用", "USB", "使用说明"):
        assert set(keywords.query(query).indices) <= set(stored.indices), query
    assert fold("⽤１２") == "用12"
