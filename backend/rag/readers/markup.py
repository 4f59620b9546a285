"""HTML: the readable text of a page, with headings, paragraphs, lists and tables kept apart.

Parsed with Python's own ``html.parser`` through BeautifulSoup: it never expands entities
declared in a DTD and never fetches anything. Page chrome and boilerplate are dropped
(see ``boilerplate``), and when the page marks its content with ``<main>`` or
``<article>`` only that is kept.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Declaration, Doctype, PageElement, ProcessingInstruction

from backend.rag.lines import CJK_RANGES

from .boilerplate import strip_boilerplate
from .document import PageText, ParsedDocument, build_document
from .encoding import canonical_codec, decode_text

_BLOCKS = frozenset(
    {"p", "div", "section", "article", "main", "blockquote", "ul", "ol", "dl", "dt", "dd",
     "figure", "figcaption", "address", "details", "summary", "hr", "body", "center"}
)  # fmt: skip
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_SKIPPED_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([-\w.:]+)""", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_BREAK_BETWEEN_CJK = re.compile(rf"(?<=[{CJK_RANGES}])[ \t]*\n\s*(?=[{CJK_RANGES}])")
# Keep <main>/<article> only when they hold most of the page; a page can also use
# <article> for small teaser cards beside its real content.
_MAIN_SHARE = 0.4

PARAGRAPH, LINE, FENCE = "\n\n", "\n", "```\n"
_CODE_BLOCK = re.compile(r"^```\n.*?\n```$", re.MULTILINE | re.DOTALL)
_SOURCE_INDENT = re.compile(r"[ \t]*\n[ \t]*")


def read_html(data: bytes) -> ParsedDocument:
    soup = BeautifulSoup(_decode(data), "html.parser")
    title_tag = soup.find("title")
    title = title_tag.get_text(" ", strip=True) if title_tag else None
    strip_boilerplate(soup)
    pieces: list[str] = []
    for root in _content_roots(soup):
        pieces.append(PARAGRAPH)
        pieces.extend(_walk(root))
    return build_document([PageText(None, _assemble(pieces))], title=title)


def _decode(data: bytes) -> str:
    match = _META_CHARSET.search(data[:4096])
    declared = match.group(1).decode("ascii", "ignore") if match else None
    return decode_text(data, declared if declared and canonical_codec(declared) else None)


def _content_roots(soup: BeautifulSoup) -> list[Tag]:
    body = soup.body or soup
    main = soup.find_all("main") or [
        a for a in soup.find_all("article") if a.find_parent("article") is None
    ]
    total = len(body.get_text(" ", strip=True))
    kept = sum(len(tag.get_text(" ", strip=True)) for tag in main)
    return main if main and kept >= _MAIN_SHARE * total else [body]


def _walk(root: Tag) -> list[str]:
    """Flatten the tree into text pieces and break markers, without recursion.

    Pages nest thousands of levels deep often enough that recursion would fail.
    """
    pieces: list[str] = []
    stack: list[tuple[PageElement, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        if isinstance(node, NavigableString):
            if not isinstance(node, _SKIPPED_STRINGS):
                pieces.append(_collapse(str(node)))
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name
        if closing:
            pieces.append(PARAGRAPH if name in _BLOCKS else LINE)
        elif name in _HEADINGS:
            text = _collapse(node.get_text(" ")).strip()
            pieces += [PARAGRAPH, "#" * _HEADINGS[name] + " " + text, PARAGRAPH]
        elif name == "table":
            pieces += [PARAGRAPH, _table_text(node), PARAGRAPH]
        elif name == "pre":
            # Fenced, so that the splitter keeps its lines and reads no "#" as a heading.
            pieces += [PARAGRAPH, FENCE + node.get_text().strip("\n") + "\n```", PARAGRAPH]
        elif name == "br":
            pieces.append(LINE)
        else:
            if name in _BLOCKS:
                pieces.append(PARAGRAPH)
                stack.append((node, True))
            elif name == "li":
                pieces += [LINE, "- "]
            stack.extend((child, False) for child in reversed(node.contents))
    return pieces


def _table_text(table: Tag) -> str:
    lines = []
    for row in table.find_all("tr"):
        cells = [
            _collapse(cell.get_text(" ")).strip()
            for cell in row.find_all(["td", "th"], recursive=False)
        ]
        if any(cells):
            lines.append(" | ".join(cells))
    return "\n".join(lines)


def _collapse(text: str) -> str:
    # A line break in the source between two Chinese characters is layout, not a space.
    return _SPACES.sub(" ", _BREAK_BETWEEN_CJK.sub("", text))


def _assemble(pieces: list[str]) -> str:
    text = "".join(pieces)
    # Whitespace around the break markers came from the source's indentation; a code
    # block's indentation is its own and stays.
    parts, at = [], 0
    for block in _CODE_BLOCK.finditer(text):
        parts += [_SOURCE_INDENT.sub("\n", text[at : block.start()]), block.group()]
        at = block.end()
    parts.append(_SOURCE_INDENT.sub("\n", text[at:]))
    return re.sub(r"\n{3,}", "\n\n", "".join(parts))
