"""The `.wowkb` package: a zip that carries one knowledge base to another machine.

    manifest.json     format and app version, the KB's name, the models its vectors come
                      from, counts, and the size and sha256 of every other member
    documents.jsonl   one document row per line (`DocumentEntry`)
    files/<n>         the original files, byte for byte
    points.bin        the chunks: per chunk a 4-byte length, a JSON header (`ChunkEntry`),
                      then its sentence vectors (rows x dimension float32, little-endian)
                      and, when it has one, its passage vector (384 float32)

The manifest is written last (it holds the others' checksums) and read first. Vectors
are plain float32 whatever the store keeps (bytes on Qdrant Edge): the store's own codec
turns them back into what it keeps, so a package reads the same on every engine.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.errors import AppError, Invalid, TooLarge, Unsupported

FORMAT = "wowkb"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DOCUMENTS = "documents.jsonl"
POINTS = "points.bin"
FILES = "files/"
FILE_NAME = re.compile(r"files/[0-9]{1,9}")
# The keyword vectors are BM25 term ids of this tokenizer (rag/sparse.py): another one
# would give other ids, so a package from it is re-indexed like one from another embedder.
KEYWORDS_MODEL = "qdrant-bm25-multilingual"
PASSAGE_MODEL = "multilingual-e5-small"
MAX_MANIFEST_BYTES = 4 << 20
MAX_LINE_BYTES = 1 << 20  # one document row, or one chunk header
MAX_UNITS = 10_000  # sentences of one chunk (a chunk holds a few hundred characters)


class NotAPackage(Unsupported):
    code = "not_a_package"


class PackageCorrupt(Invalid):
    """Damaged bytes: a truncated zip, a checksum that does not match."""

    code = "package_corrupt"


class PackageMismatch(Invalid):
    """Intact bytes that do not agree with the manifest or with each other."""

    code = "package_mismatch"


class PackageVersion(Invalid):
    code = "package_version"


class PackageUnsafe(AppError):
    """A member path that points outside the package (zip-slip)."""

    code = "package_unsafe"


class PackageTooLarge(TooLarge):
    code = "package_too_large"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ModelEntry(_Strict):
    name: str = Field(min_length=1, max_length=200)
    dimension: int = Field(ge=1, le=8192)


class MemberEntry(_Strict):
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Counts(_Strict):
    documents: int = Field(ge=0)
    chunks: int = Field(ge=0)
    dense_rows: int = Field(ge=0)
    passage_vectors: int = Field(ge=0)


class KbEntry(_Strict):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)


class Manifest(_Strict):
    format: Literal["wowkb"]
    format_version: int
    app_version: str = Field(max_length=100)
    created_at: str = Field(max_length=100)
    kb: KbEntry
    embedder: ModelEntry
    keywords: str = Field(max_length=200)
    passage: ModelEntry | None
    counts: Counts
    members: dict[str, MemberEntry]


class DocumentEntry(_Strict):
    id: str = Field(min_length=1, max_length=100)
    filename: str = Field(min_length=1, max_length=1000)
    file: str | None = Field(pattern=FILE_NAME.pattern)
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    # a document without points (queued when exported) is imported through the pipeline
    status: Literal["ready", "failed", "queued"]
    error: str | None = Field(max_length=10_000)
    chunk_count: int = Field(ge=0)
    pages: int | None = Field(ge=0)
    modified_at: str | None = Field(max_length=100)
    relative_path: str | None = Field(max_length=4000)


class KeywordEntry(_Strict):
    indices: list[int]
    values: list[float]


class ChunkEntry(_Strict):
    doc: str = Field(min_length=1, max_length=100)
    chunk_index: int = Field(ge=0)
    page: int | None = Field(ge=0)
    text: str = Field(max_length=1_000_000)
    heading: str = Field(max_length=100_000)
    units: list[tuple[int, int]] = Field(max_length=MAX_UNITS)
    keywords: KeywordEntry
    rows: int = Field(ge=1, le=MAX_UNITS)
    passage: bool


def unsafe_name(name: str) -> bool:
    """A member path that would land outside a folder it is extracted into: absolute,
    with `..`, a drive letter or a backslash (a Windows separator)."""
    return (
        name.startswith(("/", "\\"))
        or "\\" in name
        or re.match(r"^[A-Za-z]:", name) is not None
        or ".." in name.split("/")
        or "\x00" in name
    )
