"""The reader's result and error types, and the clean-up every reader's output goes through."""

from __future__ import annotations

import re
from dataclasses import dataclass

from backend.errors import ReaderError

__all__ = ["PageText", "ParsedDocument", "ReaderError", "build_document", "clean_text"]


@dataclass(frozen=True)
class PageText:
    """Text of one page: 1-based page number for PDF, slide number for PPTX, else None."""

    page: int | None
    text: str


@dataclass(frozen=True)
class ParsedDocument:
    """A document's text, split by page where the format has pages."""

    pages: list[PageText]
    title: str | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(page.text for page in self.pages)




NO_TEXT_MESSAGE = "The file contains no readable text."

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufeff]")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(text: str) -> str:
    """Normalise newlines, drop NULs and other control characters, squeeze blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\v", "\n")
    text = _CONTROL_CHARS.sub("", text)
    text = _TRAILING_SPACE.sub("\n", text)
    return _MANY_BLANK_LINES.sub("\n\n", text).strip()


def build_document(pages: list[PageText], title: str | None = None) -> ParsedDocument:
    """Clean every page, drop empty ones, and refuse a document with no text at all."""
    cleaned = [PageText(p.page, clean_text(p.text)) for p in pages]
    kept = [p for p in cleaned if p.text]
    if not kept:
        raise ReaderError("no_text", NO_TEXT_MESSAGE)
    title = clean_text(title).replace("\n", " ") if title else None
    return ParsedDocument(pages=kept, title=title or None)
