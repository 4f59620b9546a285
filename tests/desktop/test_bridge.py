"""backend/desktop/bridge.py: what the page may ask of the desktop (import paths, dropped
files, links opened outside)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.container import Container
from backend.desktop.bridge import DesktopApi, local_importer
from backend.store.folders import FolderRepository
from backend.store.models import DocumentStatus
from tests.desktop.files import touch


def test_import_paths_imports_a_folder_through_the_ingest_service(
    tmp_path: Path, container: Container
) -> None:
    kb = container.kb_repo.create("Desk", "", container.embedder.name, container.embedder.dimension)
    folder = tmp_path / "drop"
    touch(folder / "orbit.md", "# Orbit\n\nThe orbit token is ORBIT-42.")
    touch(folder / "sub" / "notes.txt", "Notes about nothing in particular.")
    touch(folder / "skip.bin", "binary")
    api = DesktopApi(container.paths.root)
    assert api.import_paths(kb.id, [str(folder)])["error"]["code"] == "not_ready"
    api._attach(None, local_importer(container))

    answer = api.import_paths(kb.id, [str(folder)])

    assert sorted(d["filename"] for d in answer["documents"]) == ["notes.txt", "orbit.md"]
    assert all(d["status"] == "queued" and d["kb_id"] == kb.id for d in answer["documents"])
    assert answer["skipped"] == 1 and answer["failed"] == []
    assert len(container.doc_repo.in_kb(kb.id)) == 2
    assert api.import_paths("no-such-kb", [str(folder)])["error"]["code"] == "not_found"
    assert api.import_paths(kb.id, "not a list")["error"]["code"] == "invalid_request"  # type: ignore[arg-type]


def test_dropped_paths_matches_the_names_the_page_saw(tmp_path: Path) -> None:
    pytest.importorskip("webview")
    from webview.dom import _dnd_state

    _dnd_state["paths"][:] = [
        ("report%20one.pdf", "/home/u/report%20one.pdf"),
        ("Folder", "/home/u/Folder"),
        ("stale.txt", "/x/stale.txt"),
    ]
    api = DesktopApi(tmp_path)
    assert api.dropped_paths(["report one.pdf", "Folder", "other.md"]) == [
        "/home/u/report one.pdf",
        "/home/u/Folder",
    ]
    assert _dnd_state["paths"] == []
    assert api.info()["data_dir"] == str(tmp_path)
    assert ".pdf" in api.info()["extensions"]


def test_open_external_refuses_anything_but_web_and_mail_links(tmp_path: Path) -> None:
    api = DesktopApi(tmp_path)
    assert api.open_external("file:///etc/passwd") is False
    assert api.open_external("javascript:alert(1)") is False


def test_show_in_folder_finds_a_linked_file_and_nothing_outside_its_folder(
    tmp_path: Path, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    import backend.desktop.bridge as bridge

    shown: list[Path] = []
    monkeypatch.setattr(bridge, "reveal_path", lambda path: shown.append(path) or True)
    kb = container.kb_repo.create("Desk", "", container.embedder.name, container.embedder.dimension)
    folder = tmp_path / "notes"
    touch(folder / "sub" / "orbit.md", "# Orbit\n\nThe orbit token is ORBIT-42.")
    touch(tmp_path / "outside.md", "Not in the folder.")
    linked = FolderRepository(container.db).create(kb.id, str(folder))
    doc = container.doc_repo.create(kb.id, "orbit.md", "x", 1, "sha", DocumentStatus.READY)
    container.doc_repo.update(doc.id, folder_id=linked.id)
    api = DesktopApi(container.paths.root)

    def doc_at(relative: str) -> str:
        container.doc_repo.update(doc.id, relative_path=relative)
        return doc.id

    doc_id = doc_at("sub/orbit.md")
    assert api.show_in_folder(kb.id, doc_id) is True
    assert shown == [(folder / "sub" / "orbit.md").resolve()]
    assert api.show_in_folder(kb.id, doc_at("../outside.md")) is False  # never outside
    assert api.show_in_folder(kb.id, doc_at("sub/gone.md")) is False  # moved or deleted
    assert api.show_in_folder("another-kb", doc_id) is False
    assert len(shown) == 1
