"""Knowledge bases in SQLite."""

from __future__ import annotations

import sqlite3

from backend.errors import Conflict, NotFound
from backend.store.clock import new_id, now_iso
from backend.store.db import Database
from backend.store.models import KnowledgeBase

_SELECT = """
SELECT k.*,
  (SELECT COUNT(*) FROM documents d WHERE d.kb_id = k.id AND d.status != 'duplicate')
    AS document_count,
  (SELECT COUNT(*) FROM documents d WHERE d.kb_id = k.id AND d.status = 'ready')
    AS ready_count,
  (SELECT COUNT(*) FROM documents d WHERE d.kb_id = k.id AND d.status = 'failed')
    AS failed_count,
  (SELECT COALESCE(SUM(chunk_count), 0) FROM documents d
    WHERE d.kb_id = k.id AND d.status = 'ready') AS chunk_count,
  (SELECT COALESCE(SUM(size), 0) FROM documents d
    WHERE d.kb_id = k.id AND d.status != 'duplicate') AS file_bytes
FROM knowledge_bases k
"""


def _row(row: sqlite3.Row) -> KnowledgeBase:
    return KnowledgeBase(**dict(row))


class KnowledgeBaseRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def all(self) -> list[KnowledgeBase]:
        return [_row(r) for r in self.db.query(_SELECT + " ORDER BY k.created_at")]

    def get(self, kb_id: str) -> KnowledgeBase:
        row = self.db.one(_SELECT + " WHERE k.id = ?", (kb_id,))
        if row is None:
            raise NotFound(f"Knowledge base {kb_id!r} does not exist.", code="kb_not_found")
        return _row(row)

    def exists(self, kb_id: str) -> bool:
        return self.db.one("SELECT 1 FROM knowledge_bases WHERE id = ?", (kb_id,)) is not None

    def create(self, name: str, description: str, embedder: str, dimension: int) -> KnowledgeBase:
        kb_id = new_id()
        try:
            self.db.execute(
                "INSERT INTO knowledge_bases (id, name, description, embedder, dimension,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (kb_id, name, description, embedder, dimension, now_iso()),
            )
        except sqlite3.IntegrityError as exc:
            raise Conflict(
                f"A knowledge base named {name!r} already exists.", code="kb_name_taken"
            ) from exc
        return self.get(kb_id)

    def update(self, kb_id: str, name: str | None, description: str | None) -> KnowledgeBase:
        self.get(kb_id)
        try:
            if name is not None:
                self.db.execute("UPDATE knowledge_bases SET name = ? WHERE id = ?", (name, kb_id))
        except sqlite3.IntegrityError as exc:
            raise Conflict(
                f"A knowledge base named {name!r} already exists.", code="kb_name_taken"
            ) from exc
        if description is not None:
            self.db.execute(
                "UPDATE knowledge_bases SET description = ? WHERE id = ?", (description, kb_id)
            )
        return self.get(kb_id)

    def set_embedder(self, kb_id: str, embedder: str, dimension: int) -> None:
        """The embedder a re-indexed knowledge base is indexed with from now on."""
        self.db.execute(
            "UPDATE knowledge_bases SET embedder = ?, dimension = ? WHERE id = ?",
            (embedder, dimension, kb_id),
        )

    def delete(self, kb_id: str) -> None:
        self.db.execute("DELETE FROM knowledge_bases WHERE id = ?", (kb_id,))
