"""Documents of a knowledge base: upload (returns at once), list, get, re-index, delete one,
clear the failed or duplicate ones."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from backend.api.deps import IngestDep
from backend.api.multipart import receive_files
from backend.schemas import DocumentOut

router = APIRouter(prefix="/api/kbs/{kb_id}/documents")
MAX_FILES = 1000


@router.post("", status_code=202)
async def upload(
    kb_id: str, request: Request, ingest: IngestDep, modified_at: str | None = None
) -> list[DocumentOut]:
    """`?modified_at=` (ISO 8601): the files' own last change, which a browser knows
    (File.lastModified) and multipart does not carry; the web UI sends one file a request."""
    length = request.headers.get("content-length", "")
    expected = int(length) if length.isdigit() else 0
    batch = await run_in_threadpool(ingest.begin_upload, kb_id, expected, modified_at)
    await receive_files(request, batch, field="files", max_files=MAX_FILES)
    return [DocumentOut.of(d) for d in await run_in_threadpool(batch.commit)]


@router.get("")
async def list_documents(kb_id: str, ingest: IngestDep) -> list[DocumentOut]:
    return [DocumentOut.of(d) for d in ingest.documents_of(kb_id)]


@router.get("/{doc_id}")
async def get_document(kb_id: str, doc_id: str, ingest: IngestDep) -> DocumentOut:
    return DocumentOut.of(ingest.get(kb_id, doc_id))


@router.post("/{doc_id}/reindex", status_code=202)
async def reindex(kb_id: str, doc_id: str, ingest: IngestDep) -> DocumentOut:
    """Import the stored file again; also the Retry of a failed document."""
    return DocumentOut.of(await run_in_threadpool(ingest.reindex, kb_id, doc_id))


@router.delete("/{doc_id}", status_code=204)
async def delete_document(kb_id: str, doc_id: str, ingest: IngestDep) -> Response:
    await run_in_threadpool(partial(ingest.delete_document, kb_id, doc_id, keep_out=True))
    return Response(status_code=204)


@router.delete("", status_code=204)
async def clear_documents(kb_id: str, ingest: IngestDep, status: str | None = None) -> Response:
    """`?status=failed` or `?status=duplicate`: those rows go, with their stored files."""
    await run_in_threadpool(ingest.clear, kb_id, status)
    return Response(status_code=204)
