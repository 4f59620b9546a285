"""The OCR tests' pages (scripts/bench/ocr_pages.py draws them), skipping with the reason
when the machine has no CJK font to draw Chinese with."""

from __future__ import annotations

import pytest
from PIL import Image, ImageFont

from scripts.bench import ocr_pages
from scripts.bench.ocr_pages import MARGIN, png, scanned_pdf, wrap

__all__ = ["font", "line_count", "page_image", "png", "scanned_pdf"]


def font(size: int) -> ImageFont.FreeTypeFont:
    try:
        return ocr_pages.font(size)
    except FileNotFoundError as missing:
        print(f"SKIP: {missing}")
        pytest.skip(str(missing))


def line_count(paragraph: str, *, width: int = 1240, size: int = 34) -> int:
    """How many lines ``page_image`` draws ``paragraph`` on."""
    return len(wrap(paragraph, font(size), width - 2 * MARGIN))


def page_image(paragraphs: list[str], *, size: int = 34) -> Image.Image:
    font(size)  # skips without a CJK font
    return ocr_pages.page_image(paragraphs, size=size)
