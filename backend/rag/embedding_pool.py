"""The embedding pool: bulk embedding on all cores, one single-threaded embedder each."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections import deque
from concurrent.futures import Future, InvalidStateError, ProcessPoolExecutor
from functools import partial

import numpy as np

from backend.rag.embedder import UseEmbedder


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _cancel_with(inner: Future[np.ndarray], outer: Future[np.ndarray]) -> None:
    if outer.cancelled():
        inner.cancel()


def _copy_outcome(target: Future[np.ndarray], source: Future[np.ndarray]) -> None:
    if target.cancelled():
        return
    if source.cancelled():
        target.cancel()
        return
    error = source.exception()
    with contextlib.suppress(InvalidStateError):  # cancelled meanwhile
        if error is not None:
            target.set_exception(error)
        else:
            target.set_result(source.result())


_worker_embedder: UseEmbedder | None = None


def _worker_init(snapshot: str | None) -> None:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    global _worker_embedder
    _worker_embedder = UseEmbedder.from_snapshot(snapshot) if snapshot else UseEmbedder()
    _worker_embedder.warm()


def _worker_embed(texts: list[str]) -> np.ndarray:
    assert _worker_embedder is not None
    return _worker_embedder.embed(texts)


class EmbeddingPool:
    """Bulk embedding on all cores: one single-threaded embedder per worker.

    With a template (the app's loaded model), one worker is a thread of this process and
    the others are processes started from a snapshot of that model; without one, every
    worker is a process. The thread starts at once, so it also covers the half second the
    processes take to start. The processes start with the first batch of an import;
    `stop_if_idle` ends them once no batch is pending, so an idle app does not hold one
    model copy per core in memory.
    """

    def __init__(self, workers: int, template: UseEmbedder | None = None) -> None:
        self.workers = workers or max(1, os.cpu_count() or 1)
        # A loaded model in this process that the workers start from, when there is one.
        self.template = template
        self._executor: ProcessPoolExecutor | None = None
        self._snapshot: str | None = None
        self._starting = False
        self._ready = False  # a worker process has answered: batches go to the processes too
        self._waiting: deque[tuple[list[str], Future[np.ndarray]]] = deque()
        self._helping = False
        self._generation = 0  # counts stops, so that a start that outlives one is undone
        self._pending = 0
        self._in_flight = 0  # batches handed to the processes, not yet back
        self._processes = self.workers - 1 if template is not None else self.workers
        self._lock = threading.RLock()

    def submit(self, texts: list[str]) -> Future[np.ndarray]:
        future: Future[np.ndarray] = Future()
        with self._lock:
            self._pending += 1
            self._waiting.append((texts, future))
            if self._ready and self._executor is not None:
                self._feed(self._executor)
            else:
                self._start_locked()
            if self.template is not None and not self._helping:
                self._helping = True
                threading.Thread(target=self._help, name="embed-helper", daemon=True).start()
        future.add_done_callback(self._done)
        return future

    def start(self) -> None:
        """Start the worker processes now (an import is about to need them), without waiting."""
        with self._lock:
            self._start_locked()

    def _start_locked(self) -> None:
        if self._processes and not self._starting and self._executor is None:
            self._starting = True
            threading.Thread(
                target=self._launch,
                args=(self._generation,),
                name="embed-pool-start",
                daemon=True,
            ).start()

    def _launch(self, generation: int) -> None:
        import multiprocessing

        try:
            snapshot = self._save_snapshot(self.template) if self.template is not None else None
            executor = ProcessPoolExecutor(
                max_workers=self._processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_init,
                initargs=(snapshot,),
            )
        except Exception as error:  # the batches waiting for it fail, not hang
            with self._lock:
                self._starting = False
                waiting, self._waiting = list(self._waiting), deque()
            for _, future in waiting:
                if future.set_running_or_notify_cancel():
                    future.set_exception(error)
            return
        with self._lock:
            self._starting = False
            stopped = generation != self._generation
            if not stopped:
                self._executor, self._snapshot = executor, snapshot
                warm_ups = [
                    executor.submit(_worker_embed, ["warm up"]) for _ in range(self._processes)
                ]
        if stopped:  # stop() came while the processes started
            executor.shutdown(wait=False, cancel_futures=True)
            if snapshot:
                _unlink(snapshot)
            return
        for warm_up in warm_ups:
            warm_up.add_done_callback(partial(self._on_ready, executor))

    def _on_ready(self, executor: ProcessPoolExecutor, _: Future[np.ndarray]) -> None:
        with self._lock:
            if self._executor is not executor or self._ready:
                return
            self._ready = True
            self._feed(executor)

    def _feed(self, executor: ProcessPoolExecutor) -> None:
        """Hand waiting batches to the processes, two per process (so none waits between
        batches); the rest stay here for this process's own thread to take."""
        while self._waiting and self._in_flight < 2 * self._processes:
            texts, future = self._waiting.popleft()
            if future.cancelled():
                continue
            inner = executor.submit(_worker_embed, texts)
            self._in_flight += 1
            future.add_done_callback(partial(_cancel_with, inner))
            inner.add_done_callback(partial(self._returned, executor, future))

    def _returned(
        self, executor: ProcessPoolExecutor, future: Future[np.ndarray], inner: Future[np.ndarray]
    ) -> None:
        _copy_outcome(future, inner)
        with self._lock:
            self._in_flight -= 1
            if self._executor is executor:
                self._feed(executor)

    def _help(self) -> None:
        """This process's worker: embeds waiting batches until there are none."""
        assert self.template is not None
        while True:
            with self._lock:
                if not self._waiting:
                    self._helping = False
                    return
                texts, future = self._waiting.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(self.template.embed(texts))
            except Exception as error:  # the caller sees it, as from a worker
                future.set_exception(error)

    def _done(self, _: Future[np.ndarray]) -> None:
        with self._lock:
            self._pending -= 1

    @property
    def running(self) -> bool:
        return self._executor is not None or self._starting

    @property
    def ready(self) -> bool:
        """A worker process has answered: batches now go to the processes."""
        return self._ready

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
            executor, self._executor, self._ready = self._executor, None, False
        executor.shutdown(wait=False)
        self._remove_snapshot()
        return True

    @staticmethod
    def _save_snapshot(template: UseEmbedder) -> str | None:
        path = None
        try:
            handle, path = tempfile.mkstemp(prefix="usem3-", suffix=".pickle")
            os.close(handle)
            template.save_snapshot(path)
        except OSError:  # a full disk: the workers load the model themselves
            if path:
                _unlink(path)
            return None
        return path

    def _remove_snapshot(self) -> None:
        if self._snapshot:
            _unlink(self._snapshot)
            self._snapshot = None

    def stop(self) -> None:
        with self._lock:
            executor, self._executor, self._ready = self._executor, None, False
            self._generation += 1
            self._in_flight = 0
            waiting, self._waiting = list(self._waiting), deque()
        for _, future in waiting:
            future.cancel()
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        self._remove_snapshot()

    close = stop
