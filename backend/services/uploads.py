"""Uploaded files on disk: generated names, sanitised original names, size limits.

An HTTP upload is written into the store as its bytes arrive (an ``UploadBatch`` fed by
the multipart parser in api/): no copy is spooled to the system temp dir, nothing is
written twice, and a file over the limit stops the upload at the limit. Files are
owner-only (0600) on POSIX.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from backend.errors import TooLarge
from backend.services.disk import DiskSpace, refused_when_full
from backend.store.clock import new_id
from backend.store.models import Document

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


Received = tuple[str | None, StoredUpload]  # (the name the file came with, its stored copy)


class UploadWriter:
    """One file being written under a generated name; ``finish`` or ``discard`` it. The
    disk keeps its margin: the upload stops with 507 when the file would eat into it."""

    def __init__(self, folder: Path, max_bytes: int, disk: DiskSpace) -> None:
        self.max_bytes, self.disk = max_bytes, disk
        self.stored_name = f"{new_id()}.bin"
        self.path = folder / self.stored_name
        with refused_when_full(disk):
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o600)
        self._out = os.fdopen(fd, "wb")
        self._digest = hashlib.sha256()
        self.size = self._checked = 0

    def write(self, block: bytes) -> None:
        self.size += len(block)
        if self.size > self.max_bytes:
            raise TooLarge(f"The file is larger than the limit of {self.max_bytes >> 20} MB.")
        if self.size - self._checked >= CHUNK:
            self.disk.require(self.size - self._checked)
            self._checked = self.size
        self._digest.update(block)
        with refused_when_full(self.disk):
            self._out.write(block)

    def finish(self) -> StoredUpload:
        with refused_when_full(self.disk):
            self._out.close()
        return StoredUpload(self.stored_name, self.path, self.size, self._digest.hexdigest())

    def discard(self) -> None:
        with contextlib.suppress(OSError):  # closing flushes, which a full disk refuses
            self._out.close()
        self.path.unlink(missing_ok=True)


class UploadStore:
    def __init__(self, folder: Path, max_bytes: int, disk: DiskSpace) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.disk = disk

    def path(self, stored_name: str) -> Path:
        return self.folder / stored_name

    def writer(self) -> UploadWriter:
        return UploadWriter(self.folder, self.max_bytes, self.disk)

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


class UploadBatch:
    """The files of one upload request, written into the store as they arrive (the
    multipart parser in api/ opens one writer per file). ``commit`` turns them into
    documents; anything that fails on the way leaves no file behind."""

    def __init__(
        self,
        store: UploadStore,
        accept: Callable[[list[Received]], list[Document]],
        named: Callable[[], set[str]],
    ) -> None:
        self.store, self._accept, self._named = store, accept, named
        self.received: list[Received] = []
        self._writer: UploadWriter | None = None

    def open(self, filename: str) -> _BatchWriter:
        self._writer = self.store.writer()
        return _BatchWriter(self, filename, self._writer)

    def commit(self) -> list[Document]:
        try:
            with refused_when_full(self.store.disk):
                return self._accept(self.received)
        except BaseException:
            self.discard(keep=self._named())  # the files already documents stay
            raise

    def discard(self, keep: set[str] | None = None) -> None:
        """Remove what was written (but the files named in ``keep``): the upload failed."""
        if self._writer is not None:
            self._writer.discard()
            self._writer = None
        for _, stored in self.received:
            if stored.stored_name not in (keep or set()):
                self.store.remove(stored.stored_name)
        self.received = []


class _BatchWriter:
    def __init__(self, batch: UploadBatch, filename: str, writer: UploadWriter) -> None:
        self.batch, self.filename, self.writer = batch, filename, writer

    def write(self, block: bytes) -> None:
        self.writer.write(block)

    def finish(self) -> None:
        self.batch.received.append((self.filename, self.writer.finish()))
        self.batch._writer = None
