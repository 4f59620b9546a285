"""Document readers: bytes of an imported file in, its text by page out.

``read_document`` parses in this process; ``read_document_isolated`` parses in a child
process with a time and memory limit, which is what imports of untrusted files should
use. Each format lives in its own module and is imported only when a file of that kind
arrives, which keeps the isolated child's start-up cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from .document import PageText, ParsedDocument, ReaderError
from .isolation import read_document_isolated
from .reader_process import ReaderProcess
from .sniff import SUPPORTED_EXTENSIONS, detect_kind, is_text_without_extension

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "PageText",
    "ParsedDocument",
    "ReaderError",
    "ReaderProcess",
    "detect_kind",
    "is_text_without_extension",
    "read_document",
    "read_document_isolated",
]

# kind -> (module, function); imported on first use.
_READERS: dict[str, tuple[str, str]] = {
    ".txt": ("plain", "read_txt"),
    ".md": ("plain", "read_markdown"),
    ".html": ("markup", "read_html"),
    ".pdf": ("pdf", "read_pdf"),
    ".docx": ("word", "read_docx"),
    ".pptx": ("slides", "read_pptx"),
    ".xlsx": ("spreadsheet", "read_xlsx"),
    ".csv": ("delimited", "read_csv"),
    ".json": ("json_flatten", "read_json"),
    ".png": ("image", "read_image"),
    ".jpg": ("image", "read_image"),
    ".tiff": ("image", "read_image"),
    ".webp": ("image", "read_image"),
}


def read_document(data: bytes, filename: str) -> ParsedDocument:
    """Parse ``data`` (the content of ``filename``) or raise ReaderError.

    PDF pages, TIFF pages and PPTX slides keep their 1-based numbers; other formats give one page
    whose number is None. Parser failures of any kind come out as ReaderError.
    """
    if not data.strip():
        raise ReaderError("no_text", "The file contains no readable text.")
    kind = detect_kind(data, filename)
    reader = _reader(kind)
    try:
        return reader(data)
    except ReaderError:
        raise
    except MemoryError as error:
        raise ReaderError("parse_memory", "Reading this file needed too much memory.") from error
    except RecursionError as error:
        raise ReaderError("parse_failed", "This file is nested too deeply to be read.") from error
    except Exception as error:
        # Parsers raise anything from KeyError to lxml errors on damaged files.
        raise ReaderError(
            "parse_failed",
            f"This {kind[1:].upper()} file is damaged or malformed and cannot be read "
            f"({type(error).__name__}: {error}).",
        ) from error


def _reader(kind: str) -> Callable[[bytes], ParsedDocument]:
    module_name, function_name = _READERS[kind]
    module = importlib.import_module(f"{__name__}.{module_name}")
    reader: Callable[[bytes], ParsedDocument] = getattr(module, function_name)
    return reader
