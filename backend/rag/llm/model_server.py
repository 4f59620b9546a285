"""HTTP to a server that speaks the OpenAI API (Ollama, LM Studio, llama.cpp's server, vLLM,
DeepSeek, DashScope, OpenAI), over aiohttp: a pooled session per server, proxies only for
servers off this machine, and every failure a `GenerationError` a person can act on, the
API key never in a message."""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import anyio
import orjson

from backend.errors import ModelNotConfigured
from backend.network import is_loopback
from backend.rag.llm.generation import GenerationError

if TYPE_CHECKING:  # aiohttp is imported on first use: nothing at start-up needs it (0.12 s)
    import aiohttp

CONNECT_TIMEOUT_S = 5.0
# How long the end of a streamed body may lag behind its last event (`[DONE]`) for the
# connection to be kept; servers end the body at once.
END_WAIT_S = 0.1


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
    # certifi's CA bundle: the same on every system and inside the bundle. Loading it takes
    # ~100 ms, so once, and only for a server reached over https.
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def http_client(endpoint: Endpoint, connect_s: float = CONNECT_TIMEOUT_S) -> aiohttp.ClientSession:
    """A session for one model server. `connect_s` bounds getting a connection (from the
    pool or a new one, TLS included); `endpoint.timeout_s` bounds each wait for data."""
    import aiohttp

    parts = urlsplit(endpoint.root)
    timeout = aiohttp.ClientTimeout(total=None, connect=connect_s, sock_read=endpoint.timeout_s)
    headers = {"Authorization": f"Bearer {endpoint.api_key}"} if endpoint.api_key else {}
    tls = _ssl_context() if parts.scheme == "https" else True
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(ssl=tls),
        timeout=timeout,
        headers=headers,
        # Proxy variables are for the internet, never for a server on this machine.
        trust_env=not is_loopback(parts.hostname or ""),
        json_serialize=_json_text,
    )


class HttpClients:
    """One pooled session per model server (address, key, timeout), so that answers reuse
    an open connection instead of paying a TCP and TLS handshake each. The few most
    recently used are kept (settings change now and then); all are closed at shutdown."""

    KEEP = 4

    def __init__(self) -> None:
        self._clients: dict[Endpoint, aiohttp.ClientSession] = {}
        # Parameters a model server refused, per (server, model): later answers leave
        # them out from the start.
        self.refused: dict[tuple[str, str], set[str]] = {}
        self._closing: set[asyncio.Task[None]] = set()

    def client(self, endpoint: Endpoint) -> aiohttp.ClientSession:
        client = self._clients.pop(endpoint, None)
        if client is None or client.closed:
            client = http_client(endpoint)
        self._clients[endpoint] = client  # the most recent last
        while len(self._clients) > self.KEEP:
            oldest = next(iter(self._clients))
            stale = self._clients.pop(oldest)
            # Called from a request, so a loop runs: close it without blocking the caller.
            task = asyncio.get_running_loop().create_task(stale.close())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.close()


def redact(text: str, secret: str) -> str:
    return text.replace(secret, "****") if secret else text


def _server_detail(body: bytes) -> str:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body.decode("utf-8", "replace")[:300]
    error = data.get("error", data) if isinstance(data, dict) else data
    if isinstance(error, dict):
        error = error.get("message") or error.get("detail") or _json_text(error)[:300]
    return str(error)[:300]


# Body parameters some servers refuse (OpenAI's reasoning models: `max_tokens` must be
# `max_completion_tokens`, and only the default temperature is allowed); an answer that
# hits one is sent again without it.
ADAPTABLE = ("max_tokens", "temperature")


class UnsupportedParameter(GenerationError):
    def __init__(self, param: str, error: GenerationError) -> None:
        super().__init__(error.code, error.message)
        self.param = param


def refused_parameter(body: bytes) -> str | None:
    """The adaptable body parameter a 400 answer names, if any."""
    try:
        error = orjson.loads(body).get("error")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    if not isinstance(error, dict):
        return None
    message = str(error.get("message", ""))
    return next((p for p in ADAPTABLE if error.get("param") == p or f"'{p}'" in message), None)


def status_error(status: int, body: bytes, endpoint: Endpoint, model: str = "") -> GenerationError:
    detail = redact(_server_detail(body), endpoint.api_key)
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


def transport_errors() -> tuple[type[BaseException], ...]:
    """What a request to a model server can raise besides an answer: aiohttp's errors, and
    a timeout (aiohttp's timeouts are asyncio.TimeoutError)."""
    import aiohttp

    return (aiohttp.ClientError, asyncio.TimeoutError)


def transport_error(exc: BaseException, endpoint: Endpoint) -> GenerationError:
    import aiohttp

    where = redact(endpoint.root, endpoint.api_key)
    if isinstance(exc, asyncio.TimeoutError):
        return GenerationError(
            "llm_timeout",
            f"The model server at {where} did not answer in time. Is the model still loading?",
        )
    if isinstance(exc, aiohttp.InvalidURL):
        return ModelNotConfigured(f"{where!r} is not a valid http(s) address.")
    if isinstance(exc, aiohttp.ClientConnectorError):
        return GenerationError(
            "llm_unreachable", f"Cannot reach the model server at {where}. Is it running?"
        )
    return GenerationError(
        "llm_unreachable",
        f"The connection to the model server at {where} broke off ({type(exc).__name__}).",
    )


@asynccontextmanager
async def open_request(
    client: aiohttp.ClientSession,
    endpoint: Endpoint,
    method: str,
    url: str,
    body: dict[str, Any] | None = None,
) -> AsyncIterator[aiohttp.ClientResponse]:
    """A request whose every failure (also while reading its body) is a GenerationError."""
    try:
        response = await client.request(method, url, json=body)
    except transport_errors() as exc:
        raise transport_error(exc, endpoint) from None
    try:
        if response.status >= 400:
            detail = await response.read()
            error = status_error(
                response.status, detail, endpoint, str((body or {}).get("model", ""))
            )
            refused = refused_parameter(detail) if response.status == 400 else None
            raise UnsupportedParameter(refused, error) if refused else error
        yield response
    except transport_errors() as exc:
        raise transport_error(exc, endpoint) from None
    finally:
        # Without an await, so a client that left (cancelled again at every await) cannot
        # cut it short: a response read to its end gives its connection back to the pool,
        # any other closes it, and the model server stops generating.
        response.release()


async def read_rest(response: aiohttp.ClientResponse, within_s: float = END_WAIT_S) -> None:
    """Reads what is left of a body that has said all it has to say, so that its connection
    goes back to the pool (the next answer pays no new TCP and TLS handshake). A server
    that keeps the body open longer than `within_s` has the connection closed instead."""
    with anyio.move_on_after(within_s):
        while await response.content.readany():
            pass
