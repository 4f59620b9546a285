"""The server's edge, as one ASGI middleware: the token, the Host check (DNS rebinding),
no cross-origin writes, the upload body limit, and security headers on every answer."""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from backend.errors import TooLarge
from backend.network import is_loopback
from backend.signin import SIGNIN_MAX_AGE_S, browser_cookie, signin_secret

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "wowrag_token"
BODY_LIMIT = 16 << 20  # any request but an upload: questions, settings, chat histories
# GGUF models and .wowkb packages run to many GB; those routes check what they receive
# (GGUF magic; the package's zip, sizes and checksums) themselves.
UNLIMITED_BODIES = ("/api/llm/models/import", "/api/kbs/import")
_MULTIPART_SLACK = 1 << 20  # part headers and boundaries around the files of an upload
_SLASHES = re.compile(r"/{2,}")
PROTECTED = ("/api/", "/v1/", "/stream_chat", "/docs", "/redoc", "/openapi.json")
OPEN = ("/api/health",)
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
def _on_loopback(bound_host: str) -> bool:
    # "" binds every interface, like 0.0.0.0: that is team mode, not loopback.
    return bool(bound_host) and is_loopback(bound_host)


def _loopback_names(bound_host: str) -> set[str]:
    """The Host names a loopback server answers to: its own address and localhost."""
    own = bound_host.lower()
    if ":" in own and not own.startswith("["):
        own = f"[{own}]"
    names = {own, "localhost"}
    if own == "localhost":
        names |= {"127.0.0.1", "[::1]"}
    return names


def _split_host(value: str) -> tuple[str, int | None]:
    """`name:port` of a Host header; the port is 80 when absent, None when malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        name, rest = value[: end + 1], value[end + 1 :]
    else:
        name, colon, port_text = value.partition(":")
        rest = colon + port_text
    if not rest:
        return name, 80
    if rest.startswith(":") and rest[1:].isdigit() and 0 < int(rest[1:]) < 65536:
        return name, int(rest[1:])
    return name, None


class EdgeGuard:
    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str,
        bound_host: str,
        upload_limit: int,
        cors_origins: list[str] | None = None,
        data_dir: Path | None = None,
    ) -> None:
        self.app = app
        self.token = token
        self.bound_host = bound_host
        self.upload_limit = upload_limit
        self.cors_origins = set(cors_origins or [])
        loopback = _on_loopback(bound_host)
        self.allowed_hosts = _loopback_names(bound_host) if loopback else None
        # On loopback the browser's cookie comes from the data dir's secret and survives a
        # restart; in team mode (reachable from the network) it is this launch's token.
        self.cookie = token
        self.cookie_attributes = "HttpOnly; SameSite=Strict; Path=/"
        if loopback and data_dir is not None:
            self.cookie = browser_cookie(signin_secret(data_dir))
            self.cookie_attributes += f"; Max-Age={SIGNIN_MAX_AGE_S}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        # "//api/kbs" must not slip past the prefix checks below.
        path = _SLASHES.sub("/", scope["path"])
        method: str = scope.get("method", "GET")
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        problem = self._check_host(headers) or self._check_origin(method, headers)
        status = 403
        if (
            problem is None
            and self._needs_token(method, path, headers)
            and not self._authorised(headers, query)
        ):
            status, problem = 401, ("unauthorized", "A valid token is required.")
        if problem is not None:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            else:
                await _reply(send, status, problem)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        if path == "/" and "token" in query:
            await self._login(send, query["token"][0])
            return
        if _is_upload(method, path):
            limit = self.upload_limit + _MULTIPART_SLACK
            too_large = f"The upload is larger than the limit of {self.upload_limit >> 20} MB."
        elif path in UNLIMITED_BODIES:
            await self.app(scope, receive, _with_headers(send, path))
            return
        else:
            limit = BODY_LIMIT
            too_large = f"The request body is larger than the limit of {BODY_LIMIT >> 20} MB."
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            await _reply(send, 413, ("too_large", too_large))
            return
        body = _BodyLimit(receive, send, limit, too_large)
        await self.app(scope, body.receive, _with_headers(body.send, path))

    def _needs_token(self, method: str, path: str, headers: dict[str, str]) -> bool:
        if not path.startswith(PROTECTED) or path in OPEN:
            return False
        # A CORS preflight of a configured origin carries no credentials by design.
        preflight = method == "OPTIONS" and "access-control-request-method" in headers
        return not (preflight and headers.get("origin") in self.cors_origins)

    def _check_host(self, headers: dict[str, str]) -> tuple[str, str] | None:
        """On loopback, Host must name this server exactly: a page of another site whose
        name was re-bound to 127.0.0.1 still sends its own name. The port is not compared:
        the attacker of DNS rebinding controls the name, not the port, and a local dev
        proxy (Vite, ``changeOrigin: false``) forwards its own port."""
        if self.allowed_hosts is None:
            return None
        host, port = _split_host(headers.get("host", ""))
        if host not in self.allowed_hosts or port is None:
            return ("forbidden_host", "This server only answers on its own address.")
        return None

    def _check_origin(self, method: str, headers: dict[str, str]) -> tuple[str, str] | None:
        if method not in WRITES:
            return None
        origin = headers.get("origin")
        if origin is not None:
            if origin in self.cors_origins:
                return None
            own = urlsplit(origin)
            if origin == "null" or own.netloc.lower() != headers.get("host", "").lower():
                return ("forbidden_origin", "Cross-origin writes are not allowed.")
        if headers.get("sec-fetch-site") == "cross-site":
            return ("forbidden_origin", "Cross-origin writes are not allowed.")
        return None

    def _authorised(self, headers: dict[str, str], query: dict[str, list[str]]) -> bool:
        tokens = query.get("token", [])[:1]
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            tokens.append(auth[7:].strip())
        if any(_same(t, self.token) for t in tokens):
            return True
        if "cookie" in headers:
            cookie: SimpleCookie = SimpleCookie()
            try:
                cookie.load(headers["cookie"])
            except Exception:
                cookie = SimpleCookie()
            if COOKIE in cookie:
                return _same(cookie[COOKIE].value, self.cookie)
        return False

    async def _login(self, send: Send, token: str) -> None:
        if not _same(token, self.token):
            await _reply(send, 401, ("unauthorized", "This link's token is not valid."))
            return
        cookie = f"{COOKIE}={self.cookie}; {self.cookie_attributes}"
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [
                    (b"location", b"/"),
                    (b"set-cookie", cookie.encode()),
                    (b"cache-control", b"no-store"),
                    *_SECURITY_HEADERS,
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"content-security-policy", CSP.encode()),
]
_REPLACED_HEADERS = {name for name, _ in _SECURITY_HEADERS}


def _is_upload(method: str, path: str) -> bool:
    return method == "POST" and path.startswith("/api/kbs/") and path.endswith("/documents")


def _with_headers(send: Send, path: str) -> Send:
    api = path.startswith(PROTECTED)

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [
                h for h in message.get("headers", []) if h[0].lower() not in _REPLACED_HEADERS
            ]
            if api and not any(h[0].lower() == b"cache-control" for h in headers):
                headers.append((b"cache-control", b"no-store"))
            message["headers"] = headers + _SECURITY_HEADERS
        await send(message)

    return wrapped


class _BodyLimit:
    """Counts the body as it arrives (also a chunked one, which has no Content-Length) and
    stops it at the limit with TooLarge. Whatever answer the app then makes of that error
    (FastAPI turns a failed body read into a 400), the client gets the 413."""

    def __init__(self, receive: Receive, send: Send, limit: int, message: str) -> None:
        self._receive, self._send = receive, send
        self.limit, self.message = limit, message
        self.seen = 0
        self.exceeded = self.replaced = False

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self.limit:
                self.exceeded = True
                raise TooLarge(self.message)
        return message

    async def send(self, message: Message) -> None:
        started = message["type"] == "http.response.start"
        if self.exceeded and started and message["status"] != 413:
            self.replaced = True
            await _reply(self._send, 413, ("too_large", self.message))
            return
        if self.replaced:
            return
        await self._send(message)


async def _reply(send: Send, status: int, error: tuple[str, str]) -> None:
    body = json.dumps({"error": {"code": error[0], "message": error[1]}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *_SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
