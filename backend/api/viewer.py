"""Opening a source: a document's stored original and its text by page (shared/API.md)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from backend.api.deps import ContainerDep
from backend.services.viewer import ViewerService, opened_dir

router = APIRouter(prefix="/api/kbs/{kb_id}/documents/{doc_id}")


def _viewer(request: Request, container: ContainerDep) -> ViewerService:
    # Built once per app from the container's parts; it keeps a few parsed texts.
    viewer: ViewerService | None = getattr(request.app.state, "viewer", None)
    if viewer is None:
        viewer = ViewerService(
            container.doc_repo,
            container.paths.uploads,
            opened_dir(container.paths),
            container.reader.read,
        )
        request.app.state.viewer = viewer
    return viewer


ViewerDep = Annotated[ViewerService, Depends(_viewer)]


@router.get("/file")
async def original_file(kb_id: str, doc_id: str, viewer: ViewerDep) -> FileResponse:
    original = viewer.original(kb_id, doc_id)
    # RFC 6266: an ASCII fallback and the real (UTF-8) name; no quote or newline survives.
    fallback = original.filename.encode("ascii", "replace").decode().replace('"', "_")
    disposition = f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(original.filename)}"
    # Active types (HTML, SVG, scripts) come as text/plain, and nosniff keeps them text.
    headers = {"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"}
    return FileResponse(original.path, media_type=original.media_type, headers=headers)


@router.get("/text")
async def document_text(kb_id: str, doc_id: str, viewer: ViewerDep) -> dict[str, Any]:
    return await run_in_threadpool(viewer.text, kb_id, doc_id)
