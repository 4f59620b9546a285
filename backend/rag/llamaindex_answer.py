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
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.llms import CustomLLM
from llama_index.core.schema import NodeWithScore

from backend.rag.llamaindex_retrieval import passages_of
from backend.rag.llm.generation import AnswerGenerator, AnswerRequest, Turn, detect_language


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
        return self._answer(prompt, [], kwargs.get("nodes", ()))

    async def astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        """The last user message is the question; the ones before it, the conversation."""
        turns = [
            Turn("user" if m.role == MessageRole.USER else "assistant", m.content or "")
            for m in messages
            if m.role in (MessageRole.USER, MessageRole.ASSISTANT)
        ]
        question = turns.pop().content if turns and turns[-1].role == "user" else ""
        completions = self._answer(question, turns, kwargs.get("nodes", ()))

        async def replies() -> ChatResponseAsyncGen:
            async for c in completions:
                message = ChatMessage(role=MessageRole.ASSISTANT, content=c.text)
                yield ChatResponse(message=message, delta=c.delta)

        return replies()

    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        text = ""
        async for reply in await self.astream_chat(messages, **kwargs):
            text = reply.message.content or ""
        return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text))

    def _answer(
        self, question: str, history: list[Turn], nodes: Sequence[NodeWithScore]
    ) -> CompletionResponseAsyncGen:
        language = detect_language(question)
        request = AnswerRequest(question, passages_of(list(nodes)), history, language)
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
