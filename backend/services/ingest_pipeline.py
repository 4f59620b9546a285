"""The import pipeline behind the ingest service: two threads parse (in a separate, limited
process), chunk, embed (a process per core) and index each queued document, moving it
through queued -> parsing -> embedding -> ready, or failed with a reason a person
understands. After a crash, `recover` makes SQLite and Qdrant agree and queues half-done
work again."""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

import numpy as np

from backend.rag.embedding_pool import EmbeddingPool
from backend.rag.readers import ParsedDocument
from backend.rag.sparse import KeywordEncoder
from backend.rag.splitter import Chunk, split_pages
from backend.rag.vectors.store import VectorStore
from backend.schemas import DocumentOut
from backend.services.chunk_points import chunk_points, estimated_bytes
from backend.services.disk import DiskSpace, disk_full_reason
from backend.services.events import EventBus
from backend.services.ingest_recovery import recover
from backend.services.uploads import UploadStore
from backend.store.disk_full import is_disk_full
from backend.store.documents import DocumentRepository
from backend.store.models import Document, DocumentStatus

log = logging.getLogger(__name__)
EMBED_BATCH = 48
UPSERT_BATCH = 256
PIPELINE_DEPTH = 2
# The embedding processes (one model copy per core) end after this long without work.
POOL_IDLE_S = 60.0
# Qdrant's write-ahead log keeps every upsert through a kill; a flush (segments to disk,
# the log truncated) costs as much as importing a small document, so it runs at most this
# often and whenever the queue runs dry.
FLUSH_EVERY_S = 5.0
PROGRESS_EVERY_S = 0.25
_T = TypeVar("_T")


@dataclass
class PreparedDocument:
    """A parsed and split document whose sentences are being embedded."""

    doc: Document
    chunks: list[Chunk]
    unique_units: list[str]
    futures: list[Future[np.ndarray]]


class DocumentGone(Exception):
    """The document was deleted while it was being imported."""


# (stored path, original name, listener of OCR'd pages) -> the document's text
Parser = Callable[[str, str, Callable[[int, int], None]], ParsedDocument]


class ImportPipeline:
    def __init__(
        self,
        documents: DocumentRepository,
        uploads: UploadStore,
        store: VectorStore,
        pool: EmbeddingPool,
        keywords: KeywordEncoder,
        events: EventBus,
        parse: Parser,
        disk: DiskSpace,
    ) -> None:
        self.documents, self.uploads, self.disk = documents, uploads, disk
        self.store, self.pool, self.keywords, self.events = store, pool, keywords, events
        self.parse = parse
        self.pool_idle_s = POOL_IDLE_S
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._prepared: queue.Queue[PreparedDocument | None] = queue.Queue(PIPELINE_DEPTH)
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._current: str | None = None
        self._indexing: str | None = None
        self._flushed = time.monotonic()
        self._unflushed: list[str] = []  # ready since the last flush: their points are in the WAL
        self._unrecorded: dict[str, str] = {}  # failed, but the disk refused to record it

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
        self._queue.put(None)
        with contextlib.suppress(queue.Full):
            self._prepared.put_nowait(None)
        for thread in self._threads:
            thread.join(timeout)
        self.pool.stop()

    def idle(self) -> bool:
        return (
            self._queue.empty()
            and self._current is None
            and self._prepared.empty()
            and self._indexing is None
        )

    def enqueue(self, doc_id: str) -> None:
        self._queue.put(doc_id)

    def requeue(self, doc_id: str) -> None:
        """Import a document again from its stored file (recovery, retry)."""
        self.set_status(doc_id, status=DocumentStatus.QUEUED, progress=0.0, error=None)
        self._queue.put(doc_id)

    # -- the worker ----------------------------------------------------------------------------
    # Two stages, so that all cores stay busy: the reader thread parses, splits and hands
    # the sentences to the embedding processes, then goes on with the next file while the
    # indexer thread waits for those vectors and writes them to Qdrant.
    def _read_loop(self) -> None:
        while not self._stopping.is_set():
            self._record_pending_failures()
            try:
                doc_id = self._queue.get(timeout=self.pool_idle_s)
            except queue.Empty:
                self.pool.stop_if_idle()
                continue
            if doc_id is None:
                break
            self.pool.start()  # the embedders load while the first file is read
            self._current = doc_id
            prepared = self._guarded(doc_id, self._prepare)
            if prepared is not None:
                self._prepared.put(prepared)  # blocks while the indexer is PIPELINE_DEPTH behind
            self._current = None
        self._prepared.put(None)

    def _index_loop(self) -> None:
        while True:
            prepared = self._prepared.get()
            if prepared is None:
                break
            self._indexing = prepared.doc.id
            self._guarded(prepared.doc.id, partial(self._index, prepared))
            self._indexing = None

    def _guarded(self, doc_id: str, step: Callable[[str], _T]) -> _T | None:
        try:
            return step(doc_id)
        except DocumentGone:
            self.store.delete_document(doc_id)
        except Exception as exc:  # one bad file must never stop the queue
            if is_disk_full(exc):
                log.warning("import of %s stopped: the disk is full (%s)", doc_id, exc)
                reason = disk_full_reason(self.disk.missing())
            else:
                log.exception("import of %s failed", doc_id)
                reason = _human_error(exc)
            self._record_failure(doc_id, reason)
        return None

    def _record_failure(self, doc_id: str, reason: str) -> None:
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
            self._record_failure(doc_id, reason)

    def _prepare(self, doc_id: str) -> PreparedDocument | None:
        doc = self.documents.find(doc_id)
        if doc is None or not doc.status.unfinished:
            return None
        self.disk.require()  # no room: failed with the reason now, not after embedding
        self.set_status(doc_id, status=DocumentStatus.PARSING, progress=0.05, error=None)
        parsed = self.parse(
            str(self.uploads.path(doc.stored_name)),
            doc.filename,
            lambda done, total: self.set_status(doc_id, progress=0.05 + 0.05 * done / total),
        )
        pages = [(p.page, p.text) for p in parsed.pages]
        chunks = split_pages(pages)
        if not chunks:
            self.fail(doc_id, "The file contains no readable text.")
            return None
        page_count = max((p for p, _ in pages if p is not None), default=None)
        self.set_status(doc_id, status=DocumentStatus.EMBEDDING, progress=0.1, pages=page_count)
        # Each distinct sentence is embedded once: the overlap between neighbouring chunks
        # repeats sentences, and the embedder is the slowest step of an import.
        unique = list(dict.fromkeys(u for c in chunks for u in c.unit_texts()))
        futures = [
            self.pool.submit(unique[i : i + EMBED_BATCH])
            for i in range(0, len(unique), EMBED_BATCH)
        ]
        return PreparedDocument(doc, chunks, unique, futures)

    def _index(self, prepared: PreparedDocument, _doc_id: str) -> None:
        doc, chunks, futures = prepared.doc, prepared.chunks, prepared.futures
        vectors: list[np.ndarray] = []
        reported = time.monotonic()
        for number, future in enumerate(futures, start=1):
            if self._stopping.is_set():
                for pending in futures:
                    pending.cancel()
                return
            vectors.append(future.result())
            # A progress update is a SQLite write and an event: a few per second are enough.
            if time.monotonic() - reported > PROGRESS_EVERY_S:
                self.set_status(doc.id, progress=0.1 + 0.8 * number / len(futures))
                reported = time.monotonic()
        points = chunk_points(
            doc, prepared.chunks, prepared.unique_units, np.concatenate(vectors), self.keywords
        )
        # Look before writing: Edge writes into memory-mapped files, and a page the disk
        # cannot back is a SIGBUS, not an error. Then the rows.
        self.disk.require(estimated_bytes(points))
        for start in range(0, len(points), UPSERT_BATCH):
            if self.documents.find(doc.id) is None:
                raise DocumentGone(doc.id)
            self.store.upsert(points[start : start + UPSERT_BATCH])
        if self.documents.find(doc.id) is None:
            raise DocumentGone(doc.id)
        if self._stopping.is_set():
            return
        self.set_status(doc.id, status=DocumentStatus.READY, progress=1.0, chunk_count=len(chunks))
        # Ready before the flush: the write-ahead log already holds the points. On a tight
        # disk every document is flushed: a long log to replay at the next start needs room.
        self._unflushed.append(doc.id)
        idle = self._queue.empty() and self._prepared.empty() and self._current is None
        if idle or self.disk.tight() or time.monotonic() - self._flushed > FLUSH_EVERY_S:
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
                self._record_failure(doc_id, disk_full_reason(self.disk.missing()))
        self._unflushed = []
        self._flushed = time.monotonic()

    # -- status --------------------------------------------------------------------------------
    def fail(self, doc_id: str, reason: str) -> None:
        """Failed, with its points gone: no half-written document stays searchable. On a
        full disk the reserve makes room for the delete and the row first; a delete that
        fails anyway leaves points of a document that is not ready, which the next start
        removes."""
        self.disk.make_room()
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

    def publish(self, doc: Document) -> None:
        self.events.publish(DocumentOut.of(doc).model_dump())


def _human_error(exc: Exception) -> str:
    message = getattr(exc, "message", None)
    if isinstance(message, str) and message:
        return message
    return f"The file could not be imported ({type(exc).__name__})."
