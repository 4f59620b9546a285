"""The documents waiting to be imported, taken in batches: the small files waiting now (up
to a count and a size) or one large file alone. It knows which documents are in hand, so
that the pipeline never looks idle between a take and its bookkeeping."""

from __future__ import annotations

import queue
from collections.abc import Callable

from backend.services.ingest_batch import BATCH_BYTES, BATCH_FILES, SMALL_FILE_BYTES
from backend.store.models import Document


class ImportQueue:
    def __init__(self, find: Callable[[str], Document | None]) -> None:
        self._find = find
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._held: Document | None = None  # taken, too big for the last batch
        self.in_hand: list[str] = []  # the batch being taken or read

    def put(self, doc_id: str | None) -> None:
        """A document to import; None ends the reader's loop."""
        self._queue.put(doc_id)

    def empty(self) -> bool:
        """Nothing waiting and nothing in hand. A queue counts an item as unfinished until
        its taker says it is in hand (`task_done`), after `in_hand` holds it."""
        return self._queue.unfinished_tasks == 0 and self._held is None and not self.in_hand

    def done(self) -> None:
        """The batch in hand has been read (and handed on, or failed)."""
        self.in_hand = []

    def next_batch(self, wait_s: float) -> list[Document] | None:
        """The next documents to import together; None at the end. Raises queue.Empty
        after `wait_s` without work."""
        batch: list[Document] = []
        size = 0
        self.in_hand = []
        while len(batch) < BATCH_FILES:
            doc = self._held
            if doc is not None:
                self.in_hand.append(doc.id)  # before `_held` lets go: never empty between
                self._held = None
            else:
                try:
                    doc_id = self._queue.get(timeout=wait_s if not batch else 0.0)
                except queue.Empty:
                    if batch:
                        break
                    raise
                if doc_id is None:
                    return batch or None
                self.in_hand.append(doc_id)
                self._queue.task_done()
                doc = self._find(doc_id)
                if doc is None or not doc.status.unfinished:  # deleted, or done meanwhile
                    self.in_hand.remove(doc_id)
                    continue
            small = doc.size <= SMALL_FILE_BYTES
            if batch and (not small or size + doc.size > BATCH_BYTES):
                self._held = doc
                self.in_hand.remove(doc.id)
                break
            batch.append(doc)
            size += doc.size
            if not small:
                break
        return batch
