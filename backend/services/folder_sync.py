"""One sync of a linked folder: what is on disk against the documents it brought in.

New files are imported, changed ones (size or time differ, then the bytes' hash) imported
again, deleted ones removed with their vectors and stored copy. A file renamed or moved
with the same bytes keeps its document (nothing embedded again); a rename that also
changed the file is a delete and an add. A file whose document the person removed in the
app stays out until it leaves the folder (a cleared failure: until it changes). A changed
file is replaced without a gap: the new version is imported as a second document of the
same relative path while the old one stays searchable; `settle` removes the old one once
the new one is ready. If the new one fails, the old one stays and the failed row says
why. After a kill, the same rule settles whatever was in flight.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from backend.errors import AppError
from backend.services.folder_scan import FolderFile, scan_folder
from backend.services.ingest import IngestService
from backend.store.documents import DocumentRepository
from backend.store.folders import Folder, FolderRepository
from backend.store.models import Document, DocumentStatus

log = logging.getLogger(__name__)
_SETTLED = (DocumentStatus.READY, DocumentStatus.DUPLICATE)


class FolderSync:
    def __init__(
        self, folders: FolderRepository, documents: DocumentRepository, ingest: IngestService
    ) -> None:
        self.folders, self.documents, self.ingest = folders, documents, ingest
        self.stopping: Callable[[], bool] = lambda: False  # the app is closing: stop between files

    def sync(self, folder: Folder) -> bool:
        """Bring the folder's documents in line with its files; False when it is missing."""
        root = Path(folder.path)
        if not root.is_dir():
            self.folders.set_status(folder.id, "missing")
            return False
        self.folders.set_status(folder.id, "syncing")
        unreadable: list[str] = []
        files = scan_folder(root, unreadable)
        if not root.is_dir():  # gone during the scan (a drive unplugged): keep everything
            self.folders.set_status(folder.id, "missing")
            return False
        current = self._current(folder.id)
        kept_out = self.folders.excluded(folder.id)
        # Under a folder that could not be read, nothing is known to be deleted.
        gone = [r for r in current if r not in files and not r.startswith(tuple(unreadable))]
        arrived = {r: f for r, f in files.items() if r not in current and r not in kept_out}
        for relative in self._moved(folder.id, gone, arrived):
            gone.remove(relative)
        current = self._current(folder.id)  # the moved documents under their new paths
        # Deletes next: a file renamed to a new path must not be taken for a duplicate of
        # the version about to be removed.
        for relative in gone:
            self._remove(folder.kb_id, folder.id, relative)
        self.folders.release(
            folder.id,
            {p for p in kept_out if p not in files and not p.startswith(tuple(unreadable))},
        )
        for relative, file in sorted(files.items()):
            if self.stopping():
                return True  # the next start's catch-up scan goes on from here
            if relative in kept_out:
                if kept_out[relative] in (None, (file.size, file.modified_at)):
                    continue  # removed from the knowledge base by the person: stays out
                self.folders.release(folder.id, {relative})  # a cleared failure, changed since
            doc = current.get(relative)
            if doc is None or self._changed(doc, file):
                self._import(folder, relative, file)
        self.folders.set_status(folder.id, "watching", synced=True)
        self.settle()
        return True

    def settle(self) -> None:
        """One document per file: when a file's newest version is ready (or a duplicate),
        the older ones go; while it is importing or has failed, the newest ready one stays
        beside it. Everything else (versions overtaken by a later change) goes."""
        for folder_id, relative in self.folders.replaced_paths():
            versions = self.documents.in_folder(folder_id, relative)
            newest = versions[-1]
            keep = {newest.id}
            if newest.status not in _SETTLED:
                ready = [d for d in versions[:-1] if d.status in _SETTLED]
                keep.update(d.id for d in ready[-1:])
            for doc in versions:
                if doc.id not in keep:
                    self.ingest.delete_document(doc.kb_id, doc.id)

    def _moved(self, folder_id: str, gone: list[str], arrived: dict[str, FolderFile]) -> list[str]:
        """Follow the files that were renamed or moved (a ready document's bytes under a
        new path); the old paths so followed."""
        moved = []
        for relative in gone:
            versions = self.documents.in_folder(folder_id, relative)
            doc = versions[-1]
            if len(versions) > 1 or doc.status is not DocumentStatus.READY:
                continue  # in the middle of a change: a delete and an add say it plainly
            for new_path, file in list(arrived.items()):
                if file.size == doc.size and _sha256(file.path) == doc.sha256:
                    self.ingest.move_in_folder(doc, new_path, file.modified_at)
                    del arrived[new_path]
                    moved.append(relative)
                    break
        return moved

    def _current(self, folder_id: str) -> dict[str, Document]:
        """The newest document of each relative path."""
        return {d.relative_path or "": d for d in self.documents.in_folder(folder_id)}

    def _changed(self, doc: Document, file: FolderFile) -> bool:
        if doc.status is DocumentStatus.DUPLICATE and not self.documents.find_ready_twin(
            doc.kb_id, doc.sha256
        ):
            return True  # the file it duplicated is gone: it must be searchable itself
        if doc.size == file.size and doc.modified_at == file.modified_at:
            return False
        digest = _sha256(file.path)
        if digest is None:
            return False  # gone or unreadable now: the next scan sees what it became
        same = digest == doc.sha256
        if same:  # touched, or copied back: the same bytes
            self.documents.update(doc.id, size=file.size, modified_at=file.modified_at)
        return not same

    def _import(self, folder: Folder, relative: str, file: FolderFile) -> None:
        origin = {"folder_id": folder.id, "relative_path": relative}
        try:
            self.ingest.import_from_folder(
                folder.kb_id, file.path, {**origin, "modified_at": file.modified_at}
            )
        except (OSError, AppError) as exc:  # gone since the scan, too large, no room
            log.warning("could not import %s from %s: %s", relative, folder.path, exc)

    def _remove(self, kb_id: str, folder_id: str, relative: str) -> None:
        for doc in self.documents.in_folder(folder_id, relative):
            self.ingest.delete_document(kb_id, doc.id)


def _sha256(path: Path) -> str | None:
    """The file's digest; None when it is gone or cannot be read."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            while block := stream.read(1 << 20):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()
