"""What one line of imported text is: a heading, a list item, a table row, a code fence,
decoration, or prose. The readers use it to tell a hard wrap from a real line break, and
the splitter to keep that structure in the passages it stores."""

from __future__ import annotations

import re

# Markdown ATX headings; the DOCX and HTML readers write their headings this way too.
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$")
# The line under a heading: "===" for level 1, "---" for level 2.
SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=|-)\1{2,}[ \t]*$")
FENCE = re.compile(r"^ {0,3}(```|~~~)")
# Bullets, "1." / "1)" / "(a)" / "（一）" / "一、" / "1、". ASCII markers need a space after
# them, so that "3.14" or "e.g." never reads as a list number; letters alone ("a.") are
# not taken, so that an initial ("J. R. R. Tolkien") is not either.
_NUMERAL = "一二三四五六七八九十"
LIST_MARKER = re.compile(
    r"^[ \t]*(?:[-*+•·▪◦‣][ \t]+|\d{1,3}[.)][ \t]+|\([0-9a-zA-Z]{1,4}\)[ \t]+"
    rf"|（[0-9a-zA-Z{_NUMERAL}]{{1,3}}）[ \t]*|[{_NUMERAL}]{{1,3}}、[ \t]*|\d{{1,3}}、[ \t]*)"
)
# Text that never ends a sentence's line: a line ending otherwise may be wrapped.
LINE_END_MARKS = frozenset(".!?:;。！？：；…”’」』）)\"'")
# Chinese, Japanese and Korean characters and their punctuation, for regex classes.
CJK_RANGES = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK = re.compile(f"[{CJK_RANGES}]")


def is_table_row(line: str) -> bool:
    """A Markdown table row, a row the DOCX/HTML readers wrote ("a | b"), or tab columns."""
    stripped = line.strip()
    return stripped.startswith("|") or " | " in stripped or "\t" in stripped


def is_decoration(line: str) -> bool:
    """A rule or a table's separator row ("---", "|---|:--|", "* * *"): no words at all."""
    return bool(line.strip()) and not any(ch.isalnum() for ch in line)


def starts_block(line: str) -> bool:
    """A line that begins something of its own: never the continuation of the line before."""
    return bool(
        HEADING.match(line) or FENCE.match(line) or LIST_MARKER.match(line)
        or is_table_row(line) or is_decoration(line) or line.lstrip().startswith(">")
    )  # fmt: skip


def is_cjk(ch: str) -> bool:
    return bool(_CJK.match(ch))


def width(text: str) -> int:
    """Display columns: a Chinese character is two columns wide."""
    return len(text) + len(_CJK.findall(text))


def indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))
