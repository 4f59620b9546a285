"""Picking the import up again: after a crash (SQLite and Qdrant made to agree, half-done
documents queued again) and once a full disk has room again (documents that failed for
want of space are queued again)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from backend.services.disk import DISK_FULL, disk_full_reason
from backend.store.disk_full import is_disk_full
from backend.store.models import DocumentStatus

if TYPE_CHECKING:
    from backend.services.ingest_pipeline import ImportPipeline

log = logging.getLogger(__name__)
LOST = "The uploaded file was lost before it could be imported."


def recover(pipeline: ImportPipeline) -> None:
    """At start. On a disk too full to write, what cannot be queued is failed with the
    disk's reason (and queued again by `resume_after_space` once there is room): the app
    still opens and answers."""
    try:
        _reconcile(pipeline)
    except Exception as exc:
        if not is_disk_full(exc):
            raise
        log.warning("start-up recovery stopped, the disk is full: %s", exc)
        _fail_unfinished(pipeline)
        return
    resume_after_space(pipeline)


def resume_after_space(pipeline: ImportPipeline) -> int:
    """Queue again the documents that failed because the disk was full, when it has room
    now; how many. Their reason is the one `disk_full_reason` wrote."""
    if pipeline.disk.missing():
        return 0
    waiting = [
        doc
        for doc in pipeline.documents.with_status(DocumentStatus.FAILED)
        if (doc.error or "").startswith(DISK_FULL)
    ]
    for doc in waiting:
        if pipeline.uploads.path(doc.stored_name).exists():
            pipeline.requeue(doc.id)
    return len(waiting)


def _reconcile(pipeline: ImportPipeline) -> None:
    documents, store, uploads = pipeline.documents, pipeline.store, pipeline.uploads
    ready = documents.ids_by_status(DocumentStatus.READY)
    stored = store.document_counts()
    if stored.keys() - ready:
        pipeline.disk.make_room()
    for doc_id in stored.keys() - ready:  # what an interrupted import left behind
        store.delete_document(doc_id)
    for doc in documents.unfinished():
        if not uploads.path(doc.stored_name).exists():
            pipeline.set_status(doc.id, status=DocumentStatus.FAILED, progress=1.0, error=LOST)
            continue
        pipeline.requeue(doc.id)
    for doc_id in ready:
        found = documents.find(doc_id)
        if found and found.chunk_count and stored.get(doc_id, 0) < found.chunk_count:
            if doc_id in stored:  # a part: import it again from the start
                store.delete_document(doc_id)
            pipeline.requeue(doc_id)
    # A kill during an upload leaves a stored file that no document names.
    named = documents.all_stored_names()
    for path in uploads.folder.glob("*.bin"):
        if path.name not in named:
            path.unlink(missing_ok=True)


def _fail_unfinished(pipeline: ImportPipeline) -> None:
    pipeline.disk.make_room()
    for doc in pipeline.documents.unfinished():
        try:
            pipeline.set_status(
                doc.id,
                status=DocumentStatus.FAILED,
                progress=1.0,
                error=disk_full_reason(pipeline.disk.missing()),
            )
        except Exception as exc:  # still no room: the next start tries again
            log.warning("could not mark %s failed: %s", doc.id, exc)
            return
