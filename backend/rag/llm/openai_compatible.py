"""The answer generator for any server that speaks the OpenAI chat API: the prompt it
sends, the streamed text it relays (think blocks dropped, usage kept), and the retry of a
parameter the server refused. The HTTP side is in `model_server`."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import orjson

from backend.errors import ModelNotConfigured
from backend.rag.llm.generation import AnswerRequest, GenerationError, Turn
from backend.rag.llm.model_server import (
    Endpoint,
    HttpClients,
    UnsupportedParameter,
    http_client,
    open_request,
    read_rest,
)
from backend.rag.llm.prompts import (
    CONDENSE_MAX_TOKENS,
    Message,
    ThinkFilter,
    answer_messages,
    condense_messages,
    standalone_question,
)

if TYPE_CHECKING:
    import aiohttp


NOT_OPENAI_STREAM = "The model server sent a stream that is not in the OpenAI format."


def _chunk(data: bytes) -> dict[str, Any]:
    try:
        chunk = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise GenerationError("llm_error", NOT_OPENAI_STREAM) from None
    if not isinstance(chunk, dict):
        raise GenerationError("llm_error", NOT_OPENAI_STREAM)
    return chunk


def _delta(chunk: dict[str, Any]) -> str:
    if "error" in chunk:
        error = chunk["error"]
        message = error.get("message") if isinstance(error, dict) else error
        raise GenerationError("llm_error", f"The model server failed: {message}"[:400])
    choices = chunk.get("choices") or []
    first = choices[0] if isinstance(choices, list) and choices else None
    delta = first.get("delta") if isinstance(first, dict) else None
    content = delta.get("content") if isinstance(delta, dict) else None
    return content if isinstance(content, str) else ""


def stream_deltas(
    lines: list[bytes], think: ThinkFilter
) -> tuple[str, dict[str, int] | None, bool]:
    """The text of some SSE lines of a streamed completion, its usage if one came, and
    whether `[DONE]` was among them."""
    text: list[str] = []
    usage: dict[str, int] | None = None
    for raw in lines:
        if not raw.startswith(b"data:"):
            continue
        data = raw[5:].strip()
        if data == b"[DONE]":
            return "".join(text), usage, True
        chunk = _chunk(data)
        if isinstance(chunk.get("usage"), dict):
            usage = _usage(chunk["usage"])
        text.append(think.feed(_delta(chunk)))
    return "".join(text), usage, False


class OpenAICompatibleGenerator:
    """One instance per answer, holding its usage count. Its HTTP client is the shared one
    of `clients` (or its own when none is given, closed with it)."""

    name = "openai_compatible"

    def __init__(
        self,
        endpoint: Endpoint,
        model: str,
        temperature: float = 0.2,
        max_tokens: int = 1024,
        clients: HttpClients | None = None,
    ) -> None:
        self.endpoint, self.model = endpoint, model
        self.temperature, self.max_tokens = temperature, max_tokens
        self.last_usage: dict[str, int] | None = None
        self._clients = clients
        self._client: aiohttp.ClientSession | None = None
        key = (self.endpoint.root, model)
        self._refused = clients.refused.setdefault(key, set()) if clients else set()

    def _http(self) -> aiohttp.ClientSession:
        if not self.endpoint.base_url.strip() or not self.model:
            raise ModelNotConfigured("Choose a server address and a model in the settings.")
        if self._clients is not None:
            return self._clients.client(self.endpoint)
        if self._client is None:
            self._client = http_client(self.endpoint)
        return self._client

    @property
    def _url(self) -> str:
        return self.endpoint.root + "/chat/completions"

    def _body(self, messages: list[Message], **extra: Any) -> dict[str, Any]:
        body = {
            "model": self.model,
            "messages": messages,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            **extra,
        }
        if "max_tokens" in self._refused:
            body["max_completion_tokens"] = body.pop("max_tokens")
        if "temperature" in self._refused:
            body.pop("temperature")
        return body

    @asynccontextmanager
    async def _post(
        self, messages: list[Message], **extra: Any
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """The request, sent again without a parameter the server refused: at most once
        for each adaptable parameter, since one refused twice is raised."""
        while True:
            body = self._body(messages, **extra)
            try:
                async with open_request(
                    self._http(), self.endpoint, "POST", self._url, body
                ) as response:
                    yield response
                    return
            except UnsupportedParameter as exc:
                if exc.param in self._refused:
                    raise
                self._refused.add(exc.param)

    async def stream(self, request: AnswerRequest) -> AsyncGenerator[str, None]:
        think, pending = ThinkFilter(), b""
        messages = answer_messages(request)
        async with self._post(
            messages, stream=True, stream_options={"include_usage": True}
        ) as response:
            # Whatever one read brings is one delta: a model at human speed sends a token
            # per read anyway, and an instant one is not slowed down by a step per token.
            async for data in response.content.iter_any():
                *lines, pending = (pending + data).split(b"\n")
                text, usage, done = stream_deltas(lines, think)
                self.last_usage = usage or self.last_usage
                if text:
                    yield text
                if done:
                    await read_rest(response)
                    break
            else:
                text, usage, _ = stream_deltas([pending], think)
                self.last_usage = usage or self.last_usage
                if text:
                    yield text
        rest = think.flush()
        if rest:
            yield rest

    async def complete(self, messages: list[Message], max_tokens: int) -> str:
        async with self._post(
            messages, stream=False, max_tokens=max_tokens, temperature=0
        ) as response:
            answer = await response.read()
        try:
            return str(orjson.loads(answer)["choices"][0]["message"]["content"] or "")
        except (ValueError, KeyError, IndexError, TypeError):
            raise GenerationError(
                "llm_error", "The model server sent an answer that is not in the OpenAI format."
            ) from None

    async def condense(self, question: str, history: list[Turn]) -> str:
        reply = await self.complete(condense_messages(question, history), CONDENSE_MAX_TOKENS)
        return standalone_question(reply, question)

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()


def _usage(raw: dict[str, Any]) -> dict[str, int]:
    keys = ("prompt_tokens", "completion_tokens", "total_tokens")
    return {k: int(raw[k]) for k in keys if isinstance(raw.get(k), int)}
