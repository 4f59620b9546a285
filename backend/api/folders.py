"""Linked folders of a knowledge base: link (imports it, then keeps it in sync), list,
unlink (keeping or removing its documents)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from backend.api.deps import ContainerDep
from backend.services.folders import FolderService
from backend.store.folders import Folder

router = APIRouter(prefix="/api/kbs/{kb_id}/folders")


def _folders(c: ContainerDep) -> FolderService:
    return c.folders


FoldersDep = Annotated[FolderService, Depends(_folders)]


class FolderLink(BaseModel):
    path: str = Field(min_length=1, max_length=4096)


class FolderOut(BaseModel):
    id: str
    kb_id: str
    path: str
    status: Literal["syncing", "watching", "missing"]
    last_synced_at: str | None
    document_count: int

    @classmethod
    def of(cls, folder: Folder) -> FolderOut:
        # Watching, but files of it still importing: to a person it is still syncing.
        status = "syncing" if folder.status == "watching" and folder.importing else folder.status
        return cls(
            id=folder.id,
            kb_id=folder.kb_id,
            path=folder.path,
            status=status,  # type: ignore[arg-type]
            last_synced_at=folder.last_synced_at,
            document_count=folder.document_count,
        )


@router.post("", status_code=201)
async def link_folder(kb_id: str, body: FolderLink, folders: FoldersDep) -> FolderOut:
    return FolderOut.of(await run_in_threadpool(folders.link, kb_id, body.path))


@router.get("")
async def list_folders(kb_id: str, folders: FoldersDep) -> list[FolderOut]:
    return [FolderOut.of(f) for f in await run_in_threadpool(folders.of_kb, kb_id)]


@router.delete("/{folder_id}", status_code=204)
async def unlink_folder(
    kb_id: str, folder_id: str, folders: FoldersDep, keep_documents: bool = False
) -> Response:
    await run_in_threadpool(folders.unlink, kb_id, folder_id, keep_documents)
    return Response(status_code=204)
