"""Hostile and broken `.wowkb` packages: each gets a clear error code and leaves nothing
behind (no knowledge base, no stored upload, no point, no work file)."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from backend.app import create_app
from backend.container import Container
from tests.api.package_files import pack, repack, unpack
from tests.conftest import AUTH, make_settings, wait_documents
from tests.corpus_files import pdf_bytes

FILES = {
    "rules.md": "# Rules\n\nBooks can be borrowed for 21 days.\n\n借书期限为二十一天。\n",
    "kettle.txt": "The orbit kettle boils one litre of water in 90 seconds.\n",
}


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[bytes]:
    """A good package of a small knowledge base, made by an app of its own."""
    container = Container(make_settings(tmp_path_factory.mktemp("source")))
    with TestClient(create_app(container), base_url="http://127.0.0.1", headers=AUTH) as client:
        kb = client.post("/api/kbs", json={"name": "Library"}).json()
        files = [("files", (n, t.encode())) for n, t in FILES.items()]
        client.post(f"/api/kbs/{kb['id']}/documents", files=files)
        assert all(d["status"] == "ready" for d in wait_documents(client, kb["id"]))
        yield client.get(f"/api/kbs/{kb['id']}/export").content
    container.close()


def _refused(client, container, data: bytes, status: int, code: str) -> None:
    answer = client.post("/api/kbs/import", files={"file": ("x.wowkb", data)})
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code
    _nothing_left(client, container)


def _nothing_left(client, container) -> None:
    assert client.get("/api/kbs").json() == []
    assert list(container.paths.uploads.iterdir()) == []
    assert container.store.count() == 0
    work = container.paths.root / "work"
    assert not work.exists() or list(work.iterdir()) == []


def _first_vector_offset(points: bytes) -> int:
    (size,) = struct.unpack("<I", points[:4])
    return 4 + size


def test_the_good_package_imports(client, package):
    """The packages below differ from this one by the one fault each test names."""
    answer = client.post("/api/kbs/import", files={"file": ("x.wowkb", package)})
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize(
    "data",
    [b"hello, not a zip", b"", pdf_bytes([["a PDF is not a package"]])],
    ids=["text", "empty", "pdf"],
)
def test_a_file_that_is_no_zip_is_not_a_package(client, container, data):
    _refused(client, container, data, 415, "not_a_package")


def test_a_zip_without_manifest_is_not_a_package(client, container):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("notes.txt", "hello")
    _refused(client, container, out.getvalue(), 415, "not_a_package")


@pytest.mark.parametrize("keep", [0.5, 0.97], ids=["half", "tail-cut"])
def test_a_truncated_package_is_corrupt(client, container, package, keep):
    _refused(client, container, package[: int(len(package) * keep)], 422, "package_corrupt")


@pytest.mark.parametrize(
    "name",
    [
        "../evil.txt",
        "/etc/cron.d/evil",
        "C:/Windows/evil.dll",
        "files/..\\..\\evil",
        "files/../../evil",
    ],
)
def test_a_zip_slip_path_is_refused(client, container, package, name):
    manifest, members = unpack(package)
    members[name] = b"owned"
    _refused(client, container, pack(manifest, members), 400, "package_unsafe")


def test_a_zip_bomb_is_refused_before_inflating(client, container, package):
    def bomb(manifest, members):
        members["files/0"] = bytes(64 << 20)  # 64 MB of zeros deflate ~1000 times

    _refused(client, container, repack(package, bomb), 413, "package_too_large")


def test_a_package_that_unpacks_larger_than_the_free_disk_is_refused(
    client, container, package, monkeypatch
):
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        unpacked = sum(i.file_size for i in z.infolist())
    room = len(package) + 100  # the package itself fits; what it unpacks to does not
    assert unpacked > room
    monkeypatch.setattr(container.disk, "free", lambda: container.disk.min_free_bytes + room)
    _refused(client, container, package, 413, "package_too_large")


def test_a_package_that_does_not_fit_while_arriving_is_refused(
    client, container, package, monkeypatch
):
    # A disk that only this app writes to (other work on the machine frees and fills the
    # real one meanwhile): its free space falls by what the data dir grows.
    def used() -> int:
        return sum(f.stat().st_size for f in container.paths.root.rglob("*") if f.is_file())

    start_free, start_used = container.disk.free(), used()
    monkeypatch.setattr(container.disk, "free", lambda: start_free - (used() - start_used))
    container.disk.min_free_bytes = start_free - 1000  # 1000 bytes of room
    _refused(client, container, package, 507, "insufficient_storage")


@pytest.mark.parametrize(
    "change",
    [
        lambda m, _: m["counts"].update(chunks=m["counts"]["chunks"] + 1),
        lambda m, _: m["counts"].update(dense_rows=m["counts"]["dense_rows"] - 1),
        lambda m, _: m["counts"].update(documents=m["counts"]["documents"] + 1),
        lambda m, _: m["embedder"].update(dimension=256),
        lambda m, _: m["embedder"].update(dimension=1024),
        lambda m, _: m.update(passage={"name": "multilingual-e5-small", "dimension": 0}),
        lambda m, members: members.update({"files/9": b"not listed by any document"}),
    ],
    ids=[
        "chunks",
        "rows",
        "documents",
        "dimension-256",
        "dimension-1024",
        "passage-dim",
        "extra-file",
    ],
)
def test_a_manifest_that_lies_is_a_mismatch(client, container, package, change):
    _refused(client, container, repack(package, change), 422, "package_mismatch")


def test_a_document_row_that_lies_about_its_chunks_is_a_mismatch(client, container, package):
    def more_chunks(manifest, members):
        rows = [json.loads(line) for line in members["documents.jsonl"].splitlines()]
        rows[0]["chunk_count"] += 1
        members["documents.jsonl"] = "\n".join(json.dumps(r) for r in rows).encode() + b"\n"

    _refused(client, container, repack(package, more_chunks), 422, "package_mismatch")


def test_a_vector_that_is_not_a_number_is_a_mismatch(client, container, package):
    def nan(manifest, members):
        points = bytearray(members["points.bin"])
        at = _first_vector_offset(points)
        points[at : at + 4] = struct.pack("<f", float("nan"))
        members["points.bin"] = bytes(points)

    _refused(client, container, repack(package, nan), 422, "package_mismatch")


@pytest.mark.parametrize("member", ["files/0", "points.bin", "documents.jsonl"])
def test_a_member_that_fails_its_checksum_is_corrupt(client, container, package, member):
    def flip(manifest, members):
        data = bytearray(members[member])
        at = _first_vector_offset(data) + 1 if member == "points.bin" else len(data) // 2
        data[at] ^= 0x01
        members[member] = bytes(data)

    _refused(client, container, repack(package, flip, checksums=False), 422, "package_corrupt")


def test_an_unknown_format_version_is_refused(client, container, package):
    def newer(manifest, members):
        manifest["format_version"] = 99

    _refused(client, container, repack(package, newer), 422, "package_version")


def test_a_failure_while_writing_leaves_nothing_behind(client, container, package, monkeypatch):
    def broken(points):
        raise RuntimeError("the store failed mid-import")

    monkeypatch.setattr(container.store, "upsert", broken)
    with pytest.raises(RuntimeError):  # the test client re-raises what the app answers 500 for
        client.post("/api/kbs/import", files={"file": ("x.wowkb", package)})
    monkeypatch.undo()
    _nothing_left(client, container)


def test_a_kill_during_import_is_cleaned_at_the_next_start(tmp_path: Path, package, monkeypatch):
    """A kill after the files and points were written but before the rows: the next start
    removes what no row names."""
    import backend.services.kb_package_import as importer
    from backend.services.kb_package_check import PackageReader

    data = tmp_path / "data"
    container = Container(make_settings(data))

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the process dies here

    monkeypatch.setattr(importer, "insert_knowledge_base", killed)
    # a killed process runs no clean-up
    monkeypatch.setattr(container.store, "delete_kb", lambda kb_id: None)
    monkeypatch.setattr(container.uploads, "remove", lambda name: None)
    work = data / "work"
    work.mkdir(exist_ok=True)
    (work / "left.wowkb").write_bytes(package)
    reader = PackageReader(work / "left.wowkb", 1 << 30)
    with pytest.raises(KeyboardInterrupt):
        container.kb_packages._import.run(reader)
    reader.close()
    assert container.store.count() > 0 and any(container.paths.uploads.iterdir())
    container.close()
    restarted = Container(make_settings(data))
    try:
        with TestClient(create_app(restarted), base_url="http://127.0.0.1", headers=AUTH) as c:
            _nothing_left(c, restarted)
    finally:
        restarted.close()


def test_a_package_larger_than_the_request_body_limit_imports(client, container, package):
    """Packages are not held to the 16 MB limit of ordinary requests: the route checks what
    it receives itself (a failed document with a 17 MB incompressible file rides along)."""
    import hashlib
    import os

    def big(manifest, members):
        data = os.urandom(17 << 20)
        row = {
            "id": "big",
            "filename": "big.bin",
            "file": "files/7",
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "status": "failed",
            "error": "Unsupported file type.",
            "chunk_count": 0,
            "pages": None,
            "modified_at": None,
            "relative_path": None,
        }
        members["documents.jsonl"] += json.dumps(row).encode() + b"\n"
        members["files/7"] = data
        manifest["counts"]["documents"] += 1

    answer = client.post("/api/kbs/import", files={"file": ("x.wowkb", repack(package, big))})
    assert answer.status_code == 201, answer.text
    docs = client.get(f"/api/kbs/{answer.json()['id']}/documents").json()
    assert {d["filename"]: d["status"] for d in docs}["big.bin"] == "failed"
