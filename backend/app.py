"""create_app(container) -> FastAPI: routes, error shapes, the edge guard and the static UI."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend import __version__
from backend.api import (
    chat,
    documents,
    events,
    folders,
    kbs,
    llm,
    openai_compat,
    packages,
    sessions,
    system,
    viewer,
)
from backend.container import Container
from backend.errors import AppError
from backend.paths import web_dist
from backend.security import EdgeGuard
from backend.services.disk import MB, disk_full_reason
from backend.store.disk_full import is_disk_full

log = logging.getLogger(__name__)

PLACEHOLDER = """<!doctype html><meta charset="utf-8"><title>wow-rag</title>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto">
<h1>wow-rag</h1><p>The server is running, but the web UI has not been built
(<code>web/dist</code> is missing). Run <code>bash scripts/run.sh</code>, which builds it.</p>
"""


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def create_app(container: Container, *, start: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if start:
            container.start()
        yield
        await container.llm_clients.aclose()
        container.close()

    dev = container.settings.dev
    app = FastAPI(
        title="wow-rag",
        version=__version__,
        lifespan=lifespan,
        docs_url="/docs" if dev else None,
        redoc_url=None,
        openapi_url="/openapi.json" if dev else None,
    )
    app.state.container = container

    @app.exception_handler(AppError)
    async def app_error(_: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(exc.to_json(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        message = f"{where}: {first.get('msg', 'invalid value')}" if where else "Invalid request."
        return _error(422, "invalid_request", message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
        message = exc.detail if isinstance(exc.detail, str) else "Request failed."
        return _error(exc.status_code, codes.get(exc.status_code, "http_error"), message)

    @app.exception_handler(Exception)
    async def crashed(_: Request, exc: Exception) -> JSONResponse:
        if is_disk_full(exc):  # any write that met a full disk: what to do, not a 500
            log.warning("refused, the disk is full: %s", exc)
            return _error(507, "insufficient_storage", disk_full_reason(MB))
        log.exception("unhandled error")
        return _error(500, "internal_error", "Something went wrong on the server.")

    for module in (
        system,
        packages,
        kbs,
        documents,
        folders,
        events,
        chat,
        sessions,
        llm,
        openai_compat,
        viewer,
    ):
        app.include_router(module.router)
    _mount_ui(app)
    settings = container.settings
    if settings.cors_origins:  # no CORS headers at all unless origins are configured
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(
        EdgeGuard,
        token=container.token,
        bound_host=settings.host,
        upload_limit=settings.max_upload_mb << 20,
        cors_origins=settings.cors_origins,
        data_dir=container.paths.root,
    )
    return app


def _mount_ui(app: FastAPI) -> None:
    dist = web_dist()
    index = dist / "index.html"
    if (dist / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")

    @app.get("/", include_in_schema=False)
    async def home() -> Response:
        if index.is_file():
            return FileResponse(index, headers={"cache-control": "no-cache"})
        return HTMLResponse(PLACEHOLDER)

    @app.get("/{name:path}", include_in_schema=False)
    async def static_file(name: str) -> Response:
        # Not the UI: /docs and /openapi.json exist only in dev mode, as routes of their own.
        if name.startswith(("api/", "v1/")) or name in ("docs", "redoc", "openapi.json"):
            return _error(404, "not_found", "No such endpoint.")
        candidate = (dist / name).resolve()
        if candidate.is_file() and dist.resolve() in candidate.parents:
            return FileResponse(candidate)
        if index.is_file() and "." not in name.rsplit("/", 1)[-1]:
            return FileResponse(index, headers={"cache-control": "no-cache"})
        return _error(404, "not_found", "No such file.")
