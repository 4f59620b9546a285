"""Keyword vectors: BM25 term weights with a tokenizer that segments Chinese.

Qdrant Edge's BM25 model runs in-process (Rust) and its multilingual tokenizer splits
Chinese into words ('年假' finds '带薪年假'). The same encoder feeds all three engines, so
keyword search behaves identically on edge, local and server; the IDF part is applied
by Qdrant itself (the sparse vector's IDF modifier).

Every text is folded (NFKC) before it is tokenized, documents and queries alike, so that
a compatibility form ('⽤', full-width 'ＡＢＣ１２３') and the plain character meet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from backend.rag.normalize import fold


@dataclass(frozen=True)
class SparseTerms:
    indices: list[int]
    values: list[float]


class KeywordEncoder:
    def __init__(self) -> None:
        from qdrant_edge import Bm25, Bm25Config, TokenizerType

        self._model = Bm25(Bm25Config(tokenizer=TokenizerType.Multilingual))

    def document(self, text: str) -> SparseTerms:
        vector = self._model.embed_document(fold(text))
        return SparseTerms(list(vector.indices), list(vector.values))

    def query(self, text: str) -> SparseTerms:
        vector = self._model.embed_query(fold(text))
        return SparseTerms(list(vector.indices), list(vector.values))

    def terms(self, text: str) -> set[int]:
        return set(self._model.embed_query(fold(text)).indices)


def document_label(filename: str) -> str:
    """The file name as words: 'acme_handbook-2025.pdf' -> 'acme handbook 2025'."""
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    return re.sub(r"[_\-.]+", " ", stem).strip()[:80]


def keyword_text(filename: str, heading: str, text: str) -> str:
    return f"{document_label(filename)}\n{heading}\n{text}"
