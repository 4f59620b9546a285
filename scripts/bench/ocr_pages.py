"""Pages of rendered text, as a scanner or a screenshot would give them: for the OCR
benchmark (scripts/bench/ocr_speed.py) and the OCR tests.

Text is drawn with a CJK font found on the machine (Debian's fonts-noto-cjk, listed in
scripts/ci-apt-packages.txt). Paragraphs are wrapped to the page width the way a
typesetter would, so that OCR has real line breaks to join again.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
MARGIN = 110


def cjk_font_path() -> Path | None:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    if shutil.which("fc-match"):
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", ":lang=zh-cn"], capture_output=True, text=True
        ).stdout.strip()
        if found and Path(found).is_file():
            return Path(found)
    return None


def font(size: int) -> ImageFont.FreeTypeFont:
    path = cjk_font_path()
    if path is None:
        raise FileNotFoundError("no CJK font on this machine (apt-get install fonts-noto-cjk)")
    # NotoSansCJK-Regular.ttc: face 2 is Simplified Chinese
    index = 2 if path.name.startswith("NotoSansCJK") else 0
    return ImageFont.truetype(str(path), size, index=index)


def page_image(
    paragraphs: list[str], *, width: int = 1240, height: int = 1754, size: int = 34
) -> Image.Image:
    """A page (A4 at 150 dpi by default): paragraphs wrapped at the margins, a blank line
    between them; what does not fit on the page is left out."""
    face = font(size)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    y, pitch = MARGIN, int(size * 1.6)
    for paragraph in paragraphs:
        for line in wrap(paragraph, face, width - 2 * MARGIN):
            if y + pitch > height - MARGIN:
                return image
            draw.text((MARGIN, y), line, font=face, fill=0)
            y += pitch
        y += pitch
    return image


def wrap(paragraph: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Wrap at spaces for English, anywhere for Chinese, as a typesetter would."""
    lines: list[str] = []
    line = ""
    latin = paragraph.isascii()
    for token in paragraph.split(" ") if latin else list(paragraph):
        candidate = f"{line}{' ' if latin else ''}{token}" if line else token
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
