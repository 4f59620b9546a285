"""Import of documents, as requests see it: an upload returns at once with its documents
queued (or answered as duplicates); the work goes on in the import pipeline
(`ingest_pipeline.py`). Also retry, delete, and the reads of documents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import BinaryIO

from backend.services.ingest_pipeline import ImportPipeline
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
    def begin_upload(self, kb_id: str) -> UploadBatch:
        """An HTTP upload into a knowledge base: its files are written into the batch as they
        arrive; `commit` makes them documents."""
        self.kbs.get(kb_id)
        accept = partial(self.accept, kb_id)
        return UploadBatch(self.uploads, accept, self.documents.all_stored_names)

    def upload(self, kb_id: str, files: list[IncomingFile]) -> list[Document]:
        """Files given as streams (the desktop bridge's dropped paths): store, then accept."""
        self.kbs.get(kb_id)
        return self.accept(kb_id, [(f.filename, self.uploads.save(f.stream)) for f in files])

    def accept(self, kb_id: str, received: Sequence[Received]) -> list[Document]:
        """Files already in the upload store become documents: queued, or duplicate."""
        self.kbs.get(kb_id)
        accepted: list[Document] = []
        for original_name, stored in received:
            filename = sanitize_filename(original_name)
            twin = self.documents.find_ready_twin(kb_id, stored.sha256)
            status = DocumentStatus.DUPLICATE if twin else DocumentStatus.QUEUED
            doc = self.documents.create(
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

    def delete_document(self, kb_id: str, doc_id: str) -> None:
        doc = self.get(kb_id, doc_id)
        self.documents.delete(doc.id)
        self.pipeline.store.delete_document(doc.id)
        self.uploads.remove(doc.stored_name)

    def delete_kb(self, kb_id: str) -> None:
        self.kbs.get(kb_id)
        names = self.documents.stored_names(kb_id)
        self.kbs.delete(kb_id)
        self.pipeline.store.delete_kb(kb_id)
        for name in names:
            self.uploads.remove(name)

    # -- reads ---------------------------------------------------------------------------------
    def get(self, kb_id: str, doc_id: str) -> Document:
        self.kbs.get(kb_id)
        return self.documents.get(doc_id, kb_id)

    def documents_of(self, kb_id: str) -> list[Document]:
        self.kbs.get(kb_id)
        return self.documents.in_kb(kb_id)
