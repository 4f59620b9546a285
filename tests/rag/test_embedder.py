"""Embedding processes start from the app's loaded model (a snapshot file) instead of
loading it again, and give the same vectors."""

from __future__ import annotations

import numpy as np

from backend.rag.embedder import EmbeddingPool, UseEmbedder

TEXTS = ["艾可美公司的员工每天的餐补标准是多少？", "The loading dock opens at 06:30."]


def test_a_snapshot_gives_the_same_vectors_and_a_lost_one_loads_cold(tmp_path):
    loaded = UseEmbedder()
    path = str(tmp_path / "model.pickle")
    loaded.save_snapshot(path)
    assert np.allclose(UseEmbedder.from_snapshot(path).embed(TEXTS), loaded.embed(TEXTS))
    assert np.allclose(
        UseEmbedder.from_snapshot(str(tmp_path / "gone")).embed(TEXTS), loaded.embed(TEXTS)
    )


def test_pool_writes_a_snapshot_for_its_workers_and_removes_it_when_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    template = UseEmbedder()
    pool = EmbeddingPool(1, template=template)
    try:
        vectors = pool.embed(TEXTS)
        assert [p.name[:6] for p in tmp_path.iterdir()] == ["usem3-"]
        assert np.allclose(vectors, template.embed(TEXTS), atol=1e-5)
        assert pool.stop_if_idle()
        assert not list(tmp_path.iterdir()), "the snapshot outlived the pool"
    finally:
        pool.stop()


def test_a_damaged_snapshot_loads_the_model_the_slow_way(tmp_path):
    damaged = tmp_path / "model.pickle"
    damaged.write_bytes(b"not a pickle")
    assert np.allclose(
        UseEmbedder.from_snapshot(str(damaged)).embed(TEXTS), UseEmbedder().embed(TEXTS)
    )
