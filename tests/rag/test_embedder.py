"""Embedding processes start from the app's loaded model (a snapshot file) instead of
loading it again, and give the same vectors; the app's own thread is one of the workers."""

from __future__ import annotations

import time

import numpy as np

from backend.rag.embedder import UseEmbedder
from backend.rag.embedding_pool import EmbeddingPool

TEXTS = ["艾可美公司的员工每天的餐补标准是多少？", "The loading dock opens at 06:30."]


def test_a_snapshot_gives_the_same_vectors_and_a_lost_one_loads_cold(tmp_path):
    loaded = UseEmbedder()
    path = str(tmp_path / "model.pickle")
    loaded.save_snapshot(path)
    assert np.allclose(UseEmbedder.from_snapshot(path).embed(TEXTS), loaded.embed(TEXTS))
    assert np.allclose(
        UseEmbedder.from_snapshot(str(tmp_path / "gone")).embed(TEXTS), loaded.embed(TEXTS)
    )


def _wait(condition, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def test_pool_writes_a_snapshot_for_its_workers_and_removes_it_when_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    template = UseEmbedder()
    pool = EmbeddingPool(2, template=template)  # this process's thread and one process
    try:
        pool.start()
        assert _wait(lambda: pool.ready), "the worker process never answered"
        assert [p.name[:6] for p in tmp_path.iterdir()] == ["usem3-"]
        vectors = pool.embed(TEXTS)
        assert np.allclose(vectors, template.embed(TEXTS), atol=1e-5)
        assert pool.stop_if_idle()
        assert not list(tmp_path.iterdir()), "the snapshot outlived the pool"
    finally:
        pool.stop()


class _CountingEmbedder(UseEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.batches = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.batches += 1
        return super().embed(texts)


def test_this_process_embeds_while_the_worker_starts_then_shares_the_work_with_it():
    template = _CountingEmbedder()
    expected = template.embed(TEXTS)
    pool = EmbeddingPool(2, template=template)
    try:
        first = pool.submit(TEXTS).result(timeout=30)  # the process needs far longer to start
        assert template.batches == 2
        assert np.allclose(first, expected, atol=1e-5)
        assert _wait(lambda: pool.ready)
        later = [pool.submit(TEXTS) for _ in range(6)]
        assert all(np.allclose(f.result(timeout=30), expected, atol=1e-5) for f in later)
        # The first two go to the process at once (two in flight per process).
        assert 2 <= template.batches <= 6
    finally:
        pool.stop()


def test_one_worker_with_a_loaded_model_starts_no_process():
    template = UseEmbedder()
    pool = EmbeddingPool(1, template=template)
    try:
        assert np.allclose(pool.embed(TEXTS), template.embed(TEXTS), atol=1e-5)
        assert not pool.running
    finally:
        pool.stop()


def test_a_stop_while_the_workers_start_leaves_no_pool_behind(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    pool = EmbeddingPool(2, template=UseEmbedder())
    waiting = pool.submit(TEXTS)
    pool.stop()
    assert _wait(lambda: not pool.running)
    assert _wait(lambda: not list(tmp_path.iterdir())), "the snapshot outlived the pool"
    assert not pool.ready
    assert waiting.cancelled() or waiting.done()


def test_a_damaged_snapshot_loads_the_model_the_slow_way(tmp_path):
    damaged = tmp_path / "model.pickle"
    damaged.write_bytes(b"not a pickle")
    assert np.allclose(
        UseEmbedder.from_snapshot(str(damaged)).embed(TEXTS), UseEmbedder().embed(TEXTS)
    )
