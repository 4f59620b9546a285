"""The same behaviour on the `edge` and `local` engines: upsert, filtered hybrid search,
delete by document and by knowledge base, counts, and reopening from disk."""

from __future__ import annotations

import json

import numpy as np
import pytest

from backend.rag.embedder import UseEmbedder
from backend.rag.retriever import HybridRetriever
from backend.rag.sparse import KeywordEncoder, keyword_text
from backend.rag.splitter import split_pages
from backend.rag.vectors.factory import open_vector_store
from backend.rag.vectors.store import ChunkPoint, SearchQuery

ENGINES = ["edge", "local"]


@pytest.fixture(scope="module")
def embedder() -> UseEmbedder:
    return UseEmbedder()


@pytest.fixture(scope="module")
def keywords() -> KeywordEncoder:
    return KeywordEncoder()


def points(embedder, keywords, kb_id, doc_id, filename, text, page=None):
    out = []
    for chunk in split_pages([(page, text)]):
        out.append(
            ChunkPoint(
                kb_id=kb_id,
                doc_id=doc_id,
                filename=filename,
                page=chunk.page,
                chunk_index=chunk.index,
                text=chunk.text,
                heading=chunk.heading,
                units=chunk.units,
                dense=embedder.embed(chunk.unit_texts()),
                keywords=keywords.document(keyword_text(filename, chunk.heading, chunk.text)),
            )
        )
    return out


# Distractors that talk about the same things in general words: only the rare name in a
# long sentence tells the needle apart, and a single dense vector drowns it.
DISTRACTORS = [
    "Migration of the billing system is planned for next week.",
    "The migration tool moves data between servers.",
    "Follow up on the database migration after the review.",
    "The team reviewed the migration plan and the budget.",
    "Next week we migrate the mail server to the new host.",
    "Priya leads the data migration project.",
]
NEEDLE = (
    "The quarterly review covered budgets, hiring plans and the office move, and Priya "
    "will follow up on the Kestrelwyn migration next week."
)
QUESTION = "Kestrelwyn migration"


@pytest.fixture(params=ENGINES)
def store(request, tmp_path, embedder, keywords):
    s = open_vector_store(request.param, str(tmp_path / request.param), embedder.dimension)
    s.upsert(points(embedder, keywords, "kb1", "needle", "notes.md", NEEDLE))
    for number, text in enumerate(DISTRACTORS):
        s.upsert(points(embedder, keywords, "kb1", f"d{number}", f"doc{number}.md", text))
    s.upsert(points(embedder, keywords, "kb2", "other", "other.md", "年假为十五天。", page=3))
    s.flush()
    yield s
    s.close()


def test_counts_filters_and_payload(store, embedder, keywords):
    assert store.count() == len(DISTRACTORS) + 2
    assert store.count("needle") == 1
    assert set(store.document_counts()) == {"needle", "other", *(f"d{i}" for i in range(6))}
    assert store.document_counts()["needle"] == 1
    question = embedder.embed(["年假"])[0]
    hits = store.search(
        SearchQuery(dense=question, keywords=keywords.query("年假"), kb_ids=["kb2"], limit=5)
    )
    assert [h.payload["doc_id"] for h in hits] == ["other"]
    payload = hits[0].payload
    assert payload["page"] == 3 and payload["filename"] == "other.md"
    assert {"kb_id", "doc_id", "filename", "page", "chunk_index", "text"} <= set(payload)
    # The hit's dense score is the question's MaxSim over the chunk's own sentence vectors.
    vectors = store.unit_vectors([hits[0].id])[hits[0].id]
    assert vectors.shape == (len(payload["units"]), 512)
    assert abs(hits[0].dense - float(np.max(vectors @ question))) < 1e-2
    assert store.unit_vectors([]) == {}


def test_chinese_keyword_segments(store, embedder, keywords):
    """'年假' finds '带薪年假'-style text only because the tokenizer segments Chinese."""
    hits = store.search(
        SearchQuery(
            dense=np.zeros(512, dtype=np.float32),
            keywords=keywords.query("年假"),
            kb_ids=None,
            limit=3,
        )
    )
    assert hits[0].payload["doc_id"] == "other"


def test_keyword_query_finds_what_dense_alone_misses(store, embedder, keywords):
    retriever = HybridRetriever(store, embedder, keywords)
    question = QUESTION
    hybrid = retriever.retrieve(question, ["kb1"], top_k=3, hybrid=True)
    assert hybrid[0].doc_id == "needle"
    # The pin: raw dense similarity does not put the needle first on its own.
    raw = store.search(
        SearchQuery(
            dense=embedder.embed([question])[0],
            keywords=keywords.query(question),
            kb_ids=["kb1"],
            limit=3,
            hybrid=False,
        )
    )
    dense_rank = [h.payload["doc_id"] for h in sorted(raw, key=lambda h: -h.dense)]
    assert dense_rank[0] != "needle", dense_rank


def test_chunks_found_by_another_list_are_scored_as_the_search_scores_its_own(
    store, embedder, keywords
):
    """hits_among (the e5 list's finds joining the candidates) gives a chunk the same
    MaxSim, BM25 and payload as `search` gives it, and leaves out ids no longer stored."""
    query = SearchQuery(
        dense=embedder.embed([QUESTION])[0],
        keywords=keywords.query(QUESTION),
        kb_ids=["kb1"],
        limit=10,
    )
    searched = {h.id: h for h in store.search(query)}
    gone = "00000000-0000-0000-0000-000000000000"
    among = store.hits_among(query, [*sorted(searched), gone])
    assert sorted(h.id for h in among) == sorted(searched)
    for hit in among:
        assert hit.dense == pytest.approx(searched[hit.id].dense, abs=1e-4)
        assert hit.keywords == pytest.approx(searched[hit.id].keywords, rel=1e-4)
        assert hit.payload == searched[hit.id].payload
    assert any(h.keywords > 0 for h in among)
    assert store.hits_among(query, []) == []


def test_hits_carry_the_terms_of_their_stored_keyword_vector(store, embedder, keywords):
    """Each hit, from the search or from hits_among, comes with the term ids that the
    keyword encoder gives its keyword text, so that the retriever need not tokenize it."""
    query = SearchQuery(
        dense=embedder.embed([QUESTION])[0],
        keywords=keywords.query(QUESTION),
        kb_ids=None,
        limit=10,
    )
    searched = store.search(query)
    among = store.hits_among(query, [h.id for h in searched])
    for hit in [*searched, *among]:
        text = keyword_text(hit.payload["filename"], hit.payload.get("heading", ""), hit.text)
        assert hit.keyword_terms == frozenset(keywords.terms(text)), hit.payload["doc_id"]


def test_the_retriever_does_not_tokenize_a_chunk_whose_terms_came_along(
    store, embedder, keywords
):
    tokenized: list[str] = []

    class Counting(KeywordEncoder):
        def terms(self, text: str) -> set[int]:
            tokenized.append(text)
            return super().terms(text)

    retriever = HybridRetriever(store, embedder, Counting())
    passages = retriever.retrieve(QUESTION, ["kb1"], top_k=3)
    assert passages[0].doc_id == "needle"
    chunks = {keyword_text("notes.md", "", NEEDLE)} | {
        keyword_text(f"doc{number}.md", "", text) for number, text in enumerate(DISTRACTORS)
    }
    assert any(text.endswith(NEEDLE) for text in tokenized)  # its sentence is still read
    assert not chunks & set(tokenized)


def test_delete_document_and_kb(store):
    store.delete_document("needle")
    assert store.count("needle") == 0
    store.delete_kb("kb2")
    assert "other" not in store.document_counts()
    assert store.count() == len(DISTRACTORS)


@pytest.mark.parametrize("engine", ENGINES)
def test_reopen_keeps_points(engine, tmp_path, embedder, keywords):
    folder = str(tmp_path / engine)
    first = open_vector_store(engine, folder, embedder.dimension)
    first.upsert(points(embedder, keywords, "kb", "doc", "a.md", "Data survives a restart."))
    first.flush()
    first.close()
    again = open_vector_store(engine, folder, embedder.dimension)
    try:
        assert again.count("doc") == 1
    finally:
        again.close()


def test_edge_keeps_sentence_vectors_in_the_page_cache_not_in_ram_too(tmp_path, embedder, keywords):
    """Qdrant Edge's default placement (InRamChunkedMmap) counted every vector twice in
    resident memory (937 MB for 480 MB of vectors at 100k chunks); cold placement is a
    plain memory map."""
    store = open_vector_store("edge", str(tmp_path / "edge"), embedder.dimension)
    try:
        store.upsert(points(embedder, keywords, "kb", "doc", "a.md", "One sentence. Two."))
        store.flush()
    finally:
        store.close()
    configs = list((tmp_path / "edge").rglob("segment.json"))
    assert configs
    for config in configs:
        dense = json.loads(config.read_text())["config"]["vector_data"]["dense"]
        assert dense["storage_type"] == "ChunkedMmap" and dense["datatype"] == "uint8"


def test_a_shard_of_half_floats_from_an_earlier_version_is_still_searched(
    tmp_path, embedder, keywords
):
    """Shards written before sentence vectors became bytes keep their half floats."""
    import qdrant_edge as q

    path = tmp_path / "edge" / "chunks"
    legacy = q.EdgeConfig(
        vectors={
            "dense": q.EdgeVectorParams(
                size=embedder.dimension,
                distance=q.Distance.Cosine,
                multivector_config=q.MultiVectorConfig(q.MultiVectorComparator.MaxSim),
                datatype=q.VectorStorageDatatype.Float16,
            )
        },
        sparse_vectors={"keywords": q.EdgeSparseVectorParams(modifier=q.Modifier.Idf)},
    )
    path.parent.mkdir()
    shard = q.EdgeShard.create(str(path), legacy)
    shard.flush()
    shard.close()
    store = open_vector_store("edge", str(tmp_path / "edge"), embedder.dimension)
    try:
        store.upsert(points(embedder, keywords, "kb", "needle", "notes.md", NEEDLE))
        for number, text in enumerate(DISTRACTORS):
            store.upsert(points(embedder, keywords, "kb", f"d{number}", f"d{number}.md", text))
        vector = embedder.embed([QUESTION])[0]
        hits = store.search(SearchQuery(vector, keywords.query(QUESTION), None, 3))
        assert hits[0].payload["doc_id"] == "needle"
        best = float((embedder.embed([NEEDLE]) @ vector).max())
        assert abs(hits[0].dense - best) < 0.01
        assert store.unit_vectors([hits[0].id])[hits[0].id].dtype == np.float32
    finally:
        store.close()
    config = json.loads((path / "edge_config.json").read_text())
    assert config["vectors"]["dense"]["datatype"] == "float16"
