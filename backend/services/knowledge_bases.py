"""Knowledge bases: create with the embedder they are indexed with, rename, and delete
with everything that belongs to them (documents, vectors, files, session scopes)."""

from __future__ import annotations

from backend.rag.embedder import Embedder
from backend.services.ingest import IngestService
from backend.store.knowledge_bases import KnowledgeBaseRepository
from backend.store.models import KnowledgeBase
from backend.store.sessions import SessionRepository


class KnowledgeBaseService:
    def __init__(
        self,
        repo: KnowledgeBaseRepository,
        ingest: IngestService,
        sessions: SessionRepository,
        embedder: Embedder,
    ) -> None:
        self.repo, self.ingest, self.sessions, self.embedder = repo, ingest, sessions, embedder

    def all(self) -> list[KnowledgeBase]:
        return self.repo.all()

    def get(self, kb_id: str) -> KnowledgeBase:
        return self.repo.get(kb_id)

    def create(self, name: str, description: str) -> KnowledgeBase:
        return self.repo.create(name, description, self.embedder.name, self.embedder.dimension)

    def update(self, kb_id: str, name: str | None, description: str | None) -> KnowledgeBase:
        return self.repo.update(kb_id, name, description)

    def delete(self, kb_id: str) -> None:
        self.ingest.delete_kb(kb_id)
        self.sessions.remove_kb(kb_id)
