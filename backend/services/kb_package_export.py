"""Export: a knowledge base as a `.wowkb` package, streamed as it is written.

The zip is written into a buffer that the response drains after every block, so a
large knowledge base never sits in memory or in a temporary file: each member is read
from its source (the store, a page of points at a time; the upload store, a megabyte at
a time) while it is sent. Checksums are computed on the way and written in the manifest,
the last member (a reader finds it through the zip's central directory).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from backend import __version__
from backend.rag.vectors.store import PASSAGE_DIMENSION, VectorStore
from backend.services.kb_package_format import (
    DOCUMENTS,
    FILES,
    FORMAT,
    FORMAT_VERSION,
    KEYWORDS_MODEL,
    MANIFEST,
    PASSAGE_MODEL,
    POINTS,
)
from backend.services.kb_package_points import point_record
from backend.services.uploads import CHUNK, UploadStore
from backend.store.clock import now_iso
from backend.store.models import Document, DocumentStatus, KnowledgeBase

EXPORTED = (DocumentStatus.READY, DocumentStatus.FAILED)


class _Drain:
    """The zip's output: what is written waits here until the response takes it. No
    `tell`, so zipfile writes a streaming zip (sizes after each member's data)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing buffered beyond `_parts`."""

    def close(self) -> None:
        """The response ends the stream."""

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts = []
        return out


class PackageWriter:
    def __init__(
        self,
        kb: KnowledgeBase,
        documents: list[Document],
        store: VectorStore,
        uploads: UploadStore,
    ) -> None:
        self.kb, self.store, self.uploads = kb, store, uploads
        self.documents = [d for d in documents if d.status in EXPORTED or d.status.unfinished]
        self._drain = _Drain()
        # Level 1: deflate's default level took 60% of an export's time for a few percent
        # of size (vectors hardly compress).
        self._zip = zipfile.ZipFile(self._drain, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self._members: dict[str, dict[str, object]] = {}
        self._counts = {"chunks": 0, "dense_rows": 0, "passage_vectors": 0}
        self._dimension = 0

    def stream(self) -> Iterator[bytes]:
        ready = {d.id for d in self.documents if d.status is DocumentStatus.READY}
        per_doc: Counter[str] = Counter()
        yield from self._member(POINTS, self._points(ready, per_doc))
        files: dict[str, str | None] = {}
        for number, doc in enumerate(self.documents):
            path = self.uploads.path(doc.stored_name)
            files[doc.id] = None
            if doc.stored_name and path.is_file():
                files[doc.id] = f"{FILES}{number}"
                yield from self._member(f"{FILES}{number}", _blocks(path))
        rows = (self._row(doc, files[doc.id], per_doc[doc.id]) for doc in self.documents)
        yield from self._member(DOCUMENTS, rows)
        yield from self._manifest()
        self._zip.close()
        yield self._drain.take()

    def _points(self, ready: set[str], per_doc: Counter[str]) -> Iterator[bytes]:
        for point in self.store.points_of_kb(self.kb.id):
            if point.doc_id not in ready:
                continue  # left by an import still running, or a document being deleted
            per_doc[point.doc_id] += 1
            self._counts["chunks"] += 1
            self._counts["dense_rows"] += int(point.dense.shape[0])
            self._counts["passage_vectors"] += point.passage is not None
            self._dimension = int(point.dense.shape[1])
            yield point_record(point, point.doc_id)

    def _row(self, doc: Document, file: str | None, chunks: int) -> bytes:
        status = "queued" if doc.status.unfinished else doc.status.value
        if doc.status is DocumentStatus.READY and chunks == 0:
            status = "queued"  # its points are gone: the importer indexes it again
        entry = {
            "id": doc.id,
            "filename": doc.filename,
            "file": file,
            "size": doc.size,
            "sha256": doc.sha256,
            "status": status,
            "error": doc.error,
            "chunk_count": chunks if status == "ready" else 0,
            "pages": doc.pages,
            "modified_at": doc.modified_at,
            "relative_path": doc.relative_path,
        }
        return json.dumps(entry, ensure_ascii=False).encode() + b"\n"

    def _manifest(self) -> Iterator[bytes]:
        counts = {"documents": len(self.documents), **self._counts}
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "app_version": __version__,
            "created_at": now_iso(),
            "kb": {"name": self.kb.name, "description": self.kb.description},
            "embedder": {
                "name": self.kb.embedder,
                "dimension": self._dimension or self.kb.dimension,
            },
            "keywords": KEYWORDS_MODEL,
            "passage": {"name": PASSAGE_MODEL, "dimension": PASSAGE_DIMENSION},
            "counts": counts,
            "members": self._members,
        }
        body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
        self._zip.writestr(MANIFEST, body)
        yield self._drain.take()

    def _member(self, name: str, blocks: Iterable[bytes]) -> Iterator[bytes]:
        digest, size = hashlib.sha256(), 0
        with self._zip.open(name, "w", force_zip64=True) as out:
            for block in blocks:
                digest.update(block)
                size += len(block)
                out.write(block)
                if data := self._drain.take():
                    yield data
        self._members[name] = {"size": size, "sha256": digest.hexdigest()}
        if data := self._drain.take():
            yield data


def _blocks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while block := source.read(CHUNK):
            yield block
