"""The server's edge, as one ASGI middleware: the token, the Host check (DNS rebinding),
no cross-origin writes, the upload body limit, and security headers on every answer."""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

from backend.errors import TooLarge

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "wowrag_token"
PROTECTED = ("/api/", "/v1/", "/stream_chat", "/docs", "/redoc", "/openapi.json")
OPEN = ("/api/health",)
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _hostname(value: str) -> str:
    if value.startswith("["):
        return value[: value.find("]") + 1].lower()
    return value.rsplit(":", 1)[0].lower() if value.count(":") == 1 else value.lower()


class EdgeGuard:
    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str,
        bound_host: str,
        upload_limit: int,
        cors_origins: list[str] | None = None,
    ) -> None:
        self.app = app
        self.token = token
        self.bound_host = bound_host
        self.upload_limit = upload_limit
        self.cors_origins = set(cors_origins or [])
        self.allowed_hosts = (
            {bound_host.lower(), "localhost", "127.0.0.1", "[::1]"}
            if (is_loopback(bound_host))
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path: str = scope["path"]
        method: str = scope["method"]
        problem = self._check_host(headers) or self._check_origin(method, headers)
        if problem:
            await _reply(send, 403, problem)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if path == "/" and "token" in query:
            await self._login(send, query["token"][0])
            return
        if path.startswith(PROTECTED) and path not in OPEN and not self._authorised(headers, query):
            await _reply(send, 401, ("unauthorized", "A valid token is required."))
            return
        if method == "POST" and path.startswith("/api/kbs/") and path.endswith("/documents"):
            length = headers.get("content-length")
            if length and length.isdigit() and int(length) > self.upload_limit:
                await _reply(
                    send,
                    413,
                    (
                        "too_large",
                        f"The upload is larger than the limit of {self.upload_limit >> 20} MB.",
                    ),
                )
                return
            receive = _limited(receive, self.upload_limit)
        await self.app(scope, receive, _with_headers(send, path))

    def _check_host(self, headers: dict[str, str]) -> tuple[str, str] | None:
        if self.allowed_hosts is None:
            return None
        host = _hostname(headers.get("host", ""))
        if host not in self.allowed_hosts:
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
        candidates = []
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            candidates.append(auth[7:].strip())
        if "cookie" in headers:
            cookie: SimpleCookie = SimpleCookie()
            try:
                cookie.load(headers["cookie"])
            except Exception:
                cookie = SimpleCookie()
            if COOKIE in cookie:
                candidates.append(cookie[COOKIE].value)
        candidates += query.get("token", [])[:1]
        return any(hmac.compare_digest(c.encode(), self.token.encode()) for c in candidates)

    async def _login(self, send: Send, token: str) -> None:
        if not hmac.compare_digest(token.encode(), self.token.encode()):
            await _reply(send, 401, ("unauthorized", "This link's token is not valid."))
            return
        cookie = f"{COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/"
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


_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


def _with_headers(send: Send, path: str) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [
                h
                for h in message.get("headers", [])
                if h[0].lower() not in {b"x-content-type-options", b"content-security-policy"}
            ]
            headers += _SECURITY_HEADERS
            headers.append((b"content-security-policy", CSP.encode()))
            message["headers"] = headers
        await send(message)

    return wrapped


def _limited(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise TooLarge(f"The upload is larger than the limit of {limit >> 20} MB.")
        return message

    return wrapped


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
