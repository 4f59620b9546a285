"""Uploaded files on disk: generated names, sanitised original names, size limits."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from backend.errors import TooLarge
from backend.store.clock import new_id

CHUNK = 1 << 20
MAX_NAME = 180
_WINDOWS_DEVICES = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(10)),
    *(f"LPT{i}" for i in range(10)),
}


def sanitize_filename(raw: str | None) -> str:
    """A display name that is safe anywhere: no path, no control characters, bounded."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip().strip(".")
    if not name:
        name = "unnamed"
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if stem.upper().split(".")[0] in _WINDOWS_DEVICES:
        stem = f"_{stem}"
    ext = ext[:16]
    stem = stem[: MAX_NAME - len(ext) - 1]
    return f"{stem}.{ext}" if ext else stem


@dataclass
class StoredUpload:
    stored_name: str
    path: Path
    size: int
    sha256: str


class UploadStore:
    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes

    def path(self, stored_name: str) -> Path:
        return self.folder / stored_name

    def save(self, source: BinaryIO) -> StoredUpload:
        stored_name = f"{new_id()}.bin"
        path = self.path(stored_name)
        digest, size = hashlib.sha256(), 0
        try:
            with open(path, "wb") as out:
                while block := source.read(CHUNK):
                    size += len(block)
                    if size > self.max_bytes:
                        raise TooLarge(
                            f"The file is larger than the limit of {self.max_bytes >> 20} MB."
                        )
                    digest.update(block)
                    out.write(block)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return StoredUpload(stored_name, path, size, digest.hexdigest())

    def remove(self, stored_name: str) -> None:
        if stored_name and os.path.basename(stored_name) == stored_name:
            self.path(stored_name).unlink(missing_ok=True)
