"""PDF: the text layer of each page with pypdf, lightly cleaned, page numbers kept.

A page with no text layer, or next to none (a scanner's stamp, a page number), is a
scanned page: it is rendered with PDFium and read by OCR (``ocr``), and its text keeps its
page number like any other page's.

Extraction breaks lines where the page did, splits words with hyphens at line ends and,
for Chinese, often puts spaces between characters of one sentence. Spaces between
Chinese characters are dropped and wrapped lines joined again (see ``reflow``).
"""

from __future__ import annotations

import io
import re

from pypdf import PageObject, PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

from backend.rag.lines import CJK_RANGES

from .document import PageText, ParsedDocument, ReaderError, build_document
from .progress import report
from .reflow import reflow

_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{CJK_RANGES}])[ \t\u3000]+(?=[{CJK_RANGES}])")
_ODD_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f]")
_MANY_SPACES = re.compile(r"[ \t]{2,}")
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi",
                            "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"})  # fmt: skip

ENCRYPTED_MESSAGE = "This PDF is password-protected; remove the password and import it again."
NO_TEXT_LAYER_MESSAGE = (
    "No text was found in this PDF: it has no text layer, and OCR found none on its pages."
)
# A page whose text layer has fewer visible characters than this is OCR'd.
SCANNED_BELOW_CHARS = 20


def read_pdf(data: bytes) -> ParsedDocument:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ReaderError("pdf_encrypted", ENCRYPTED_MESSAGE)
        pages = [
            PageText(number, clean_pdf_text(page.extract_text() or ""))
            for number, page in enumerate(reader.pages, start=1)
        ]
        title = _title(reader)
        scanned = [
            index
            for index, (page, parsed) in enumerate(zip(reader.pages, pages, strict=True))
            if _visible_chars(parsed.text) < SCANNED_BELOW_CHARS and _has_image(page)
        ]
        pages = _ocr_pages(data, pages, scanned)
    except (FileNotDecryptedError, DependencyError) as error:
        # DependencyError: AES encryption without the optional "cryptography" package.
        raise ReaderError("pdf_encrypted", ENCRYPTED_MESSAGE) from error
    except PdfReadError as error:
        raise ReaderError(
            "parse_failed", f"This PDF is damaged and cannot be read ({error})."
        ) from error
    if not any(page.text.strip() for page in pages):
        raise ReaderError("no_text", NO_TEXT_LAYER_MESSAGE)
    return build_document(pages, title=title)


def _ocr_pages(data: bytes, pages: list[PageText], scanned: list[int]) -> list[PageText]:
    if not scanned:
        return pages
    from .ocr import ocr_page_text
    from .pdf_render import rendered_pages

    pages = list(pages)
    for done, (index, image) in enumerate(rendered_pages(data, scanned), start=1):
        text = ocr_page_text(image)
        if _visible_chars(text) > _visible_chars(pages[index].text):
            pages[index] = PageText(pages[index].page, text)
        report(done, len(scanned))
    return pages


def _has_image(page: PageObject, depth: int = 0) -> bool:
    """Whether the page (or a form it draws, two levels down) paints an image: a scan
    always does, while a page of rules or an empty page is not worth rendering."""
    try:
        resources = page.get("/Resources")
        objects = resources.get_object().get("/XObject") if resources else None
        for reference in (objects.get_object() if objects else {}).values():
            xobject = reference.get_object()
            subtype = xobject.get("/Subtype")
            if subtype == "/Image":
                return True
            if subtype == "/Form" and depth < 2 and _has_image(xobject, depth + 1):
                return True
    except Exception:  # a damaged resource dictionary: let the renderer decide
        return True
    return False


def _visible_chars(text: str) -> int:
    return sum(not c.isspace() for c in text)


def _title(reader: PdfReader) -> str | None:
    try:
        metadata = reader.metadata
        title = metadata.title if metadata else None
    except Exception:  # broken metadata must not cost us the text
        return None
    title = str(title).strip() if title else ""
    # Generators write "untitled" as a placeholder; it is not the document's title.
    return title if title and title.lower() != "untitled" else None


def clean_pdf_text(text: str) -> str:
    text = _ODD_SPACES.sub(" ", text.translate(_LIGATURES))
    lines = [_MANY_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    lines = [_SPACE_BETWEEN_CJK.sub("", line) for line in lines]
    return reflow("\n".join(lines), typeset=True)
