"""Import of documents, as requests see it: an upload returns at once with its documents
queued (or answered as duplicates); the work goes on in the import pipeline
(`ingest_pipeline.py`). Also re-index (and retry), clear, delete, and the reads of documents."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import BinaryIO

from backend.errors import AppError, Conflict, NotFound
from backend.services.chunk_points import renamed
from backend.services.disk import refused_when_full
from backend.services.ingest_pipeline import ImportPipeline
from backend.services.ingest_recovery import resume_after_space
from backend.services.uploads import Received, UploadBatch, UploadStore, sanitize_filename
from backend.store.disk_full import is_disk_full
from backend.store.documents import DocumentRepository
from backend.store.knowledge_bases import KnowledgeBaseRepository
from backend.store.models import Document, DocumentStatus

log = logging.getLogger(__name__)


def file_time(value: str | None) -> str | None:
    """A file's time as sent (ISO 8601), in the store's form (UTC, milliseconds, Z)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise AppError(
            "modified_at must be an ISO 8601 time with its zone, e.g. 2026-03-02T08:00:00Z.",
            code="invalid_modified_at",
        )
    utc = moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")
    return utc.replace("+00:00", "Z")


CLEARABLE = (DocumentStatus.FAILED.value, DocumentStatus.DUPLICATE.value)


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
    def begin_upload(
        self, kb_id: str, expected_bytes: int = 0, modified_at: str | None = None
    ) -> UploadBatch:
        """An HTTP upload into a knowledge base: its files are written into the batch as they
        arrive; `commit` makes them documents. Refused (507) at once when the upload's
        announced size would not fit above the margin."""
        self.kbs.get(kb_id)
        modified = file_time(modified_at)
        self.uploads.disk.require(expected_bytes)
        accept = partial(self.accept, kb_id, modified_at=modified)
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
        self,
        kb_id: str,
        received: Sequence[Received],
        modified_at: str | None = None,
        origin: dict[str, str] | None = None,
    ) -> list[Document]:
        """Files already in the upload store become documents: queued, or duplicate.
        `modified_at` is the files' own last change when the sender knows it; `origin`
        says where in a linked folder they came from (with the file's time)."""
        self.kbs.get(kb_id)
        accepted: list[Document] = []
        origin = origin or ({"modified_at": modified_at} if modified_at else None)
        for original_name, stored in received:
            filename = sanitize_filename(original_name)
            twin = self.documents.find_ready_twin(kb_id, stored.sha256)
            status = DocumentStatus.DUPLICATE if twin else DocumentStatus.QUEUED
            doc = self.documents.create(
                kb_id, filename, stored.stored_name, stored.size, stored.sha256, status, origin
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
                return self.accept(kb_id, [(path.name, stored)], origin=origin)[0]
        except BaseException:
            if stored.stored_name not in self.documents.all_stored_names():
                self.uploads.remove(stored.stored_name)
            raise

    def move_in_folder(self, doc: Document, relative_path: str, modified_at: str) -> None:
        """A linked folder's file renamed or moved with the same bytes: its document follows
        it and nothing is embedded again; a new file name is re-keyed in its points."""
        filename = sanitize_filename(Path(relative_path).name)
        with refused_when_full(self.uploads.disk):
            if filename != doc.filename:
                store = self.pipeline.store
                points = list(store.points_of_kb(doc.kb_id, doc.id))
                store.upsert(renamed(points, filename, self.pipeline.keywords))
            moved = self.documents.update(
                doc.id, relative_path=relative_path, filename=filename, modified_at=modified_at
            )
        if moved is not None:
            self.pipeline.publish(moved)

    # Deleting is how a person frees space: on a full disk the reserve makes room for the
    # deletes to be written, and what failed for want of space is queued again after.
    def delete_document(self, kb_id: str, doc_id: str, keep_out: bool = False) -> None:
        """`keep_out` when the person removes it: a linked folder's file then stays out of
        the folder's syncs instead of coming back with the next one, and goes with all its
        versions (the one being replaced and its replacement)."""
        doc = self.get(kb_id, doc_id)
        versions = [doc]
        if keep_out and doc.folder_id and doc.relative_path is not None:
            versions = self.documents.in_folder(doc.folder_id, doc.relative_path)
        self.uploads.disk.make_room()
        for version in versions:
            with refused_when_full(self.uploads.disk):
                self.documents.delete(version.id, keep_out)
                self.pipeline.store.delete_document(version.id)
            self.uploads.remove(version.stored_name)
        self._space_freed()

    # The rows go first (a few bytes of SQLite), then the files (which gives back room),
    # then the vectors, whose delete writes Qdrant's log: on a disk still too full for
    # that, the start-up reconciliation removes the points that no document owns.
    def delete_kb(self, kb_id: str) -> None:
        self.kbs.get(kb_id)
        self.uploads.disk.make_room()
        names = self.documents.stored_names(kb_id)
        try:
            self.kbs.delete(kb_id)
        except Exception as exc:
            if not is_disk_full(exc):
                raise
            self._remove_files(names)  # the person asked for them to go: room for the rows
            with refused_when_full(self.uploads.disk):
                self.kbs.delete(kb_id)
        self._remove_files(names)
        try:
            self.pipeline.store.delete_kb(kb_id)
        except Exception as exc:
            if not is_disk_full(exc):
                raise
            log.warning("vectors of deleted knowledge base %s left to the next start", kb_id)
        self._space_freed()

    def _remove_files(self, stored_names: list[str]) -> None:
        for name in stored_names:
            self.uploads.remove(name)

    # -- document lifecycle: re-index (also the Retry of a failed one), clear ------------------
    # A re-index of a ready document keeps its points until the new ones are written, so it
    # stays searchable while it is imported again; they are deleted then, not overwritten
    # (point ids are doc/chunk_index: a shorter new import would leave old chunks behind).
    def reindex(self, kb_id: str, doc_id: str) -> Document:
        """Import a document again from its stored file; a document already on its way is
        left as it is."""
        doc = self.get(kb_id, doc_id)
        if doc.status is DocumentStatus.DUPLICATE:
            raise Conflict(
                "A duplicate has no file of its own: re-index the document it repeats.",
                code="duplicate_not_indexed",
            )
        if doc.status.unfinished:
            return doc
        if not self.uploads.path(doc.stored_name).exists():
            raise NotFound("The uploaded file is gone: upload it again.", code="file_not_found")
        self.uploads.disk.require()
        with refused_when_full(self.uploads.disk):
            if doc.status is DocumentStatus.READY:
                self.pipeline.replace(doc.id)
            else:
                self._requeue(doc)
        return self.documents.get(doc.id)

    def reindex_kb(self, kb_id: str) -> list[Document]:
        """Queue every ready and failed document of the knowledge base again (what the
        embedder's change asks for); the ones queued. A document whose stored file is gone
        keeps what it has."""
        self.kbs.get(kb_id)
        self.uploads.disk.require()
        done = self.documents.in_kb_with_status(kb_id, DocumentStatus.READY, DocumentStatus.FAILED)
        queued = [d for d in done if self.uploads.path(d.stored_name).exists()]
        # One delete for the whole KB when all of it is imported again (a delete per document
        # costs 75 ms on Edge: 6 minutes for 5,000); not while one of it is being imported.
        whole = len(queued) == len(done) and not any(
            d.kb_id == kb_id for d in self.documents.unfinished()
        )
        with refused_when_full(self.uploads.disk):
            if whole:
                self.pipeline.store.delete_kb(kb_id)
            else:
                for doc in queued:
                    self.pipeline.store.delete_document(doc.id)
            # One write for all the rows, then each into the queue with its event.
            for doc in self.documents.mark_queued(kb_id, [d.id for d in queued]):
                self.pipeline.enqueue(doc.id)
                self.pipeline.publish(doc)
        return queued

    def _requeue(self, doc: Document) -> None:
        self.pipeline.store.delete_document(doc.id)
        self.pipeline.requeue(doc.id)

    def clear(self, kb_id: str, status: str | None) -> int:
        """Remove the knowledge base's failed or duplicate documents, with their files (a
        linked folder's file stays out of its syncs until it changes); how many."""
        self.kbs.get(kb_id)
        if status not in CLEARABLE:
            raise AppError(
                "Clear documents by status: 'failed' or 'duplicate'.", code="invalid_status"
            )
        gone = self.documents.in_kb_with_status(kb_id, DocumentStatus(status))
        self.uploads.disk.make_room()
        for doc in gone:
            self.documents.delete(doc.id, keep_out=True, until_changed=True)
            # A failure that met a full disk may have left points; a delete costs a flush.
            if self.pipeline.store.count(doc.id):
                self.pipeline.store.delete_document(doc.id)
            self.uploads.remove(doc.stored_name)
        self._space_freed()
        return len(gone)

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
