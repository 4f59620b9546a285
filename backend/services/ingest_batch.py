"""The two steps of the import pipeline, for a batch of documents: several small files
share one round trip to the reader process, their sentences share embedding batches, their
points share upserts and their status changes share one SQLite transaction and one event
hand-over. A large document is a batch of one, with its progress reported as it embeds.

Per-document costs (a process round trip, a handful of SQLite writes and events, an
upsert) cost more than embedding a note of a few hundred characters: batching them is
what lets thousands of small files import near the embedder's own speed.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from backend.rag.readers import ParsedDocument, ReaderError
from backend.rag.readers.progress import PageListener
from backend.rag.splitter import Chunk
from backend.rag.vectors.store import ChunkPoint
from backend.services.chunk_points import chunk_points, estimated_bytes
from backend.store.models import Document, DocumentStatus

if TYPE_CHECKING:
    from backend.services.ingest_pipeline import ImportPipeline

EMBED_BATCH = 48
UPSERT_BATCH = 1024
PROGRESS_EVERY_S = 0.25
# A file at most this big joins a batch; a bigger one is read alone and reports progress.
SMALL_FILE_BYTES = 64 << 10
BATCH_FILES = 32
BATCH_BYTES = 512 << 10
log = logging.getLogger(__name__)
NO_TEXT = "The file contains no readable text."


@dataclass
class ParsedFile:
    doc: Document
    chunks: list[Chunk]
    unique_units: list[str]  # each distinct sentence once, in order of first use
    # where its vectors are in the batch's matrix
    rows: slice = field(default_factory=lambda: slice(0))


@dataclass
class PreparedBatch:
    """Parsed and split documents whose sentences are being embedded."""

    files: list[ParsedFile]
    futures: list[Future[np.ndarray]] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [f.doc.id for f in self.files]


def prepare(pipeline: ImportPipeline, docs: list[Document]) -> PreparedBatch | None:
    """Read and split the documents, and hand their sentences to the embedding pool. A file
    that cannot be read fails alone, with its reason."""
    pipeline.disk.require()  # no room: failed with the reason now, not after embedding
    docs = pipeline.set_statuses(
        [(d.id, {"status": DocumentStatus.PARSING, "progress": 0.05, "error": None}) for d in docs]
    )
    paths = [(str(pipeline.uploads.path(d.stored_name)), d.filename) for d in docs]
    files: list[ParsedFile] = []

    def pages_of(i: int) -> PageListener:  # an OCR'd page moves its document's progress
        return lambda done, total: pipeline.set_status(
            docs[i].id, progress=0.05 + 0.05 * done / max(total, 1)
        )

    for doc, outcome in zip(docs, pipeline.reader.read_many(paths, pages_of), strict=True):
        if isinstance(outcome, ReaderError):
            # One line for the console: the person sees the reason in the app.
            log.warning("import of %s failed: %s", doc.id, outcome.message)
            pipeline.record_failure(doc.id, outcome.message)
            continue
        parsed = _split(doc, outcome)
        if parsed is None:
            pipeline.record_failure(doc.id, NO_TEXT)
            continue
        files.append(parsed)
    if not files:
        return None
    embedding = [
        (f.doc.id, {"status": DocumentStatus.EMBEDDING, "progress": 0.1, "pages": _pages(f)})
        for f in files
    ]
    kept = {d.id for d in pipeline.set_statuses(embedding)}
    files = [f for f in files if f.doc.id in kept]
    units: list[str] = []
    for parsed in files:
        parsed.rows = slice(len(units), len(units) + len(parsed.unique_units))
        units += parsed.unique_units
    futures = [
        pipeline.pool.submit(units[i : i + EMBED_BATCH]) for i in range(0, len(units), EMBED_BATCH)
    ]
    return PreparedBatch(files, futures)


def _split(doc: Document, parsed: ParsedDocument) -> ParsedFile | None:
    # LlamaIndex's core loads here on the first import of a run (2 to 2.6 s) unless the
    # container's warm-up after the first paint has loaded it already: never on the way
    # to the window.
    from backend.rag.llamaindex import document_chunks

    chunks = document_chunks(doc.id, [(p.page, p.text) for p in parsed.pages])
    if not chunks:
        return None
    # Each distinct sentence is embedded once: the overlap between neighbouring chunks
    # repeats sentences, and the embedder is the slowest step of an import.
    unique = list(dict.fromkeys(u for c in chunks for u in c.unit_texts()))
    return ParsedFile(doc, chunks, unique)


def _pages(parsed: ParsedFile) -> int | None:
    return max((c.page for c in parsed.chunks if c.page is not None), default=None)


def index(pipeline: ImportPipeline, batch: PreparedBatch) -> None:
    """Wait for the vectors, write the points, then mark the documents ready: ready only
    once Qdrant's write-ahead log holds every point of the document (recovery relies on
    it). A document deleted meanwhile is skipped and its points removed."""
    matrix = _vectors(pipeline, batch)
    if matrix is None:
        return
    points: list[ChunkPoint] = []
    for parsed in batch.files:
        points += chunk_points(
            parsed.doc, parsed.chunks, parsed.unique_units, matrix[parsed.rows], pipeline.keywords
        )
    # Look before writing: Edge writes into memory-mapped files, and a page the disk cannot
    # back is a SIGBUS, not an error.
    pipeline.disk.require(estimated_bytes(points))
    for doc_id in pipeline.take_replaced(batch.ids):  # a re-index: the old version goes now
        pipeline.store.delete_document(doc_id)
    for start in range(0, len(points), UPSERT_BATCH):
        part = points[start : start + UPSERT_BATCH]
        present = pipeline.present({p.doc_id for p in part})
        part = [p for p in part if p.doc_id in present]
        if part:
            pipeline.store.upsert(part)
    if pipeline.stopping():
        return  # queued again at the next start
    ready = [
        (f.doc.id, {"status": DocumentStatus.READY, "progress": 1.0, "chunk_count": len(f.chunks)})
        for f in batch.files
    ]
    done = {d.id for d in pipeline.set_statuses(ready)}
    for gone in set(batch.ids) - done:
        pipeline.store.delete_document(gone)
    pipeline.written(sorted(done))


def _vectors(pipeline: ImportPipeline, batch: PreparedBatch) -> np.ndarray | None:
    futures = batch.futures
    alone = batch.files[0].doc.id if len(batch.files) == 1 else None
    parts: list[np.ndarray] = []
    reported = time.monotonic()
    for number, future in enumerate(futures, start=1):
        if pipeline.stopping():
            for pending in futures:
                pending.cancel()
            return None
        parts.append(future.result())
        # A progress update is a SQLite write and an event: a few per second are enough,
        # and only a document read alone (a large one) has progress worth showing.
        if alone and time.monotonic() - reported > PROGRESS_EVERY_S:
            pipeline.set_statuses([(alone, {"progress": 0.1 + 0.8 * number / len(futures)})])
            reported = time.monotonic()
    return np.concatenate(parts)
