"""API.md's auth and origin rules at the server's edge, on every route of the real app."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route
from starlette.testclient import TestClient

from backend.security import BODY_LIMIT, EdgeGuard
from tests.conftest import TOKEN
from tests.security.conftest import error_of

OPEN_API = {"/api/health"}
NO_AUTH = {"Authorization": ""}


def _walk(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:  # FastAPI 0.16x keeps an included router as one route
            yield from _walk(included.routes, prefix + route.include_context.prefix)  # type: ignore[attr-defined]
        elif isinstance(route, APIRoute):
            yield prefix + route.path, route


def _api_calls(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every API route, path parameters filled in."""
    calls = []
    for path, route in _walk(app.routes):
        if route.include_in_schema:
            filled = re.sub(r"\{[^}]+\}", "x1", path)
            calls += [(method, filled) for method in sorted(route.methods - {"HEAD"})]
    schema_paths = {re.sub(r"\{[^}]+\}", "x1", p) for p in app.openapi()["paths"]}
    assert {path for _, path in calls} == schema_paths
    return calls


def test_every_route_but_health_needs_the_token(edge_app: FastAPI, edge_client: TestClient):
    calls = _api_calls(edge_app)
    walked = {path for _, path in calls}
    assert {"/stream_chat", "/v1/chat/completions", "/v1/models", "/api/events"} <= walked
    assert "/api/kbs/x1/documents" in walked and "/api/settings" in walked
    wrong = [
        NO_AUTH,
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": "", "Cookie": "wowrag_token=wrong-token"},
    ]
    for method, path in calls:
        if path in OPEN_API:
            continue
        for headers in wrong:
            answer = edge_client.request(method, path, headers=headers)
            error_of(answer, 401, "unauthorized")
            assert answer.headers["x-content-type-options"] == "nosniff"
        answer = edge_client.request(method, path, headers=NO_AUTH, params={"token": "wrong"})
        error_of(answer, 401, "unauthorized")
    assert edge_client.get("/api/health", headers=NO_AUTH).status_code == 200
    assert edge_client.get("/", headers=NO_AUTH).status_code == 200


def test_path_tricks_do_not_skip_the_token(edge_client: TestClient):
    for path in ("//api/kbs", "/api//kbs", "/v1//models", "//stream_chat?param=x", "///v1/models"):
        answer = edge_client.get(f"http://127.0.0.1{path}", headers=NO_AUTH)
        assert answer.status_code in (401, 404), (path, answer.status_code)
        assert answer.json().get("error"), path


def test_docs_and_schema_only_with_the_developer_flag(edge_client: TestClient):
    for path in ("/docs", "/redoc", "/openapi.json"):
        error_of(edge_client.get(path), 404)
        error_of(edge_client.get(path, headers=NO_AUTH), 401)


def test_security_headers_and_csp_on_ui_and_api(edge_client: TestClient):
    for path in ("/", "/api/kbs", "/api/health", "/no-such-page.js"):
        headers = edge_client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff", path
        csp = headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["script-src"] == "'self'"
        # A markdown image in an answer cannot carry data to another host.
        assert "http" not in directives["img-src"] and "*" not in directives["img-src"]
        assert directives["connect-src"] == "'self'"
        assert "frame-ancestors 'none'" in csp
    assert "no-store" in edge_client.get("/api/kbs").headers["cache-control"]


def test_no_cors_headers_unless_configured(edge_client: TestClient):
    origin = {"Origin": "http://evil.example"}
    answers = [
        edge_client.get("/api/kbs", headers=origin),
        edge_client.options(
            "/api/kbs", headers={**origin, "Access-Control-Request-Method": "POST"}
        ),
        edge_client.get("/api/health", headers=origin),
    ]
    for answer in answers:
        assert not [h for h in answer.headers if h.lower().startswith("access-control-")]


def test_cross_origin_writes_are_refused(edge_client: TestClient):
    for headers in (
        {"Origin": "null"},
        {"Origin": "http://evil.example"},
        {"Origin": "http://127.0.0.1:1"},
        {"Origin": "http://localhost"},
        {"Sec-Fetch-Site": "cross-site"},
    ):
        for method, path in (
            ("POST", "/api/kbs"),
            ("PUT", "/api/settings"),
            ("DELETE", "/api/kbs/x"),
        ):
            error_of(edge_client.request(method, path, json={}, headers=headers), 403)
        error_of(
            edge_client.post(
                "/api/kbs/x/documents", files={"files": ("a.txt", b"x")}, headers=headers
            ),
            403,
        )
    same = edge_client.post(
        "/api/kbs", json={"name": "same"}, headers={"Origin": "http://127.0.0.1"}
    )
    assert same.status_code == 201


def test_foreign_host_names_are_refused_on_loopback(edge_client: TestClient):
    for host in (
        "evil.example",
        "evil.example:8000",
        "127.0.0.1.nip.io",
        "localhost.evil.example",
        "127.0.0.2",
        "0.0.0.0",
        "[::1]",
        "localhost:notaport",
        "",
    ):
        error_of(edge_client.get("/api/kbs", headers={"Host": host}), 403, "forbidden_host")
        error_of(edge_client.get("/", headers={"Host": host}), 403, "forbidden_host")
    for host in ("127.0.0.1", "localhost", "LOCALHOST"):
        assert edge_client.get("/api/kbs", headers={"Host": host}).status_code == 200


def _guarded(bound_host: str, **options: object) -> TestClient:
    async def ok(_: object) -> JSONResponse:
        return JSONResponse({"ok": True})

    inner = Starlette(routes=[Route("/api/x", ok, methods=["GET", "POST", "OPTIONS"])])
    guard = EdgeGuard(
        inner,
        token=TOKEN,
        bound_host=bound_host,
        upload_limit=1 << 20,
        **options,  # type: ignore[arg-type]
    )
    return TestClient(guard, base_url="http://127.0.0.1")


@pytest.mark.parametrize("bound", ["0.0.0.0", "::", "192.168.1.20", ""])
def test_team_mode_needs_the_token_but_no_host_check(bound: str):
    client = _guarded(bound)
    host = {"Host": "wowrag.team.lan:8765"}
    error_of(client.get("/api/x", headers=host), 401)
    auth = {**host, "Authorization": f"Bearer {TOKEN}"}
    assert client.get("/api/x", headers=auth).status_code == 200
    same_origin = {**auth, "Origin": "http://wowrag.team.lan:8765"}
    assert client.post("/api/x", headers=same_origin).status_code == 200
    error_of(client.post("/api/x", headers={**auth, "Origin": "http://evil.example"}), 403)


@pytest.mark.parametrize("bound", ["127.0.0.1", "::1", "localhost"])
def test_loopback_binding_checks_the_host(bound: str):
    client = _guarded(bound)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    own = f"[{bound}]" if ":" in bound else bound
    assert client.get("/api/x", headers={**auth, "Host": f"{own}:8765"}).status_code == 200
    assert client.get("/api/x", headers={**auth, "Host": "localhost:8765"}).status_code == 200
    error_of(client.get("/api/x", headers={**auth, "Host": "evil.example:8765"}), 403)


def test_configured_cors_origin_gets_cors_headers_and_may_write():
    client = _guarded("127.0.0.1", cors_origins=["http://tool.local:3000"])
    origin = {"Origin": "http://tool.local:3000", "Authorization": f"Bearer {TOKEN}"}
    assert client.post("/api/x", headers=origin).status_code == 200
    error_of(client.post("/api/x", headers={**origin, "Origin": "http://evil.example"}), 403)


def test_bodies_over_the_limit_are_413_with_length_or_chunked(edge_client: TestClient):
    big = b"[" + b"1," * (BODY_LIMIT // 2) + b"1]"
    error_of(
        edge_client.post("/api/chat", content=big, headers={"Content-Type": "application/json"}),
        413,
        "too_large",
    )

    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"question": "'
        for _ in range(BODY_LIMIT // (1 << 20) + 1):
            yield b"a" * (1 << 20)
        yield b'"}'

    error_of(
        edge_client.post(
            "/api/chat", content=chunks(), headers={"Content-Type": "application/json"}
        ),
        413,
        "too_large",
    )
    assert edge_client.get("/api/health").status_code == 200


def test_the_export_is_an_attachment_not_html(edge_client: TestClient):
    kb = edge_client.post("/api/kbs", json={"name": "export-kb"}).json()
    answer = edge_client.post(
        "/api/chat", json={"question": "<img src=x onerror=alert(1)>", "kb_ids": [kb["id"]]}
    )
    session = answer.json()["session_id"]
    export = edge_client.get(f"/api/sessions/{session}/export")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/markdown")
    assert export.headers["content-disposition"].startswith("attachment")
    assert export.headers["x-content-type-options"] == "nosniff"
