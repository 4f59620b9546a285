"""Documents in SQLite: their import status and progress."""

from __future__ import annotations

import sqlite3
from typing import Any

from backend.errors import NotFound
from backend.store.clock import new_id, now_iso
from backend.store.db import Database
from backend.store.models import Document, DocumentStatus


def _row(row: sqlite3.Row) -> Document:
    data = dict(row)
    data["status"] = DocumentStatus(data["status"])
    return Document(**data)


class DocumentRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def in_kb(self, kb_id: str) -> list[Document]:
        rows = self.db.query(
            "SELECT * FROM documents WHERE kb_id = ? ORDER BY created_at, rowid", (kb_id,)
        )
        return [_row(r) for r in rows]

    def get(self, doc_id: str, kb_id: str | None = None) -> Document:
        row = self.db.one("SELECT * FROM documents WHERE id = ?", (doc_id,))
        if row is None or (kb_id is not None and row["kb_id"] != kb_id):
            raise NotFound(f"Document {doc_id!r} does not exist.", code="document_not_found")
        return _row(row)

    def find(self, doc_id: str) -> Document | None:
        row = self.db.one("SELECT * FROM documents WHERE id = ?", (doc_id,))
        return None if row is None else _row(row)

    def find_ready_twin(self, kb_id: str, sha256: str) -> Document | None:
        """An earlier document of the KB with the same bytes that is not failed."""
        row = self.db.one(
            "SELECT * FROM documents WHERE kb_id = ? AND sha256 = ?"
            " AND status NOT IN ('failed', 'duplicate') ORDER BY created_at LIMIT 1",
            (kb_id, sha256),
        )
        return None if row is None else _row(row)

    def create(
        self,
        kb_id: str,
        filename: str,
        stored_name: str,
        size: int,
        sha256: str,
        status: DocumentStatus,
        origin: dict[str, str] | None = None,
    ) -> Document:
        """A new row; `origin` (`folder_id`, `relative_path`, `modified_at`) is written in
        the same transaction: a kill between two writes would leave a row a linked
        folder's next scan could not recognise as its own."""
        doc_id, now = new_id(), now_iso()
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO documents (id, kb_id, filename, stored_name, size, sha256, status,"
                " progress, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    doc_id,
                    kb_id,
                    filename,
                    stored_name,
                    size,
                    sha256,
                    status.value,
                    1.0 if status is DocumentStatus.DUPLICATE else 0.0,
                    now,
                    now,
                ),
            )
            if origin:
                self.update(doc_id, **origin)
        return self.get(doc_id)

    def update(self, doc_id: str, **fields: Any) -> Document | None:
        if "status" in fields and isinstance(fields["status"], DocumentStatus):
            fields["status"] = fields["status"].value
        fields["updated_at"] = now_iso()
        assignments = ", ".join(f"{name} = ?" for name in fields)
        self.db.execute(
            f"UPDATE documents SET {assignments} WHERE id = ?", (*fields.values(), doc_id)
        )
        return self.find(doc_id)

    def unfinished(self) -> list[Document]:
        rows = self.db.query(
            "SELECT * FROM documents WHERE status IN ('queued', 'parsing', 'embedding')"
            " ORDER BY created_at, rowid"
        )
        return [_row(r) for r in rows]

    def with_status(self, status: DocumentStatus) -> list[Document]:
        rows = self.db.query(
            "SELECT * FROM documents WHERE status = ? ORDER BY created_at, rowid", (status.value,)
        )
        return [_row(r) for r in rows]

    def ids_by_status(self, *statuses: DocumentStatus) -> set[str]:
        marks = ", ".join("?" for _ in statuses)
        rows = self.db.query(
            f"SELECT id FROM documents WHERE status IN ({marks})", [s.value for s in statuses]
        )
        return {r[0] for r in rows}

    def stored_names(self, kb_id: str) -> list[str]:
        return [
            r[0]
            for r in self.db.query("SELECT stored_name FROM documents WHERE kb_id = ?", (kb_id,))
        ]

    def all_stored_names(self) -> set[str]:
        return {r[0] for r in self.db.query("SELECT stored_name FROM documents")}

    def delete(self, doc_id: str, keep_out: bool = False, until_changed: bool = False) -> None:
        """`keep_out`: the person removed it, so a file of a linked folder stays out of the
        folder's syncs until it leaves the folder (`until_changed`: or until the file
        changes); in the same transaction as the delete."""
        with self.db.transaction():
            if keep_out:
                self.db.execute(
                    "INSERT OR REPLACE INTO folder_exclusions"
                    " (folder_id, relative_path, size, modified_at, created_at)"
                    " SELECT folder_id, relative_path, CASE WHEN ? THEN size END,"
                    " CASE WHEN ? THEN modified_at END, ? FROM documents"
                    " WHERE id = ? AND folder_id IS NOT NULL AND relative_path IS NOT NULL",
                    (until_changed, until_changed, now_iso(), doc_id),
                )
            self.db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))

    # -- lifecycle: re-index, clear, the dates a cited source carries -----------------------------
    def in_kb_with_status(self, kb_id: str, *statuses: DocumentStatus) -> list[Document]:
        marks = ", ".join("?" for _ in statuses)
        rows = self.db.query(
            f"SELECT * FROM documents WHERE kb_id = ? AND status IN ({marks})"
            " ORDER BY created_at, rowid",
            (kb_id, *(s.value for s in statuses)),
        )
        return [_row(r) for r in rows]

    def mark_queued(self, kb_id: str, doc_ids: list[str]) -> list[Document]:
        """These documents of the KB queued for a new import, in one write; them, queued."""
        wanted = set(doc_ids)
        now = now_iso()
        with self.db.transaction() as conn:
            conn.executemany(
                "UPDATE documents SET status = 'queued', progress = 0, error = NULL,"
                " updated_at = ? WHERE id = ?",
                [(now, doc_id) for doc_id in doc_ids],
            )
        queued = self.in_kb_with_status(kb_id, DocumentStatus.QUEUED)
        return [d for d in queued if d.id in wanted]

    def dates(self, doc_ids: list[str]) -> dict[str, str]:
        """Each document's file date: its own last change when known, else its import."""
        if not doc_ids:
            return {}
        marks = ", ".join("?" for _ in doc_ids)
        rows = self.db.query(
            f"SELECT id, COALESCE(modified_at, created_at) FROM documents WHERE id IN ({marks})",
            doc_ids,
        )
        return {r[0]: r[1] for r in rows}

    # -- linked folders ------------------------------------------------------------------------
    def in_folder(self, folder_id: str, relative_path: str | None = None) -> list[Document]:
        """Oldest first; a file being replaced has two: the old version, then the new."""
        sql, params = "SELECT * FROM documents WHERE folder_id = ?", [folder_id]
        if relative_path is not None:
            sql, params = sql + " AND relative_path = ?", [*params, relative_path]
        return [_row(r) for r in self.db.query(sql + " ORDER BY created_at, rowid", params)]
