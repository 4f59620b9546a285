"""Linked folders through the real app: real files on disk changed while the app runs
and while it is stopped, each change seen in the document list, in answers, and in the
vector store (no orphan points)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from backend.app import create_app
from backend.container import Container
from tests.conftest import AUTH, make_settings

FACTS = {
    "kettle.md": "# Kettle\n\nThe orbit kettle boils water in ninety seconds flat.",
    "garden/roses.txt": "玫瑰园的灌溉时间是每天清晨六点，由园丁老王负责。",
}


def _write(root: Path, relative: str, text: str, *, mtime_step: int = 0) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if mtime_step:  # a distinct time even on file systems with coarse clocks
        stamp = path.stat().st_mtime + mtime_step
        os.utime(path, (stamp, stamp))


def _folder(tmp_path: Path) -> Path:
    root = tmp_path / "notes"
    for relative, text in FACTS.items():
        _write(root, relative, text)
    return root


def _kb(client: TestClient) -> str:
    answer = client.post("/api/kbs", json={"name": "notes"})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _link(client: TestClient, kb_id: str, root: Path) -> dict:
    answer = client.post(f"/api/kbs/{kb_id}/folders", json={"path": str(root)})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _settled(client: TestClient, kb_id: str, expected: set[str], timeout: float = 120) -> list:
    """Wait until the folder's documents are exactly `expected` (by relative path), one
    each, all finished, and the folder is watching; return the documents."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        docs = client.get(f"/api/kbs/{kb_id}/documents").json()
        folders = client.get(f"/api/kbs/{kb_id}/folders").json()
        paths = [d["relative_path"] for d in docs if d["folder_id"]]
        finished = all(d["status"] in ("ready", "failed", "duplicate") for d in docs)
        watching = all(f["status"] == "watching" for f in folders)
        if finished and watching and sorted(paths) == sorted(expected):
            return list(docs)
        time.sleep(0.2)
    raise AssertionError(f"folder did not settle on {expected}: {docs} {folders}")


def _sources(client: TestClient, kb_id: str, question: str) -> list[dict]:
    answer = client.post("/api/chat", json={"question": question, "kb_ids": [kb_id]})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["sources"])


def _assert_no_orphan_points(container: Container, docs: list[dict]) -> None:
    ready = {d["id"]: d["chunk_count"] for d in docs if d["status"] == "ready"}
    counts = container.store.document_counts()
    assert counts == ready
    assert container.store.count() == sum(ready.values())


@pytest.fixture
def fast_container(container: Container) -> Container:
    container.folders.debounce_s = 0.3
    container.folders.unwatched_poll_s = 0.5
    return container


def test_link_imports_supported_files_and_skips_hidden_temp_and_outside_links(
    client, fast_container, tmp_path
):
    root = _folder(tmp_path)
    _write(root, ".hidden.md", "secret hidden note")
    _write(root, "~$report.docx", "office lock file")
    _write(root, "kettle.md.swp", "vim swap")
    _write(root, "draft.txt~", "editor backup")
    _write(root, "node_modules/pkg/readme.md", "# package readme")
    _write(root, ".git/description.txt", "git metadata")
    (root / "animation.gif").write_bytes(b"GIF89a" + bytes(64))  # a type no reader takes
    outside = tmp_path / "outside.md"
    outside.write_text("# Outside\n\nA note that lives outside the linked folder.")
    (root / "escape.md").symlink_to(outside)
    (root / "loop").symlink_to(root, target_is_directory=True)
    kb_id = _kb(client)
    folder = _link(client, kb_id, root)
    assert folder["status"] == "syncing" and folder["path"] == str(root.resolve())

    docs = _settled(client, kb_id, set(FACTS))
    assert {d["status"] for d in docs} == {"ready"}
    assert {d["folder_id"] for d in docs} == {folder["id"]}
    assert all(d["modified_at"] for d in docs)
    [listed] = client.get(f"/api/kbs/{kb_id}/folders").json()
    assert listed["document_count"] == 2 and listed["last_synced_at"]
    top = _sources(client, kb_id, "玫瑰园的灌溉时间是什么时候？")[0]
    assert top["filename"] == "roses.txt" and "清晨六点" in top["text"]
    _assert_no_orphan_points(fast_container, docs)


def test_changes_while_running_are_followed_by_the_watch(client, fast_container, tmp_path):
    root = _folder(tmp_path)
    kb_id = _kb(client)
    _link(client, kb_id, root)
    _settled(client, kb_id, set(FACTS))

    _write(root, "kettle.md", "# Kettle\n\nThe orbit kettle now boils water in forty seconds.",
           mtime_step=5)  # fmt: skip
    _write(root, "new/tea.md", "# Tea\n\nGreen tea steeps for three minutes at eighty degrees.")
    (root / "garden/roses.txt").rename(root / "garden/玫瑰.txt")
    docs = _settled(client, kb_id, {"kettle.md", "new/tea.md", "garden/玫瑰.txt"})

    kettle = _sources(client, kb_id, "How long does the orbit kettle take to boil water?")
    assert "forty seconds" in kettle[0]["text"]
    assert not any("ninety" in s["text"] for s in kettle)
    assert _sources(client, kb_id, "How long does green tea steep?")[0]["filename"] == "tea.md"
    assert _sources(client, kb_id, "玫瑰园谁负责灌溉？")[0]["filename"] == "玫瑰.txt"
    _assert_no_orphan_points(fast_container, docs)

    (root / "new/tea.md").unlink()
    docs = _settled(client, kb_id, {"kettle.md", "garden/玫瑰.txt"})
    assert all(s["filename"] != "tea.md" for s in _sources(client, kb_id, "green tea steep"))
    _assert_no_orphan_points(fast_container, docs)


def test_a_renamed_or_moved_file_keeps_its_document_and_vectors(client, fast_container, tmp_path):
    root = _folder(tmp_path)
    kb_id = _kb(client)
    _link(client, kb_id, root)
    before = {d["relative_path"]: d for d in _settled(client, kb_id, set(FACTS))}

    (root / "garden/roses.txt").rename(root / "garden/玫瑰.txt")
    (root / "kitchen").mkdir()
    (root / "kettle.md").rename(root / "kitchen/kettle.md")
    moved = _settled(client, kb_id, {"garden/玫瑰.txt", "kitchen/kettle.md"})
    after = {d["relative_path"]: d for d in moved}
    roses, kettle = after["garden/玫瑰.txt"], after["kitchen/kettle.md"]
    # The same documents, never imported again: their ids, chunks and import date stay.
    assert roses["id"] == before["garden/roses.txt"]["id"]
    assert kettle["id"] == before["kettle.md"]["id"]
    for moved, was in ((roses, before["garden/roses.txt"]), (kettle, before["kettle.md"])):
        assert moved["created_at"] == was["created_at"]
        assert moved["chunk_count"] == was["chunk_count"] and moved["status"] == "ready"
    assert roses["filename"] == "玫瑰.txt" and kettle["filename"] == "kettle.md"
    points = list(fast_container.store.points_of_kb(kb_id, roses["id"]))
    assert points and {p.filename for p in points} == {"玫瑰.txt"}
    assert _sources(client, kb_id, "玫瑰园谁负责灌溉？")[0]["filename"] == "玫瑰.txt"
    _assert_no_orphan_points(fast_container, list(after.values()))


def test_changes_while_stopped_are_caught_up_at_start(tmp_path):
    root, data = _folder(tmp_path), tmp_path / "data"
    first = Container(make_settings(data))
    with TestClient(create_app(first), base_url="http://127.0.0.1", headers=AUTH) as client:
        kb_id = _kb(client)
        _link(client, kb_id, root)
        before = _settled(client, kb_id, set(FACTS))

    _write(root, "kettle.md", "# Kettle\n\nThe orbit kettle now boils water in forty seconds.",
           mtime_step=5)  # fmt: skip
    _write(root, "added.md", "# Bread\n\nThe sourdough rises for twelve hours overnight.")
    (root / "garden/roses.txt").unlink()
    second = Container(make_settings(data))
    with TestClient(create_app(second), base_url="http://127.0.0.1", headers=AUTH) as client:
        docs = _settled(client, kb_id, {"kettle.md", "added.md"})
        kettle = next(d for d in docs if d["relative_path"] == "kettle.md")
        assert kettle["id"] not in {d["id"] for d in before}
        bread = _sources(client, kb_id, "How long does the sourdough rise?")[0]
        assert bread["filename"] == "added.md" and "twelve hours" in bread["text"]
        assert "forty" in _sources(client, kb_id, "orbit kettle boil time")[0]["text"]
        _assert_no_orphan_points(second, docs)
    assert not any(second.paths.uploads.glob("*.bin")) or len(
        list(second.paths.uploads.glob("*.bin"))
    ) == len(docs)


def test_a_failed_new_version_keeps_the_old_one_searchable(client, fast_container, tmp_path):
    root = _folder(tmp_path)
    kb_id = _kb(client)
    _link(client, kb_id, root)
    _settled(client, kb_id, set(FACTS))

    _write(root, "kettle.md", "   \n\n  ", mtime_step=5)  # no readable text: the import fails
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        docs = client.get(f"/api/kbs/{kb_id}/documents").json()
        kettles = [d for d in docs if d["relative_path"] == "kettle.md"]
        if any(d["status"] == "failed" for d in kettles):
            break
        time.sleep(0.2)
    assert sorted(d["status"] for d in kettles) == ["failed", "ready"]
    assert "ninety seconds" in _sources(client, kb_id, "orbit kettle boil")[0]["text"]
    _assert_no_orphan_points(fast_container, docs)


def test_a_file_removed_in_the_app_stays_out_until_it_leaves_the_folder(
    client, fast_container, tmp_path
):
    root = _folder(tmp_path)
    kb_id = _kb(client)
    _link(client, kb_id, root)
    docs = _settled(client, kb_id, set(FACTS))
    kettle = next(d for d in docs if d["relative_path"] == "kettle.md")
    assert client.delete(f"/api/kbs/{kb_id}/documents/{kettle['id']}").status_code == 204

    # Edited, and another file added: syncs run, and the removed file stays out.
    _write(root, "kettle.md", "# Kettle\n\nThe orbit kettle now boils in forty seconds.",
           mtime_step=5)  # fmt: skip
    _write(root, "new/tea.md", "# Tea\n\nGreen tea steeps for three minutes at eighty degrees.")
    docs = _settled(client, kb_id, {"garden/roses.txt", "new/tea.md"})
    assert all("kettle" not in s["text"] for s in _sources(client, kb_id, "orbit kettle boil"))
    _assert_no_orphan_points(fast_container, docs)

    # It leaves the folder; a file of that name put there later is a new one.
    (root / "kettle.md").unlink()
    _write(root, "new/coffee.md", "# Coffee\n\nThe espresso shot pulls for twenty seconds.")
    _settled(client, kb_id, {"garden/roses.txt", "new/tea.md", "new/coffee.md"})
    _write(root, "kettle.md", "# Kettle\n\nThe orbit kettle boils water in thirty seconds.")
    docs = _settled(client, kb_id, {"garden/roses.txt", "new/tea.md", "new/coffee.md", "kettle.md"})
    assert "thirty seconds" in _sources(client, kb_id, "orbit kettle boil")[0]["text"]
    _assert_no_orphan_points(fast_container, docs)


def test_a_cleared_failure_stays_out_until_its_file_changes(client, fast_container, tmp_path):
    root = _folder(tmp_path)
    _write(root, "blank.md", "   \n\n  ")  # no readable text: the import fails
    kb_id = _kb(client)
    _link(client, kb_id, root)
    docs = _settled(client, kb_id, {*FACTS, "blank.md"})
    assert [d["status"] for d in docs if d["relative_path"] == "blank.md"] == ["failed"]
    assert client.delete(f"/api/kbs/{kb_id}/documents?status=failed").status_code == 204

    _write(root, "new/tea.md", "# Tea\n\nGreen tea steeps for three minutes at eighty degrees.")
    _settled(client, kb_id, {*FACTS, "new/tea.md"})  # a sync ran: the failure stays cleared
    _write(root, "blank.md", "# Blank\n\nThe blank page now holds the ferry timetable.",
           mtime_step=5)  # fmt: skip
    docs = _settled(client, kb_id, {*FACTS, "new/tea.md", "blank.md"})
    assert all(d["status"] == "ready" for d in docs)
    assert "ferry timetable" in _sources(client, kb_id, "ferry timetable")[0]["text"]
    _assert_no_orphan_points(fast_container, docs)


def test_unlink_keeps_or_removes_the_documents(client, fast_container, tmp_path):
    kb_id = _kb(client)
    kept_root, removed_root = tmp_path / "kept", tmp_path / "removed"
    _write(kept_root, "kept.md", "# Kept\n\nThe lighthouse keeper logs the weather at dawn.")
    _write(removed_root, "gone.md", "# Gone\n\nThe ferry leaves the harbour at noon.")
    kept, removed = _link(client, kb_id, kept_root), _link(client, kb_id, removed_root)
    _settled(client, kb_id, {"kept.md", "gone.md"})

    url = f"/api/kbs/{kb_id}/folders"
    assert client.delete(f"{url}/{kept['id']}?keep_documents=true").status_code == 204
    assert client.delete(f"{url}/{removed['id']}").status_code == 204
    assert client.get(url).json() == []
    docs = client.get(f"/api/kbs/{kb_id}/documents").json()
    assert [(d["filename"], d["folder_id"]) for d in docs] == [("kept.md", None)]
    _assert_no_orphan_points(fast_container, docs)
    _write(kept_root, "later.md", "# Later\n\nWritten after the folder was unlinked.")
    time.sleep(1.5)  # the watch is gone: nothing more is imported
    assert len(client.get(f"/api/kbs/{kb_id}/documents").json()) == 1


def test_a_missing_folder_keeps_its_documents_and_comes_back(client, fast_container, tmp_path):
    root = _folder(tmp_path)
    kb_id = _kb(client)
    folder = _link(client, kb_id, root)
    _settled(client, kb_id, set(FACTS))
    root.rename(tmp_path / "away")
    deadline = time.monotonic() + 30
    while client.get(f"/api/kbs/{kb_id}/folders").json()[0]["status"] != "missing":
        assert time.monotonic() < deadline, "the folder was never seen missing"
        time.sleep(0.2)
    assert len(client.get(f"/api/kbs/{kb_id}/documents").json()) == 2
    (tmp_path / "away").rename(root)
    _write(root, "back.md", "# Back\n\nThe folder came back with one more note.")
    docs = _settled(client, kb_id, {*FACTS, "back.md"})
    assert {d["folder_id"] for d in docs} == {folder["id"]}


def test_link_refuses_what_is_not_a_folder_and_a_second_link(client, tmp_path):
    kb_id = _kb(client)
    a_file = tmp_path / "file.md"
    a_file.write_text("# not a folder")
    url = f"/api/kbs/{kb_id}/folders"
    for path in (str(a_file), str(tmp_path / "nowhere"), "relative/notes", " "):
        answer = client.post(url, json={"path": path})
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["code"] == "not_a_folder"
    _link(client, kb_id, tmp_path)
    again = client.post(url, json={"path": str(tmp_path / "." / "")})
    assert again.status_code == 409 and again.json()["error"]["code"] == "folder_already_linked"
    assert client.post("/api/kbs/nope/folders", json={"path": str(tmp_path)}).status_code == 404
    assert client.delete(f"{url}/nope").status_code == 404
