"""A document's chunks with their vectors become Qdrant points; and what points take on
disk, to look before writing them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from backend.rag.sparse import KeywordEncoder, keyword_text
from backend.rag.splitter import Chunk
from backend.rag.vectors.store import ChunkPoint
from backend.store.models import Document


def chunk_points(
    doc: Document,
    chunks: list[Chunk],
    unique_units: list[str],
    matrix: np.ndarray,
    keywords: KeywordEncoder,
) -> list[ChunkPoint]:
    """`matrix` holds one vector per distinct sentence, in the order of `unique_units`."""
    row_of = {text: row for row, text in enumerate(unique_units)}
    return [
        ChunkPoint(
            kb_id=doc.kb_id,
            doc_id=doc.id,
            filename=doc.filename,
            page=chunk.page,
            chunk_index=chunk.index,
            text=chunk.text,
            heading=chunk.heading,
            units=chunk.units,
            dense=matrix[[row_of[text] for text in chunk.unit_texts()]],
            keywords=keywords.document(keyword_text(doc.filename, chunk.heading, chunk.text)),
        )
        for chunk in chunks
    ]


def renamed(points: list[ChunkPoint], filename: str, keywords: KeywordEncoder) -> list[ChunkPoint]:
    """The same chunks under a new file name: the name's words in their keyword vectors,
    their sentence vectors as they are (a rename embeds nothing)."""
    return [
        replace(
            p,
            filename=filename,
            keywords=keywords.document(keyword_text(filename, p.heading, p.text)),
        )
        for p in points
    ]


def estimated_bytes(points: list[ChunkPoint]) -> int:
    """What the points take on disk, counted twice: the write-ahead log and the segment
    each hold them (a sentence vector is one byte per dimension; payload JSON and the
    keyword vector beside it)."""
    one = sum(
        p.dense.size
        + 16 * len(p.units)
        + 2 * len(p.text.encode())
        + 8 * len(p.keywords.indices)
        + 512
        for p in points
    )
    return 2 * one
