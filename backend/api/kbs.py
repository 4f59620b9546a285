"""Knowledge bases."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field, field_validator

from backend.api.deps import ContainerDep, IngestDep
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
async def list_kbs(c: ContainerDep) -> list[KnowledgeBaseOut]:
    return [KnowledgeBaseOut.of(kb) for kb in c.kb_repo.all()]


@router.post("", status_code=201)
async def create_kb(body: KnowledgeBaseCreate, c: ContainerDep) -> KnowledgeBaseOut:
    kb = c.kb_repo.create(body.name, body.description, c.embedder.name, c.embedder.dimension)
    return KnowledgeBaseOut.of(kb)


@router.get("/{kb_id}")
async def get_kb(kb_id: str, c: ContainerDep) -> KnowledgeBaseOut:
    return KnowledgeBaseOut.of(c.kb_repo.get(kb_id))


@router.patch("/{kb_id}")
async def update_kb(kb_id: str, body: KnowledgeBaseUpdate, c: ContainerDep) -> KnowledgeBaseOut:
    return KnowledgeBaseOut.of(c.kb_repo.update(kb_id, body.name, body.description))


@router.delete("/{kb_id}", status_code=204)
async def delete_kb(kb_id: str, ingest: IngestDep, c: ContainerDep) -> Response:
    ingest.delete_kb(kb_id)
    c.session_repo.remove_kb(kb_id)
    return Response(status_code=204)
