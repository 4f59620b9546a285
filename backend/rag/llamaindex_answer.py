"""wow-rag's answerers (extractive, model server, local GGUF) as a LlamaIndex LLM.

The prompt is the question; the passages to answer from come as `nodes=` (what
`HybridNodeRetriever` returns). Underneath it is the app's own streaming client, and
the async methods are real ones: LlamaIndex's defaults run the sync generator on the
event loop and block it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from contextlib import aclosing
from typing import Any

from llama_index.core.base.llms.types import (
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
)
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.llms import CustomLLM
from llama_index.core.schema import NodeWithScore

from backend.rag.llamaindex_retrieval import passages_of
from backend.rag.llm.generation import AnswerGenerator, AnswerRequest, detect_language


class AnswererLLM(CustomLLM):
    """`make` builds a fresh answer generator per call (as the chat service does)."""

    _make: Callable[[], AnswerGenerator] = PrivateAttr()

    def __init__(self, make: Callable[[], AnswerGenerator], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._make = make

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name="wow-rag-answerer", is_chat_model=False)

    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        nodes: Sequence[NodeWithScore] = kwargs.get("nodes", ())
        request = AnswerRequest(prompt, passages_of(list(nodes)), [], detect_language(prompt))
        generator = self._make()

        async def deltas() -> CompletionResponseAsyncGen:
            text = ""
            try:
                async with aclosing(generator.stream(request)) as stream:
                    async for delta in stream:
                        text += delta
                        yield CompletionResponse(text=text, delta=delta)
            finally:
                await generator.close()

        return deltas()

    async def acomplete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponse:
        text = ""
        async for response in await self.astream_complete(prompt, formatted, **kwargs):
            text = response.text
        return CompletionResponse(text=text)

    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        """For synchronous callers only (no running event loop in this thread)."""
        return asyncio.run(self.acomplete(prompt, formatted, **kwargs))

    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        """Synchronous callers get the whole answer as one piece."""
        yield self.complete(prompt, formatted, **kwargs)
