"""What the seed tutorials write around a LlamaIndex query engine: their LLM class (a
CustomLLM over the openai SDK's streaming call) and their web API (an async
`/stream_chat` yielding `response_gen`), for the plain-LlamaIndex baseline (llama_plain.py)."""

from __future__ import annotations

import time

from scripts.bench.common import ASK_PAUSE_S, summary
from scripts.bench.thread_server import ThreadServer


def tutorial_llm(base_url: str):  # type: ignore[no-untyped-def]
    """The seed tutorials' LLM: a CustomLLM over the openai SDK's streaming chat call."""
    from typing import Any

    from llama_index.core.llms import (
        CompletionResponse,
        CompletionResponseGen,
        CustomLLM,
        LLMMetadata,
    )
    from llama_index.core.llms.callbacks import llm_completion_callback
    from openai import OpenAI

    client = OpenAI(base_url=base_url, api_key="none")

    class OurLLM(CustomLLM):
        model_name: str = "instant"

        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(context_window=32_000, num_output=256, model_name=self.model_name)

        @llm_completion_callback()
        def complete(self, prompt: str, **kwargs: Any) -> CompletionResponse:
            answer = client.chat.completions.create(
                model=self.model_name, messages=[{"role": "user", "content": prompt}]
            )
            return CompletionResponse(text=answer.choices[0].message.content or "")

        @llm_completion_callback()
        def stream_complete(self, prompt: str, **kwargs: Any) -> CompletionResponseGen:
            stream = client.chat.completions.create(
                model=self.model_name, messages=[{"role": "user", "content": prompt}], stream=True
            )
            text = ""
            for chunk in stream:
                delta = chunk.choices[0].delta.content if chunk.choices else None
                if delta:
                    text += delta
                    yield CompletionResponse(text=text, delta=delta)

    return OurLLM()


def served_first_token(engine, questions: list[str], warm: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The tutorial's web API around the same query engine (seeds/000: an async
    `/stream_chat` endpoint yielding `response_gen`), timed from an HTTP client."""
    import httpx
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

    times: list[float] = []
    with ThreadServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as client:
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
    return summary(times)
