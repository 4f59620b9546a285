"""Import: a checked package becomes a knowledge base, with no embedding at all.

Everything is checked first (kb_package_check.py). Then the original files go into the
upload store, the points into the vector store as they were exported (under the new
knowledge base's and documents' ids), and last the rows, in one transaction: until it
commits no knowledge base exists, and any failure removes the files and points written
so far. A kill in between leaves files and points that no row names, which the start-up
recovery removes (services/ingest_recovery.py).

A package whose vectors come from another embedder (or another keyword tokenizer) is never
mixed in: its documents are imported from their original files as queued, and the import
pipeline indexes them with this app's models, with the usual progress. Passage vectors of
another model are dropped; the background pass makes this app's own.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import BinaryIO, cast

from backend.errors import Conflict
from backend.rag.sparse import SparseTerms
from backend.rag.vectors.store import PASSAGE_DIMENSION, ChunkPoint, VectorStore
from backend.services.ingest_batch import UPSERT_BATCH
from backend.services.ingest_pipeline import ImportPipeline
from backend.services.ingest_recovery import LOST
from backend.services.kb_package_check import PackageReader, StoredChunk
from backend.services.kb_package_format import (
    KEYWORDS_MODEL,
    PASSAGE_MODEL,
    POINTS,
    DocumentEntry,
    Manifest,
    PackageTooLarge,
)
from backend.services.uploads import UploadStore, sanitize_filename
from backend.store.clock import new_id
from backend.store.db import Database
from backend.store.package_rows import DocumentRow, insert_knowledge_base, taken_names

MAX_NAME = 100


@dataclass(frozen=True)
class Embedding:
    """The models this app indexes with."""

    name: str
    dimension: int


def reuses_vectors(manifest: Manifest, embedding: Embedding) -> bool:
    """The package's vectors answer here only if this app would have made the same."""
    model = manifest.embedder
    return (model.name, model.dimension) == (
        embedding.name,
        embedding.dimension,
    ) and manifest.keywords == KEYWORDS_MODEL


def free_name(wanted: str, taken: set[str]) -> str:
    """`wanted`, or `wanted (2)`, `(3)`... when a knowledge base already has that name."""
    name = " ".join(wanted.split())[:MAX_NAME] or "Imported"
    number = 2
    while name in taken:
        suffix = f" ({number})"
        name = wanted[: MAX_NAME - len(suffix)].rstrip() + suffix
        number += 1
    return name


class PackageImport:
    def __init__(
        self,
        db: Database,
        uploads: UploadStore,
        store: VectorStore,
        pipeline: ImportPipeline,
        embedding: Embedding,
    ) -> None:
        self.db, self.uploads, self.store = db, uploads, store
        self.pipeline, self.embedding = pipeline, embedding

    def run(self, reader: PackageReader) -> str:
        """The new knowledge base's id."""
        reader.check()
        manifest = reader.manifest
        reuse = reuses_vectors(manifest, self.embedding)
        for entry in reader.documents:
            if entry.size > self.uploads.max_bytes:
                raise PackageTooLarge(
                    f"{entry.filename!r} is larger than the upload limit of"
                    f" {self.uploads.max_bytes >> 20} MB."
                )
        files = sum(e.size for e in reader.documents if e.file)
        points = 2 * manifest.members[POINTS].size if reuse else 0  # the log and the segment
        self.uploads.disk.require(files + points)
        kb_id = new_id()
        stored: list[str] = []
        try:
            rows = self._files(reader, reuse, stored)
            if reuse:
                self._points(reader, kb_id, {r.source: r.row for r in rows})
            name = free_name(manifest.kb.name, taken_names(self.db))
            insert_knowledge_base(
                self.db,
                kb_id,
                name,
                manifest.kb.description,
                self.embedding.name,
                self.embedding.dimension,
                [r.row for r in rows],
            )
        except BaseException as error:
            self.uploads.disk.make_room()
            self.store.delete_kb(kb_id)
            for name in stored:
                self.uploads.remove(name)
            if isinstance(error, sqlite3.IntegrityError):
                raise Conflict(
                    "A knowledge base with that name was just made; import again.",
                    code="kb_name_taken",
                ) from None
            raise
        for row in rows:
            if row.row.status == "queued":
                self.pipeline.enqueue(row.row.id)
        return kb_id

    def _files(self, reader: PackageReader, reuse: bool, stored: list[str]) -> list[_Planned]:
        planned = []
        for entry in reader.documents:
            stored_name = f"{new_id()}.bin"  # names no file: the viewer says it is gone
            if entry.file is not None:
                with reader.open(entry.file) as source:
                    stored_name = self.uploads.save(cast(BinaryIO, source)).stored_name
                stored.append(stored_name)
            planned.append(_Planned(entry.id, _row(entry, stored_name, reuse)))
        return planned

    def _points(self, reader: PackageReader, kb_id: str, rows: dict[str, DocumentRow]) -> None:
        manifest = reader.manifest
        passage = manifest.passage
        keep_passage = passage is not None and (passage.name, passage.dimension) == (
            PASSAGE_MODEL,
            PASSAGE_DIMENSION,
        )
        batch: list[ChunkPoint] = []
        for chunk in reader.chunks():
            batch.append(_point(chunk, kb_id, rows[chunk.entry.doc], keep_passage))
            if len(batch) >= UPSERT_BATCH:
                self.store.upsert(batch)
                batch = []
        if batch:
            self.store.upsert(batch)
        self.store.flush()


@dataclass(frozen=True)
class _Planned:
    source: str  # the document's id in the package
    row: DocumentRow


def _row(entry: DocumentEntry, stored_name: str, reuse: bool) -> DocumentRow:
    status, error, chunks = entry.status, entry.error, entry.chunk_count
    if not reuse and entry.status == "ready":
        status, chunks = "queued", 0  # indexed again here, with this app's models
    if status == "queued" and entry.file is None:
        status, error = "failed", LOST
    return DocumentRow(
        id=new_id(),
        filename=sanitize_filename(entry.filename),
        stored_name=stored_name,
        size=entry.size,
        sha256=entry.sha256,
        status=status,
        error=error,
        chunk_count=chunks,
        pages=entry.pages,
        modified_at=entry.modified_at,
        relative_path=entry.relative_path,
    )


def _point(chunk: StoredChunk, kb_id: str, row: DocumentRow, keep_passage: bool) -> ChunkPoint:
    entry = chunk.entry
    return ChunkPoint(
        kb_id=kb_id,
        doc_id=row.id,
        filename=row.filename,
        page=entry.page,
        chunk_index=entry.chunk_index,
        text=entry.text,
        heading=entry.heading,
        units=list(entry.units),
        dense=chunk.dense,
        keywords=SparseTerms(entry.keywords.indices, entry.keywords.values),
        passage=chunk.passage if keep_passage else None,
    )
