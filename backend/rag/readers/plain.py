"""Plain text and Markdown: decode, join hard-wrapped lines, find a Markdown title.

Markdown joins the lines of a paragraph when it is shown, so its wrapped lines are joined
as plain text's are; list items, headings, tables and code keep their own lines. A YAML
front matter block (static-site generators write one) is metadata, not text: only its
title is kept, as the document's title."""

from __future__ import annotations

import re

from .document import PageText, ParsedDocument, build_document, clean_text
from .encoding import decode_text
from .reflow import reflow

_ATX_H1 = re.compile(r"^ {0,3}#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_SETEXT_H1 = re.compile(r"^ {0,3}(\S.*)\n {0,3}=+[ \t]*$", re.MULTILINE)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_TITLE = re.compile(r"^title:[ \t]*[\"']?(.*?)[\"']?[ \t]*$", re.MULTILINE)
_FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1", re.MULTILINE | re.DOTALL)


def read_txt(data: bytes) -> ParsedDocument:
    return build_document([PageText(None, reflow(clean_text(decode_text(data))))])


def read_markdown(data: bytes) -> ParsedDocument:
    text = clean_text(decode_text(data))
    front = _FRONT_MATTER.match(text)
    declared = _FRONT_TITLE.search(front.group(1)) if front else None
    if front:
        text = text[front.end() :]
    title = declared.group(1).strip() if declared else None
    return build_document([PageText(None, reflow(text))], title=title or markdown_title(text))


def markdown_title(text: str) -> str | None:
    """The first level-1 heading (``# Title`` or ``Title`` underlined with ``===``)."""
    # A "# comment" inside a fenced code block is not a heading.
    text = _FENCE.sub("", text.replace("\r\n", "\n"))
    matches = [m for m in (_ATX_H1.search(text), _SETEXT_H1.search(text)) if m]
    if not matches:
        return None
    first = min(matches, key=lambda m: m.start())
    return first.group(1).strip() or None
