"""Opening a source: the stored original of a document and its text by page for the viewer.

The text is read again from the stored file by the same isolated reader that imported
it, so the passages a chat cites are found, character for character, in what the viewer
shows. Uploads are kept under generated names (``<id>.bin``); the original's name and
content type come from the document's row, never from the request.
"""

from __future__ import annotations

import mimetypes
import os
import shutil
import sqlite3
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.errors import Invalid, NotFound
from backend.paths import DataPaths
from backend.rag.readers import ParsedDocument, ReaderError
from backend.store.documents import DocumentRepository
from backend.store.models import Document, DocumentStatus

# How the viewer shows a format: the page itself (pdf), rendered Markdown (the readers of
# these formats mark headings with "#"), or text kept as it is (rows, JSON paths, lines).
VIEW_FORMATS = {
    ".pdf": "pdf",
    ".md": "markdown",
    ".markdown": "markdown",
    ".docx": "markdown",
    ".pptx": "markdown",
    ".html": "markdown",
    ".htm": "markdown",
    ".xlsx": "markdown",  # a "## Sheet: name" heading over each sheet's rows
}
# Types that a browser could run in the app's origin are served as text.
_ACTIVE_TYPES = ("text/html", "application/xhtml+xml", "image/svg+xml", "text/javascript")
_EXTRA_TYPES = {
    ".md": "text/markdown; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CACHED_TEXTS = 8

Read = Callable[[str, str], ParsedDocument]


@dataclass(frozen=True)
class Original:
    path: Path
    filename: str
    media_type: str


def media_type(filename: str) -> str:
    """The content type to serve a stored original with; never one that runs as a page."""
    ext = Path(filename).suffix.lower()
    guessed = _EXTRA_TYPES.get(ext) or mimetypes.guess_type(filename)[0]
    if not guessed:
        return "application/octet-stream"
    if guessed.startswith(_ACTIVE_TYPES):
        return "text/plain; charset=utf-8"
    return guessed


def view_format(filename: str) -> str:
    return VIEW_FORMATS.get(Path(filename).suffix.lower(), "plain")


def stored_path(uploads: Path, stored_name: str) -> Path:
    """The file under ``uploads``; a name that would lead outside it is refused."""
    root = uploads.resolve()
    path = (root / stored_name).resolve()
    if path.parent != root or not path.is_file():
        raise NotFound(
            "The original file of this document is no longer stored.", code="file_missing"
        )
    return path


def named_copy(uploads: Path, opened: Path, doc_id: str, filename: str, stored_name: str) -> Path:
    """The original under its own name (for the desktop's default program), made once."""
    source = stored_path(uploads, stored_name)
    target = opened / doc_id / filename
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:  # another file system, or no hard links there
            shutil.copyfile(source, target)
    return target


def named_copy_in(data_dir: Path, kb_id: str, doc_id: str) -> Path | None:
    """``named_copy`` from the data dir alone, for the desktop bridge (which may run beside
    another process's server): one read-only look at the documents table."""
    paths = DataPaths(data_dir)
    try:
        db = sqlite3.connect(f"{paths.database.as_uri()}?mode=ro", uri=True)
        try:
            row = db.execute(
                "SELECT filename, stored_name FROM documents WHERE id = ? AND kb_id = ?",
                (doc_id, kb_id),
            ).fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return None
    if row is None:
        return None
    try:
        return named_copy(paths.uploads, opened_dir(paths), doc_id, str(row[0]), str(row[1]))
    except (NotFound, OSError):
        return None


def linked_file_in(data_dir: Path, kb_id: str, doc_id: str) -> Path | None:
    """The file in its linked folder that a document was imported from, if it is still
    there and inside that folder (a read-only look, as ``named_copy_in``)."""
    paths = DataPaths(data_dir)
    try:
        db = sqlite3.connect(f"{paths.database.as_uri()}?mode=ro", uri=True)
        try:
            row = db.execute(
                "SELECT f.path, d.relative_path FROM documents d JOIN folders f"
                " ON d.folder_id = f.id WHERE d.id = ? AND d.kb_id = ?",
                (doc_id, kb_id),
            ).fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return None
    if row is None or not row[1]:
        return None
    folder = Path(str(row[0])).resolve()
    path = (folder / str(row[1])).resolve()
    return path if path.is_relative_to(folder) and path.is_file() else None


def opened_dir(paths: DataPaths) -> Path:
    """Where originals get their own names to be opened by other programs."""
    return paths.root / "opened"


class ViewerService:
    def __init__(
        self, documents: DocumentRepository, uploads: Path, opened: Path, read: Read
    ) -> None:
        self.documents = documents
        self.uploads = uploads
        self.opened = opened
        self.read = read
        self._texts: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()

    def _document(self, kb_id: str, doc_id: str) -> Document:
        return self.documents.get(doc_id, kb_id)

    def original(self, kb_id: str, doc_id: str) -> Original:
        doc = self._document(kb_id, doc_id)
        path = stored_path(self.uploads, doc.stored_name)
        return Original(path, doc.filename, media_type(doc.filename))

    def original_copy(self, kb_id: str, doc_id: str) -> Path:
        doc = self._document(kb_id, doc_id)
        return named_copy(self.uploads, self.opened, doc.id, doc.filename, doc.stored_name)

    def text(self, kb_id: str, doc_id: str) -> dict[str, Any]:
        """{"doc_id", "kb_id", "filename", "format", "pages": [{"page", "text"}]}."""
        doc = self._document(kb_id, doc_id)
        if doc.status is DocumentStatus.FAILED:
            raise Invalid(doc.error or "This document could not be read.", code="not_readable")
        key = (doc.id, doc.sha256)
        if key in self._texts:
            self._texts.move_to_end(key)
            return self._texts[key]
        path = stored_path(self.uploads, doc.stored_name)
        try:
            parsed = self.read(str(path), doc.filename)
        except ReaderError as error:
            raise Invalid(error.message, code=error.code) from error
        answer = {
            "doc_id": doc.id,
            "kb_id": doc.kb_id,
            "filename": doc.filename,
            "format": view_format(doc.filename),
            "pages": [{"page": p.page, "text": p.text} for p in parsed.pages],
        }
        self._texts[key] = answer
        while len(self._texts) > CACHED_TEXTS:
            self._texts.popitem(last=False)
        return answer
