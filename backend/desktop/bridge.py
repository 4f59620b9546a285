"""The JavaScript API of the desktop window: ``window.pywebview.api.<method>(...)``.

pywebview exposes every public method of ``DesktopApi`` to the page; each call runs in a
thread of its own and returns a Promise. Attributes start with ``_`` so that nothing
else (the container, the window) is reachable from JavaScript.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backend.desktop.folders import SUPPORTED_EXTENSIONS, collect_files
from backend.desktop.system import open_path, open_url, reveal_path

if TYPE_CHECKING:
    import webview

    from backend.container import Container

log = logging.getLogger(__name__)

# Imports one file: (kb_id, path) -> a Document as the HTTP API shapes it.
ImportOne = Callable[[str, Path], dict[str, Any]]


def local_importer(container: Container) -> ImportOne:
    """Import through this process's ingest service: the file is copied, never sent."""
    from backend.schemas import DocumentOut
    from backend.services.ingest import IncomingFile

    def import_one(kb_id: str, path: Path) -> dict[str, Any]:
        with path.open("rb") as stream:
            docs = container.ingest.upload(kb_id, [IncomingFile(path.name, stream)])
        return DocumentOut.of(docs[0]).model_dump()

    return import_one


def http_importer(url: str, token: str) -> ImportOne:
    """Import into another process's server (a second window on a running instance)."""
    import httpx

    client = httpx.Client(
        base_url=url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=httpx.Timeout(30, read=600),
    )

    def import_one(kb_id: str, path: Path) -> dict[str, Any]:
        with path.open("rb") as stream:
            answer = client.post(
                f"/api/kbs/{kb_id}/documents", files={"files": (path.name, stream)}
            )
        if answer.status_code >= 400:
            raise ImportFailed(answer.status_code, answer.json().get("error", {}))
        return dict(answer.json()[0])

    return import_one


class ImportFailed(Exception):
    def __init__(self, status: int, error: dict[str, str]) -> None:
        super().__init__(error.get("message", "Import failed."))
        self.status = status
        self.code = error.get("code", "import_failed")


def start_folder() -> Path:
    """Where the native dialogs open: the user's Documents folder, else their home. Left to
    itself a dialog opens in the process's working directory, the app's own folder."""
    import platformdirs

    for folder in (Path(platformdirs.user_documents_dir()), Path.home()):
        if folder.is_dir():
            return folder
    return Path.home()


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


class DesktopApi:
    def __init__(self, data_dir: Path) -> None:
        self._data_dir = data_dir
        self._window: webview.Window | None = None
        self._import_one: ImportOne | None = None

    def _attach(self, window: webview.Window | None, import_one: ImportOne | None) -> None:
        if window is not None:
            self._window = window
        if import_one is not None:
            self._import_one = import_one

    def info(self) -> dict[str, Any]:
        """{"desktop": true, "data_dir", "platform", "extensions"}: what the UI can offer."""
        return {
            "desktop": True,
            "data_dir": str(self._data_dir),
            "platform": sys.platform,
            "extensions": sorted(SUPPORTED_EXTENSIONS),
        }

    def choose_files(self) -> list[str]:
        """The native "choose files" dialog; [] when cancelled."""
        import webview

        if self._window is None:
            return []
        patterns = ";".join(f"*{ext}" for ext in sorted(SUPPORTED_EXTENSIONS))
        chosen = self._window.create_file_dialog(
            webview.FileDialog.OPEN,
            directory=str(start_folder()),
            allow_multiple=True,
            file_types=(f"Documents ({patterns})", "All files (*)"),
        )
        return [str(p) for p in chosen or ()]

    def choose_folder(self) -> str | None:
        """The native "choose folder" dialog; null when cancelled."""
        import webview

        if self._window is None:
            return None
        chosen = self._window.create_file_dialog(
            webview.FileDialog.FOLDER, directory=str(start_folder())
        )
        return str(chosen[0]) if chosen else None

    def import_paths(self, kb_id: str, paths: list[str]) -> dict[str, Any]:
        """Import files and folders (walked) into a knowledge base, by path.

        Answers {"documents": [Document], "skipped": n, "skipped_folders": n,
        "failed": [{"path", "code", "message"}], "truncated": bool}, or {"error": {...}}.
        Progress then arrives as usual through /api/events.
        """
        if self._import_one is None:
            return _error("not_ready", "The app is still starting; try again in a moment.")
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            return _error("invalid_request", "paths must be a list of strings.")
        selection = collect_files(paths)
        documents: list[dict[str, Any]] = []
        failed: list[dict[str, str]] = []
        for path in selection.files:
            try:
                documents.append(self._import_one(kb_id, path))
            except OSError as error:
                failed.append(
                    {
                        "path": str(path),
                        "code": "unreadable",
                        "message": error.strerror or str(error),
                    }
                )
            except Exception as error:
                code = getattr(error, "code", "import_failed")
                if code == "not_found" or getattr(error, "status", None) == 404:
                    return _error("not_found", "No such knowledge base.")
                log.warning("import of %s failed: %s", path, error)
                failed.append({"path": str(path), "code": str(code), "message": str(error)})
        return {
            "documents": documents,
            "skipped": selection.skipped,
            "skipped_folders": selection.skipped_folders,
            "failed": failed,
            "truncated": selection.truncated,
        }

    def dropped_paths(self, names: list[str]) -> list[str]:
        """The real paths of the files and folders just dropped on the window, given the
        names the page saw; the window's own drop listener calls this (see window.py)."""
        from urllib.parse import unquote

        from webview.dom import _dnd_state

        pending: list[tuple[str, str]] = _dnd_state["paths"]  # type: ignore[assignment]
        found: list[str] = []
        for name in names if isinstance(names, list) else []:
            for item in pending:
                if unquote(item[0]) == name:
                    found.append(unquote(item[1]))
                    pending.remove(item)
                    break
        pending.clear()  # what was not matched belongs to no drop the page will ask about
        return found

    def open_data_dir(self) -> bool:
        """Show the data folder in the file manager."""
        return open_path(self._data_dir)

    def open_document(self, kb_id: str, doc_id: str) -> bool:
        """Open a document's stored original with the system's default program."""
        from backend.services.viewer import named_copy_in

        path = named_copy_in(self._data_dir, str(kb_id), str(doc_id))
        return path is not None and open_path(path)

    def show_in_folder(self, kb_id: str, doc_id: str) -> bool:
        """Show a linked folder's file where it lives (only documents from a folder)."""
        from backend.services.viewer import linked_file_in

        path = linked_file_in(self._data_dir, str(kb_id), str(doc_id))
        return path is not None and reveal_path(path)

    def open_external(self, url: str) -> bool:
        """Open an http(s) or mailto link in the system browser."""
        return open_url(str(url))
