"""Rows of the store as domain objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class DocumentStatus(str, Enum):
    QUEUED = "queued"
    PARSING = "parsing"
    EMBEDDING = "embedding"
    READY = "ready"
    FAILED = "failed"
    DUPLICATE = "duplicate"

    @property
    def unfinished(self) -> bool:
        return self in (DocumentStatus.QUEUED, DocumentStatus.PARSING, DocumentStatus.EMBEDDING)


@dataclass
class KnowledgeBase:
    id: str
    name: str
    description: str
    embedder: str
    dimension: int
    created_at: str
    document_count: int = 0  # all but the duplicates, whatever their status
    ready_count: int = 0
    failed_count: int = 0
    chunk_count: int = 0
    file_bytes: int = 0  # its stored uploads
    storage_bytes: int = 0  # its uploads and its share of the vectors, on disk


@dataclass
class Document:
    id: str
    kb_id: str
    filename: str
    stored_name: str
    size: int
    sha256: str
    status: DocumentStatus
    progress: float
    error: str | None
    chunk_count: int
    pages: int | None
    created_at: str  # when it was imported
    updated_at: str
    folder_id: str | None = None  # the linked folder it came from
    relative_path: str | None = None  # its path inside that folder
    modified_at: str | None = None  # the file's own last change, when known


@dataclass
class Message:
    id: str
    session_id: str
    role: str
    content: str
    sources: list[dict[str, Any]]
    status: str
    created_at: str


@dataclass
class ChatSession:
    id: str
    title: str
    kb_ids: list[str]
    created_at: str
    updated_at: str
    messages: list[Message] = field(default_factory=list)
