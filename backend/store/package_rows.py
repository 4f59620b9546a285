"""An imported knowledge base's rows, written in one transaction: the knowledge base and
all its documents appear together, or (on any failure, a kill included) not at all."""

from __future__ import annotations

from dataclasses import dataclass

from backend.store.clock import now_iso
from backend.store.db import Database


@dataclass(frozen=True)
class DocumentRow:
    id: str
    filename: str
    stored_name: str
    size: int
    sha256: str
    status: str
    error: str | None
    chunk_count: int
    pages: int | None
    modified_at: str | None
    relative_path: str | None


def taken_names(db: Database) -> set[str]:
    return {r[0] for r in db.query("SELECT name FROM knowledge_bases")}


def insert_knowledge_base(
    db: Database,
    kb_id: str,
    name: str,
    description: str,
    embedder: str,
    dimension: int,
    documents: list[DocumentRow],
) -> None:
    now = now_iso()
    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO knowledge_bases (id, name, description, embedder, dimension,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (kb_id, name, description, embedder, dimension, now),
        )
        conn.executemany(
            "INSERT INTO documents (id, kb_id, filename, stored_name, size, sha256, status,"
            " progress, error, chunk_count, pages, created_at, updated_at, modified_at,"
            " relative_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    d.id,
                    kb_id,
                    d.filename,
                    d.stored_name,
                    d.size,
                    d.sha256,
                    d.status,
                    0.0 if d.status == "queued" else 1.0,
                    d.error,
                    d.chunk_count,
                    d.pages,
                    now,
                    now,
                    d.modified_at,
                    d.relative_path,
                )
                for d in documents
            ],
        )
