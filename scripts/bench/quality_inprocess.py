"""The public-set cases in-process, for tuning: over a data dir that `quality.py` imported
(and, with `--passage-vectors wait`, gave e5 vectors), each question goes through the
app's own retriever, relevance judgement and extractive answerer, without a server or the
typing pause. Seconds instead of minutes per change, so that weights and thresholds can be
tried; the numbers that count are still quality.py's, over HTTP.

    python -m scripts.bench.quality_inprocess --data-dir DIR [--sample 100] [--e5]
        [--features out.json]

`--features` writes, per question, what relevance.py judges by (dense, crowd, coverage,
the e5 cosine and its crowd, the languages), for calibrating its thresholds.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from concurrent.futures import Future
from pathlib import Path

from backend.paths import DataPaths
from backend.rag.embedder import UseEmbedder
from backend.rag.language import detect_language
from backend.rag.llm.extractive import compose
from backend.rag.llm.generation import AnswerRequest
from backend.rag.relevance import judge, relevance
from backend.rag.retriever import HybridRetriever
from backend.rag.sparse import KeywordEncoder
from backend.rag.vectors.factory import open_vector_store
from backend.rag.vectors.store import PassageHit, VectorStore
from scripts.bench.quality_cases import Asked, build_cases, load_all, score

TOP_K = 5


class PassageSearchNow:
    """services/passage_vectors.py's query side, without its background pass: e5 is ready
    at once, and the search runs on the caller's thread."""

    def __init__(self, store: VectorStore) -> None:
        from backend.rag.e5 import E5Embedder

        self.store = store
        self.e5 = E5Embedder()  # its passage() serves PassagePass too
        self.e5.warm()

    def ready(self) -> bool:
        return True

    def search(
        self, question: str, kb_ids: list[str] | None, limit: int
    ) -> Future[list[PassageHit]]:
        found: Future[list[PassageHit]] = Future()
        found.set_result(self.store.search_passages(self.e5.query([question])[0], kb_ids, limit))
        return found


def kb_ids(data_dir: Path) -> dict[str, str]:
    with sqlite3.connect(DataPaths(data_dir).database) as db:
        return {name: str(kb) for kb, name in db.execute("SELECT id, name FROM knowledge_bases")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--sample", type=int, default=100)
    parser.add_argument("--e5", action="store_true", help="add the e5 passage list")
    parser.add_argument("--cases", default="")
    parser.add_argument("--features", type=Path, default=None)
    parser.add_argument("--misses", action="store_true", help="print each miss")
    parser.add_argument(
        "--fill-passages",
        action="store_true",
        help="first give every chunk its e5 vector here, at this process's priority (the "
        "app's pass runs at idle priority and crawls on a busy machine)",
    )
    args = parser.parse_args()
    ids = kb_ids(args.data_dir)
    embedder = UseEmbedder()
    store = open_vector_store("edge", str(DataPaths(args.data_dir).qdrant), embedder.dimension)
    retriever = HybridRetriever(store, embedder, KeywordEncoder())
    if args.e5 or args.fill_passages:
        retriever.passages = search = PassageSearchNow(store)
    if args.fill_passages:
        from backend.services.reembed import PassagePass

        started = time.perf_counter()
        done = PassagePass(store, search.e5, 8).run()
        print(f"e5 vectors for {done.stored} chunks in {time.perf_counter() - started:.0f} s")
    cases = build_cases(load_all(), args.sample)
    if args.cases:
        cases = [c for c in cases if c.name in args.cases.split(",")]
    features = []
    started = time.perf_counter()
    try:
        for case in cases:
            asked = []
            for q in case.questions:
                passages = retriever.retrieve(q.text, [ids[q.kb]], TOP_K, focus=q.text)
                judged = judge(q.text, passages)
                language = detect_language(q.text)
                answer = judged.reply
                if judged.verdict == "answer":
                    answer = compose(AnswerRequest(q.text, judged.passages, [], language))
                one = Asked(q, [p.filename for p in judged.passages], answer)
                asked.append(one)
                if args.misses and not case.negative and not (one.para1 and one.stated):
                    print(f"  MISS {case.name} p1={one.para1} q={q.text!r}\n    gold={q.answers}"
                          f"\n    said={answer[:300]!r}")
                if args.misses and case.negative and not one.not_found:
                    print(f"  ANSWERED {case.name} q={q.text!r} said={answer[:120]!r}")
                if passages:
                    best = passages[0]
                    features.append(
                        {
                            "case": case.name,
                            "negative": case.negative,
                            "q": q.text,
                            "q_lang": language,
                            "p_lang": detect_language(best.text),
                            "dense": best.dense,
                            "crowd": best.crowd,
                            "coverage": best.coverage,
                            "e5": best.e5,
                            "e5_crowd": best.e5_crowd,
                            "relevance": relevance(best),
                            "para1": best.filename == q.gold,
                            "stated": one.stated,
                            "verdict": judged.verdict,
                        }
                    )
            print(case.name, score(case, asked), flush=True)
    finally:
        store.close()
        embedder.close()
    print(f"{time.perf_counter() - started:.0f} s")
    if args.features:
        args.features.write_text(json.dumps(features, ensure_ascii=False), "utf-8")


if __name__ == "__main__":
    main()
