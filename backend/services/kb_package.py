"""Portable knowledge bases (`.wowkb`): export one to a single file, import one made on
another machine without embedding anything. The format is in kb_package_format.py, the
export in kb_package_export.py, the checks in kb_package_check.py and the import in
kb_package_import.py; this is the service the routes call.

An uploaded package is written to a work folder of the data dir (never the system temp
dir), checked, imported, and deleted; a kill leaves a file there that the next start
removes.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from backend.errors import Invalid
from backend.services.disk import refused_when_full
from backend.services.ingest import IngestService
from backend.services.kb_package_check import PackageReader
from backend.services.kb_package_export import PackageWriter
from backend.services.kb_package_import import Embedding, PackageImport
from backend.services.knowledge_bases import KnowledgeBaseService
from backend.services.uploads import CHUNK
from backend.store.clock import new_id
from backend.store.models import KnowledgeBase

SUFFIX = ".wowkb"


class KbPackages:
    def __init__(
        self, ingest: IngestService, knowledge_bases: KnowledgeBaseService, work: Path
    ) -> None:
        self.ingest, self.knowledge_bases, self.work = ingest, knowledge_bases, work
        self.disk = ingest.uploads.disk
        shutil.rmtree(work, ignore_errors=True)  # what a killed import left
        embedder = knowledge_bases.embedder
        self._import = PackageImport(
            knowledge_bases.repo.db,
            ingest.uploads,
            ingest.pipeline.store,
            ingest.pipeline,
            Embedding(embedder.name, embedder.dimension),
        )

    def export(self, kb_id: str) -> tuple[str, Iterator[bytes]]:
        """The package's file name and its bytes, produced as they are read."""
        kb = self.knowledge_bases.get(kb_id)
        writer = PackageWriter(
            kb, self.ingest.documents_of(kb_id), self.ingest.pipeline.store, self.ingest.uploads
        )
        return package_filename(kb.name), writer.stream()

    def receiver(self) -> PackageUpload:
        self.disk.require()
        self.work.mkdir(parents=True, exist_ok=True)
        return PackageUpload(self)

    def import_file(self, path: Path) -> KnowledgeBase:
        room = max(0, self.disk.free() - self.disk.min_free_bytes)
        reader = PackageReader(path, room)
        try:
            kb_id = self._import.run(reader)
        finally:
            reader.close()
        return self.knowledge_bases.get(kb_id)


def package_filename(name: str) -> str:
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", name).strip(" .") or "knowledge-base"
    return f"{safe[:100]}{SUFFIX}"


class PackageUpload:
    """The one file of an import request, written into the work folder as it arrives,
    keeping the disk's margin (507 when it would eat into it)."""

    def __init__(self, packages: KbPackages) -> None:
        self.disk = packages.disk
        self.path = packages.work / f"{new_id()}{SUFFIX}"
        self._out: BinaryIO | None = None
        self._unchecked = 0
        self.received = False

    def open(self, filename: str) -> PackageUpload:
        if self._out is not None or self.received:
            raise Invalid("Send one package at a time.", code="invalid_upload")
        with refused_when_full(self.disk):
            fd = os.open(
                self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600
            )
        self._out = os.fdopen(fd, "wb")
        return self

    def write(self, block: bytes) -> None:
        assert self._out is not None
        self._unchecked += len(block)
        if self._unchecked >= CHUNK:
            self.disk.require(self._unchecked)
            self._unchecked = 0
        with refused_when_full(self.disk):
            self._out.write(block)

    def finish(self) -> None:
        assert self._out is not None
        self.disk.require(self._unchecked)  # the tail, and a package smaller than CHUNK
        self._unchecked = 0
        with refused_when_full(self.disk):
            self._out.close()
        self._out = None
        self.received = True

    def discard(self) -> None:
        if self._out is not None:
            with contextlib.suppress(OSError):  # closing flushes, which a full disk refuses
                self._out.close()
            self._out = None
        self.path.unlink(missing_ok=True)
