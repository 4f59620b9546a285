"""The public shapes of the HTTP contract (API.md). Never a table row straight out."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from backend.store.models import ChatSession, Document, KnowledgeBase, Message


class KnowledgeBaseOut(BaseModel):
    id: str
    name: str
    description: str
    created_at: str
    document_count: int  # every document but the duplicates
    ready_count: int
    failed_count: int
    chunk_count: int
    storage_bytes: int

    @classmethod
    def of(cls, kb: KnowledgeBase) -> KnowledgeBaseOut:
        return cls(
            id=kb.id,
            name=kb.name,
            description=kb.description,
            created_at=kb.created_at,
            document_count=kb.document_count,
            ready_count=kb.ready_count,
            failed_count=kb.failed_count,
            chunk_count=kb.chunk_count,
            storage_bytes=kb.storage_bytes,
        )


class DocumentOut(BaseModel):
    id: str
    kb_id: str
    filename: str
    size: int
    sha256: str
    status: Literal["queued", "parsing", "embedding", "ready", "failed", "duplicate"]
    progress: float
    error: str | None
    chunk_count: int
    pages: int | None
    created_at: str
    imported_at: str
    modified_at: str | None
    folder_id: str | None
    relative_path: str | None

    @classmethod
    def of(cls, doc: Document) -> DocumentOut:
        return cls(
            id=doc.id,
            kb_id=doc.kb_id,
            filename=doc.filename,
            size=doc.size,
            sha256=doc.sha256,
            status=doc.status.value,
            progress=round(doc.progress, 3),
            error=doc.error,
            chunk_count=doc.chunk_count,
            pages=doc.pages,
            created_at=doc.created_at,
            imported_at=doc.created_at,
            modified_at=doc.modified_at,
            folder_id=doc.folder_id,
            relative_path=doc.relative_path,
        )


class SourceOut(BaseModel):
    index: int
    kb_id: str
    doc_id: str
    filename: str
    page: int | None
    heading: str | None = None
    modified_at: str | None = None
    text: str
    score: float


class MessageOut(BaseModel):
    id: str
    role: str
    content: str
    sources: list[dict[str, Any]]
    status: str
    created_at: str

    @classmethod
    def of(cls, message: Message) -> MessageOut:
        return cls(
            id=message.id,
            role=message.role,
            content=message.content,
            sources=message.sources,
            status=message.status,
            created_at=message.created_at,
        )


class SessionOut(BaseModel):
    id: str
    title: str
    kb_ids: list[str]
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, session: ChatSession) -> SessionOut:
        return cls(
            id=session.id,
            title=session.title,
            kb_ids=session.kb_ids,
            created_at=session.created_at,
            updated_at=session.updated_at,
        )


class SessionDetailOut(SessionOut):
    messages: list[MessageOut] = Field(default_factory=list)

    @classmethod
    def of(cls, session: ChatSession) -> SessionDetailOut:
        base = SessionOut.of(session).model_dump()
        return cls(**base, messages=[MessageOut.of(m) for m in session.messages])
