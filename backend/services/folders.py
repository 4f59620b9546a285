"""Linked folders: link a folder on this machine to a knowledge base, keep it in sync
while the app runs (a watch, debounced, with polling behind it) and catch up at start
with what changed while the app was closed; unlink, keeping or removing its documents.

One worker thread runs every sync, so two never race over the same files; the API only
records what it wants and wakes the worker.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from pathlib import Path

from backend.errors import AppError, NotFound
from backend.services.folder_sync import FolderSync
from backend.services.folder_watch import FolderWatcher
from backend.services.ingest import IngestService
from backend.store.documents import DocumentRepository
from backend.store.folders import Folder, FolderRepository
from backend.store.knowledge_bases import KnowledgeBaseRepository

log = logging.getLogger(__name__)
DEBOUNCE_S = 1.5  # quiet after the last change before a folder is scanned
TICK_S = 0.5
UNWATCHED_POLL_S = 10.0  # a folder without a watch (missing, or watching failed)
SAFETY_POLL_S = 60.0  # every folder, in case a watch missed something
MAX_WAIT_S = 10.0


class FolderService:
    def __init__(
        self,
        folders: FolderRepository,
        documents: DocumentRepository,
        kbs: KnowledgeBaseRepository,
        ingest: IngestService,
    ) -> None:
        self.folders, self.kbs = folders, kbs
        self.syncer = FolderSync(folders, documents, ingest)
        self.watcher = FolderWatcher(self._changed)
        self.debounce_s, self.unwatched_poll_s = DEBOUNCE_S, UNWATCHED_POLL_S
        self.safety_poll_s = SAFETY_POLL_S
        self._lock = threading.Lock()  # one sync or unlink at a time
        self._due: dict[str, tuple[float, float]] = {}  # folder id -> (sync at, first asked)
        self._due_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self.syncer.stopping = self._stopping.is_set
        self._thread: threading.Thread | None = None
        self._polled_at: dict[str, float] = {}

    # -- requests ------------------------------------------------------------------------------
    def link(self, kb_id: str, path: str) -> Folder:
        self.kbs.get(kb_id)
        folder = self.folders.create(kb_id, str(_folder_path(path)))
        self._schedule(folder.id, 0.0)
        return folder

    def of_kb(self, kb_id: str) -> list[Folder]:
        self.kbs.get(kb_id)
        return self.folders.in_kb(kb_id)

    def unlink(self, kb_id: str, folder_id: str, keep_documents: bool) -> None:
        folder = self.folders.get(folder_id, kb_id)
        with self._lock:
            self.watcher.unwatch(folder.id)
            if not keep_documents:
                for doc in self.syncer.documents.in_folder(folder.id):
                    with contextlib.suppress(NotFound):
                        self.syncer.ingest.delete_document(kb_id, doc.id)
            self.folders.delete(folder.id)

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        """Watch every folder and sync each once: what changed while the app was closed."""
        self.watcher.start()
        for folder in self.folders.all():
            self._schedule(folder.id, 0.0)
        self._thread = threading.Thread(target=self._run, name="folder-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(30)
        self.watcher.stop()

    # -- the worker ----------------------------------------------------------------------------
    def _changed(self, folder_id: str) -> None:
        self._schedule(folder_id, self.debounce_s)  # each change pushes the sync back

    def _schedule(self, folder_id: str, delay: float) -> None:
        """Sync after `delay`; a later change pushes it back, but never past MAX_WAIT_S
        after the first (a file written to for minutes still gets synced)."""
        now = time.monotonic()
        with self._due_lock:
            _, first = self._due.get(folder_id, (now, now))
            self._due[folder_id] = (min(now + delay, first + MAX_WAIT_S), first)
        if not delay:
            self._wake.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(TICK_S)
            self._wake.clear()
            try:
                for folder_id in self._take_due():
                    if self._stopping.is_set():
                        return
                    self._sync(folder_id)
                with self._lock:
                    self.syncer.settle()
            except Exception:  # one bad sync must never stop the others
                log.exception("folder sync failed")

    def _take_due(self) -> list[str]:
        now = time.monotonic()
        for folder in self.folders.all():
            every = (
                self.safety_poll_s if self.watcher.watching(folder.id) else self.unwatched_poll_s
            )
            # A watched folder moved away or deleted sends no event on every platform:
            # a look at it each tick is one stat.
            moved = self.watcher.watching(folder.id) and not Path(folder.path).is_dir()
            if moved or now - self._polled_at.get(folder.id, now) >= every:
                self._schedule(folder.id, 0.0)
        now = time.monotonic()
        with self._due_lock:
            due = [f for f, (at, _) in self._due.items() if at <= now]
            for folder_id in due:
                del self._due[folder_id]
        return due

    def _sync(self, folder_id: str) -> None:
        with self._lock:
            self._polled_at[folder_id] = time.monotonic()
            folder = self.folders.find(folder_id)
            if folder is None:  # unlinked, or its knowledge base deleted
                self.watcher.unwatch(folder_id)
                self._polled_at.pop(folder_id, None)
                return
            # Watch before scanning, so that a change made during the scan is not missed.
            if Path(folder.path).is_dir():
                self.watcher.watch(folder.id, folder.path)
            if not self.syncer.sync(folder):
                self.watcher.unwatch(folder.id)


def _folder_path(raw: str) -> Path:
    path = Path(raw).expanduser()
    if not raw.strip() or not path.is_absolute() or not path.is_dir():
        raise AppError(
            f"{raw!r} is not a folder on this machine: give its full path.", code="not_a_folder"
        )
    return path.resolve()
