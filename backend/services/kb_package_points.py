"""`points.bin`, the chunks of a package: per chunk a 4-byte little-endian length, a JSON
header (`ChunkEntry`), its sentence vectors (rows x dimension float32) and, when it has
one, its passage vector. Written by the export, read (and checked) by the import."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from pydantic import ValidationError

from backend.rag.vectors.store import ChunkPoint
from backend.services.kb_package_format import MAX_LINE_BYTES, ChunkEntry, PackageMismatch
from backend.services.uploads import CHUNK


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...
    def readline(self, limit: int = -1, /) -> bytes: ...


@dataclass
class StoredChunk:
    entry: ChunkEntry
    dense: np.ndarray  # (rows, dimension) float32
    passage: np.ndarray | None


def point_record(point: ChunkPoint, doc_id: str) -> bytes:
    """One chunk in `points.bin`: length, JSON header, then its vectors."""
    header = json.dumps(
        {
            "doc": doc_id,
            "chunk_index": point.chunk_index,
            "page": point.page,
            "text": point.text,
            "heading": point.heading,
            "units": [list(u) for u in point.units],
            "keywords": {"indices": point.keywords.indices, "values": point.keywords.values},
            "rows": int(point.dense.shape[0]),
            "passage": point.passage is not None,
        },
        ensure_ascii=False,
    ).encode()
    parts = [struct.pack("<I", len(header)), header, point.dense.astype("<f4").tobytes()]
    if point.passage is not None:
        parts.append(point.passage.astype("<f4").tobytes())
    return b"".join(parts)


def read_chunks(
    stream: Readable, ready: set[str], dimension: int, passage: int
) -> Iterator[StoredChunk]:
    """Each chunk, checked: it belongs to a ready document, its vectors have the declared
    sizes and are numbers. A lying dimension shows as a header that does not parse."""
    seen: set[tuple[str, int]] = set()
    while head := stream.read(4):
        (size,) = struct.unpack("<I", _exact(stream, 4 - len(head), head))
        if not 0 < size <= MAX_LINE_BYTES:
            raise PackageMismatch("A chunk of the package does not parse (wrong dimension?).")
        try:
            entry = ChunkEntry.model_validate_json(_exact(stream, size))
        except ValidationError:
            raise PackageMismatch(
                "A chunk of the package does not parse (wrong dimension?)."
            ) from None
        if entry.passage and not passage:
            raise PackageMismatch("A chunk has a passage vector the manifest does not declare.")
        dense = _floats(_exact(stream, 4 * entry.rows * dimension), entry.rows, dimension)
        vector = _floats(_exact(stream, 4 * passage), 1, passage)[0] if entry.passage else None
        _check_chunk(entry, ready, seen)
        yield StoredChunk(entry, dense, vector)


def _check_chunk(entry: ChunkEntry, ready: set[str], seen: set[tuple[str, int]]) -> None:
    if entry.doc not in ready:
        raise PackageMismatch("A chunk belongs to no ready document of the package.")
    if (entry.doc, entry.chunk_index) in seen:
        raise PackageMismatch("Two chunks of a document have the same index.")
    seen.add((entry.doc, entry.chunk_index))
    if entry.rows != len(entry.units) or any(
        not 0 <= a <= b <= len(entry.text) for a, b in entry.units
    ):
        raise PackageMismatch("A chunk's sentences do not match its text.")
    keywords = entry.keywords
    if (
        len(keywords.indices) != len(keywords.values)
        or any(not 0 <= i < 1 << 32 for i in keywords.indices)
        or not np.all(np.isfinite(keywords.values))
    ):
        raise PackageMismatch("A chunk's keyword vector is invalid.")


def _floats(data: bytes, rows: int, dimension: int) -> np.ndarray:
    vectors = np.frombuffer(data, dtype="<f4").reshape(rows, dimension).astype(np.float32)
    if not np.all(np.isfinite(vectors)):
        raise PackageMismatch("A vector of the package holds a value that is not a number.")
    return vectors


def _exact(stream: Readable, size: int, start: bytes = b"") -> bytes:
    parts, missing = [start], size
    while missing > 0:
        block = stream.read(min(missing, CHUNK))
        if not block:
            raise PackageMismatch("The package's chunks end in the middle of one.")
        parts.append(block)
        missing -= len(block)
    return b"".join(parts)
