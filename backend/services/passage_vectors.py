"""multilingual-e5-small in the running app: the query side for retrieval and the second
embedding pass (services/reembed.py) for the chunks that lack a passage vector.

Both start after the server answers and never sit on the path to the first paint: the
query embedder loads on a background thread, and until it has, retrieval runs as before
on the light model. The pass runs in one low-priority process (rag/e5/worker.py) and only
while the import queue is idle: the first pass (keywords and the light model) keeps the
CPU, and an import started meanwhile pauses the pass after its current batch. The store
is the only state, so a pass stopped or killed at any point resumes from it.

Without weights (none of rag/e5's places holds them) the app runs on the light model
alone, and `state()` says so.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from backend.rag.bounded_cache import BoundedCache
from backend.rag.e5 import E5Embedder, WeightsMissing
from backend.rag.e5.weights import locate
from backend.rag.e5.worker import BackgroundPassageEmbedder
from backend.rag.retriever import QUERY_CACHE
from backend.rag.vectors.store import PassageHit, VectorStore
from backend.services.reembed import PassageEmbedder, PassagePass, Progress

log = logging.getLogger(__name__)
# How often an idle app looks for chunks without a passage vector (new imports).
CHECK_INTERVAL_S = 3.0
# e5 loads this long after start-up, after the window is up: loading it alongside the
# first page's requests made GET / 85-100 -> 120-140 ms on a 2-vCPU machine, and while the
# desktop window's page loads it made pywebview's bridge set-up fail (tests/test_launcher).
START_DELAY_S = 15.0
# Chunks per round: an import started meanwhile waits at most one round for the pass to
# pause, about a second at e5's 2-3 chunks/s (8 a round cost the first pass a third of its
# speed in scripts/bench/two_pass.py).
BATCH = 2


@dataclass(frozen=True)
class PassageState:
    state: str  # off | no_weights | loading | waiting | paused | running | done
    done: int = 0
    total: int = 0
    rate: float | None = None  # chunks per second in the current run
    eta_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "rate": round(self.rate, 2) if self.rate else None,
            "eta_s": round(self.eta_s) if self.eta_s is not None else None,
        }


class PassageVectors:
    """The e5 query embedder and the background pass, for one store."""

    def __init__(
        self,
        store: VectorStore,
        import_idle: Callable[[], bool],
        enabled: bool | None = None,
        on_progress: Callable[[PassageState], None] | None = None,
        embedder_factory: Callable[[Path], PassageEmbedder] | None = None,
    ) -> None:
        self._store = store
        self._import_idle = import_idle
        self._enabled = enabled  # None: on when the weights are found
        self._on_progress = on_progress or (lambda _: None)
        self._make_embedder = embedder_factory or BackgroundPassageEmbedder
        self._query: E5Embedder | None = None
        # a regenerated answer or a repeated question does not pay e5 again
        self._vector = BoundedCache[str, np.ndarray](QUERY_CACHE, self._embed_query)
        self._worker: PassageEmbedder | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._searches = ThreadPoolExecutor(max_workers=2, thread_name_prefix="e5-query")
        self._state = PassageState("off" if enabled is False else "loading")

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        if self._enabled is False or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="passage-vectors", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._searches.shutdown(wait=False, cancel_futures=True)
        close = getattr(self._worker, "close", None)
        if close is not None:
            close()

    # -- the query side --------------------------------------------------------------------
    def ready(self) -> bool:
        """Retrieval may add the e5 list: the query embedder is loaded and some chunk has a
        passage vector."""
        return self._query is not None and self._state.done > 0 and not self._stop.is_set()

    def search(
        self, question: str, kb_ids: list[str] | None, limit: int
    ) -> Future[list[PassageHit]]:
        """The question's e5 vector and the store's passage search, on a thread of their own
        (numpy releases the GIL, so this runs alongside the light model's query). Once the
        app closes, none: a turn still streaming answers from the light model's lists."""
        try:
            return self._searches.submit(self._search, question, kb_ids, limit)
        except RuntimeError:  # the search threads have shut down
            closed: Future[list[PassageHit]] = Future()
            closed.set_result([])
            return closed

    def _search(self, question: str, kb_ids: list[str] | None, limit: int) -> list[PassageHit]:
        return self._store.search_passages(self._vector(question), kb_ids, limit)

    def _embed_query(self, question: str) -> np.ndarray:
        assert self._query is not None
        return self._query.query([question])[0]

    def state(self) -> PassageState:
        return self._state

    # -- the background pass ---------------------------------------------------------------
    def _run(self) -> None:
        if self._stop.wait(START_DELAY_S):
            return
        try:
            weights = locate()
        except WeightsMissing:
            log.info("no multilingual-e5-small weights: retrieval uses the light model only")
            self._set(PassageState("no_weights"))
            return
        query = E5Embedder(weights)
        query.warm()
        self._query = query
        self._worker = self._make_embedder(weights)
        self._set(self._counted("waiting"))
        imported = True  # since the last count: an idle app with nothing new counts nothing
        while not self._stop.is_set():
            if not self._import_idle():
                imported = True
                if self._state.state != "paused":
                    self._set(self._counted("paused"))
            elif imported:
                imported = False
                self._set(self._counted("running"))
                if self._state.done < self._state.total:
                    self._pass()
                    imported = True  # count again: the pass may have paused or been refused
            self._stop.wait(CHECK_INTERVAL_S)

    def _pass(self) -> None:
        assert self._worker is not None
        halt = threading.Event()

        def progress(step: Progress) -> None:
            self._set(PassageState("running", step.done, step.total, step.rate, step.eta_s))
            if self._stop.is_set() or not self._import_idle():
                halt.set()  # an import started (or the app closes): pause after this batch

        try:
            PassagePass(self._store, self._worker, BATCH, progress).run(halt)
        except Exception:  # the pass is a bonus: a failure must never stop the app
            log.exception("the passage-vector pass stopped; it resumes on the next check")

    def _counted(self, state: str) -> PassageState:
        done, total = self._store.passage_counts()
        if state in ("running", "done") and done >= total:
            state = "done"
        return PassageState(state, done, total)

    def _set(self, state: PassageState) -> None:
        changed = state != self._state
        self._state = state
        if changed:
            self._on_progress(state)
