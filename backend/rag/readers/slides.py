"""PPTX: one page per slide with its title as a heading, then its text, tables and notes.

Shapes are taken top to bottom, left to right, which is how a slide is read; the order
the file stores them in is the drawing order, which often is not.
"""

from __future__ import annotations

from collections.abc import Iterator

import pptx
from pptx.shapes.base import BaseShape
from pptx.shapes.group import GroupShape
from pptx.slide import Slide

from .archive import open_package
from .document import PageText, ParsedDocument, build_document

# Groups inside groups beyond this depth are ignored rather than walked forever.
_MAX_GROUP_DEPTH = 20


def read_pptx(data: bytes) -> ParsedDocument:
    presentation = pptx.Presentation(open_package(data))
    pages = [
        PageText(number, _slide_text(slide))
        for number, slide in enumerate(presentation.slides, start=1)
    ]
    title = presentation.core_properties.title
    return build_document(pages, title=title.strip() if title else None)


def _slide_text(slide: Slide) -> str:
    blocks: list[str] = []
    title_shape = slide.shapes.title
    if title_shape is not None and title_shape.text_frame.text.strip():
        blocks.append("## " + " ".join(title_shape.text_frame.text.split()))
    title_id = title_shape.shape_id if title_shape is not None else None
    for shape in _reading_order(slide.shapes, depth=0):
        if shape.shape_id == title_id:
            continue
        text = _shape_text(shape)
        if text:
            blocks.append(text)
    if slide.has_notes_slide:
        notes_frame = slide.notes_slide.notes_text_frame
        notes = notes_frame.text.strip() if notes_frame is not None else ""
        if notes:
            blocks.append("Notes: " + notes)
    return "\n\n".join(blocks)


def _reading_order(shapes: object, depth: int) -> Iterator[BaseShape]:
    if depth > _MAX_GROUP_DEPTH:
        return
    ordered = sorted(shapes, key=lambda s: (s.top or 0, s.left or 0))  # type: ignore[call-overload]
    for shape in ordered:
        if isinstance(shape, GroupShape):
            yield from _reading_order(shape.shapes, depth + 1)
        else:
            yield shape


def _shape_text(shape: BaseShape) -> str:
    if getattr(shape, "has_table", False):
        rows = (
            " | ".join(" ".join(cell.text.split()) for cell in row.cells)
            for row in shape.table.rows  # type: ignore[attr-defined]
        )
        return "\n".join(row for row in rows if row.strip(" |"))
    if getattr(shape, "has_text_frame", False):
        paragraphs = (p.text.strip() for p in shape.text_frame.paragraphs)  # type: ignore[attr-defined]
        return "\n".join(p for p in paragraphs if p)
    return ""
