"""The adapter for any server that speaks the OpenAI chat API (Ollama, LM Studio, llama.cpp's
server, vLLM, DeepSeek, DashScope, OpenAI): streamed over httpx, each failure turned into a
`GenerationError` a person can act on, the API key never in a message."""

from __future__ import annotations

import asyncio
import functools
import json
import ssl
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx

from backend.rag.generation import AnswerRequest, GenerationError, Turn
from backend.rag.prompts import (
    CONDENSE_MAX_TOKENS,
    Message,
    ThinkFilter,
    answer_messages,
    condense_messages,
    standalone_question,
)
from backend.security import is_loopback

CONNECT_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Endpoint:
    """Where a model server is and how to reach it."""

    base_url: str
    api_key: str = ""
    timeout_s: float = 60.0

    @property
    def root(self) -> str:
        return api_root(self.base_url)


def api_root(base_url: str) -> str:
    """`http://host:11434` and `http://host:11434/v1/` both mean `http://host:11434/v1`."""
    url = base_url.strip().rstrip("/")
    if url and not urlsplit(url).path:
        url += "/v1"
    return url


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    # httpx loads the CA bundle for every new client (~130 ms), also for plain http.
    return httpx.create_ssl_context()


def http_client(endpoint: Endpoint, connect_s: float = CONNECT_TIMEOUT_S) -> httpx.AsyncClient:
    timeout = httpx.Timeout(endpoint.timeout_s, connect=connect_s, pool=connect_s)
    headers = {"Authorization": f"Bearer {endpoint.api_key}"} if endpoint.api_key else {}
    # Proxy variables are for the internet, never for a server on this machine.
    local = is_loopback(urlsplit(endpoint.root).hostname or "")
    return httpx.AsyncClient(
        timeout=timeout, headers=headers, verify=_ssl_context(), trust_env=not local
    )


class HttpClients:
    """One pooled client per model server (address, key, timeout), so that answers reuse
    an open connection instead of paying a TCP and TLS handshake each. The few most
    recently used are kept (settings change now and then); all are closed at shutdown."""

    KEEP = 4

    def __init__(self) -> None:
        self._clients: dict[Endpoint, httpx.AsyncClient] = {}
        # Parameters a model server refused, per (server, model): later answers leave
        # them out from the start.
        self.refused: dict[tuple[str, str], set[str]] = {}
        self._closing: set[asyncio.Task[None]] = set()

    def client(self, endpoint: Endpoint) -> httpx.AsyncClient:
        client = self._clients.pop(endpoint, None)
        if client is None or client.is_closed:
            client = http_client(endpoint)
        self._clients[endpoint] = client  # the most recent last
        while len(self._clients) > self.KEEP:
            oldest = next(iter(self._clients))
            stale = self._clients.pop(oldest)
            # Called from a request, so a loop runs: close it without blocking the caller.
            task = asyncio.get_running_loop().create_task(stale.aclose())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


def redact(text: str, secret: str) -> str:
    return text.replace(secret, "****") if secret else text


def _server_detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:300]
    error = data.get("error", data) if isinstance(data, dict) else data
    if isinstance(error, dict):
        error = error.get("message") or error.get("detail") or json.dumps(error)[:300]
    return str(error)[:300]


# Body parameters some servers refuse (OpenAI's reasoning models: `max_tokens` must be
# `max_completion_tokens`, and only the default temperature is allowed); an answer that
# hits one is sent again without it.
ADAPTABLE = ("max_tokens", "temperature")


class UnsupportedParameter(GenerationError):
    def __init__(self, param: str, error: GenerationError) -> None:
        super().__init__(error.code, error.message)
        self.param = param


def refused_parameter(response: httpx.Response) -> str | None:
    """The adaptable body parameter a 400 answer names, if any."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return None
    if not isinstance(error, dict):
        return None
    message = str(error.get("message", ""))
    return next((p for p in ADAPTABLE if error.get("param") == p or f"'{p}'" in message), None)


def status_error(response: httpx.Response, endpoint: Endpoint, model: str = "") -> GenerationError:
    detail = redact(_server_detail(response), endpoint.api_key)
    status = response.status_code
    if status in (401, 403):
        return GenerationError(
            "llm_auth_failed",
            f"The model server refused the API key (HTTP {status}). Check the key. {detail}",
        )
    if status == 404:
        what = f"the model {model!r}" if model else "this address"
        return GenerationError(
            "llm_model_not_found", f"The model server does not know {what} (HTTP 404). {detail}"
        )
    if status == 429:
        return GenerationError(
            "llm_rate_limited",
            f"The model server is busy or the quota is used up (HTTP 429). {detail}",
        )
    return GenerationError("llm_error", f"The model server answered HTTP {status}. {detail}")


def transport_error(exc: httpx.HTTPError, endpoint: Endpoint) -> GenerationError:
    where = redact(endpoint.root, endpoint.api_key)
    if isinstance(exc, httpx.TimeoutException):
        return GenerationError(
            "llm_timeout",
            f"The model server at {where} did not answer in time. Is the model still loading?",
        )
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return GenerationError("llm_not_configured", f"{where!r} is not a valid http(s) address.")
    if isinstance(exc, httpx.ConnectError):
        return GenerationError(
            "llm_unreachable", f"Cannot reach the model server at {where}. Is it running?"
        )
    return GenerationError(
        "llm_unreachable",
        f"The connection to the model server at {where} broke off ({type(exc).__name__}).",
    )


@asynccontextmanager
async def open_request(
    client: httpx.AsyncClient,
    endpoint: Endpoint,
    method: str,
    url: str,
    body: dict[str, Any] | None = None,
) -> AsyncIterator[httpx.Response]:
    """A streamed request whose every failure (also while reading) is a GenerationError."""
    try:
        async with client.stream(method, url, json=body) as response:
            try:
                if response.status_code >= 400:
                    await response.aread()
                    error = status_error(response, endpoint, str((body or {}).get("model", "")))
                    refused = refused_parameter(response) if response.status_code == 400 else None
                    raise UnsupportedParameter(refused, error) if refused else error
                yield response
            finally:
                # A client that left cancels this task again at every await; closing the
                # pooled connection must still happen, so that the model server stops.
                with anyio.CancelScope(shield=True):
                    await response.aclose()
    except httpx.InvalidURL:
        raise GenerationError(
            "llm_not_configured", "The model server's address is not a valid URL."
        ) from None
    except httpx.HTTPError as exc:
        raise transport_error(exc, endpoint) from None


def _delta(chunk: dict[str, Any]) -> str:
    if "error" in chunk:
        error = chunk["error"]
        message = error.get("message") if isinstance(error, dict) else error
        raise GenerationError("llm_error", f"The model server failed: {message}"[:400])
    choices = chunk.get("choices") or []
    if not choices:
        return ""
    return (choices[0].get("delta") or {}).get("content") or ""


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
        chunk = json.loads(data)
        if chunk.get("usage"):
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
        self._client: httpx.AsyncClient | None = None
        key = (self.endpoint.root, model)
        self._refused = clients.refused.setdefault(key, set()) if clients else set()

    def _http(self) -> httpx.AsyncClient:
        if not self.endpoint.base_url.strip() or not self.model:
            raise GenerationError(
                "llm_not_configured", "Choose a server address and a model in the settings."
            )
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
    async def _post(self, messages: list[Message], **extra: Any) -> AsyncIterator[httpx.Response]:
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
            async for data in response.aiter_bytes():
                *lines, pending = (pending + data).split(b"\n")
                text, usage, done = stream_deltas(lines, think)
                self.last_usage = usage or self.last_usage
                if text:
                    yield text
                if done:
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
            await response.aread()
        try:
            return str(response.json()["choices"][0]["message"]["content"] or "")
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
            await client.aclose()


def _usage(raw: dict[str, Any]) -> dict[str, int]:
    keys = ("prompt_tokens", "completion_tokens", "total_tokens")
    return {k: int(raw[k]) for k in keys if isinstance(raw.get(k), int)}
