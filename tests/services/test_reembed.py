"""The background e5 pass on real stores in tmp_path: every chunk gets its passage vector,
a killed pass resumes, a chunk that changed while its batch was embedding gets no stale
vector, a data dir from before e5 is migrated, and the low-priority worker process gives
the same vectors."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from backend.rag.e5 import E5Embedder, WeightsMissing
from backend.rag.e5.weights import locate
from backend.rag.e5.worker import BackgroundPassageEmbedder
from backend.rag.embedder import UseEmbedder
from backend.rag.sparse import KeywordEncoder, keyword_text
from backend.rag.vectors.factory import open_vector_store
from backend.rag.vectors.store import PASSAGE, ChunkPoint
from backend.services.reembed import PassagePass, Progress

try:
    locate()
except WeightsMissing:
    pytest.skip("no e5 weights: run scripts/e5_weights.py", allow_module_level=True)

TEXTS = [
    "每位员工每天可以领取三十元的餐补，月底随工资一起发放。",
    "The loading dock opens at 06:30 and closes at 18:00 on weekdays.",
    "该河流发源于青藏高原，全长约六千三百公里，最终注入东海。",
    "Factory reset: hold the power button for ten seconds until the light blinks.",
    "图书馆周一闭馆，其余时间上午九点开门。",
]


@pytest.fixture(scope="module")
def e5() -> E5Embedder:
    return E5Embedder()


@pytest.fixture(scope="module")
def light():
    return UseEmbedder(), KeywordEncoder()


class CountingEmbedder:
    def __init__(self, e5: E5Embedder, during=None) -> None:
        self.e5 = e5
        self.texts: list[str] = []
        self.during = during

    def passage(self, texts: list[str]) -> np.ndarray:
        self.texts += texts
        if self.during:
            self.during()
            self.during = None
        return self.e5.passage(texts)


def chunk(light, doc: str, index: int, text: str, kb: str = "kb1") -> ChunkPoint:
    use, keywords = light
    return ChunkPoint(
        kb_id=kb, doc_id=doc, filename=f"{doc}.txt", page=None, chunk_index=index, text=text,
        heading="", units=[(0, len(text))], dense=use.embed([text]),
        keywords=keywords.document(keyword_text(f"{doc}.txt", "", text)),
    )


def fill(store, light) -> None:
    store.upsert([chunk(light, f"d{i}", 0, text, "kb1" if i < 3 else "kb2")
                  for i, text in enumerate(TEXTS)])


@pytest.mark.parametrize("engine", ["edge", "local"])
def test_a_pass_gives_every_chunk_its_passage_vector_and_search_finds_it(
    tmp_path, e5, light, engine
):
    store = open_vector_store(engine, str(tmp_path), 512)
    try:
        fill(store, light)
        assert store.passage_counts() == (0, 5)
        pending = [p.id for p in store.missing_passages(10)]
        assert len(pending) == 5 and store.with_passage_vectors(pending) == set()
        seen: list[Progress] = []
        final = PassagePass(store, e5, batch=2, on_progress=seen.append).run()
        assert final.finished and store.passage_counts() == (5, 5)
        assert store.with_passage_vectors(pending[:3]) == set(pending[:3])
        assert [p.done for p in seen] == [2, 4, 5] and seen[-1].eta_s == 0
        question = e5.query(["员工的餐补每天多少钱？"])[0]
        hits = store.search_passages(question, ["kb1"], 3)
        assert hits[0].payload["text"] == TEXTS[0]
        assert {hit.payload["kb_id"] for hit in hits} == {"kb1"}
        assert store.missing_passages(10) == []
    finally:
        store.close()


def test_a_killed_pass_resumes_where_it_stopped(tmp_path, e5, light):
    store = open_vector_store("edge", str(tmp_path), 512)
    fill(store, light)
    stop = threading.Event()
    first = CountingEmbedder(e5)
    PassagePass(store, first, batch=2, on_progress=lambda _: stop.set()).run(stop)
    store.close()  # as a kill would leave it: the shard's WAL holds the written batch

    store = open_vector_store("edge", str(tmp_path), 512)
    try:
        assert store.passage_counts() == (2, 5)
        second = CountingEmbedder(e5)
        assert PassagePass(store, second, batch=2).run().finished
        assert sorted(first.texts + second.texts) == sorted(TEXTS)  # nothing embedded twice
    finally:
        store.close()


def test_a_chunk_deleted_or_reimported_while_embedding_gets_no_stale_vector(
    tmp_path, e5, light
):
    store = open_vector_store("edge", str(tmp_path), 512)
    try:
        fill(store, light)
        pending = store.missing_passages(5)
        changed = "Reimported: the dock now opens at 07:00."

        def meanwhile() -> None:
            store.delete_document("d0")
            store.upsert([chunk(light, "d1", 0, changed)])  # same id, new text

        embedder = CountingEmbedder(e5, during=meanwhile)
        assert PassagePass(store, embedder, batch=5).run().finished
        assert embedder.texts[:5] == [c.text for c in pending]
        assert embedder.texts[5:] == [changed]  # embedded again, from the text it holds
        assert store.passage_counts() == (4, 4)
        hit = store.search_passages(e5.query(["When does the dock open now?"])[0], None, 1)[0]
        assert hit.payload["text"] == changed and hit.score > 0.8
    finally:
        store.close()


def test_a_store_from_before_e5_gets_the_passage_vector_when_opened(tmp_path, e5, light):
    import qdrant_edge

    store = open_vector_store("edge", str(tmp_path), 512)
    store._shard.update(qdrant_edge.UpdateOperation.delete_vector_name(PASSAGE))  # type: ignore[attr-defined]
    fill(store, light)
    store.close()

    store = open_vector_store("edge", str(tmp_path), 512)
    try:
        assert store.passage_counts() == (0, 5)
        assert PassagePass(store, e5, batch=5).run().finished
        assert store.count() == 5 and store.passage_counts() == (5, 5)
    finally:
        store.close()


def test_a_chunk_written_with_its_passage_vector_is_not_embedded_again(tmp_path, e5, light):
    store = open_vector_store("edge", str(tmp_path), 512)
    try:
        point = chunk(light, "d0", 0, TEXTS[0])
        point.passage = e5.passage([TEXTS[0]])[0]
        store.upsert([point, chunk(light, "d1", 0, TEXTS[1])])
        assert [c.text for c in store.missing_passages(10)] == [TEXTS[1]]
    finally:
        store.close()


def test_the_low_priority_worker_process_gives_the_same_vectors(e5):
    worker = BackgroundPassageEmbedder()
    try:
        assert np.allclose(worker.passage(TEXTS[:2]), e5.passage(TEXTS[:2]), atol=1e-5)
    finally:
        worker.close()
