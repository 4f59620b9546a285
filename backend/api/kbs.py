"""Knowledge bases."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field, field_validator
from starlette.concurrency import run_in_threadpool

from backend.api.deps import KnowledgeBasesDep
from backend.schemas import KnowledgeBaseOut

router = APIRouter(prefix="/api/kbs")


def _clean(name: str | None) -> str | None:
    return None if name is None else " ".join(name.split())


class KnowledgeBaseCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)

    _name = field_validator("name")(lambda v: _require(_clean(v)))


class KnowledgeBaseUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=2000)

    _name = field_validator("name")(lambda v: None if v is None else _require(_clean(v)))


def _require(name: str | None) -> str:
    if not name:
        raise ValueError("the name must not be blank")
    return name


@router.get("")
async def list_kbs(kbs: KnowledgeBasesDep) -> list[KnowledgeBaseOut]:
    return [KnowledgeBaseOut.of(kb) for kb in kbs.all()]


@router.post("", status_code=201)
async def create_kb(body: KnowledgeBaseCreate, kbs: KnowledgeBasesDep) -> KnowledgeBaseOut:
    return KnowledgeBaseOut.of(kbs.create(body.name, body.description))


@router.get("/{kb_id}")
async def get_kb(kb_id: str, kbs: KnowledgeBasesDep) -> KnowledgeBaseOut:
    return KnowledgeBaseOut.of(kbs.get(kb_id))


@router.patch("/{kb_id}")
async def update_kb(
    kb_id: str, body: KnowledgeBaseUpdate, kbs: KnowledgeBasesDep
) -> KnowledgeBaseOut:
    return KnowledgeBaseOut.of(kbs.update(kb_id, body.name, body.description))


@router.post("/{kb_id}/reindex", status_code=202)
async def reindex_kb(kb_id: str, kbs: KnowledgeBasesDep) -> KnowledgeBaseOut:
    """Every ready and failed document queued again (also after the embedder changed)."""
    return KnowledgeBaseOut.of(await run_in_threadpool(kbs.reindex, kb_id))


@router.delete("/{kb_id}", status_code=204)
async def delete_kb(kb_id: str, kbs: KnowledgeBasesDep) -> Response:
    await run_in_threadpool(kbs.delete, kb_id)
    return Response(status_code=204)
