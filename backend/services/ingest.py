"""Import of documents, as requests see it: an upload returns at once with its documents
queued (or answered as duplicates); the work goes on in the import pipeline
(`ingest_pipeline.py`). Also retry, delete, and the reads of documents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import BinaryIO

from backend.errors import NotFound
from backend.services.disk import refused_when_full
from backend.services.ingest_pipeline import ImportPipeline
from backend.services.ingest_recovery import resume_after_space
from backend.services.uploads import Received, UploadBatch, UploadStore, sanitize_filename
from backend.store.documents import DocumentRepository
from backend.store.knowledge_bases import KnowledgeBaseRepository
from backend.store.models import Document, DocumentStatus


@dataclass
class IncomingFile:
    filename: str | None
    stream: BinaryIO


class IngestService:
    def __init__(
        self,
        kbs: KnowledgeBaseRepository,
        documents: DocumentRepository,
        uploads: UploadStore,
        pipeline: ImportPipeline,
    ) -> None:
        self.kbs, self.documents, self.uploads = kbs, documents, uploads
        self.pipeline = pipeline

    # -- lifecycle (the pipeline's) ------------------------------------------------------------
    def start(self) -> None:
        self.pipeline.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.pipeline.stop(timeout)

    def idle(self) -> bool:
        return self.pipeline.idle()

    # -- requests ------------------------------------------------------------------------------
    def begin_upload(self, kb_id: str, expected_bytes: int = 0) -> UploadBatch:
        """An HTTP upload into a knowledge base: its files are written into the batch as they
        arrive; `commit` makes them documents. Refused (507) at once when the upload's
        announced size would not fit above the margin."""
        self.kbs.get(kb_id)
        self.uploads.disk.require(expected_bytes)
        accept = partial(self.accept, kb_id)
        return UploadBatch(self.uploads, accept, self.documents.all_stored_names)

    def upload(self, kb_id: str, files: list[IncomingFile]) -> list[Document]:
        """Files given as streams (the desktop bridge's dropped paths): store, then accept."""
        self.kbs.get(kb_id)
        self.uploads.disk.require()
        received = [(f.filename, self.uploads.save(f.stream)) for f in files]
        try:
            with refused_when_full(self.uploads.disk):
                return self.accept(kb_id, received)
        except BaseException:
            named = self.documents.all_stored_names()
            for _, stored in received:
                if stored.stored_name not in named:
                    self.uploads.remove(stored.stored_name)
            raise

    def accept(
        self, kb_id: str, received: Sequence[Received], origin: dict[str, str] | None = None
    ) -> list[Document]:
        """Files already in the upload store become documents: queued, or duplicate.
        `origin` says where in a linked folder they came from."""
        self.kbs.get(kb_id)
        accepted: list[Document] = []
        create = partial(self.documents.create_in_folder, origin=origin) if origin else None
        for original_name, stored in received:
            filename = sanitize_filename(original_name)
            twin = self.documents.find_ready_twin(kb_id, stored.sha256)
            status = DocumentStatus.DUPLICATE if twin else DocumentStatus.QUEUED
            doc = (create or self.documents.create)(
                kb_id, filename, stored.stored_name, stored.size, stored.sha256, status
            )
            if twin:
                self.uploads.remove(stored.stored_name)
                self.documents.update(doc.id, error=f"Same content as {twin.filename!r}.")
                doc = self.documents.get(doc.id)
            else:
                self.pipeline.enqueue(doc.id)
            self.pipeline.publish(doc)
            accepted.append(doc)
        return accepted

    # -- linked folders (the "folders" block) ---------------------------------------------------
    def import_from_folder(self, kb_id: str, path: Path, origin: dict[str, str]) -> Document:
        """A file of a linked folder: copied into the upload store like an upload (the
        folder's file may change or vanish while it is being imported), then accepted."""
        self.uploads.disk.require()
        with path.open("rb") as stream:
            stored = self.uploads.save(stream)
        try:
            with refused_when_full(self.uploads.disk):
                return self.accept(kb_id, [(path.name, stored)], origin)[0]
        except BaseException:
            if stored.stored_name not in self.documents.all_stored_names():
                self.uploads.remove(stored.stored_name)
            raise

    def retry(self, kb_id: str, doc_id: str) -> Document:
        """Import a document again from its stored file (Retry of a failed one)."""
        doc = self.get(kb_id, doc_id)
        if doc.status is DocumentStatus.DUPLICATE or doc.status.unfinished:
            return doc
        if not self.uploads.path(doc.stored_name).exists():
            raise NotFound("The uploaded file is gone: upload it again.", code="file_not_found")
        self.uploads.disk.require()
        with refused_when_full(self.uploads.disk):
            self.pipeline.store.delete_document(doc.id)
            self.pipeline.requeue(doc.id)
        return self.documents.get(doc.id)

    # Deleting is how a person frees space: on a full disk the reserve makes room for the
    # deletes to be written, and what failed for want of space is queued again after.
    def delete_document(self, kb_id: str, doc_id: str) -> None:
        doc = self.get(kb_id, doc_id)
        self.uploads.disk.make_room()
        self.documents.delete(doc.id)
        self.pipeline.store.delete_document(doc.id)
        self.uploads.remove(doc.stored_name)
        self._space_freed()

    def delete_kb(self, kb_id: str) -> None:
        self.kbs.get(kb_id)
        self.uploads.disk.make_room()
        names = self.documents.stored_names(kb_id)
        self.kbs.delete(kb_id)
        self.pipeline.store.delete_kb(kb_id)
        for name in names:
            self.uploads.remove(name)
        self._space_freed()

    def _space_freed(self) -> None:
        resume_after_space(self.pipeline)
        self.uploads.disk.refill()

    # -- reads ---------------------------------------------------------------------------------
    def get(self, kb_id: str, doc_id: str) -> Document:
        self.kbs.get(kb_id)
        return self.documents.get(doc_id, kb_id)

    def documents_of(self, kb_id: str) -> list[Document]:
        self.kbs.get(kb_id)
        return self.documents.in_kb(kb_id)
