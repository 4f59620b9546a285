"""Imported documents become LlamaIndex `Document`s and nodes through the app's node
parser: what the store holds is what the parser made, page by page."""

from __future__ import annotations

from typing import Any

from llama_index.core import Document

from backend.rag.llamaindex import ChineseSentenceNodeParser
from tests.conftest import wait_documents
from tests.corpus_files import pdf_bytes


def test_an_import_stores_the_nodes_of_the_node_parser(
    client: Any, container: Any, monkeypatch: Any
) -> None:
    seen: list[tuple[list[Any], list[Any]]] = []
    parse = ChineseSentenceNodeParser.get_nodes_from_documents

    def recording(self: Any, documents: Any, **kwargs: Any) -> Any:
        nodes = parse(self, documents, **kwargs)
        seen.append((list(documents), nodes))
        return nodes

    monkeypatch.setattr(ChineseSentenceNodeParser, "get_nodes_from_documents", recording)
    kb = client.post("/api/kbs", json={"name": "nodes"}).json()["id"]
    pdf = pdf_bytes(
        [
            ["The warehouse opens at 7 am on weekdays.", "Deliveries arrive before noon."],
            ["仓库周六上午九点开门。", "周日不收货。"],
        ]
    )
    answer = client.post(f"/api/kbs/{kb}/documents", files=[("files", ("hours.pdf", pdf))])
    assert answer.status_code == 202, answer.text
    (doc,) = wait_documents(client, kb)
    assert doc["status"] == "ready", doc["error"]

    (documents, nodes) = seen[-1]
    assert all(isinstance(d, Document) for d in documents)
    assert [(d.metadata["doc_id"], d.metadata["page"]) for d in documents] == [
        (doc["id"], 1),
        (doc["id"], 2),
    ]
    stored = sorted(container.store.points_of_kb(kb, doc["id"]), key=lambda p: p.chunk_index)
    assert [(p.text, p.page, p.chunk_index) for p in stored] == [
        (n.get_content(), n.metadata["page"], n.metadata["chunk_index"]) for n in nodes
    ]
    assert {p.page for p in stored} == {1, 2}
    # each node knows the page document it came from
    assert {n.ref_doc_id for n in nodes} == {d.id_ for d in documents}


def test_pages_of_one_file_share_their_heading_and_chunk_numbers() -> None:
    pages = [
        ("a", 1, "# 第5章 传输层\n## 端口\n端口号标识进程。"),
        ("a", 2, "知名端口小于1024。"),
        ("b", 1, "另一个文件的第一句。"),
    ]
    nodes = ChineseSentenceNodeParser().get_nodes_from_documents(
        [Document(text=text, metadata={"doc_id": doc, "page": page}) for doc, page, text in pages]
    )
    found = [
        (n.metadata["doc_id"], n.metadata["page"], n.metadata["chunk_index"], n.metadata["heading"])
        for n in nodes
    ]
    assert found == [
        ("a", 1, 0, "第5章 传输层 › 端口"),
        ("a", 2, 1, "第5章 传输层 › 端口"),  # the heading carries over to the next page
        ("b", 1, 0, ""),  # another file starts afresh
    ]
    # the sentence offsets stay with the app, away from embed models and LLMs
    assert "units" not in nodes[0].get_content(metadata_mode="llm")  # type: ignore[arg-type]
    assert nodes[0].metadata["units"] == [[0, len("端口号标识进程。")]]
