"""Pages of rendered text for the OCR tests: what a scanner or a screenshot would give.

Text is drawn with a CJK font found on the machine (Debian's fonts-noto-cjk, listed in
scripts/ci-apt-packages.txt); tests skip, saying why, when there is none. Paragraphs are
wrapped to the page width the way a typesetter would, so that OCR has real line breaks
to join again.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)


def cjk_font_path() -> Path:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    if shutil.which("fc-match"):
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", ":lang=zh-cn"], capture_output=True, text=True
        ).stdout.strip()
        if found and Path(found).is_file():
            return Path(found)
    reason = "no CJK font on this machine (apt-get install fonts-noto-cjk)"
    print(f"SKIP: {reason}")
    pytest.skip(reason)


def font(size: int) -> ImageFont.FreeTypeFont:
    path = cjk_font_path()
    # NotoSansCJK-Regular.ttc: face 2 is Simplified Chinese
    index = 2 if path.name.startswith("NotoSansCJK") else 0
    return ImageFont.truetype(str(path), size, index=index)


def page_image(
    paragraphs: list[str], *, width: int = 1240, height: int = 1754, size: int = 34
) -> Image.Image:
    """An A4 page at 150 dpi: paragraphs wrapped at the margins, a blank line between."""
    face = font(size)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    margin, y, pitch = 110, 110, int(size * 1.6)
    for paragraph in paragraphs:
        for line in _wrap(paragraph, face, width - 2 * margin):
            draw.text((margin, y), line, font=face, fill=0)
            y += pitch
        y += pitch
    return image


def line_count(paragraph: str, *, width: int = 1240, size: int = 34) -> int:
    """How many lines ``page_image`` draws ``paragraph`` on."""
    return len(_wrap(paragraph, font(size), width - 2 * 110))


def _wrap(paragraph: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Wrap at spaces for English, anywhere for Chinese, as a typesetter would."""
    lines: list[str] = []
    line = ""
    tokens = paragraph.split(" ") if paragraph.isascii() else list(paragraph)
    joiner = " " if paragraph.isascii() else ""
    for token in tokens:
        candidate = f"{line}{joiner}{token}" if line else token
        if face.getlength(candidate) > width and line:
            lines.append(line)
            line = token
        else:
            line = candidate
    return [*lines, line] if line else lines


def scanned_pdf(pages: list[Image.Image]) -> bytes:
    """A PDF of page images only, no text layer: what a scanner writes."""
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=150, save_all=True, append_images=pages[1:])
    return out.getvalue()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
