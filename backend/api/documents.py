"""Documents of a knowledge base: upload (returns at once), list, get, delete."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from backend.api.deps import IngestDep
from backend.schemas import DocumentOut
from backend.services.uploads import MultipartUploads

router = APIRouter(prefix="/api/kbs/{kb_id}/documents")
MAX_FILES = 1000


@router.post("", status_code=202)
async def upload(kb_id: str, request: Request, ingest: IngestDep) -> list[DocumentOut]:
    ingest.kbs.get(kb_id)
    # Parsed here, chunk by chunk, straight into the upload store: Starlette's form parser
    # would spool every file to the system temp dir first.
    body = MultipartUploads(
        ingest.uploads, request.headers.get("content-type", ""), max_files=MAX_FILES
    )
    try:
        async for chunk in request.stream():
            if chunk:
                await run_in_threadpool(body.feed, chunk)
        received = body.finish()
    except BaseException:  # too large, malformed, or the client went away: keep nothing
        body.discard()
        raise
    try:
        docs = await run_in_threadpool(ingest.accept, kb_id, received)
    except BaseException:
        body.discard(keep=set(ingest.documents.stored_names(kb_id)))
        raise
    return [DocumentOut.of(d) for d in docs]


@router.get("")
async def list_documents(kb_id: str, ingest: IngestDep) -> list[DocumentOut]:
    return [DocumentOut.of(d) for d in ingest.documents_of(kb_id)]


@router.get("/{doc_id}")
async def get_document(kb_id: str, doc_id: str, ingest: IngestDep) -> DocumentOut:
    return DocumentOut.of(ingest.get(kb_id, doc_id))


@router.delete("/{doc_id}", status_code=204)
async def delete_document(kb_id: str, doc_id: str, ingest: IngestDep) -> Response:
    await run_in_threadpool(ingest.delete_document, kb_id, doc_id)
    return Response(status_code=204)
