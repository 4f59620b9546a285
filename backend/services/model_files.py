"""GGUF model files in the data dir's `models/` folder: a file chosen in the settings or
dropped into the app is copied there (checked to be GGUF first), so that the app keeps
working when the original moves."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO

from backend.errors import Invalid, NotFound, Unsupported

GGUF_MAGIC = b"GGUF"
_UNSAFE = re.compile(r"[^\w.\-]+")


@dataclass
class ModelFile:
    path: str
    filename: str
    size: int

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _check_name(filename: str) -> str:
    name = _UNSAFE.sub("_", Path(filename).name).strip("._") or "model"
    if not name.lower().endswith(".gguf"):
        raise Unsupported("Only .gguf model files can be used.", code="not_gguf")
    return name


def _check_magic(head: bytes) -> None:
    if head[:4] != GGUF_MAGIC:
        raise Unsupported("This file is not a GGUF model.", code="not_gguf")


class ModelFiles:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def list(self) -> list[ModelFile]:
        if not self.folder.is_dir():
            return []
        return [self._describe(p) for p in sorted(self.folder.glob("*.gguf")) if p.is_file()]

    def receiver(self) -> ModelUpload:
        """An HTTP import: one model file written into the folder as its bytes arrive."""
        return ModelUpload(self)

    async def import_path(self, path: str) -> ModelFile:
        return await asyncio.to_thread(self._import_path, path)

    def _import_path(self, path: str) -> ModelFile:
        source = Path(path).expanduser()
        if not source.is_absolute():
            raise Invalid("Give the model file's absolute path.", code="invalid_path")
        if not source.is_file():
            raise NotFound(f"There is no file at {source}.", code="file_not_found")
        name = _check_name(source.name)
        if source.resolve().parent == self.folder.resolve():
            with source.open("rb") as f:
                _check_magic(f.read(4))
            return self._describe(source)
        with source.open("rb") as f:
            return self._copy(name, f)

    def _copy(self, name: str, source: BinaryIO) -> ModelFile:
        head = source.read(4)
        _check_magic(head)
        self.folder.mkdir(parents=True, exist_ok=True)
        part = self.folder / f".{name}.part"
        try:
            with part.open("wb") as out:
                out.write(head)
                shutil.copyfileobj(source, out, 1 << 20)
            target = self._free_name(name, part.stat().st_size)
            os.replace(part, target)
        finally:
            part.unlink(missing_ok=True)
        return self._describe(target)

    def _free_name(self, name: str, size: int) -> Path:
        """The same name again is the same model when the size matches; else a new name."""
        target, n = self.folder / name, 2
        while target.exists() and target.stat().st_size != size:
            target = self.folder / f"{Path(name).stem}-{n}.gguf"
            n += 1
        return target

    @staticmethod
    def _describe(path: Path) -> ModelFile:
        return ModelFile(path=str(path.resolve()), filename=path.name, size=path.stat().st_size)


class ModelUpload:
    """One model file arriving in parts: written to a hidden `.part` file in the models
    folder (never the system temp dir), checked to be GGUF by its first bytes, and renamed
    to its name when complete. `model` is the result."""

    def __init__(self, files: ModelFiles) -> None:
        self.files = files
        self.model: ModelFile | None = None
        self._part: Path | None = None
        self._out: BinaryIO | None = None
        self._head = b""
        self._name = ""

    def open(self, filename: str) -> ModelUpload:
        if self._part is not None or self.model is not None:
            raise Invalid("Send one model file at a time.", code="invalid_request")
        self._name = _check_name(filename)
        self.files.folder.mkdir(parents=True, exist_ok=True)
        self._part = self.files.folder / f".{self._name}.{uuid.uuid4().hex}.part"
        self._out = self._part.open("wb")
        return self

    def write(self, block: bytes) -> None:
        if len(self._head) < len(GGUF_MAGIC):
            self._head += block[: len(GGUF_MAGIC) - len(self._head)]
            if len(self._head) == len(GGUF_MAGIC):
                _check_magic(self._head)
        assert self._out is not None
        self._out.write(block)

    def finish(self) -> None:
        assert self._out is not None and self._part is not None
        self._out.close()
        _check_magic(self._head)
        target = self.files._free_name(self._name, self._part.stat().st_size)
        os.replace(self._part, target)
        self._part = self._out = None
        self.model = self.files._describe(target)

    def discard(self) -> None:
        if self._out is not None:
            self._out.close()
        if self._part is not None:
            self._part.unlink(missing_ok=True)
        self._part = self._out = None
