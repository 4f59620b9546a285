"""The e5 second pass in the running app, on real stores and the real e5 engine: it waits
for the import queue to be idle, pauses when an import starts, resumes from the store,
says "no_weights" and leaves retrieval as it was when no weights are found, and retrieval
adds the e5 list once chunks have passage vectors. The app-level test turns the pass on
(conftest's make_settings keeps it off for every other test)."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from starlette.testclient import TestClient

from backend.app import create_app
from backend.container import Container
from backend.rag.e5 import E5Embedder, WeightsMissing
from backend.rag.e5.weights import locate
from backend.rag.embedder import UseEmbedder
from backend.rag.evidence_lists import passage_evidence
from backend.rag.retriever import HybridRetriever
from backend.rag.sparse import KeywordEncoder, keyword_text
from backend.rag.vectors.factory import open_vector_store
from backend.rag.vectors.store import ChunkPoint
from backend.services import passage_vectors
from backend.services.passage_vectors import PassageVectors
from tests.conftest import AUTH, make_settings, wait_documents

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
    "Visitors sign in at the front desk and wear a badge at all times.",
    "年假满一年可休五天，满十年可休十天。",
    "The printer on the third floor needs a badge to release jobs.",
    "会议室需要提前一天在系统中预约。",
    "Expense claims are paid within fourteen days of approval.",
]


@pytest.fixture(autouse=True)
def quick_checks(monkeypatch):
    monkeypatch.setattr(passage_vectors, "CHECK_INTERVAL_S", 0.05)
    monkeypatch.setattr(passage_vectors, "START_DELAY_S", 0.0)
    monkeypatch.setattr(passage_vectors, "BATCH", 4)  # rounds of 4, 4 and 2 texts


@pytest.fixture(scope="module")
def e5() -> E5Embedder:
    return E5Embedder()


@pytest.fixture
def store(tmp_path):
    use, keywords = UseEmbedder(), KeywordEncoder()
    store = open_vector_store("edge", str(tmp_path / "q"), use.dimension)
    store.upsert([
        ChunkPoint(
            kb_id="kb1", doc_id=f"d{i}", filename=f"d{i}.txt", page=None, chunk_index=0,
            text=text, heading="", units=[(0, len(text))], dense=use.embed([text]),
            keywords=keywords.document(keyword_text(f"d{i}.txt", "", text)),
        )
        for i, text in enumerate(TEXTS)
    ])
    yield store
    store.close()


class InProcess:
    """The pass's embedder without the child process (the worker has its own test)."""

    def __init__(self, e5: E5Embedder, during=None) -> None:
        self.e5, self.during, self.batches = e5, during, 0

    def passage(self, texts: list[str]) -> np.ndarray:
        self.batches += 1
        if self.during:
            self.during()
        return self.e5.passage(texts)


def until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_the_pass_waits_for_a_running_import_and_then_embeds_everything(store, e5):
    idle = threading.Event()
    worker = InProcess(e5)
    vectors = PassageVectors(store, idle.is_set, embedder_factory=lambda _: worker)
    vectors.start()
    try:
        until(lambda: vectors.state().state == "paused")
        assert worker.batches == 0 and store.passage_counts() == (0, len(TEXTS))
        idle.set()
        until(lambda: vectors.state().state == "done")
        assert store.passage_counts() == (len(TEXTS), len(TEXTS))
        assert vectors.state().to_dict()["done"] == len(TEXTS)
    finally:
        vectors.close()


def test_an_import_started_mid_pass_pauses_it_after_the_batch_and_it_resumes(store, e5):
    idle = threading.Event()
    idle.set()
    worker = InProcess(e5, during=idle.clear)  # each batch "starts an import"
    vectors = PassageVectors(store, idle.is_set, embedder_factory=lambda _: worker)
    vectors.start()
    try:
        until(lambda: worker.batches == 1 and vectors.state().state == "paused")
        assert store.passage_counts() == (4, len(TEXTS))  # the batch in hand was kept
        worker.during = None
        idle.set()
        until(lambda: vectors.state().state == "done")
        assert store.passage_counts() == (len(TEXTS), len(TEXTS))
        assert worker.batches == 1 + 2  # the rest, nothing embedded twice
    finally:
        vectors.close()


def test_without_weights_the_app_says_so_and_retrieval_uses_the_light_model(
    store, monkeypatch
):
    def missing() -> None:
        raise WeightsMissing("none here")

    monkeypatch.setattr(passage_vectors, "locate", missing)
    vectors = PassageVectors(store, lambda: True)
    vectors.start()
    try:
        until(lambda: vectors.state().state == "no_weights")
        retriever = HybridRetriever(store, UseEmbedder(), KeywordEncoder())
        retriever.passages = vectors
        assert retriever.passage_search("员工餐补多少钱？", None, 3)() == []
        assert retriever.retrieve("员工餐补多少钱？", None, 3)[0].text == TEXTS[0]
    finally:
        vectors.close()


def test_retrieval_adds_the_e5_list_for_chunks_that_have_passage_vectors(store, e5):
    vectors = PassageVectors(store, lambda: True, embedder_factory=lambda _: InProcess(e5))
    retriever = HybridRetriever(store, UseEmbedder(), KeywordEncoder())
    retriever.passages = vectors
    vectors.start()
    try:
        until(lambda: vectors.state().state == "done")
        hits = retriever.passage_search("When does the dock open?", ["kb1"], 3)()
        (evidence,) = passage_evidence(hits)
        best = max(evidence.scores, key=evidence.scores.__getitem__)
        assert best == str(uuid.uuid5(uuid.NAMESPACE_URL, "d1/0"))  # the dock's chunk
        question = "When does the dock open?"
        with_e5 = {p.text: p.score for p in retriever.retrieve(question, ["kb1"], 10)}
        retriever.passages = None
        without = {p.text: p.score for p in retriever.retrieve(question, ["kb1"], 10)}
        gains = {text: with_e5[text] - without[text] for text in without}
        assert max(gains, key=gains.__getitem__) == TEXTS[1]  # the e5 list entered the fusion
    finally:
        vectors.close()
    # A turn that retrieves while the app closes answers from the light model's lists.
    retriever.passages = vectors
    assert not vectors.ready()
    assert vectors.search(question, ["kb1"], 3).result() == []
    assert retriever.retrieve(question, ["kb1"], 3)[0].text == TEXTS[1]


def test_a_data_dir_from_before_the_pass_is_searchable_and_re_embedded_when_reopened(
    tmp_path: Path,
):
    data = tmp_path / "data"
    before = Container(make_settings(data, passage_vectors=False))
    try:
        with TestClient(create_app(before), base_url="http://127.0.0.1", headers=AUTH) as client:
            kb = client.post("/api/kbs", json={"name": "e5"}).json()
            client.post(
                f"/api/kbs/{kb['id']}/documents",
                files={"files": ("a.txt", "\n\n".join(TEXTS).encode())},
            )
            wait_documents(client, kb["id"])
            assert client.get("/api/info").json()["passage_vectors"]["state"] == "off"
    finally:
        before.close()

    after = Container(make_settings(data, passage_vectors=True))
    try:
        with TestClient(create_app(after), base_url="http://127.0.0.1", headers=AUTH) as client:
            assert after.retriever.retrieve("员工餐补多少钱？", [kb["id"]], 3)  # at once
            until(lambda: client.get("/api/info").json()["passage_vectors"]["state"] == "done")
            info = client.get("/api/info").json()["passage_vectors"]
            assert info["done"] == info["total"] == after.store.count() > 0
    finally:
        after.close()
