"""The import pipeline behind the ingest service: two threads parse (in a separate, limited
process), chunk, embed (a process per core) and index the queued documents, moving each
through queued -> parsing -> embedding -> ready, or failed with a reason a person
understands. Small files go through in batches (`ingest_batch.py`). After a crash,
`recover` makes SQLite and Qdrant agree and queues half-done work again."""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any, Protocol

from backend.rag.embedding_pool import EmbeddingPool
from backend.rag.readers import ParsedDocument, ReaderError
from backend.rag.readers.reader_process import PagesOf
from backend.rag.sparse import KeywordEncoder
from backend.rag.vectors.store import VectorStore
from backend.schemas import DocumentOut
from backend.services import ingest_batch
from backend.services.disk import DiskSpace, disk_full_reason
from backend.services.events import EventBus
from backend.services.ingest_queue import ImportQueue
from backend.services.ingest_recovery import recover
from backend.services.uploads import UploadStore
from backend.store.disk_full import is_disk_full
from backend.store.documents import DocumentRepository
from backend.store.models import Document, DocumentStatus

log = logging.getLogger(__name__)
PIPELINE_DEPTH = 2
# The embedding processes (one model copy per core) end after this long without work.
POOL_IDLE_S = 60.0
# Qdrant's write-ahead log keeps every upsert through a kill; a flush (segments to disk,
# the log truncated) costs as much as importing many small documents, so it runs at most
# this often, and once the import has been quiet for FLUSH_QUIET_S.
FLUSH_EVERY_S = 5.0
FLUSH_QUIET_S = 0.5


class DocumentReader(Protocol):
    def read(self, data_path: str, filename: str) -> ParsedDocument: ...

    def read_many(
        self, files: list[tuple[str, str]], on_page: PagesOf | None = None
    ) -> list[ParsedDocument | ReaderError]: ...


class DocumentGone(Exception):
    """The document was deleted while it was being imported."""


class ImportPipeline:
    def __init__(
        self,
        documents: DocumentRepository,
        uploads: UploadStore,
        store: VectorStore,
        pool: EmbeddingPool,
        keywords: KeywordEncoder,
        events: EventBus,
        reader: DocumentReader,
        disk: DiskSpace,
    ) -> None:
        self.documents, self.uploads, self.disk = documents, uploads, disk
        self.store, self.pool, self.keywords, self.events = store, pool, keywords, events
        self.reader = reader
        self.pool_idle_s = POOL_IDLE_S
        self._waiting = ImportQueue(documents.find)
        self._prepared: queue.Queue[ingest_batch.PreparedBatch | None] = queue.Queue(PIPELINE_DEPTH)
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._flushed = time.monotonic()
        self._unflushed: list[str] = []  # ready since the last flush: their points are in the WAL
        self._unrecorded: dict[str, str] = {}  # failed, but the disk refused to record it
        self._replacing: set[str] = set()  # re-imported while their old points still answer

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        recover(self)
        self.disk.refill()
        self._threads = [
            threading.Thread(target=self._read_loop, name="ingest-read", daemon=True),
            threading.Thread(target=self._index_loop, name="ingest-index", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._waiting.put(None)
        with contextlib.suppress(queue.Full):
            self._prepared.put_nowait(None)
        for thread in self._threads:
            thread.join(timeout)
        self.pool.stop()

    def stopping(self) -> bool:
        return self._stopping.is_set()

    def idle(self) -> bool:
        """Nothing queued or in hand, and what was imported flushed."""
        return self._quiet() and not self._unflushed

    def _quiet(self) -> bool:
        # Each stage counts what it has taken until it is done with it (`task_done`): no
        # moment between a take and its bookkeeping looks idle.
        return self._waiting.empty() and self._prepared.unfinished_tasks == 0

    def enqueue(self, doc_id: str) -> None:
        self._waiting.put(doc_id)

    def requeue(self, doc_id: str) -> None:
        """Import a document again from its stored file (recovery, retry)."""
        self.set_status(doc_id, status=DocumentStatus.QUEUED, progress=0.0, error=None)
        self._waiting.put(doc_id)

    def replace(self, doc_id: str) -> None:
        """Import a ready document again; its old points stay searchable until the new
        ones are written (`take_replaced`). A kill meanwhile leaves a queued document with
        points, which the next start's recovery deletes before importing it again."""
        self._replacing.add(doc_id)
        self.requeue(doc_id)

    def take_replaced(self, doc_ids: list[str]) -> list[str]:
        """Of these documents about to be written, the ones whose old points must go first."""
        replaced = [d for d in doc_ids if d in self._replacing]
        self._replacing.difference_update(replaced)
        return replaced

    # -- the worker ----------------------------------------------------------------------------
    # Two stages, so that all cores stay busy: the reader thread parses, splits and hands
    # the sentences to the embedding processes, then goes on with the next batch while the
    # indexer thread waits for those vectors and writes them to Qdrant.
    def _read_loop(self) -> None:
        while not self._stopping.is_set():
            self._record_pending_failures()
            try:
                batch = self._waiting.next_batch(self.pool_idle_s)
            except queue.Empty:
                self.pool.stop_if_idle()
                continue
            if batch is None:
                break
            self.pool.start()  # the embedders load while the first file is read
            prepared = self._guarded(
                [d.id for d in batch], partial(ingest_batch.prepare, self, batch)
            )
            if prepared is not None:
                self._prepared.put(prepared)  # blocks while the indexer is PIPELINE_DEPTH behind
            self._waiting.done()
        self._prepared.put(None)

    def _index_loop(self) -> None:
        while True:
            try:
                prepared = self._prepared.get(timeout=FLUSH_QUIET_S)
            except queue.Empty:
                if self._unflushed and self._quiet():
                    self._guarded(list(self._unflushed), self._flush)
                continue
            if prepared is None:
                break
            self._guarded(prepared.ids, partial(ingest_batch.index, self, prepared))
            self._prepared.task_done()

    def _guarded(self, doc_ids: list[str], step: Callable[[], Any]) -> Any:
        """A step over some documents; an error fails those documents (a reading error
        fails only its own file, inside the step), never the queue."""
        try:
            return step()
        except DocumentGone as gone:
            self.store.delete_document(str(gone))
        except Exception as exc:  # one bad batch must never stop the queue
            if is_disk_full(exc):
                log.warning("import of %s stopped: the disk is full (%s)", doc_ids, exc)
                reason = disk_full_reason(self.disk.missing())
            else:
                log.exception("import of %s failed", doc_ids)
                reason = _human_error(exc)
            for doc_id in doc_ids:
                self.record_failure(doc_id, reason)
        return None

    def record_failure(self, doc_id: str, reason: str) -> None:
        """Never lets an error out of a worker thread: a failure that cannot even be
        written (the disk refuses SQLite too) is left for the next start's recovery."""
        try:
            self.fail(doc_id, reason)
        except DocumentGone:
            pass
        except Exception:
            log.exception("could not record that %s failed; trying again later", doc_id)
            self._unrecorded[doc_id] = reason

    def _record_pending_failures(self) -> None:
        for doc_id, reason in list(self._unrecorded.items()):
            del self._unrecorded[doc_id]
            self.record_failure(doc_id, reason)

    def written(self, doc_ids: list[str]) -> None:
        """These documents are ready, their points in Qdrant's write-ahead log. On a tight
        disk every batch is flushed: a long log to replay at the next start needs room."""
        self._unflushed += doc_ids
        if self.disk.tight() or time.monotonic() - self._flushed > FLUSH_EVERY_S:
            self._flush()
        self.disk.refill()

    def _flush(self) -> None:
        """Flush; when the disk refuses, the documents whose points only the log held fail
        (their points deleted), so that a restart replays nothing the disk cannot hold."""
        try:
            self.store.flush()
        except Exception as exc:
            if not is_disk_full(exc):
                raise
            log.warning("flush failed, the disk is full: %s", exc)
            for doc_id in self._unflushed:
                self.record_failure(doc_id, disk_full_reason(self.disk.missing()))
        self._unflushed = []
        self._flushed = time.monotonic()

    # -- status --------------------------------------------------------------------------------
    def fail(self, doc_id: str, reason: str) -> None:
        """Failed, with its points gone: no half-written document stays searchable. On a
        full disk the reserve makes room for the delete and the row first; a delete that
        fails anyway leaves points of a document that is not ready, which the next start
        removes."""
        self.disk.make_room()
        self._replacing.discard(doc_id)
        try:
            self.store.delete_document(doc_id)
        except Exception as exc:
            if not is_disk_full(exc):
                raise
            log.warning("could not delete the points of %s now: %s", doc_id, exc)
        self.set_status(doc_id, status=DocumentStatus.FAILED, progress=1.0, error=reason)

    def set_status(self, doc_id: str, **fields: object) -> None:
        doc = self.documents.update(doc_id, **fields)
        if doc is None:
            raise DocumentGone(doc_id)
        self.publish(doc)

    def set_statuses(self, changes: list[tuple[str, dict[str, Any]]]) -> list[Document]:
        """Several documents' changes in one SQLite transaction and one event hand-over;
        the documents that still exist, changed."""
        with self.documents.db.transaction():  # one commit, not one per document
            found = [self.documents.update(doc_id, **fields) for doc_id, fields in changes]
        docs = [d for d in found if d is not None]
        self.events.publish_many([DocumentOut.of(d).model_dump() for d in docs])
        return docs

    def present(self, doc_ids: set[str]) -> set[str]:
        """Which of these documents still exist (not deleted during their import)."""
        return {i for i in doc_ids if self.documents.find(i) is not None}

    def publish(self, doc: Document) -> None:
        self.events.publish(DocumentOut.of(doc).model_dump())


def _human_error(exc: Exception) -> str:
    message = getattr(exc, "message", None)
    if isinstance(message, str) and message:
        return message
    return f"The file could not be imported ({type(exc).__name__})."
