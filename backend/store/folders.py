"""Linked folders in SQLite: which folder on this machine feeds which knowledge base, and
what its last sync found. The documents it brought carry its id (`documents.folder_id`)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from backend.errors import Conflict, NotFound
from backend.store.clock import new_id, now_iso
from backend.store.db import Database

_SELECT = """
SELECT f.*,
  (SELECT COUNT(DISTINCT d.relative_path) FROM documents d WHERE d.folder_id = f.id)
    AS document_count,
  (SELECT COUNT(*) FROM documents d WHERE d.folder_id = f.id
    AND d.status IN ('queued', 'parsing', 'embedding')) AS importing
FROM folders f
"""


@dataclass
class Folder:
    id: str
    kb_id: str
    path: str
    status: str  # syncing | watching | missing, as the last sync left it
    last_synced_at: str | None
    created_at: str
    document_count: int = 0  # distinct files: a replacement in flight is one file
    importing: int = 0  # its documents still queued, parsing or embedding


class FolderRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, kb_id: str, path: str) -> Folder:
        folder_id = new_id()
        try:
            self.db.execute(
                "INSERT INTO folders (id, kb_id, path, status, created_at)"
                " VALUES (?, ?, ?, 'syncing', ?)",
                (folder_id, kb_id, path, now_iso()),
            )
        except sqlite3.IntegrityError as exc:
            raise Conflict(
                f"The folder {path!r} is already linked to this knowledge base.",
                code="folder_already_linked",
            ) from exc
        return self.get(folder_id)

    def get(self, folder_id: str, kb_id: str | None = None) -> Folder:
        folder = self.find(folder_id)
        if folder is None or (kb_id is not None and folder.kb_id != kb_id):
            raise NotFound(f"Linked folder {folder_id!r} does not exist.", code="folder_not_found")
        return folder

    def find(self, folder_id: str) -> Folder | None:
        row = self.db.one(_SELECT + " WHERE f.id = ?", (folder_id,))
        return None if row is None else Folder(**dict(row))

    def in_kb(self, kb_id: str) -> list[Folder]:
        rows = self.db.query(_SELECT + " WHERE f.kb_id = ? ORDER BY f.created_at", (kb_id,))
        return [Folder(**dict(r)) for r in rows]

    def all(self) -> list[Folder]:
        return [Folder(**dict(r)) for r in self.db.query(_SELECT + " ORDER BY f.created_at")]

    def set_status(self, folder_id: str, status: str, synced: bool = False) -> None:
        if synced:
            self.db.execute(
                "UPDATE folders SET status = ?, last_synced_at = ? WHERE id = ?",
                (status, now_iso(), folder_id),
            )
        else:
            self.db.execute("UPDATE folders SET status = ? WHERE id = ?", (status, folder_id))

    def delete(self, folder_id: str) -> None:
        """Its documents stay, unlinked (`folder_id` NULL by the schema's foreign key)."""
        self.db.execute("DELETE FROM folders WHERE id = ?", (folder_id,))

    def excluded(self, folder_id: str) -> dict[str, tuple[int, str] | None]:
        """The relative paths whose documents the person removed, not imported again: each
        with the (size, modified_at) it is out for, or None while it is in the folder."""
        rows = self.db.query(
            "SELECT relative_path, size, modified_at FROM folder_exclusions WHERE folder_id = ?",
            (folder_id,),
        )
        return {r[0]: None if r[1] is None else (int(r[1]), str(r[2])) for r in rows}

    def release(self, folder_id: str, relative_paths: set[str]) -> None:
        """These files left the folder: one that comes back under the same path is new."""
        if not relative_paths:
            return
        with self.db.transaction():
            for relative in relative_paths:
                self.db.execute(
                    "DELETE FROM folder_exclusions WHERE folder_id = ? AND relative_path = ?",
                    (folder_id, relative),
                )

    def replaced_paths(self) -> list[tuple[str, str]]:
        """(folder id, relative path) of the files that have more than one document: a
        changed file whose new version is being imported, or just was."""
        rows = self.db.query(
            "SELECT folder_id, relative_path FROM documents WHERE folder_id IS NOT NULL"
            " GROUP BY folder_id, relative_path HAVING COUNT(*) > 1"
        )
        return [(r[0], r[1]) for r in rows]
