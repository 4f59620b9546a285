"""The engines through LlamaIndex's own interfaces, offline: no tiktoken or NLTK download."""

from __future__ import annotations

import socket

import pytest

from backend.rag.embedder import UseEmbedder
from backend.rag.retriever import HybridRetriever
from backend.rag.sparse import KeywordEncoder
from backend.rag.vectors.factory import open_vector_store


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to reach a hub fails loudly instead of silently downloading."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_llamaindex_pipeline_over_our_store(tmp_path, no_network):
    from llama_index.core import Document, Settings, VectorStoreIndex
    from llama_index.core.llms import MockLLM
    from llama_index.core.storage import StorageContext

    from backend.rag.llamaindex import (
        ChineseSentenceNodeParser,
        UseEmbedding,
        WowRagVectorStore,
    )
    from backend.rag.llamaindex_retrieval import HybridNodeRetriever

    embedder, keywords = UseEmbedder(), KeywordEncoder()
    store = open_vector_store("edge", str(tmp_path), embedder.dimension)
    try:
        Settings.llm = MockLLM()
        vector_store = WowRagVectorStore(store=store, keywords=keywords, kb_id="kb")
        docs = [
            Document(
                text="# 员工手册\n## 年假\n员工每年享有带薪年假十五天。",
                metadata={"file_name": "handbook.md"},
            ),
            Document(text="The X3 supports 120 W charging.", metadata={"file_name": "x3.md"}),
        ]
        index = VectorStoreIndex.from_documents(
            docs,
            storage_context=StorageContext.from_defaults(vector_store=vector_store),
            embed_model=UseEmbedding(embedder=embedder),
            transformations=[ChineseSentenceNodeParser()],
        )
        nodes = index.as_retriever(similarity_top_k=1).retrieve("年假有几天")
        assert "十五天" in nodes[0].node.get_content()
        assert nodes[0].node.metadata["heading"] == "员工手册 › 年假"  # the heading path
        answer = index.as_query_engine(streaming=True, similarity_top_k=1).query("X3 charging")
        assert "".join(answer.response_gen)  # the mock LLM streams; tiktoken stays offline
        hybrid = HybridNodeRetriever(HybridRetriever(store, embedder, keywords), top_k=1)
        assert "120 W" in hybrid.retrieve("X3 charging power")[0].node.get_content()
    finally:
        store.close()


async def test_answerers_stream_as_a_llamaindex_llm_over_retrieved_nodes(tmp_path):
    from llama_index.core.llms import ChatMessage
    from llama_index.core.schema import TextNode

    from backend.rag.llamaindex import WowRagVectorStore
    from backend.rag.llamaindex_answer import AnswererLLM
    from backend.rag.llamaindex_retrieval import HybridNodeRetriever
    from backend.rag.llm.extractive import ExtractiveGenerator
    from backend.rag.llm.model_server import Endpoint
    from backend.rag.llm.openai_compatible import OpenAICompatibleGenerator
    from tests.fakes import served_llm

    embedder, keywords = UseEmbedder(), KeywordEncoder()
    store = open_vector_store("edge", str(tmp_path), embedder.dimension)
    try:
        text = "The X3 supports 120 W charging."
        node = TextNode(text=text, metadata={"file_name": "x3.md"})
        node.embedding = [float(x) for x in embedder.embed([text])[0]]
        WowRagVectorStore(store=store, keywords=keywords, kb_id="kb").add([node])
        retriever = HybridNodeRetriever(HybridRetriever(store, embedder, keywords), top_k=1)
        nodes = retriever.retrieve("X3 charging power")

        extractive = AnswererLLM(ExtractiveGenerator)
        pieces = [r.delta async for r in await extractive.astream_complete("X3?", nodes=nodes)]
        assert len(pieces) > 1 and "120 W" in "".join(p or "" for p in pieces)
        chat = [ChatMessage(role="user", content="How fast does the X3 charge?")]
        assert "120 W" in str((await extractive.achat(chat, nodes=nodes)).message.content)

        with served_llm() as fake:
            model = AnswererLLM(
                lambda: OpenAICompatibleGenerator(Endpoint(fake.url + "/v1", "", 10), "fake")
            )
            answer = await model.acomplete("X3 charging power?", nodes=nodes)
            assert answer.text == "".join(fake.script.tokens)
            prompt = fake.completions(stream=True)[-1].body["messages"][0]["content"]
            assert "120 W" in prompt
    finally:
        store.close()
