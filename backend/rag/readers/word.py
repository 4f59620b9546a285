"""DOCX: paragraphs and tables in the order the body holds them, headings marked.

Heading styles ("Heading 1".."Heading 9", "Title", and the Chinese "标题 N" that some
editors write) become Markdown headings so that the splitter sees section boundaries;
bulleted and numbered paragraphs become "- " items.
Headers, footers, footnotes and text boxes are left out.
"""

from __future__ import annotations

import re

import docx
from docx.document import Document
from docx.table import Table
from docx.text.paragraph import Paragraph

from .archive import open_package
from .document import PageText, ParsedDocument, build_document

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)
_TITLE_STYLES = frozenset({"title", "标题"})


def read_docx(data: bytes) -> ParsedDocument:
    document = docx.Document(open_package(data))
    blocks: list[str] = []
    first_title: str | None = None
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks.append(table_text(item))
            continue
        text = item.text.strip()
        if not text:
            continue
        level = heading_level(item)
        if level == 0 and first_title is None:
            first_title = text
        if level is not None:
            blocks.append(_as_heading(text, max(level, 1)))
        else:
            blocks.append("- " + text if is_list_item(item) else text)
    title = _core_title(document) or first_title
    return build_document([PageText(None, "\n\n".join(blocks))], title=title)


def heading_level(paragraph: Paragraph) -> int | None:
    """0 for a Title paragraph, 1-9 for Heading N, None for body text."""
    style = paragraph.style
    name = (style.name or "").strip() if style is not None else ""
    if name.lower() in _TITLE_STYLES:
        return 0
    match = _HEADING_STYLE.match(name)
    return int(match.group(1)) if match else None


def is_list_item(paragraph: Paragraph) -> bool:
    """A bulleted or numbered paragraph: Word keeps its marker in the numbering, not the
    text, so it is written as "- " to keep the item apart from the text around it."""
    properties = paragraph._p.pPr
    if properties is not None and properties.numPr is not None:
        return True
    style = paragraph.style
    return (style.name or "").lower().startswith("list") if style is not None else False


def table_text(table: Table) -> str:
    lines = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            # A merged cell is returned once per grid column it spans: keep it once.
            if cell._tc is previous:
                continue
            previous = cell._tc
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            lines.append(" | ".join(cells))
    return "\n".join(lines)


def _as_heading(text: str, level: int) -> str:
    return "#" * min(level, 6) + " " + " ".join(text.split())


def _core_title(document: Document) -> str | None:
    title = document.core_properties.title
    return title.strip() if title and title.strip() else None
