"""Qdrant Edge shards on disk: the schema of a new shard, and opening one written by this
or an earlier version (half-float sentence vectors; no e5 passage vector yet)."""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path
from typing import Any

from backend.rag.vectors.byte_vectors import ByteVectors, HalfFloatVectors, VectorCodec
from backend.rag.vectors.store import DENSE, KEYWORDS, PASSAGE, PASSAGE_DIMENSION

# What a new shard's first load writes (10 MB), and all it takes (4 MB more), with room.
FIRST_LOAD_BYTES = 12 << 20
NEW_SHARD_BYTES = 16 << 20


def open_shard(q: Any, path: Path) -> tuple[Any, VectorCodec]:
    codec = stored_codec(path / "edge_config.json")
    shard = q.EdgeShard.load(str(path))
    if not has_vector(path / "edge_config.json", PASSAGE):  # a shard from before e5
        shard.update(
            q.UpdateOperation.create_dense_vector(
                PASSAGE, PASSAGE_DIMENSION, q.Distance.Cosine, None,
                q.VectorStorageDatatype.Float16,
            )
        )
        shard.flush()
    return shard, codec


def create_shard(q: Any, path: Path, dimension: int) -> tuple[Any, VectorCodec]:
    codec = ByteVectors()
    config = q.EdgeConfig(
        vectors={
            DENSE: q.EdgeVectorParams(
                size=codec.stored_size(dimension),
                distance=q.Distance.Dot,
                multivector_config=q.MultiVectorConfig(q.MultiVectorComparator.MaxSim),
                datatype=q.VectorStorageDatatype.Uint8,
                # A plain memory map: the default placement counted every vector twice
                # in resident memory (937 MB for 480 MB of vectors at 100k chunks),
                # for the same query time.
                memory=q.Memory.Cold,
            ),
            PASSAGE: q.EdgeVectorParams(
                size=PASSAGE_DIMENSION,
                distance=q.Distance.Cosine,
                datatype=q.VectorStorageDatatype.Float16,
                memory=q.Memory.Cold,
            ),
        },
        sparse_vectors={KEYWORDS: q.EdgeSparseVectorParams(modifier=q.Modifier.Idf)},
    )
    shard = q.EdgeShard.create(str(path), config)
    for name in ("kb_id", "doc_id"):
        shard.update(q.UpdateOperation.create_field_index(name, q.PayloadSchemaType.Keyword))
    shard.flush()
    # The first load writes the payload indexes' memory-mapped pages (10 MB, sparse
    # until then): at a later start on a full disk that write was a SIGBUS. Loading
    # once now takes those pages while there is room, or fails with an error.
    shard.close()
    if shutil.disk_usage(path).free < FIRST_LOAD_BYTES:
        raise OSError(errno.ENOSPC, "No space left on device for a new vector store")
    return q.EdgeShard.load(str(path)), codec


def has_vector(config_file: Path, name: str) -> bool:
    config = json.loads(config_file.read_text("utf-8"))
    return name in (config.get("vectors") or {})


def stored_codec(config_file: Path) -> VectorCodec:
    """How an existing shard keeps its sentence vectors: bytes, or half floats (shards
    written before bytes)."""
    config = json.loads(config_file.read_text("utf-8"))
    datatype = (config.get("vectors") or {}).get(DENSE, {}).get("datatype")
    return ByteVectors() if datatype == ByteVectors.datatype else HalfFloatVectors()
