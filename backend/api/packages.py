"""Portable knowledge bases: export one as a `.wowkb` package, import one."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from backend.api.deps import ContainerDep
from backend.api.multipart import receive_files
from backend.schemas import KnowledgeBaseOut
from backend.services.kb_package import KbPackages

router = APIRouter(prefix="/api/kbs")


def _packages(c: ContainerDep) -> KbPackages:
    return c.kb_packages


PackagesDep = Annotated[KbPackages, Depends(_packages)]


@router.get("/{kb_id}/export")
async def export_kb(kb_id: str, packages: PackagesDep) -> StreamingResponse:
    filename, body = await run_in_threadpool(packages.export, kb_id)
    # RFC 6266: an ASCII fallback, and the real (often Chinese) name encoded beside it.
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    return StreamingResponse(
        body, media_type="application/zip", headers={"Content-Disposition": disposition}
    )


@router.post("/import", status_code=201)
async def import_kb(request: Request, packages: PackagesDep) -> KnowledgeBaseOut:
    """A multipart upload with the package in the field `file`; the new knowledge base."""
    upload = await run_in_threadpool(packages.receiver)
    try:
        await receive_files(request, upload, field="file", max_files=1)
        kb = await run_in_threadpool(packages.import_file, upload.path)
    finally:
        await run_in_threadpool(upload.discard)
    return KnowledgeBaseOut.of(kb)
