"""Knowledge bases: create with the embedder they are indexed with, rename, re-index, delete
with everything that belongs to them (documents, vectors, files, session scopes); the
space each takes on disk."""

from __future__ import annotations

import logging
from pathlib import Path

from backend.errors import AppError
from backend.rag.embedder import Embedder
from backend.services.disk import DiskSpace
from backend.services.ingest import IngestService
from backend.store.knowledge_bases import KnowledgeBaseRepository
from backend.store.models import KnowledgeBase
from backend.store.sessions import SessionRepository

log = logging.getLogger(__name__)


class KnowledgeBaseService:
    def __init__(
        self,
        repo: KnowledgeBaseRepository,
        ingest: IngestService,
        sessions: SessionRepository,
        embedder: Embedder,
        vectors_folder: Path,
    ) -> None:
        self.repo, self.ingest, self.sessions, self.embedder = repo, ingest, sessions, embedder
        self.vectors_folder = vectors_folder

    def all(self) -> list[KnowledgeBase]:
        return self._with_storage(self.repo.all())

    def get(self, kb_id: str) -> KnowledgeBase:
        return self._with_storage([self.repo.get(kb_id)])[0]

    def create(self, name: str, description: str) -> KnowledgeBase:
        kb = self.repo.create(name, description, self.embedder.name, self.embedder.dimension)
        return self._with_storage([kb])[0]

    def update(self, kb_id: str, name: str | None, description: str | None) -> KnowledgeBase:
        self.repo.update(kb_id, name, description)
        return self.get(kb_id)

    def reindex(self, kb_id: str) -> KnowledgeBase:
        """Queue its documents again, to be indexed with the embedder the app runs now."""
        self.ingest.reindex_kb(kb_id)
        self.repo.set_embedder(kb_id, self.embedder.name, self.embedder.dimension)
        return self.get(kb_id)

    def reindex_outdated(self) -> list[str]:
        """At start: the knowledge bases indexed with another embedder than the app's are
        re-indexed (their vectors would not compare with its queries); their ids. The
        second, passage embedder needs none of this: its own pass fills what lacks it."""
        outdated = [kb.id for kb in self.repo.all() if kb.embedder != self.embedder.name]
        for kb_id in outdated:
            try:
                self.reindex(kb_id)
            except AppError as exc:  # no room now: the next start asks again
                log.warning("knowledge base %s not re-indexed: %s", kb_id, exc.message)
                return []
        return outdated

    def _with_storage(self, kbs: list[KnowledgeBase]) -> list[KnowledgeBase]:
        """Its files, and its share of the one vector folder by its count of chunks."""
        chunks = sum(kb.chunk_count for kb in self.repo.all()) if kbs else 0
        vectors = DiskSpace.used_by(self.vectors_folder) if chunks else 0
        for kb in kbs:
            kb.storage_bytes = kb.file_bytes + (vectors * kb.chunk_count // chunks if chunks else 0)
        return kbs

    def delete(self, kb_id: str) -> None:
        self.ingest.delete_kb(kb_id)
        self.sessions.remove_kb(kb_id)
