"""PDF: the text layer of each page with pypdf, lightly cleaned, page numbers kept.

Extraction breaks lines where the page did, splits words with hyphens at line ends and,
for Chinese, often puts spaces or newlines between characters of one sentence. Lines
that run (nearly) to the page's usual width are taken as wrapped and joined again.
"""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

from .document import CJK_RANGES, PageText, ParsedDocument, ReaderError, build_document

_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{CJK_RANGES}])[ \t\u3000]+(?=[{CJK_RANGES}])")
_ODD_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f]")
_MANY_SPACES = re.compile(r"[ \t]{2,}")
_HYPHEN_END = re.compile(r"[a-z]-$")
_CJK_CHAR = re.compile(rf"[{CJK_RANGES}]")
# A line at least this share of the page's widest lines is taken as wrapped.
_WRAPPED_SHARE = 0.8
_MIN_WRAP_WIDTH = 20
_MIN_LINES_TO_REFLOW = 3  # with fewer lines the page's usual width is unknown
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi",
                            "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"})  # fmt: skip

ENCRYPTED_MESSAGE = "This PDF is password-protected; remove the password and import it again."
NO_TEXT_LAYER_MESSAGE = "This PDF has no text layer (scanned images?); OCR is not supported."


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
    return _join_wrapped(lines)


def _width(line: str) -> int:
    return len(line) + len(_CJK_CHAR.findall(line))  # a CJK character is two columns wide


def _join_wrapped(lines: list[str]) -> str:
    widths = sorted(_width(line) for line in lines if line)
    if len(widths) < _MIN_LINES_TO_REFLOW:
        return "\n".join(lines)
    # The 90th percentile, so that one overlong line (a URL, a table) does not set the bar.
    full = widths[min(len(widths) - 1, int(0.9 * len(widths)))]
    threshold = max(_MIN_WRAP_WIDTH, _WRAPPED_SHARE * full)
    out: list[str] = []
    previous_width = 0
    for line in lines:
        if out and out[-1] and line and previous_width >= threshold:
            out[-1] = _join(out[-1], line)
        else:
            out.append(line)
        previous_width = _width(line)
    return "\n".join(out)


def _join(previous: str, line: str) -> str:
    if _HYPHEN_END.search(previous) and line[:1].islower():
        return previous[:-1] + line
    if _CJK_CHAR.match(previous[-1]) and _CJK_CHAR.match(line[0]):
        return previous + line
    return previous + " " + line
