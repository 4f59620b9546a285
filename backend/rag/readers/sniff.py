"""Decide what a file really is from its first bytes, not only from its name.

Rules, in order:
- A file whose bytes are a PDF or an OOXML package (DOCX, PPTX, XLSX) is read as what the
  bytes say, whatever the name claims: a careless rename (a PDF saved as ``.docx``) is
  common and harmless, and the parser that runs is the one the bytes were made for.
- A file whose bytes are a PNG, JPEG, TIFF or WebP image is read as that image (by OCR)
  when its name claims an image type, an unsupported type or none; named as a text type
  (``notes.txt``) it is refused like other binaries.
- Any other binary (executables, archives, images, legacy or encrypted Office files) is
  refused: ``unsupported_type`` when the name also says it is not a supported type,
  ``type_mismatch`` when the name claims a supported one.
- A name claiming a binary format whose bytes are not that format is ``type_mismatch``.
- Otherwise the bytes are text and the extension chooses between TXT, MD, HTML, CSV, JSON.
- A text file with no extension (``LICENSE``, ``README``, ``Apache-2.0``: a version is not
  an extension) is read as what its first lines look like: HTML, Markdown, else plain text.

The returned kind is the canonical extension: ``.markdown`` becomes ``.md``, ``.htm``
becomes ``.html``, ``.jpeg`` becomes ``.jpg``, ``.tif`` becomes ``.tiff``.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

from .document import ReaderError

SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(
    {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".pptx", ".xlsx", ".csv",
     ".json", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp"}
)  # fmt: skip
IMAGE_KINDS: frozenset[str] = frozenset({".png", ".jpg", ".tiff", ".webp"})
# Control bytes that text never needs (tab, newlines, form feed and escape are allowed).
_BINARY_CONTROLS = bytes(c for c in range(32) if c not in (9, 10, 11, 12, 13, 27))
_MAX_CONTROL_SHARE = 0.05
# What follows the last dot of a name is an extension only when it looks like one: a
# letter first ("Apache-2.0", "notes.2024" have none).
_EXTENSION = re.compile(r"\.[a-z][a-z0-9_+-]{0,9}")
_HTML_START = re.compile(
    rb"\s*(<!--.*?-->\s*)*<(!doctype\s+html|html)[\s>]", re.DOTALL | re.IGNORECASE
)
_MARKDOWN_LINE = re.compile(rb"^ {0,3}(#{1,6}[ \t]+\S|```|~~~|[-*+][ \t]+\S)", re.MULTILINE)
_CANONICAL = {".markdown": ".md", ".htm": ".html", ".jpeg": ".jpg", ".tif": ".tiff"}
_BINARY_KINDS = frozenset({".pdf", ".docx", ".pptx", ".xlsx"}) | IMAGE_KINDS
# The part that every package of each OOXML kind must contain.
_OOXML_MAIN_PARTS = (
    ("word/document.xml", ".docx"),
    ("ppt/presentation.xml", ".pptx"),
    ("xl/workbook.xml", ".xlsx"),
)
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x7fELF", "a Linux program"),
    (b"MZ", "a Windows program"),
    (b"\xcf\xfa\xed\xfe", "a macOS program"),
    (b"\xce\xfa\xed\xfe", "a macOS program"),
    (b"\xca\xfe\xba\xbe", "a macOS program or Java class"),
    (b"\xd0\xcf\x11\xe0", "a legacy (.doc/.xls/.ppt) or password-protected Office file"),
    (b"PK\x03\x04", "a zip archive"),
    (b"PK\x05\x06", "a zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"GIF8", "a GIF image"),
    (b"{\\rtf", "an RTF document"),
    (b"SQLite format 3", "a SQLite database"),
)  # fmt: skip


def detect_kind(data: bytes, filename: str) -> str:
    """Return the canonical extension to parse ``data`` as, or raise ReaderError."""
    claimed = os.path.splitext(filename)[1].lower()
    if not _EXTENSION.fullmatch(claimed):
        claimed = ""
    claimed = _CANONICAL.get(claimed, claimed)
    supported = claimed in SUPPORTED_EXTENSIONS

    # PDF readers accept up to 1 KB of junk before the header; a text file that merely
    # mentions "%PDF-" near its start is still text.
    pdf_offset = data.find(b"%PDF-", 0, 1024)
    if pdf_offset == 0 or (pdf_offset > 0 and (claimed == ".pdf" or not supported)):
        return ".pdf"
    if data.startswith(b"PK\x03\x04"):
        names = _zip_names(data)
        if names is None and claimed in _BINARY_KINDS:
            raise ReaderError(
                "parse_failed", f"This {claimed} file is damaged (incomplete?) and cannot be read."
            )
        for part, kind in _OOXML_MAIN_PARTS:
            if names and part in names:
                return kind
    image = _image_kind(data)
    if image and (claimed in IMAGE_KINDS or not supported):
        return image
    what = _binary_description(data)
    if what is not None:
        if not supported:
            raise ReaderError("unsupported_type", f"This file is {what}, which cannot be read.")
        raise ReaderError(
            "type_mismatch",
            f"The file is named {claimed} but its content is {what}; it was not read.",
        )
    if not claimed:
        return _text_kind(data)
    if not supported:
        raise ReaderError(
            "unsupported_type",
            f"Files of type {claimed} are not supported. "
            "Supported: PDF, Word (.docx), PowerPoint (.pptx), Excel (.xlsx), CSV, JSON, "
            "HTML, Markdown, plain text and images (PNG, JPG, TIFF, WebP).",
        )
    if claimed in _BINARY_KINDS:
        raise ReaderError(
            "type_mismatch",
            f"The file is named {claimed} but its content is not a {claimed[1:].upper()} "
            "document (damaged or renamed?).",
        )
    return claimed


def is_text_without_extension(path: Path) -> bool:
    """A file whose name has no extension and whose first bytes are text (LICENSE)."""
    if _EXTENSION.fullmatch(path.suffix.lower()):
        return False
    try:
        with path.open("rb") as file:
            head = file.read(8192)
    except OSError:
        return False
    return bool(head.strip()) and _binary_description(head) is None


def _text_kind(data: bytes) -> str:
    head = data[:8192].removeprefix(b"\xef\xbb\xbf")
    if _HTML_START.match(head):
        return ".html"
    return ".md" if _MARKDOWN_LINE.search(head) else ".txt"


def _image_kind(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if data.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return ".tiff"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return None


def _zip_names(data: bytes) -> set[str] | None:
    """The member names of a zip archive, or None when it cannot be opened."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _binary_description(data: bytes) -> str | None:
    for magic, what in _BINARY_MAGIC:
        # "MZ" also starts English words; a real program has NULs right after it.
        if data.startswith(magic) and (magic != b"MZ" or b"\x00" in data[:64]):
            return what
    sample = data[:8192]
    controls = sum(sample.count(bytes((code,))) for code in _BINARY_CONTROLS)
    # A stray NUL happens in text files (it is stripped); a real binary has many.
    if controls > _MAX_CONTROL_SHARE * len(sample) and not _looks_like_utf16_or_32(sample):
        return "binary data, not text"
    return None


def _looks_like_utf16_or_32(sample: bytes) -> bool:
    """UTF-16/32 text is full of NULs: let it through when it has a BOM or a NUL rhythm."""
    if sample[:2] in (b"\xff\xfe", b"\xfe\xff") or sample[:4] == b"\x00\x00\xfe\xff":
        return True
    from .encoding import looks_like_utf16

    return looks_like_utf16(sample)
