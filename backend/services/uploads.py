"""Uploaded files on disk: generated names, sanitised original names, size limits.

An HTTP upload is written into the store as its bytes arrive (``MultipartUploads``): no
copy is spooled to the system temp dir, nothing is written twice, and a file over the
limit stops the upload at the limit. Files are owner-only (0600) on POSIX.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from backend.errors import Invalid, TooLarge
from backend.store.clock import new_id

CHUNK = 1 << 20
_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation
MAX_NAME = 180
_RESERVED_CHARS = re.compile(r'[<>:"|?*]')
_WINDOWS_DEVICES = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    "CONIN$",
    "CONOUT$",
    *(f"COM{i}" for i in range(10)),
    *(f"LPT{i}" for i in range(10)),
}


def sanitize_filename(raw: str | None) -> str:
    """A display name that is safe anywhere: no path, no control characters, bounded."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    # What Windows forbids in names (also what HTML and NTFS streams read as syntax).
    name = _RESERVED_CHARS.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip().strip(".").strip()
    if not name:
        name = "unnamed"
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if stem.upper().split(".")[0].rstrip() in _WINDOWS_DEVICES:
        stem = f"_{stem}"
    ext = ext[:16]
    stem = stem[: MAX_NAME - len(ext) - 1]
    return f"{stem}.{ext}" if ext else stem


@dataclass
class StoredUpload:
    stored_name: str
    path: Path
    size: int
    sha256: str


class UploadWriter:
    """One file being written under a generated name; ``finish`` or ``discard`` it."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.stored_name = f"{new_id()}.bin"
        self.path = folder / self.stored_name
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o600)
        self._out = os.fdopen(fd, "wb")
        self._digest = hashlib.sha256()
        self.size = 0

    def write(self, block: bytes) -> None:
        self.size += len(block)
        if self.size > self.max_bytes:
            raise TooLarge(f"The file is larger than the limit of {self.max_bytes >> 20} MB.")
        self._digest.update(block)
        self._out.write(block)

    def finish(self) -> StoredUpload:
        self._out.close()
        return StoredUpload(self.stored_name, self.path, self.size, self._digest.hexdigest())

    def discard(self) -> None:
        self._out.close()
        self.path.unlink(missing_ok=True)


class UploadStore:
    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes

    def path(self, stored_name: str) -> Path:
        return self.folder / stored_name

    def writer(self) -> UploadWriter:
        return UploadWriter(self.folder, self.max_bytes)

    def save(self, source: BinaryIO) -> StoredUpload:
        writer = self.writer()
        try:
            while block := source.read(CHUNK):
                writer.write(block)
        except BaseException:
            writer.discard()
            raise
        return writer.finish()

    def remove(self, stored_name: str) -> None:
        if stored_name and os.path.basename(stored_name) == stored_name:
            self.path(stored_name).unlink(missing_ok=True)


class MultipartUploads:
    """Parses a multipart/form-data body fed chunk by chunk, writing each part of the
    ``files`` field into the store as it arrives. Other fields are counted and dropped."""

    def __init__(
        self,
        store: UploadStore,
        content_type: str,
        *,
        field: str = "files",
        max_files: int = 1000,
        max_fields: int = 100,
    ) -> None:
        kind, params = parse_options_header(content_type)
        boundary = params.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise Invalid(
                "Send the files as multipart/form-data in the field 'files'.",
                code="invalid_upload",
            )
        self.store, self.field = store, field.encode()
        self.max_files, self.max_fields = max_files, max_fields
        self.received: list[tuple[str, StoredUpload]] = []
        self._writer: UploadWriter | None = None
        self._filename = ""
        self._parts = 0
        self._header_name = self._header_value = self._disposition = b""
        try:
            self._parser = MultipartParser(
                boundary,
                {
                    "on_part_begin": self._part_begin,
                    "on_header_field": self._header_field,
                    "on_header_value": self._header_value_part,
                    "on_header_end": self._header_end,
                    "on_headers_finished": self._headers_finished,
                    "on_part_data": self._part_data,
                    "on_part_end": self._part_end,
                },
            )
        except FormParserError as error:
            raise _malformed() from error

    def feed(self, chunk: bytes) -> None:
        try:
            self._parser.write(chunk)
        except FormParserError as error:
            raise _malformed() from error

    def finish(self) -> list[tuple[str, StoredUpload]]:
        try:
            self._parser.finalize()
        except FormParserError as error:
            raise _malformed() from error
        if self._writer is not None:
            raise _malformed()
        if not self.received:
            raise Invalid("No files were sent (the multipart field is 'files').", code="no_files")
        return self.received

    def discard(self, keep: set[str] | None = None) -> None:
        """Remove what was written (but the files named in ``keep``): the upload failed."""
        if self._writer is not None:
            self._writer.discard()
            self._writer = None
        for _, stored in self.received:
            if stored.stored_name not in (keep or set()):
                self.store.remove(stored.stored_name)
        self.received = []

    # -- parser callbacks ----------------------------------------------------------------------
    def _part_begin(self) -> None:
        self._disposition = b""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_part(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if self._header_name.strip().lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def _headers_finished(self) -> None:
        self._parts += 1
        if self._parts > self.max_files + self.max_fields:
            raise Invalid("Too many parts in one upload.", code="invalid_upload")
        _, options = parse_options_header(self._disposition)
        if options.get(b"name") != self.field or b"filename" not in options:
            return
        if len(self.received) >= self.max_files:
            raise Invalid(
                f"Too many files in one upload (at most {self.max_files}).", code="too_many_files"
            )
        self._filename = options[b"filename"].decode("utf-8", errors="replace")
        self._writer = self.store.writer()

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._writer is not None:
            self._writer.write(data[start:end])

    def _part_end(self) -> None:
        if self._writer is not None:
            self.received.append((self._filename, self._writer.finish()))
            self._writer = None


def _malformed() -> Invalid:
    return Invalid("The multipart body is malformed or incomplete.", code="invalid_upload")
