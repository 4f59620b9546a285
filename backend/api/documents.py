"""Documents of a knowledge base: upload (returns at once), list, get, delete."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from backend.api.deps import IngestDep
from backend.errors import Invalid
from backend.schemas import DocumentOut
from backend.services.ingest import IncomingFile

router = APIRouter(prefix="/api/kbs/{kb_id}/documents")
MAX_FILES = 1000


@router.post("", status_code=202)
async def upload(kb_id: str, request: Request, ingest: IngestDep) -> list[DocumentOut]:
    ingest.kbs.get(kb_id)
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise Invalid(
            "Send the files as multipart/form-data in the field 'files'.", code="invalid_upload"
        )
    async with request.form(max_files=MAX_FILES, max_fields=100) as form:
        files = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
        if not files:
            raise Invalid("No files were sent (the multipart field is 'files').", code="no_files")
        incoming = [IncomingFile(f.filename, f.file) for f in files]
        docs = await run_in_threadpool(ingest.upload, kb_id, incoming)
    return [DocumentOut.of(d) for d in docs]


@router.get("")
async def list_documents(kb_id: str, ingest: IngestDep) -> list[DocumentOut]:
    ingest.kbs.get(kb_id)
    return [DocumentOut.of(d) for d in ingest.documents.in_kb(kb_id)]


@router.get("/{doc_id}")
async def get_document(kb_id: str, doc_id: str, ingest: IngestDep) -> DocumentOut:
    return DocumentOut.of(ingest.get(kb_id, doc_id))


@router.delete("/{doc_id}", status_code=204)
async def delete_document(kb_id: str, doc_id: str, ingest: IngestDep) -> Response:
    ingest.get(kb_id, doc_id)
    await run_in_threadpool(ingest.delete_document, kb_id, doc_id)
    return Response(status_code=204)
