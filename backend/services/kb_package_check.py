"""Reading a `.wowkb` package that came from anywhere: every check runs before the importer
writes anything.

The zip's own directory is checked first (member paths, encryption, compression, the
sizes it declares against a ratio and the free disk: zipfile never inflates a member past
its declared size, so the declared total bounds what reading can produce), then the
manifest, then every member is read once, in bounded pieces, with its checksum compared
and its rows and chunks parsed against the manifest. A package that fails its checksum is
`package_corrupt`; one whose intact bytes disagree with its manifest is `package_mismatch`.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TypeVar

from pydantic import ValidationError

from backend.services.kb_package_format import (
    DOCUMENTS,
    FILE_NAME,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MAX_LINE_BYTES,
    MAX_MANIFEST_BYTES,
    POINTS,
    DocumentEntry,
    Manifest,
    NotAPackage,
    PackageCorrupt,
    PackageMismatch,
    PackageTooLarge,
    PackageUnsafe,
    PackageVersion,
    unsafe_name,
)
from backend.services.kb_package_points import Readable, StoredChunk, read_chunks
from backend.services.uploads import CHUNK

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# A member may inflate this much; more is a zip bomb (text compresses 3-10x, vectors ~1x).
MAX_RATIO = 200
RATIO_FLOOR = 1 << 20  # members smaller than this are never bombs worth the name
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError)
_T = TypeVar("_T")


class PackageReader:
    """An open package; `check()` reads it all once, then the importer reads it again."""

    def __init__(self, path: Path, room_bytes: int) -> None:
        with path.open("rb") as head:
            if head.read(4) not in ZIP_MAGIC:
                raise NotAPackage("This file is not a .wowkb knowledge-base package.")
        try:
            self._zip = zipfile.ZipFile(path)
        except DAMAGED as error:
            raise PackageCorrupt(f"The package is damaged or truncated ({error}).") from None
        try:
            self._check_directory(room_bytes)
            self.manifest = self._read_manifest()
        except BaseException:
            self._zip.close()
            raise
        self.documents: list[DocumentEntry] = []

    def close(self) -> None:
        self._zip.close()

    # -- the zip's directory ----------------------------------------------------------------
    def _check_directory(self, room_bytes: int) -> None:
        names: set[str] = set()
        total = 0
        for info in self._zip.infolist():
            if unsafe_name(info.filename):
                raise PackageUnsafe(f"The package holds an unsafe path: {info.filename!r}.")
            if info.filename in names:
                raise PackageCorrupt(f"The package holds {info.filename!r} twice.")
            names.add(info.filename)
            if info.flag_bits & 0x1:
                raise PackageCorrupt("The package is encrypted.")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise PackageCorrupt("The package uses a compression this app does not read.")
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(
                info.compress_size, 1
            ):
                raise PackageTooLarge(
                    f"{info.filename!r} would unpack {info.file_size // max(info.compress_size, 1)}"
                    " times its size: refused as a zip bomb."
                )
            total += info.file_size
        if MANIFEST not in names:
            raise NotAPackage("This zip is not a .wowkb package: it has no manifest.json.")
        for name in names - {MANIFEST, DOCUMENTS, POINTS}:
            if not FILE_NAME.fullmatch(name):
                raise PackageMismatch(f"The package holds an unknown member {name!r}.")
        if total > room_bytes:
            raise PackageTooLarge(
                f"The package unpacks to {total >> 20} MB, more than the {room_bytes >> 20} MB"
                " free for it on this disk."
            )

    def _read_manifest(self) -> Manifest:
        info = self._zip.getinfo(MANIFEST)
        if info.file_size > MAX_MANIFEST_BYTES:
            raise PackageMismatch("The package's manifest is too large.")
        try:
            raw = self._zip.read(MANIFEST)
            data = json.loads(raw)
        except DAMAGED as error:
            raise PackageCorrupt(f"The package's manifest is damaged ({error}).") from None
        except ValueError:
            raise PackageCorrupt("The package's manifest is not JSON.") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise NotAPackage("This zip is not a .wowkb package.")
        if data.get("format_version") != FORMAT_VERSION:
            raise PackageVersion(
                f"The package has format version {data.get('format_version')!r}; this app"
                f" reads version {FORMAT_VERSION}. Update wow-rag to import it."
            )
        try:
            manifest = Manifest.model_validate_json(raw)
        except ValidationError as error:
            raise PackageMismatch(f"The package's manifest is invalid: {_first(error)}") from None
        listed = set(manifest.members)
        present = {i.filename for i in self._zip.infolist()} - {MANIFEST}
        if listed != present:
            raise PackageMismatch(
                "The manifest does not list the package's members (missing:"
                f" {sorted(listed - present)[:3]}, unlisted: {sorted(present - listed)[:3]})."
            )
        for name, member in manifest.members.items():
            if self._zip.getinfo(name).file_size != member.size:
                raise PackageMismatch(f"The manifest gives {name!r} a size it does not have.")
        return manifest

    # -- the members ------------------------------------------------------------------------
    def check(self) -> None:
        """Read every member once: checksums, document rows, chunks, counts."""
        self.documents = self._checked(DOCUMENTS, self._parse_documents) or []
        for entry in self.documents:
            if entry.file is not None:
                self._checked(entry.file, _drain)
                if self.manifest.members[entry.file].sha256 != entry.sha256:
                    raise PackageMismatch(f"The file of {entry.filename!r} is not the one listed.")
        self._checked(POINTS, self._parse_points)

    def _checked(self, name: str, parse: Callable[[Readable], _T]) -> _T | None:
        """Run `parse` over the member while hashing it; its checksum decides whether a
        parse error means damaged bytes or a lying manifest."""
        expected = self.manifest.members.get(name)
        if expected is None:
            raise PackageMismatch(f"The package lists {name!r} but the manifest does not.")
        try:
            with self._zip.open(name) as raw:
                stream = _Hashing(raw)
                result: _T | None = None
                problem: PackageMismatch | None = None
                try:
                    result = parse(stream)
                except PackageMismatch as error:
                    problem = error
                _drain(stream)
        except DAMAGED as error:
            raise PackageCorrupt(f"{name!r} in the package is damaged ({error}).") from None
        if stream.digest.hexdigest() != expected.sha256:
            raise PackageCorrupt(f"{name!r} in the package does not match its checksum.")
        if problem is not None:
            raise problem
        return result

    def _parse_documents(self, stream: Readable) -> list[DocumentEntry]:
        entries: list[DocumentEntry] = []
        while line := stream.readline(MAX_LINE_BYTES + 1):
            if len(line) > MAX_LINE_BYTES:
                raise PackageMismatch("A document row of the package is too long.")
            try:
                entries.append(DocumentEntry.model_validate_json(line))
            except ValidationError as error:
                raise PackageMismatch(f"A document row is invalid: {_first(error)}") from None
        if len(entries) != self.manifest.counts.documents:
            raise PackageMismatch(
                f"The manifest counts {self.manifest.counts.documents} documents;"
                f" the package holds {len(entries)}."
            )
        if len({e.id for e in entries}) != len(entries):
            raise PackageMismatch("Two document rows of the package have the same id.")
        files = [e.file for e in entries if e.file is not None]
        held = {name for name in self.manifest.members if FILE_NAME.fullmatch(name)}
        if len(set(files)) != len(files) or set(files) != held:
            raise PackageMismatch("The package's files are not the ones its documents list.")
        return entries

    def _parse_points(self, stream: Readable) -> None:
        per_doc: Counter[str] = Counter()
        rows = passages = 0
        for chunk in self.chunks(stream):
            per_doc[chunk.entry.doc] += 1
            rows += chunk.entry.rows
            passages += chunk.passage is not None
        counts = self.manifest.counts
        if (sum(per_doc.values()), rows, passages) != (
            counts.chunks,
            counts.dense_rows,
            counts.passage_vectors,
        ):
            raise PackageMismatch(
                "The manifest's counts of chunks and vectors are not the package's."
            )
        for doc in self.documents:
            if per_doc[doc.id] != doc.chunk_count:
                raise PackageMismatch(
                    f"{doc.filename!r} should have {doc.chunk_count} chunks;"
                    f" the package has {per_doc[doc.id]}."
                )

    def chunks(self, stream: Readable | None = None) -> Iterator[StoredChunk]:
        """The chunks of `points.bin`, each checked (a second read passes no stream)."""
        if stream is None:
            with self._zip.open(POINTS) as own:
                yield from self.chunks(own)
            return
        ready = {d.id for d in self.documents if d.status == "ready"}
        passage = self.manifest.passage.dimension if self.manifest.passage else 0
        yield from read_chunks(stream, ready, self.manifest.embedder.dimension, passage)

    def open(self, name: str) -> IO[bytes]:
        return self._zip.open(name)


def _drain(stream: Readable) -> None:
    while stream.read(CHUNK):
        pass


class _Hashing:
    """A member being read, hashed as it goes."""

    def __init__(self, raw: Readable) -> None:
        self.raw, self.digest = raw, hashlib.sha256()

    def read(self, size: int = -1, /) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        return data

    def readline(self, limit: int = -1, /) -> bytes:
        data = self.raw.readline(limit)
        self.digest.update(data)
        return data


def _first(error: ValidationError) -> str:
    first = error.errors()[0]
    return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
