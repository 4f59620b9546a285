"""Many small files are imported in batches (one reader round trip, shared embedding
batches, one transaction): a file that breaks its batch's reader fails alone, with its
reason, and every other file of the batch becomes ready with all its points; the UI still
hears each document's progress."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.rag.readers import ParsedDocument, ReaderError, ReaderProcess, read_document
from backend.rag.readers.isolation import read_path
from backend.rag.readers.reader_process import PagesOf
from backend.rag.splitter import split_pages
from tests.conftest import wait_documents

ZH = "第{n}号笔记：仓库{n}的钥匙放在前台第{n}个抽屉里。每周一上午补货一次，周五盘点。"
EN = "Note {n}: the spare key of warehouse {n} is in drawer {n} at the front desk. "


def scripted_reader(data_path: str, filename: str) -> ParsedDocument:
    """The real reader, except that a file named crash* kills the reader process and a file
    named hang* never returns (test-only; it runs in the reader child)."""
    if filename.startswith("crash"):
        os._exit(3)
    if filename.startswith("hang"):
        time.sleep(60)
    return read_path(data_path, filename)


class GatedReader:
    """The pipeline's reader, recording each round trip's files; the first round trip waits
    for the gate, so that the files of one upload are all queued by the next."""

    def __init__(self, inner: ReaderProcess) -> None:
        self.inner = inner
        self.batches: list[list[str]] = []
        self.opened = False

    def read(self, data_path: str, filename: str) -> ParsedDocument:
        return self.inner.read(data_path, filename)

    def read_many(
        self, files: list[tuple[str, str]], on_page: PagesOf | None = None
    ) -> list[ParsedDocument | ReaderError]:
        while not self.opened:
            time.sleep(0.01)
        self.batches.append([name for _, name in files])
        return self.inner.read_many(files, on_page)


def _notes(count: int, start: int = 0) -> list[tuple[str, bytes]]:
    files = []
    for n in range(start, start + count):
        text = ZH.format(n=n) * (1 + n % 4) if n % 2 else EN.format(n=n) * (2 + n % 5)
        files.append((f"note-{n:03d}.{'md' if n % 3 else 'txt'}", text.encode()))
    return files


def _expected_chunks(name: str, data: bytes) -> int:
    parsed = read_document(data, name)
    return len(split_pages([(p.page, p.text) for p in parsed.pages]))


@pytest.fixture
def reader(container: Any) -> Iterator[GatedReader]:
    gated = GatedReader(ReaderProcess(timeout_s=5, memory_mb=1024, reader=scripted_reader))
    container.ingest.pipeline.reader = gated
    yield gated
    gated.opened = True  # a failed test must not leave the read loop waiting
    gated.inner.close()


def _upload(client: Any, kb: str, files: list[tuple[str, bytes]]) -> list[dict[str, Any]]:
    answer = client.post(f"/api/kbs/{kb}/documents", files=[("files", f) for f in files])
    assert answer.status_code == 202, answer.text
    return list(answer.json())


def test_a_file_that_kills_the_reader_fails_alone_and_its_batch_imports(
    client: Any, container: Any, reader: GatedReader
) -> None:
    kb = client.post("/api/kbs", json={"name": "notes"}).json()["id"]
    good = _notes(24)
    broken = [
        ("crash-report.txt", "这个文件让读取进程退出。".encode()),
        ("damaged.docx", b"PK\x03\x04 this is not really a docx" * 20),
    ]
    files = good[:12] + broken[:1] + good[12:] + broken[1:]
    _upload(client, kb, files)
    reader.opened = True
    docs = {d["filename"]: d for d in wait_documents(client, kb, timeout=180)}

    assert docs["crash-report.txt"]["status"] == "failed"
    assert "crashed" in docs["crash-report.txt"]["error"]
    assert docs["damaged.docx"]["status"] == "failed"
    assert docs["damaged.docx"]["error"] and "Traceback" not in docs["damaged.docx"]["error"]
    for name, data in good:
        doc = docs[name]
        assert doc["status"] == "ready", (name, doc["error"])
        assert doc["chunk_count"] == _expected_chunks(name, data)
        assert container.store.count(doc["id"]) == doc["chunk_count"]
    assert container.store.count(docs["crash-report.txt"]["id"]) == 0
    # They really went through together: the crashing file shared its round trip (where
    # in it depends on how much was queued when the pipeline took the first batch; the
    # files read after the crash, by a new reader, are among the ready ones above).
    shared = next(b for b in reader.batches if "crash-report.txt" in b)
    assert len(shared) > 1


def test_reader_round_trip_gives_each_file_its_own_outcome_and_time_limit(
    tmp_path: Path,
) -> None:
    paths = []
    for name in ("a.txt", "hang.txt", "crash.txt", "b.txt"):
        path = tmp_path / name
        path.write_text(f"{name} 的内容：每周一补货一次。")
        paths.append((str(path), name))
    process = ReaderProcess(timeout_s=2, memory_mb=1024, reader=scripted_reader)
    try:
        outcomes = process.read_many(paths)
    finally:
        process.close()
    assert [type(o).__name__ for o in outcomes] == [
        "ParsedDocument",
        "ReaderError",
        "ReaderError",
        "ParsedDocument",
    ], outcomes
    hang, crash = outcomes[1], outcomes[2]
    assert isinstance(hang, ReaderError) and hang.code == "parse_timeout"
    assert isinstance(crash, ReaderError) and crash.code == "parse_failed"
    last = outcomes[3]
    assert isinstance(last, ParsedDocument) and "b.txt" in last.pages[0].text


def test_progress_events_reach_the_ui_for_batched_and_large_documents(
    client: Any, container: Any, reader: GatedReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("backend.services.ingest_queue.SMALL_FILE_BYTES", 2000)
    seen: list[dict[str, Any]] = []
    real = container.events.publish_many

    def recording(events: list[dict[str, Any]]) -> None:
        seen.extend(events)
        real(events)

    monkeypatch.setattr(container.events, "publish_many", recording)
    kb = client.post("/api/kbs", json={"name": "notes"}).json()["id"]
    large = ("large.txt", (ZH.format(n=999) * 60).encode())
    files = [*_notes(10), large, *_notes(10, start=10)]
    _upload(client, kb, files)
    reader.opened = True
    docs = wait_documents(client, kb, timeout=180)
    assert {d["status"] for d in docs} == {"ready"}

    for doc in docs:
        statuses = [e["status"] for e in seen if e.get("id") == doc["id"]]
        changes = [s for n, s in enumerate(statuses) if n == 0 or statuses[n - 1] != s]
        assert changes[-3:] == ["parsing", "embedding", "ready"], (doc["filename"], changes)
    # The large file was read alone, the small ones together.
    assert ["large.txt"] in reader.batches
    assert max(len(b) for b in reader.batches) > 1
